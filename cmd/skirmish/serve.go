package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/skirmish-game/skirmish/assets"
	"github.com/skirmish-game/skirmish/client"
	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/clock"
	"github.com/skirmish-game/skirmish/game/match"
	"github.com/skirmish-game/skirmish/internal/httpapi"
	"github.com/skirmish-game/skirmish/netcode"
	"github.com/skirmish-game/skirmish/spectate"
)

// server is one running Skirmish: the match registry, the players' and the
// spectators' front doors, and the HTTP server in front of them.
type server struct {
	cfg        serveConfig
	log        *slog.Logger
	registry   *match.Registry
	players    *netcode.Server
	spectators *spectate.Server
	http       *http.Server
	draining   atomic.Bool
}

// newServer wires the parts together; nothing runs until serve.
func newServer(cfg serveConfig, log *slog.Logger) (*server, error) {
	raw, err := assets.Map(cfg.Map)
	if err != nil {
		return nil, err
	}
	m, err := game.ParseMap(raw)
	if err != nil {
		return nil, fmt.Errorf("map %q: %w", cfg.Map, err)
	}
	if m.ID != cfg.Map { // clients fetch /assets/maps/{id}.json: the file must be named by its id
		return nil, fmt.Errorf("map file %s.json has id %q", cfg.Map, m.ID)
	}
	botFill := 0
	if cfg.Bots {
		botFill = cfg.BotFill
	}
	registry, err := match.NewRegistry(match.RegistryConfig{
		Match: match.Config{
			World: game.WorldConfig{
				TickRate:   cfg.TickRate,
				MaxPlayers: cfg.MaxPlayers,
				BotFill:    botFill,
				Map:        m,
				TimeLimit:  int(cfg.TimeLimit.Seconds() * float64(cfg.TickRate)),
				ScoreLimit: cfg.ScoreLimit,
				MaxRewind:  maxRewindTicks(cfg.MaxRewind, cfg.TickRate),
			},
			Clock:  clock.System{},
			Logger: log,
		},
		NewID:      uuid.NewString,
		MaxMatches: cfg.MaxMatches,
	})
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	limit, known := openFileLimit()
	fds, err := descriptorBudget(limit, known, cfg.MaxConnections, cfg.MaxSpectators)
	if err != nil {
		return nil, err
	}
	logBudget(log, fds, cfg)
	maxSpectators := fds.Spectators
	if maxSpectators == 0 {
		maxSpectators = -1 // none: every stream is refused
	}
	players, err := netcode.NewServer(netcode.Config{
		Registry:        registry,
		SnapshotRate:    cfg.SnapshotRate,
		AllowedOrigins:  cfg.Origins,
		MaxConnections:  fds.Players,
		ReconnectWindow: netcodeReconnectWindow(cfg.ReconnectWindow),
		Logger:          log.With("part", "netcode"),
	})
	if err != nil {
		return nil, fmt.Errorf("netcode: %w", err)
	}
	spectators, err := spectate.NewServer(spectate.Config{
		Registry:      registry,
		Rate:          cfg.SpectatorRate,
		MaxSpectators: maxSpectators,
		// A spectator stuck mid-write holds its stream until this deadline,
		// also on SIGTERM: keep it well inside the shutdown timeout.
		WriteTimeout: min(spectate.DefaultWriteTimeout, cfg.ShutdownTimeout/2),
		Logger:       log.With("part", "spectate"),
	})
	if err != nil {
		return nil, fmt.Errorf("spectate: %w", err)
	}
	s := &server{cfg: cfg, log: log, registry: registry, players: players, spectators: spectators}
	s.http = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 5 * time.Second,
		// Lets the spectator streams bound their sockets' send buffers.
		ConnContext: spectate.ConnContext,
		// Idle keep-alive connections (lobby polling /api/matches) are not
		// kept forever; streams and WebSockets are not idle, so unaffected.
		IdleTimeout: 2 * time.Minute,
		ErrorLog:    slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// netcodeReconnectWindow is --reconnect-window as netcode.Config means it:
// the flag's 0 (holding off) is netcode's negative, since netcode's 0 is its
// default.
func netcodeReconnectWindow(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// logBudget says what the descriptor limit allows, loudly when it is less
// than the flags ask for.
func logBudget(log *slog.Logger, b fdBudget, cfg serveConfig) {
	args := []any{"rlimit_nofile", b.Limit, "reserve", fdReserve, "max_players_connections", b.Players,
		"max_spectators", b.Spectators}
	switch {
	case b.Limit == 0:
		log.Info("connection caps (the open-file limit is unknown)", args...)
	case b.Players < cfg.MaxConnections || b.Spectators < cfg.MaxSpectators:
		log.Warn("the open-file limit lowers the connection caps below the flags; raise it (ulimit -n) or lower --max-connections", args...)
	default:
		log.Info("connection caps", args...)
	}
}

// route is one path of the HTTP surface and the methods it serves.
type route struct {
	pattern string
	// methods the handler serves; GET includes HEAD, which every handler
	// answers with the GET's status and headers and no body, at once. nil
	// means the handler checks the method itself.
	methods []string
	handler http.Handler
}

// routes is the whole HTTP surface; docs/PROTOCOL.md describes each route.
// Every route declares its methods: any other method gets a JSON 405 with
// an Allow header, except /ws, where netcode answers anything but a GET
// upgrade with 400 bad_upgrade (PROTOCOL.md §1.1).
func (s *server) routes() http.Handler {
	get := []string{http.MethodGet}
	mux := http.NewServeMux()
	for _, rt := range []route{
		{"/ws", nil, s.players},
		{"/api/matches", get, http.HandlerFunc(s.spectators.ServeList)},
		{"/api/matches/{id}/events", get, http.HandlerFunc(s.spectators.ServeEvents)},
		{"/api/", get, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			httpapi.WriteError(w, http.StatusNotFound, "not_found", "no such API route: "+r.Method+" "+r.URL.Path)
		})},
		{"/healthz", get, http.HandlerFunc(s.healthz)},
		{"/assets/", get, noCache(http.StripPrefix("/assets/", http.FileServerFS(assets.FS())))},
		{"/", get, noCache(clientHandler())},
	} {
		mux.Handle(rt.pattern, onlyMethods(rt.methods, rt.handler))
	}
	return mux
}

// onlyMethods passes requests with one of methods (GET bringing HEAD) to h
// and answers the others with a JSON 405. A nil methods passes everything.
func onlyMethods(methods []string, h http.Handler) http.Handler {
	if methods == nil {
		return h
	}
	allowed := slices.Clone(methods)
	if slices.Contains(allowed, http.MethodGet) && !slices.Contains(allowed, http.MethodHead) {
		allowed = append(allowed, http.MethodHead)
	}
	allow := strings.Join(allowed, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !slices.Contains(allowed, r.Method) {
			w.Header().Set("Allow", allow)
			httpapi.WriteError(w, http.StatusMethodNotAllowed, "method_not_allowed",
				r.Method+" "+r.URL.Path+": only "+allow+" is served here")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// clientHandler serves the embedded browser client, or explains how to build
// it when the binary was compiled without one.
func clientHandler() http.Handler {
	if !client.Built() {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "The browser client is not built into this binary. Build with `make build` (or run `make run`).")
		})
	}
	return http.FileServerFS(client.Dist())
}

// noCache makes browsers revalidate: the embedded files carry no modification
// time, and a stale client against a newer server speaks the wrong protocol.
func noCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		httpapi.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "draining"})
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// serve runs until ctx is cancelled (SIGINT/SIGTERM), then drains within the
// shutdown timeout:
//
//  1. /healthz turns 503 and the listener closes (stop accepting);
//  2. every match ends with reason "shutdown": its players get the `end`
//     event and then close 1001, its spectators get the final `end` event;
//  3. the two front doors close whatever is left (players still saying
//     hello, spectators of matches that already ended);
//  4. in-flight HTTP requests finish.
//
// It returns nil when all of that finished in time.
func (s *server) serve(ctx context.Context, ln net.Listener) error {
	regCtx, stopMatches := context.WithCancel(context.Background())
	defer stopMatches()
	regErr := make(chan error, 1)
	go func() { regErr <- s.registry.Run(regCtx) }()
	httpErr := make(chan error, 1)
	go func() { httpErr <- s.http.Serve(ln) }()
	s.log.Info("serving", "addr", ln.Addr().String(), "map", s.cfg.Map, "tick_rate", s.cfg.TickRate,
		"snapshot_rate", s.cfg.SnapshotRate, "spectator_rate", s.cfg.SpectatorRate,
		"max_players", s.cfg.MaxPlayers, "bots", s.cfg.Bots)

	select {
	case <-ctx.Done():
	case err := <-httpErr:
		stopMatches()
		<-regErr
		return fmt.Errorf("http server: %w", err)
	}

	s.log.Info("shutting down", "timeout", s.cfg.ShutdownTimeout)
	s.draining.Store(true)
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()

	// http.Server.Shutdown closes the listener at once and then waits for
	// in-flight requests, which include the SSE streams: so it runs beside
	// the steps that end those streams.
	httpDone := make(chan error, 1)
	go func() { httpDone <- s.http.Shutdown(sctx) }()
	var errs []error
	stopMatches()
	select {
	case err := <-regErr:
		if err != nil {
			errs = append(errs, fmt.Errorf("matches: %w", err))
		}
	case <-sctx.Done():
		errs = append(errs, fmt.Errorf("matches did not stop within %s", s.cfg.ShutdownTimeout))
	}
	if err := s.players.Shutdown(sctx); err != nil {
		errs = append(errs, fmt.Errorf("players: %w", err))
	}
	if err := s.spectators.Shutdown(sctx); err != nil {
		errs = append(errs, fmt.Errorf("spectators: %w", err))
	}
	if err := <-httpDone; err != nil {
		errs = append(errs, fmt.Errorf("http: %w", err))
	}
	if err := <-httpErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		errs = append(errs, fmt.Errorf("http: %w", err))
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	s.log.Info("stopped cleanly")
	return nil
}
