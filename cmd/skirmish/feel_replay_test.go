package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestFeelReplay judges recordings TestFeel dumped (SKIRMISH_FEEL_DUMP)
// again, with the measures as they are now: SKIRMISH_FEEL_REPLAY=glob
// ('dir/*.json'). A measure changed to ride out a machine's disturbances
// is checked on every recording kept, not on the next run's luck. Without
// the variable there is nothing to replay, and it passes.
func TestFeelReplay(t *testing.T) {
	glob := os.Getenv("SKIRMISH_FEEL_REPLAY")
	if glob == "" {
		return
	}
	paths, err := filepath.Glob(glob)
	if err != nil {
		t.Fatal(err)
	}
	m := feelMap(t)
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			var rec feelRecording
			if err := json.Unmarshal(b, &rec); err != nil {
				t.Fatal(err)
			}
			rep, err := measureFeel(&rec, m)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("\n%s", rep)
			for _, v := range append(rep.shortfalls(), rep.violations()...) {
				t.Error(v)
			}
		})
	}
}
