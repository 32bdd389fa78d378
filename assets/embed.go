// Package assets holds the game's data files (maps) embedded in the binary,
// so a host ships one file.
package assets

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed maps
var files embed.FS

// FS returns the asset tree (maps/…), served at /assets/. Safe for concurrent use.
func FS() fs.FS { return files }

// Map returns the raw JSON of map id (e.g. "arena").
func Map(id string) ([]byte, error) {
	if id == "" || strings.ContainsAny(id, "/\\.") {
		return nil, fmt.Errorf("assets: bad map id %q", id)
	}
	b, err := files.ReadFile("maps/" + id + ".json")
	if err != nil {
		return nil, fmt.Errorf("assets: map %q: %w", id, err)
	}
	return b, nil
}

// MapIDs returns the ids of the embedded maps, sorted: the names of the
// files in maps/ without ".json" (a map's file is named by its id, which
// the game tests check). Safe for concurrent use.
func MapIDs() []string {
	entries, err := files.ReadDir("maps")
	if err != nil {
		panic("assets: the embedded maps directory is unreadable: " + err.Error()) // go:embed guarantees it
	}
	var ids []string
	for _, e := range entries {
		if id, ok := strings.CutSuffix(e.Name(), ".json"); ok && !e.IsDir() && path.Ext(id) == "" {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}
