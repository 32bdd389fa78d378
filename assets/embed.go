// Package assets holds the game's data files (maps) embedded in the binary,
// so a host ships one file.
package assets

import (
	"embed"
	"fmt"
	"io/fs"
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
