package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/netcode/netsim"
)

// TestResumeBackoff: the bots' retry schedule, as the browser's: the first
// retry within 250 ms, then doubling up to 2 s, each a random point in the
// upper half of its step (jitter, so a cut's victims do not come back in
// one burst).
func TestResumeBackoff(t *testing.T) {
	for _, tc := range []struct {
		attempt  int
		lo, hi   time.Duration
		atZero   time.Duration // u = 0
		atAlmost time.Duration // u → 1
	}{
		{0, 125 * time.Millisecond, 250 * time.Millisecond, 125 * time.Millisecond, 250 * time.Millisecond},
		{1, 250 * time.Millisecond, 500 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond},
		{2, 500 * time.Millisecond, time.Second, 500 * time.Millisecond, time.Second},
		{3, time.Second, 2 * time.Second, time.Second, 2 * time.Second},
		{4, time.Second, 2 * time.Second, time.Second, 2 * time.Second},
		{40, time.Second, 2 * time.Second, time.Second, 2 * time.Second},
	} {
		if got := resumeBackoff(tc.attempt, 0); got != tc.atZero {
			t.Errorf("attempt %d, u=0: %v, want %v", tc.attempt, got, tc.atZero)
		}
		if got := resumeBackoff(tc.attempt, 0.999999999); got < tc.atAlmost-time.Millisecond || got > tc.hi {
			t.Errorf("attempt %d, u→1: %v, want about %v", tc.attempt, got, tc.atAlmost)
		}
		for _, u := range []float64{0.1, 0.5, 0.9} {
			if got := resumeBackoff(tc.attempt, u); got < tc.lo || got > tc.hi {
				t.Errorf("attempt %d, u=%v: %v outside [%v, %v]", tc.attempt, u, got, tc.lo, tc.hi)
			}
		}
	}
}

// TestLoadtestResumesAfterCuts: behind a netsim proxy that resets every
// bot's connection (twice, once all are playing), each bot resumes its seat
// with its token, and the summary counts those resumes apart from drops
// (there are none) and keeps them in one match.
func TestLoadtestResumesAfterCuts(t *testing.T) {
	const players = 3
	base := startServer(t, testServeConfig(t))
	proxy, err := netsim.NewProxy(netsim.ProxyConfig{Upstream: strings.TrimPrefix(base, "http://")})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- proxy.Serve(ctx, ln) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("proxy: %v", err)
		}
	}()

	var stdout bytes.Buffer
	var stderr lockedBuffer
	code := make(chan int, 1)
	go func() {
		code <- run(context.Background(), []string{"loadtest", "--url", "ws://" + ln.Addr().String() + "/ws",
			"--players", strconv.Itoa(players), "--duration", "4s", "--ramp", "0s", "--json"}, &stdout, &stderr)
	}()
	// The first cut waits until every bot is playing (its first connect
	// is not a resume); the second falls wherever the resumes are.
	for i := range 2 {
		deadline := time.Now().Add(20 * time.Second)
		for proxy.Link().Conns() < players || i == 0 && !stderr.contains(fmt.Sprintf("connected %d/%d", players, players)) {
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d bots connected through the proxy", proxy.Link().Conns(), players)
			}
			time.Sleep(10 * time.Millisecond)
		}
		proxy.Cut("test")
	}
	exit := <-code
	var s loadSummary
	if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
		t.Fatalf("--json output: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	t.Logf("summary: %+v", s)
	if exit != 0 || s.Connected != players || s.Failed != 0 || s.Dropped != 0 {
		t.Fatalf("exit %d: connected %d, failed %d, dropped %d (%s)", exit, s.Connected, s.Failed, s.Dropped, s.FirstDisconnectError)
	}
	if s.Resumed < players {
		t.Fatalf("%d resumes, want at least one per bot", s.Resumed)
	}
	if s.Matches != 1 {
		t.Fatalf("bots played in %d matches, want 1: a resume keeps the seat", s.Matches)
	}
	var text bytes.Buffer
	printSummary(&text, s)
	if !strings.Contains(text.String(), "resumed") {
		t.Fatalf("the text summary does not show resumes:\n%s", text.String())
	}
}

// lockedBuffer is a bytes.Buffer a test reads while another goroutine
// writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) contains(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Contains(l.b.String(), s)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
