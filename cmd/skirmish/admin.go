package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/skirmish-game/skirmish/client"
	"github.com/skirmish-game/skirmish/game/match"
	"github.com/skirmish-game/skirmish/internal/admin"
)

// The admin listener (--admin-addr): the host's side door, served by
// internal/admin (docs/ADMIN.md). This file reads its settings and wires
// it to the server: the players' kick, the spectators' counts, the drain.

// adminTokenEnv is the environment variable that holds the admin token. It
// has no flag: a token on the command line is visible to every user of
// the host (ps); --admin-token-file is the other way.
const adminTokenEnv = "SKIRMISH_ADMIN_TOKEN"

// minAdminToken is the shortest token accepted, in bytes: 16 random
// characters are beyond guessing over a network.
const minAdminToken = 16

// adminToken returns the admin token from the environment's value or the
// file (its content, surrounding white space trimmed), refusing both at
// once.
func adminToken(env, file string) (string, error) {
	env = strings.TrimSpace(env)
	if file == "" {
		return env, nil
	}
	if env != "" {
		return "", fmt.Errorf("--admin-token-file %q and %s are both set: use one", file, adminTokenEnv)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("--admin-token-file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("--admin-token-file %q is empty", file)
	}
	return tok, nil
}

// checkAdmin refuses an admin listener that anyone on the network could
// use: one on an address that is not loopback needs a token.
func (c serveConfig) checkAdmin() error {
	if c.AdminAddr == "" {
		if c.AdminToken != "" && c.AdminTokenFile != "" {
			return errors.New("--admin-token-file is set but --admin-addr is not: there is no admin listener")
		}
		return nil
	}
	host, _, err := net.SplitHostPort(c.AdminAddr)
	if err != nil {
		return fmt.Errorf("--admin-addr %q: want host:port, e.g. 127.0.0.1:9090", c.AdminAddr)
	}
	if c.AdminToken != "" && len(c.AdminToken) < minAdminToken {
		return fmt.Errorf("the admin token is %d bytes: want at least %d (e.g. openssl rand -hex 32)", len(c.AdminToken), minAdminToken)
	}
	if c.AdminToken == "" && !isLoopback(host) {
		return fmt.Errorf("--admin-addr %q is not a loopback address: set %s or --admin-token-file, or listen on 127.0.0.1", c.AdminAddr, adminTokenEnv)
	}
	return nil
}

// isLoopback reports whether host (of host:port) can only be reached from
// this machine: localhost or a loopback IP. An empty host is every
// interface.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// adminDrainSlack is what a drain waits beyond the time limit by default:
// the countdown and the scoreboard's linger of a match that has just
// started.
const adminDrainSlack = time.Minute

// drainer is the one way a drain starts besides a signal: the admin API
// asks, serve's loop does it (serve.go).
type drainer struct {
	mu       sync.Mutex
	deadline time.Time          // zero until asked
	req      chan time.Duration // to serve's loop; buffered, one request ever
}

func newDrainer() *drainer { return &drainer{req: make(chan time.Duration, 1)} }

// drain asks for a drain of at most timeout and returns its deadline; a
// second ask returns the first one's.
func (d *drainer) drain(timeout time.Duration) time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.deadline.IsZero() {
		d.deadline = time.Now().Add(timeout)
		d.req <- timeout
	}
	return d.deadline
}

// newAdmin builds the admin listener's handler and its sampler, or nil
// when there is no admin listener. Its /metrics serves the server's
// Prometheus registry (metrics.go).
func (s *server) newAdmin(sampler *admin.Sampler) (*http.Server, error) {
	dash, err := client.Dashboard()
	if err != nil {
		dash = nil
	}
	h, err := admin.New(admin.Config{
		Registry:     s.registry,
		Kick:         s.players.Kick,
		Spectators:   s.spectators.Spectators,
		Drain:        s.drainer.drain,
		DrainTimeout: min(s.cfg.TimeLimit+adminDrainSlack, admin.MaxDrainTimeout),
		Token:        s.cfg.AdminToken,
		Metrics:      metricsHandler(s.metrics.reg),
		Dashboard:    dash,
		Sampler:      sampler,
		Logger:       s.log.With("part", "admin"),
	})
	if err != nil {
		return nil, err
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          s.http.ErrorLog,
	}, nil
}

// tickObservers is match.Config.Ticks: the metrics, and with an admin
// listener (ticks not nil) the dashboard's tick times too.
func tickObservers(met *metrics, ticks *admin.TickTimes) match.TickObserver {
	if ticks == nil {
		return met
	}
	return dashboardTicks{met, ticks}
}

// dashboardTicks tells both the metrics and the dashboard of every tick.
type dashboardTicks struct {
	*metrics
	ticks *admin.TickTimes
}

// ObserveTick implements match.TickObserver.
func (d dashboardTicks) ObserveTick(dur time.Duration) {
	d.metrics.ObserveTick(dur)
	d.ticks.Observe(dur)
}

// newSampler is the dashboard's sampler over the server's parts.
func (s *server) newSampler(ticks *admin.TickTimes) *admin.Sampler {
	return admin.NewSampler(admin.SamplerConfig{
		Registry:   s.registry,
		Ticks:      ticks,
		Spectators: func() int { return s.spectators.Stats().Spectators },
		BytesOut:   func() uint64 { return s.players.Stats().BytesSent },
	})
}

// runAdmin serves the admin listener until ctx is done, then shuts it down
// within the shutdown timeout; its sampler stops first, which ends the
// dashboard's streams. It returns when both are done.
func (s *server) runAdmin(ctx context.Context, ln net.Listener) error {
	sctx, stopSampler := context.WithCancel(context.Background())
	sampled := make(chan struct{})
	go func() { defer close(sampled); s.sampler.Run(sctx) }()
	served := make(chan error, 1)
	go func() { served <- s.admin.Serve(ln) }()
	s.log.Info("admin listener", "addr", ln.Addr().String())
	if s.adminTokenGenerated {
		// As Jupyter does: no token was configured, so every route still
		// needs one, made for this run and shown to whoever reads the log.
		s.log.Warn("the admin listener's token was generated for this run (set "+adminTokenEnv+" or --admin-token-file to choose one)",
			"token", s.cfg.AdminToken, "dashboard", "http://"+ln.Addr().String()+"/dashboard/?access_token="+s.cfg.AdminToken)
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-served:
		err = fmt.Errorf("admin listener: %w", err)
	}
	stopSampler()
	<-sampled
	shctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if serr := s.admin.Shutdown(shctx); serr != nil && err == nil {
		err = fmt.Errorf("admin listener: %w", serr)
	}
	if err == nil {
		if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
			err = fmt.Errorf("admin listener: %w", serr)
		}
	}
	return err
}

// generatedAdminToken is a fresh random token (256 bits, hex) for an admin
// listener on loopback that was given none: every admin route needs a token,
// always.
func generatedAdminToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating the admin token: %w", err)
	}
	return hex.EncodeToString(b), nil
}
