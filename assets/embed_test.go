package assets

import (
	"slices"
	"testing"
)

func TestMapIDs(t *testing.T) {
	ids := MapIDs()
	if !slices.IsSorted(ids) || !slices.Contains(ids, "arena") || !slices.Contains(ids, "crossroads") {
		t.Fatalf("MapIDs() = %q, want the sorted ids with arena and crossroads", ids)
	}
	for _, id := range ids {
		if _, err := Map(id); err != nil {
			t.Errorf("Map(%q): %v", id, err)
		}
	}
	if _, err := Map("nowhere"); err == nil {
		t.Error("Map of an unknown id: no error")
	}
}
