package client

import (
	"embed"
	"errors"
	"io/fs"
)

// dashboard holds the admin dashboard's build output (client/dashboard-dist,
// produced by `npm run build` from src/dashboard), kept apart from dist so
// that the game's public listener never serves it. "all:" keeps its
// committed .gitkeep.
//
//go:embed all:dashboard-dist
var dashboard embed.FS

// Dashboard returns the built admin dashboard (index.html, dashboard.js,
// dashboard.css) rooted at its folder, or an error when the binary was
// compiled before the client was built. It is safe for concurrent use.
func Dashboard() (fs.FS, error) {
	if _, err := fs.Stat(dashboard, "dashboard-dist/index.html"); err != nil {
		return nil, errors.New("client: the dashboard is not built (make build)")
	}
	return fs.Sub(dashboard, "dashboard-dist")
}
