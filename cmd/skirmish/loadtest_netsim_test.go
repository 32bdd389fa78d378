package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

func TestLoadtestImpairmentFlags(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"--delay", "75ms", "--jitter", "15ms", "--stall", "200ms/3s", "--rate", "64KB/s"}, ""},
		{[]string{"--delay", "-1ms"}, "--delay -1ms"},
		{[]string{"--jitter", "11s"}, "--jitter 11s"},
		{[]string{"--stall", "1s"}, "-stall"},
		{[]string{"--rate", "0.1bit/s"}, "-rate"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			c, err := parseLoadConfig(tt.args, io.Discard)
			if tt.wantErr == "" && (err != nil || c.Impairment.Rate != 64000 || c.Impairment.Delay != 75*time.Millisecond) {
				t.Fatalf("err = %v, impairment %+v", err, c.Impairment)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestLoadtestImpaired: `skirmish loadtest --delay 75ms` impairs each bot's
// own connection in-process; the bots measure a round trip of about twice
// the delay, never less, and nobody is dropped.
func TestLoadtestImpaired(t *testing.T) {
	const delay = 75 * time.Millisecond
	base := startServer(t, testServeConfig(t))
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"loadtest", "--url", "ws" + strings.TrimPrefix(base, "http") + "/ws",
		"--players", "2", "--duration", "3s", "--ramp", "0s", "--delay", delay.String(), "--json"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d; stdout %s; stderr %s", code, stdout.String(), stderr.String())
	}
	var s loadSummary
	if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
		t.Fatalf("--json output: %v\n%s", err, stdout.String())
	}
	t.Logf("loadtest --delay %s: RTT p50 %.2f ms, p99 %.2f ms (%d samples)", delay, s.RTTp50Millis, s.RTTp99Millis, s.RTTSamples)
	if s.Connected != 2 || s.Dropped != 0 || s.RTTSamples < 4 {
		t.Fatalf("connected %d, dropped %d (%s), %d RTT samples", s.Connected, s.Dropped, s.FirstDisconnectError, s.RTTSamples)
	}
	// The bots time pings in float milliseconds of the wall clock.
	want := float64(2*delay) / float64(time.Millisecond)
	if s.RTTp50Millis < want-0.5 || s.RTTp50Millis > want+float64(rttMargin/time.Millisecond) {
		t.Fatalf("RTT p50 %.2f ms, want about %.0f ms", s.RTTp50Millis, want)
	}
}
