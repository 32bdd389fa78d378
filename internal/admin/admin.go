// Package admin is the host's side door: the admin listener's HTTP surface
// (docs/ADMIN.md) — the JSON API that lists, creates and ends matches,
// kicks players and drains the server; the live dashboard and the stream of
// samples it draws; /metrics and net/http/pprof — all behind one bearer
// token. It knows the match runtime and nothing of the wires: cmd/skirmish
// hands it the players' kick and the spectators' counts as functions.
package admin

import (
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"slices"
	"strings"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/match"
	"github.com/skirmish-game/skirmish/internal/httpapi"
)

// Config configures a Server. Fields marked required have no default.
type Config struct {
	// Registry is the server's matches. Required.
	Registry *match.Registry
	// Kick removes a human player from a match for good (netcode's
	// Server.Kick). Required. An error means the player has no seat (left
	// meanwhile): the API answers 404.
	Kick func(matchID string, player game.PlayerID) error
	// Spectators is how many spectator streams watch a match (spectate's
	// Server.Spectators); nil means 0 for every match.
	Spectators func(matchID string) int
	// Drain stops the server taking new matches, ends it once its matches
	// have ended or timeout has passed, and returns when that will be at the
	// latest; a second call returns the first call's deadline. Required.
	Drain func(timeout time.Duration) (deadline time.Time)
	// DrainTimeout is the drain's deadline when POST /admin/drain names
	// none. Required (positive).
	DrainTimeout time.Duration
	// Token is the bearer token every request must show (RFC 6750); ""
	// leaves the listener open, which cmd allows on loopback only.
	Token string
	// Metrics serves /metrics; nil answers 404 metrics_not_built.
	Metrics http.Handler
	// Dashboard is the built dashboard page (index.html and what it loads);
	// nil, or one without index.html, answers 503 with how to build it.
	Dashboard fs.FS
	// Sampler feeds the dashboard's stream. Required.
	Sampler *Sampler
	// Logger; nil means slog.Default().
	Logger *slog.Logger
}

// MaxDrainTimeout bounds the timeout POST /admin/drain accepts.
const MaxDrainTimeout = 2 * time.Hour

// Server is the admin listener's handler. It is safe for concurrent use.
type Server struct {
	cfg     Config
	log     *slog.Logger
	handler http.Handler
}

// New checks cfg and builds the handler.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Registry == nil:
		return nil, errors.New("admin: Config.Registry is required")
	case cfg.Kick == nil:
		return nil, errors.New("admin: Config.Kick is required")
	case cfg.Drain == nil:
		return nil, errors.New("admin: Config.Drain is required")
	case cfg.DrainTimeout <= 0 || cfg.DrainTimeout > MaxDrainTimeout:
		return nil, errors.New("admin: Config.DrainTimeout must be positive and at most MaxDrainTimeout")
	case cfg.Sampler == nil:
		return nil, errors.New("admin: Config.Sampler is required")
	}
	if cfg.Spectators == nil {
		cfg.Spectators = func(string) int { return 0 }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, log: cfg.Logger}
	s.handler = requireToken(cfg.Token, s.routes())
	return s, nil
}

// ServeHTTP serves the admin listener: every request is authenticated
// first (auth.go).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// routes is the admin listener's whole surface; docs/ADMIN.md describes
// each route. Patterns carry no method, so a wrong method gets a JSON 405
// from byMethod instead of the mux's plain-text one.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for pattern, methods := range map[string]map[string]http.HandlerFunc{
		"/admin/matches":                    {http.MethodGet: s.listMatches, http.MethodPost: s.createMatch},
		"/admin/matches/{id}":               {http.MethodGet: s.getMatch, http.MethodDelete: s.endMatch},
		"/admin/matches/{id}/kick/{player}": {http.MethodPost: s.kick},
		"/admin/drain":                      {http.MethodPost: s.drain},
		"/admin/stream":                     {http.MethodGet: s.stream},
		"/metrics":                          {http.MethodGet: s.metrics},
		"/{$}":                              {http.MethodGet: redirect("/dashboard/")},
		"/dashboard/":                       {http.MethodGet: s.dashboard()},
		"/debug/pprof/":                     {http.MethodGet: pprof.Index},
		"/debug/pprof/cmdline":              {http.MethodGet: pprof.Cmdline},
		"/debug/pprof/profile":              {http.MethodGet: pprof.Profile},
		"/debug/pprof/symbol":               {http.MethodGet: pprof.Symbol, http.MethodPost: pprof.Symbol},
		"/debug/pprof/trace":                {http.MethodGet: pprof.Trace},
	} {
		mux.Handle(pattern, byMethod(methods))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteError(w, http.StatusNotFound, "not_found", "no such admin route: "+r.Method+" "+r.URL.Path)
	})
	return mux
}

// byMethod dispatches on the request's method (GET bringing HEAD) and
// answers any other with a JSON 405 and an Allow header.
func byMethod(hs map[string]http.HandlerFunc) http.Handler {
	if h, ok := hs[http.MethodGet]; ok {
		if _, has := hs[http.MethodHead]; !has {
			hs[http.MethodHead] = h
		}
	}
	allowed := make([]string, 0, len(hs))
	for m := range hs {
		allowed = append(allowed, m)
	}
	slices.Sort(allowed)
	allow := strings.Join(allowed, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, ok := hs[r.Method]
		if !ok {
			w.Header().Set("Allow", allow)
			httpapi.WriteError(w, http.StatusMethodNotAllowed, "method_not_allowed",
				r.Method+" "+r.URL.Path+": only "+allow+" is served here")
			return
		}
		h(w, r)
	})
}

func redirect(to string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, to, http.StatusSeeOther)
	}
}

// metrics serves /metrics through Config.Metrics.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Metrics == nil {
		httpapi.WriteError(w, http.StatusNotFound, "metrics_not_built", "this server has no Prometheus metrics built in")
		return
	}
	s.cfg.Metrics.ServeHTTP(w, r)
}

// dashboard serves the built dashboard under /dashboard/.
func (s *Server) dashboard() http.HandlerFunc {
	if s.cfg.Dashboard == nil {
		return notBuilt
	}
	if _, err := fs.Stat(s.cfg.Dashboard, "index.html"); err != nil {
		return notBuilt
	}
	files := http.StripPrefix("/dashboard/", http.FileServerFS(s.cfg.Dashboard))
	return func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/dashboard/")
		if name == "" {
			name = "index.html"
		}
		if _, err := fs.Stat(s.cfg.Dashboard, name); err != nil {
			// The file server's own 404 would be plain text.
			httpapi.WriteError(w, http.StatusNotFound, "not_found", "the dashboard has no file "+r.URL.Path)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	}
}

func notBuilt(w http.ResponseWriter, r *http.Request) {
	httpapi.WriteError(w, http.StatusServiceUnavailable, "dashboard_not_built",
		"the dashboard is not built into this binary; build with `make build`")
}
