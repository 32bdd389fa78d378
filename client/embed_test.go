package client

import (
	"io/fs"
	"strings"
	"testing"
)

func TestDistIsRootedAtDist(t *testing.T) {
	d := Dist()
	// .gitkeep is always there (committed); it proves the FS is rooted inside
	// dist/ and that the all: prefix keeps dot files.
	if _, err := fs.Stat(d, ".gitkeep"); err != nil {
		t.Fatalf("Dist() has no .gitkeep at its root: %v", err)
	}
	if _, err := fs.Stat(d, "dist"); err == nil {
		t.Fatal("Dist() still contains a dist/ folder: not rooted at dist")
	}
}

func TestBuiltMatchesContents(t *testing.T) {
	d := Dist()
	_, err := fs.Stat(d, "index.html")
	if Built() != (err == nil) {
		t.Fatalf("Built() = %v but index.html stat error = %v", Built(), err)
	}
	if !Built() {
		t.Skip("client not built (run `npm run build` in client/); skipping the content checks")
	}
	// A built client is complete: the page, its script and its styles, and
	// the page refers to them by the names the build writes.
	for _, name := range []string{"index.html", "app.js", "style.css"} {
		if _, err := fs.Stat(d, name); err != nil {
			t.Errorf("built client lacks %s: %v", name, err)
		}
	}
	page, err := fs.ReadFile(d, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`src="app.js"`, `href="style.css"`, `id="game"`, `id="quickplay"`, `id="matches"`, `id="status"`, `id="back"`, `id="name"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
}
