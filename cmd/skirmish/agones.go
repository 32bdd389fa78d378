package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/skirmish-game/skirmish/game/match"
)

// Agones (agones.dev) runs game servers on Kubernetes and expects each to
// tell its SDK server, a sidecar on localhost, that it is Ready, that it is
// still healthy (a Health call at least every health period), and when to
// be Shut down. --agones speaks the SDK server's REST gateway ("REST Game
// Server Client API" of the Agones docs; every call a POST or PUT with a
// JSON body): POST /ready, POST /health, PUT /metadata/label and POST
// /shutdown. The sidecar may start after the game server, so every call is
// retried with backoff (the docs ask for it) and a sidecar that never
// answers is logged, never fatal.

const (
	// agonesPortEnv names the SDK server's HTTP port; Agones sets it in the
	// game server's environment.
	agonesPortEnv         = "AGONES_SDK_HTTP_PORT"
	defaultAgonesHTTPPort = 9358
	// agonesHealthEvery is the cadence of Health calls (and label checks):
	// well inside Agones' default health period of 5 s.
	agonesHealthEvery = 2 * time.Second
	// agonesStallAfter is how long a running match may go without a tick
	// before the server counts as wedged and stops calling Health, so
	// Agones replaces it (after its failure threshold).
	agonesStallAfter = 2 * time.Second
	// The backoff between retries of a call that failed: it doubles from
	// min to max.
	agonesBackoffMin = 100 * time.Millisecond
	agonesBackoffMax = 5 * time.Second
	// agonesCallTimeout bounds one request to the sidecar on localhost.
	agonesCallTimeout = 2 * time.Second
	// agonesShutdownTimeout bounds the Shutdown call's retries after the
	// drain.
	agonesShutdownTimeout = 10 * time.Second
)

// The labels kept current on the GameServer. The SDK server prefixes every
// key with "agones.dev/sdk-", and a Kubernetes label key holds at most one
// "/", so the skirmish.dev/players cannot be a key as such: these
// appear as agones.dev/sdk-skirmish.dev-players and
// agones.dev/sdk-skirmish.dev-matches. The values are decimal numbers,
// always valid label values.
const (
	agonesLabelPlayers = "skirmish.dev-players"
	agonesLabelMatches = "skirmish.dev-matches"
)

// agonesSDKURL is the SDK server's base URL for the value of
// AGONES_SDK_HTTP_PORT ("" for the default port).
func agonesSDKURL(port string) (string, error) {
	p := defaultAgonesHTTPPort
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("%s=%q: want a port number", agonesPortEnv, port)
		}
		p = n
	}
	return "http://localhost:" + strconv.Itoa(p), nil
}

// agonesLoad is what the labels say.
type agonesLoad struct{ players, matches int }

// agones is one game server's side of the SDK. run and shutdown are called
// by serve, one after the other; run's goroutine is serve's.
type agones struct {
	base  string // the SDK server's base URL
	http  *http.Client
	clock match.Clock
	log   *slog.Logger
	// healthy reports whether the server may call Health now: every
	// match is ticking.
	healthy func() bool
	// load reports the numbers the labels carry.
	load func() agonesLoad
}

// newAgones returns the SDK client of a server whose matches registry
// holds: matchNow is the matches' clock (their Info.TickedAt), clk the one
// the calls are paced by.
func newAgones(base string, registry *match.Registry, matchNow func() time.Time, clk match.Clock, log *slog.Logger) *agones {
	return &agones{
		base:    base,
		http:    &http.Client{Timeout: agonesCallTimeout},
		clock:   clk,
		log:     log.With("part", "agones"),
		healthy: func() bool { return ticking(registry.List(), matchNow()) },
		load: func() agonesLoad {
			list := registry.List()
			l := agonesLoad{matches: len(list)}
			for _, m := range list {
				l.players += m.Humans
			}
			return l
		},
	}
}

// ticking reports whether every match has ticked within agonesStallAfter
// of now.
func ticking(matches []match.Info, now time.Time) bool {
	for _, m := range matches {
		if now.Sub(m.TickedAt) > agonesStallAfter {
			return false
		}
	}
	return true
}

// run calls Ready (retrying until the sidecar answers), then, every
// agonesHealthEvery until ctx ends, Health while the matches tick and the
// labels when they changed. It returns when ctx ends.
func (a *agones) run(ctx context.Context) {
	if !a.retry(ctx, "ready", func(ctx context.Context) error { return a.call(ctx, http.MethodPost, "/ready", struct{}{}) }) {
		return
	}
	a.log.Info("agones: ready")
	var (
		set     agonesLoad // what the labels say, as far as we know
		labeled bool       // set has been sent at least once
		stalled bool
	)
	for {
		if a.healthy() {
			if stalled {
				a.log.Info("agones: matches tick again; health calls resume")
				stalled = false
			}
			if err := a.call(ctx, http.MethodPost, "/health", struct{}{}); err != nil && ctx.Err() == nil {
				a.log.Warn("agones: health call failed", "err", err)
			}
		} else if !stalled {
			a.log.Error("agones: a match has stopped ticking; health calls stop so that Agones replaces this server")
			stalled = true
		}
		l, failed := a.load(), false
		for _, lb := range []struct {
			key       string
			now, prev int
		}{{agonesLabelPlayers, l.players, set.players}, {agonesLabelMatches, l.matches, set.matches}} {
			if labeled && lb.now == lb.prev {
				continue
			}
			if err := a.setLabel(ctx, lb.key, strconv.Itoa(lb.now)); err != nil {
				if ctx.Err() == nil {
					a.log.Warn("agones: label not set", "key", lb.key, "err", err)
				}
				failed = true
			}
		}
		set, labeled = l, !failed // after a failure, both are sent again
		select {
		case <-ctx.Done():
			return
		case <-a.clock.After(agonesHealthEvery):
		}
	}
}

// shutdown tells Agones the server is done, retrying with backoff for at
// most agonesShutdownTimeout.
func (a *agones) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), agonesShutdownTimeout)
	defer cancel()
	if !a.retry(ctx, "shutdown", func(ctx context.Context) error {
		return a.call(ctx, http.MethodPost, "/shutdown", struct{}{})
	}) {
		return fmt.Errorf("agones: the SDK server did not take Shutdown within %s", agonesShutdownTimeout)
	}
	a.log.Info("agones: shutdown sent")
	return nil
}

// setLabel sets one label (PUT /metadata/label {"key","value"}).
func (a *agones) setLabel(ctx context.Context, key, value string) error {
	return a.call(ctx, http.MethodPut, "/metadata/label", map[string]string{"key": key, "value": value})
}

// retry calls f until it succeeds (true) or ctx ends (false), waiting on
// the clock between tries, from agonesBackoffMin doubling to
// agonesBackoffMax.
func (a *agones) retry(ctx context.Context, what string, f func(context.Context) error) bool {
	wait := agonesBackoffMin
	for tries := 1; ; tries++ {
		err := f(ctx)
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		level := slog.LevelDebug
		if tries == 1 || tries%10 == 0 {
			level = slog.LevelWarn
		}
		a.log.Log(ctx, level, "agones: SDK server not answering; retrying", "call", what, "tries", tries, "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return false
		case <-a.clock.After(wait):
		}
		wait = min(2*wait, agonesBackoffMax)
	}
}

// call makes one request with a JSON body; any status but 2xx is an error.
func (a *agones) call(ctx context.Context, method, path string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}
