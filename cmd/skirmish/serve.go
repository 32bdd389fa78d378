package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/skirmish-game/skirmish/assets"
	"github.com/skirmish-game/skirmish/client"
	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/clock"
	"github.com/skirmish-game/skirmish/game/match"
	"github.com/skirmish-game/skirmish/internal/admin"
	"github.com/skirmish-game/skirmish/internal/httpapi"
	"github.com/skirmish-game/skirmish/netcode"
	"github.com/skirmish-game/skirmish/spectate"
	"github.com/skirmish-game/skirmish/spectate/store"
)

// server is one running Skirmish: the match registry, the players' and the
// spectators' front doors, and the HTTP server in front of them.
type server struct {
	cfg           serveConfig
	log           *slog.Logger
	registry      *match.Registry
	players       *netcode.Server
	spectators    *spectate.Server
	history       *store.Store    // ended matches
	recorder      *store.Recorder // saves each match that ends into history, off the tick
	historyClosed sync.Once
	historyErr    error // closeHistory's
	http          *http.Server
	drainer       *drainer // the admin API's drain (admin.go)

	// The admin listener (admin.go); nil without --admin-addr.
	admin   *http.Server
	sampler *admin.Sampler
	adminLn net.Listener // set before serve
	// adminTokenGenerated: no token was configured (loopback), so the
	// server made one and logs it once the listener is up.
	adminTokenGenerated bool
	metrics             *metrics
	// clock drives the server's own timers (the Agones calls, the
	// --exit-after-match watch); the matches have theirs. Tests replace
	// it before serve.
	clock match.Clock
	// maxConnections is the effective --max-connections (descriptors.go).
	maxConnections int
	started        atomic.Bool // serve has begun: listening, matches running (/readyz)
	draining       atomic.Bool // SIGTERM (or the last match) came: /readyz says draining
}

// openTimeout bounds connecting to the history's database at start.
const openTimeout = 30 * time.Second

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
	octx, cancel := context.WithTimeout(context.Background(), openTimeout)
	defer cancel()
	history, err := store.Open(octx, store.Config{DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL, Retention: cfg.ReplayRetention})
	if err != nil {
		return nil, fmt.Errorf("match history: %w", err)
	}
	if _, err := history.Prune(octx); err != nil { // an age bound passes while the server is down
		log.Warn("match history: applying --replay-retention failed", "err", err)
	}
	recorder, err := store.NewRecorder(store.RecorderConfig{Store: history, Journal: matchJournal, Logger: log.With("part", "store")})
	if err != nil {
		history.Close()
		return nil, err
	}
	s, err := wire(cfg, log, m, history, recorder)
	if err != nil {
		_ = recorder.Close(context.Background())
		history.Close()
		return nil, err
	}
	log.Info("match history", "backend", history.Backend(), "replay_retention", cfg.ReplayRetention.String())
	return s, nil
}

// matchJournal is what the history stores as a stopped match's replay: its
// journal (game/journal), final once the match has stopped. The file is
// made (its tail compressed) on the Recorder's goroutine, off the match.
func matchJournal(m *match.Match) func() ([]byte, error) {
	w := m.Journal()
	return func() ([]byte, error) { return w.Bytes(), nil }
}

// wire builds the registry and the front doors around an open history.
func wire(cfg serveConfig, log *slog.Logger, m *game.Map, history *store.Store, recorder *store.Recorder) (*server, error) {
	botFill := 0
	if cfg.Bots {
		botFill = cfg.BotFill
	}
	var ticks *admin.TickTimes // measured for the admin dashboard only
	if cfg.AdminAddr != "" {
		ticks = new(admin.TickTimes)
	}
	met := newMetrics()
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
			Ticks:  tickObservers(met, ticks),
		},
		NewID:      uuid.NewString,
		MaxMatches: cfg.MaxMatches,
		Observe:    recorder.Observe,
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
		RTT:             met,
		MaxSendRate:     netcodeSendRate(cfg.MaxSendRate),
		Logger:          log.With("part", "netcode"),
	})
	if err != nil {
		return nil, fmt.Errorf("netcode: %w", err)
	}
	spectators, err := spectate.NewServer(spectate.Config{
		Registry:      registry,
		Archive:       history,
		Journals:      history,
		Rate:          cfg.SpectatorRate,
		Delay:         cfg.SpectatorDelay,
		MaxSpectators: maxSpectators,
		LoadInterval:  cfg.spectatorLoadInterval,
		// A spectator stuck mid-write holds its stream until this deadline,
		// also on SIGTERM: keep it well inside the shutdown timeout.
		WriteTimeout: min(spectate.DefaultWriteTimeout, cfg.ShutdownTimeout/2),
		Logger:       log.With("part", "spectate"),
	})
	if err != nil {
		return nil, fmt.Errorf("spectate: %w", err)
	}
	s := &server{cfg: cfg, log: log, registry: registry, players: players, spectators: spectators,
		drainer: newDrainer(), metrics: met, clock: clock.System{}, maxConnections: fds.Players,
		history: history, recorder: recorder}
	if err := met.watch(metricSources{registry: registry, players: players, spectators: spectators, ready: s.ready,
		storageErrors: func() uint64 {
			rs := recorder.Stats()
			return rs.Failed + rs.Dropped + spectators.Stats().ArchiveErrors
		}}); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
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
	if cfg.AdminAddr != "" {
		if s.cfg.AdminToken == "" { // loopback without one (checkAdmin refuses the rest)
			if s.cfg.AdminToken, err = generatedAdminToken(); err != nil {
				return nil, fmt.Errorf("admin: %w", err)
			}
			s.adminTokenGenerated = true
		}
		s.sampler = s.newSampler(ticks)
		if s.admin, err = s.newAdmin(s.sampler); err != nil {
			return nil, fmt.Errorf("admin: %w", err)
		}
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

// netcodeSendRate is --max-send-rate as netcode.Config means it: the flag's
// 0 (no budget) is netcode's negative, since netcode's 0 is its default.
func netcodeSendRate(r byteRate) int {
	if r == 0 {
		return -1
	}
	return int(r)
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

// routes is the whole HTTP surface of the main listener; docs/PROTOCOL.md
// describes each route (/metrics, with --metrics-on-main: docs/ADMIN.md).
// Every route declares its methods: any other method gets a JSON 405 with
// an Allow header, except /ws, where netcode answers anything but a GET
// upgrade with 400 bad_upgrade (PROTOCOL.md §1.1).
func (s *server) routes() http.Handler {
	get := []string{http.MethodGet}
	mux := http.NewServeMux()
	if s.cfg.MetricsOnMain {
		mux.Handle("/metrics", onlyMethods(get, metricsHandler(s.metrics.reg)))
	}
	for _, rt := range []route{
		{"/ws", nil, s.players},
		{"/api/matches", get, http.HandlerFunc(s.spectators.ServeList)},
		{"/api/matches/{id}", get, http.HandlerFunc(s.spectators.ServeMatch)},
		{"/api/matches/{id}/events", get, http.HandlerFunc(s.spectators.ServeEvents)},
		{"/api/matches/{id}/replay", get, http.HandlerFunc(s.spectators.ServeReplay)},
		{"/api/", get, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			httpapi.WriteError(w, http.StatusNotFound, "not_found", "no such API route: "+r.Method+" "+r.URL.Path)
		})},
		{"/healthz", get, http.HandlerFunc(s.healthz)},
		{"/readyz", get, http.HandlerFunc(s.readyz)},
		{"/assets/", get, noCache(http.StripPrefix("/assets/", fileServer(assets.FS())))},
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
	return fileServer(client.Dist())
}

// fileServer serves the files of fsys, and a directory only through its
// index.html; anything else is the documented JSON 404 (PROTOCOL.md §3),
// not net/http's plain text or a directory listing.
func fileServer(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		if name == "" {
			name = "."
		}
		st, err := fs.Stat(fsys, name)
		if err == nil && st.IsDir() {
			_, err = fs.Stat(fsys, path.Join(name, "index.html"))
		}
		if err != nil {
			httpapi.WriteError(w, http.StatusNotFound, "not_found", "no such file: "+r.URL.Path)
			return
		}
		files.ServeHTTP(w, r)
	})
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

// closeHistory saves the matches still queued for the history, until ctx is
// done, and closes it. A server that never served calls it too; calls after
// the first return the first's error.
func (s *server) closeHistory(ctx context.Context) error {
	s.historyClosed.Do(func() {
		var errs []error
		if err := s.recorder.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("match history: %w", err))
		}
		if err := s.history.Close(); err != nil {
			errs = append(errs, fmt.Errorf("match history: %w", err))
		}
		s.historyErr = errors.Join(errs...)
	})
	return s.historyErr
}

// healthz is liveness: 200 for as long as the process serves HTTP, during
// a drain too (readiness is /readyz, readyz.go).
func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// serve runs until ctx is cancelled (SIGINT/SIGTERM), or with
// --exit-after-match until the last match has ended, or — after the admin
// API asked for a drain (readiness off, no new match) — until every match
// has ended or the drain's deadline has passed; then it drains within the
// shutdown timeout:
//
//  1. /readyz turns 503 draining, before anything else; the listener stays
//     open, so /readyz (503) and /healthz (200) answer until the drain is
//     over, and new players get 503 shutting_down;
//  2. every match ends with reason "shutdown": its players get the `end`
//     event and then close 1001, its spectators get the final `end` event;
//  3. the two front doors close whatever is left (players still saying
//     hello, spectators of matches that already ended);
//  4. the matches that ended — those the drain ended too — are saved to
//     the history, which is then closed;
//  5. with --agones, Shutdown goes to the SDK server (agones.go);
//  6. the listener closes and in-flight HTTP requests finish.
//
// It returns nil when all of that finished in time.
func (s *server) serve(ctx context.Context, ln net.Listener) error {
	ctx, exit := context.WithCancel(ctx)
	defer exit()
	regCtx, stopMatches := context.WithCancel(context.Background())
	defer stopMatches()
	regErr := make(chan error, 1)
	go func() { regErr <- s.registry.Run(regCtx) }()
	httpErr := make(chan error, 1)
	go func() { httpErr <- s.http.Serve(ln) }()
	// The admin listener outlives the game's: it answers (/metrics, the
	// dashboard) until the shutdown below has finished.
	adminCtx, stopAdmin := context.WithCancel(context.Background())
	defer stopAdmin()
	adminErr := make(chan error, 1)
	if s.admin != nil && s.adminLn != nil {
		go func() { adminErr <- s.runAdmin(adminCtx, s.adminLn) }()
	} else {
		adminErr <- nil
	}
	s.started.Store(true)

	// The Agones calls and the --exit-after-match watch run on goroutines
	// of serve's, each stopped and waited for before serve returns.
	var ag *agones
	agCtx, stopAgones := context.WithCancel(context.Background())
	agDone := make(chan struct{})
	if s.cfg.Agones {
		ag = newAgones(s.cfg.AgonesSDK, s.registry, s.registry.Clock().Now, s.clock, s.log)
		go func() { defer close(agDone); ag.run(agCtx) }()
	} else {
		close(agDone)
	}
	defer func() { stopAgones(); <-agDone }()
	watchDone := make(chan struct{})
	if s.cfg.ExitAfterMatch {
		go func() { defer close(watchDone); s.watchLastMatch(ctx, exit) }()
	} else {
		close(watchDone)
	}
	defer func() { exit(); <-watchDone }()

	s.log.Info("serving", "addr", ln.Addr().String(), "map", s.cfg.Map, "tick_rate", s.cfg.TickRate,
		"snapshot_rate", s.cfg.SnapshotRate, "spectator_rate", s.cfg.SpectatorRate,
		"max_players", s.cfg.MaxPlayers, "bots", s.cfg.Bots, "agones", s.cfg.Agones)

	if err := s.waitForStop(ctx, httpErr); err != nil {
		stopMatches()
		<-regErr
		stopAdmin()
		<-adminErr
		_ = s.closeHistory(context.Background()) // the http error is the one to report
		return fmt.Errorf("http server: %w", err)
	}

	s.draining.Store(true)
	s.players.Drain()
	s.log.Info("draining", "timeout", s.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()

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
	if ag != nil {
		// Health goes on until here: a drain is no reason for Agones to
		// think the server unhealthy.
		stopAgones()
		<-agDone
		if err := ag.shutdown(); err != nil {
			s.log.Error("agones: Shutdown not delivered; Agones will find the server gone", "err", err)
		}
	}
	// Only now does the listener close: http.Server.Shutdown closes it at
	// once and waits for in-flight requests (the spectator streams ended
	// above).
	if err := s.http.Shutdown(sctx); err != nil {
		errs = append(errs, fmt.Errorf("http: %w", err))
	}
	if err := <-httpErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		errs = append(errs, fmt.Errorf("http: %w", err))
	}
	// The matches the drain ended are saved before the process exits.
	if err := s.closeHistory(sctx); err != nil {
		errs = append(errs, err)
	}
	stopAdmin()
	if err := <-adminErr; err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	s.log.Info("stopped cleanly")
	return nil
}

// waitForStop returns nil when the server should shut down: ctx is done
// (a signal), or a drain the admin API asked for has finished — every match
// ended, or its deadline passed. A drain turns /readyz to 503 and stops new
// matches at once; the rest is the shutdown every stop goes through. It
// returns the HTTP server's error if that fails first.
func (s *server) waitForStop(ctx context.Context, httpErr <-chan error) error {
	var (
		drained  <-chan struct{}
		deadline <-chan time.Time
	)
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-httpErr:
			return err
		case timeout := <-s.drainer.req:
			s.log.Info("draining: no new matches; the server stops when the matches have ended", "timeout", timeout)
			s.draining.Store(true)
			drained = s.registry.Drain()
			t := time.NewTimer(timeout)
			defer t.Stop()
			deadline = t.C
		case <-drained:
			s.log.Info("drained: every match has ended")
			return nil
		case <-deadline:
			s.log.Warn("the drain's deadline has passed: ending the matches left", "matches", len(s.registry.List()))
			return nil
		}
	}
}

// lastMatchPoll is how often --exit-after-match looks at the registry.
const lastMatchPoll = time.Second

// watchLastMatch calls exit once a match has run and none is left (ended
// and lingered out, or reaped empty): the single-match-per-server pattern.
// From the moment a match has ended the server takes no new players
// (readiness off, netcode refuses them), so nobody starts a match on a
// server about to go; the players of the ended match keep its scoreboard
// until it lingers out. It returns when it has called exit, or when ctx
// ends.
func (s *server) watchLastMatch(ctx context.Context, exit func()) {
	seen, closing := false, false
	for {
		list := s.registry.List()
		if len(list) > 0 {
			seen = true
		}
		if !closing && slices.ContainsFunc(list, func(m match.Info) bool { return m.Phase == game.PhaseEnded }) {
			closing = true
			s.draining.Store(true)
			s.players.Drain()
			s.log.Info("a match has ended: no new players (--exit-after-match)")
		}
		if seen && len(list) == 0 {
			s.log.Info("the last match has ended; draining (--exit-after-match)")
			exit()
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-s.clock.After(lastMatchPoll):
		}
	}
}
