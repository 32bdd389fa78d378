// Package client embeds the built browser client (client/dist, produced by
// `npm run build`) so the server binary can serve it at /.
package client

import (
	"embed"
	"io/fs"
)

// dist holds the build output. "all:" keeps dist/.gitkeep, which is committed
// so that this pattern matches something on a fresh clone before any build.
//
//go:embed all:dist
var dist embed.FS

// Dist returns the built client (index.html, app.js, style.css, source map)
// rooted at the dist folder. It is safe for concurrent use. On a fresh clone
// without a build it holds only .gitkeep; check Built.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// fs.Sub fails only on an invalid path, and "dist" is a constant.
		panic("client: " + err.Error())
	}
	return sub
}

// Built reports whether the binary was compiled after the client was built
// (dist/index.html exists), so the server can say "run make build" instead
// of serving a blank page. It is safe for concurrent use.
func Built() bool {
	_, err := fs.Stat(dist, "dist/index.html")
	return err == nil
}
