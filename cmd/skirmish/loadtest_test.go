package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/skirmish-game/skirmish/assets"
	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/clock"
	"github.com/skirmish-game/skirmish/game/match"
	"github.com/skirmish-game/skirmish/netcode"
)

// TestLoadtestAgainstServer runs the load tool against a real server on
// loopback and checks its summary describes what the players really got.
func TestLoadtestAgainstServer(t *testing.T) {
	cfg := testServeConfig(t)
	cfg.MaxPlayers = 4 // 10 players must spread over at least 3 matches
	base := startServer(t, cfg)
	url := "ws" + strings.TrimPrefix(base, "http") + "/ws"

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"loadtest", "--url", url, "--players", "10",
		"--duration", "3s", "--ramp", "500ms", "--json"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d; stdout %s; stderr %s", code, stdout.String(), stderr.String())
	}
	var s loadSummary
	if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
		t.Fatalf("--json output is not one JSON object: %v\n%s", err, stdout.String())
	}
	if s.Connected != 10 || s.Failed != 0 || s.Dropped != 0 {
		t.Errorf("connected %d failed %d dropped %d, want 10/0/0", s.Connected, s.Failed, s.Dropped)
	}
	if s.Matches < 3 {
		t.Errorf("players spread over %d matches, want at least 3 with 4 seats each", s.Matches)
	}
	// How many snapshots and inputs a second the players got is the
	// machine's to decide (a loaded one gets fewer; TestSummarize checks the
	// arithmetic); only the server's promises bound them: at most
	// SnapshotRate (20) snapshots and one input per tick (30) a second.
	if s.SnapshotsPerSecond <= 0 || s.SnapshotsPerSecond > 22 {
		t.Errorf("snapshots/s per player = %.2f, want some, at most about 20", s.SnapshotsPerSecond)
	}
	if s.InputsPerSecond <= 0 || s.InputsPerSecond > 32 {
		t.Errorf("inputs/s per player = %.2f, want some, at most about 30", s.InputsPerSecond)
	}
	if s.RTTSamples == 0 || s.RTTp50Millis <= 0 || s.RTTp99Millis < s.RTTp50Millis {
		t.Errorf("rtt samples %d p50 %.2f p99 %.2f", s.RTTSamples, s.RTTp50Millis, s.RTTp99Millis)
	}
	if s.BytesPerSecond <= 0 {
		t.Errorf("bytes/s per player = %.0f, want some", s.BytesPerSecond)
	}
	// The bots acknowledge: after each one's first snapshot, deltas.
	if s.CompleteFrames < 10 || s.DeltaFrames < 5*s.CompleteFrames || s.DeltasDropped != 0 ||
		s.DeltaFrameBytes <= 0 || s.DeltaFrameBytes >= s.DeltaFullBytes {
		t.Errorf("%d complete frames of %.0f B, %d deltas of %.0f B, %d dropped: want a complete one per session, then smaller deltas, none dropped",
			s.CompleteFrames, s.CompleteFrameBytes, s.DeltaFrames, s.DeltaFrameBytes, s.DeltasDropped)
	}
	if !strings.Contains(stderr.String(), "connected 10/10") {
		t.Errorf("no progress line on stderr: %q", stderr.String())
	}
}

// TestLoadtestFailsWhenNobodyConnects: the exit status tells CI the run failed.
func TestLoadtestFailsWhenNobodyConnects(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens here now
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	code := run(ctx, []string{"loadtest", "--url", "ws://" + addr + "/ws", "--players", "3",
		"--duration", "1s", "--ramp", "0s"}, &stdout, &stderr)
	if code == 0 {
		t.Fatalf("exit 0 with no server; stdout %s", stdout.String())
	}
	if !strings.Contains(stdout.String(), "0 connected, 3 failed") {
		t.Errorf("summary = %q", stdout.String())
	}
}

func TestLoadtestFlags(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"--url", "http://x/ws"}, "--url"},
		{[]string{"--players", "0"}, "--players 0"},
		{[]string{"--duration", "10ms"}, "--duration"},
		{[]string{"--spectators", "-1"}, "--spectators -1"},
		{[]string{"--resume-storm", "1s"}, "--resume-storm"},
		{[]string{"--spectators", "5", "--duration", "5s", "--spectator-ramp", "5s"}, "--spectator-ramp"},
		{[]string{"--players", "5", "--duration", "2s"}, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, err := parseLoadConfig(tt.args, &bytes.Buffer{})
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestLoadtestRejoinsWhenTheMatchEnds: a match ending (close 4005) is not a
// dropped player: like a person, the bot plays on in a new match, and the run
// succeeds. Matches here last about 3 s (countdown, 3 ticks live, no
// scoreboard). The run is stopped once both bots have played two matches
// to their end, however long the machine took for that: the duration is
// only a hang detector.
func TestLoadtestRejoinsWhenTheMatchEnds(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg, err := match.NewRegistry(match.RegistryConfig{
		Match: match.Config{
			World:       game.WorldConfig{Map: testArena(t), TimeLimit: 3, BotFill: 2, MaxPlayers: 4},
			Clock:       clock.System{},
			EndedLinger: -1,
			Logger:      log,
		},
		NewID: uuid.NewString,
	})
	if err != nil {
		t.Fatal(err)
	}
	players, err := netcode.NewServer(netcode.Config{Registry: reg, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	regCtx, stopReg := context.WithCancel(context.Background())
	regDone := make(chan error, 1)
	go func() { regDone <- reg.Run(regCtx) }()
	// A player connection's handler returns when the connection is over.
	over := make(chan struct{}, 64)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		players.ServeHTTP(w, r)
		over <- struct{}{}
	}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		stopReg()
		<-regDone
		if err := players.Shutdown(ctx); err != nil {
			t.Errorf("netcode shutdown: %v", err)
		}
		hs.Close()
	})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr bytes.Buffer
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, []string{"loadtest", "--url", "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws",
			"--players", "2", "--duration", "2m", "--ramp", "0s", "--json"}, &stdout, &stderr)
	}()
	// Both bots share a match; four connections over means each played
	// its first match and the one it rejoined to their end.
	for i := range 4 {
		select {
		case <-over:
		case code := <-exit:
			t.Fatalf("loadtest exited %d after %d connections ended; stdout %s; stderr %s", code, i, stdout.String(), stderr.String())
		}
	}
	cancel()
	code := <-exit
	var s loadSummary
	if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
		t.Fatalf("--json output: %v\n%s", err, stdout.String())
	}
	if code != 0 || s.Connected != 2 || s.Dropped != 0 {
		t.Fatalf("exit %d, connected %d, dropped %d (%s); want 0, 2, 0", code, s.Connected, s.Dropped, s.FirstDisconnectError)
	}
	if s.Matches < 2 || s.Rejoins < 2 {
		t.Fatalf("players saw %d matches and rejoined %d times, want at least 2 and 2: each should rejoin after its first match ends", s.Matches, s.Rejoins)
	}
}

// TestSummarize: the summary is arithmetic on what the players recorded:
// rates per player over each one's own connected time, averaged over the
// connected players; nearest-rank percentiles over every RTT sample; the
// distinct matches; rejoins; and failures told apart from drops.
func TestSummarize(t *testing.T) {
	at := func(s float64) time.Time { return time.Unix(1000, 0).Add(time.Duration(s * float64(time.Second))) }
	player := func(connected, ended float64, snaps, inputs, bytes int64, rtts []float64, matches []string, err error) *loadPlayer {
		p := &loadPlayer{rtts: rtts, matches: matches, err: err}
		if connected >= 0 {
			p.connected, p.ended = at(connected), at(ended)
		}
		p.snapshots.Store(snaps)
		p.inputs.Store(inputs)
		p.bytes.Store(bytes)
		p.completeFrames, p.completeBytes = snaps/4, snaps/4*1000
		p.deltaFrames, p.deltaBytes = snaps-snaps/4, (snaps-snaps/4)*150
		p.deltaFullBytes = (snaps - snaps/4) * 500
		return p
	}
	var rtts []float64
	for i := 1; i <= 100; i++ {
		rtts = append(rtts, float64(i)) // 1..100 ms
	}
	players := []*loadPlayer{
		// 2 s connected: 20 snapshots/s, 30 inputs/s, 5000 B/s; played two matches.
		player(0, 2, 40, 60, 10000, rtts[:50], []string{"m1", "m2"}, nil),
		// 4 s connected: 10, 15, 1000; dropped.
		player(1, 5, 40, 60, 4000, rtts[50:], []string{"m2"}, errors.New("disconnected: reset")),
		// Never connected: counts as failed, not in the rates.
		player(-1, 0, 0, 0, 0, nil, nil, errors.New("dial: refused")),
	}
	got := summarize(loadConfig{URL: "ws://x/ws"}, players, 6*time.Second)
	want := loadSummary{
		URL: "ws://x/ws", Players: 3, Connected: 2, Failed: 1, Dropped: 1, Matches: 2, Rejoins: 1,
		DurationSeconds: 6, SnapshotsPerSecond: 15, InputsPerSecond: 22.5, BytesPerSecond: 3000,
		RTTp50Millis: 50, RTTp99Millis: 99, RTTSamples: 100,
		CompleteFrames: 20, DeltaFrames: 60, CompleteFrameBytes: 1000, DeltaFrameBytes: 150, DeltaFullBytes: 500,
		FirstConnectError: "dial: refused", FirstDisconnectError: "disconnected: reset",
	}
	if got != want {
		t.Fatalf("summarize:\n got %+v\nwant %+v", got, want)
	}
	var out bytes.Buffer
	printSummary(&out, got)
	for _, line := range []string{
		"players    2 connected, 1 failed, 1 dropped, 0 resumed after a drop, over 2 matches, 1 rejoins after a match ended (6.0s)",
		"per player 15.00 snapshots/s, 22.50 inputs/s, 3000 bytes/s received",
		"snapshots  20 complete (1000 bytes on average), 60 deltas (150 bytes on average, 500 complete), 0 deltas dropped",
		"rtt        p50 50.00 ms, p99 99.00 ms (100 samples)",
		"first connect error: dial: refused",
		"first disconnect error: disconnected: reset",
	} {
		if !strings.Contains(out.String(), line+"\n") {
			t.Errorf("printed summary lacks %q:\n%s", line, out.String())
		}
	}
	if empty := summarize(loadConfig{}, nil, time.Second); empty.Connected != 0 || empty.RTTSamples != 0 || empty.SnapshotsPerSecond != 0 {
		t.Errorf("summary of no players = %+v", empty)
	}
}

// testArena is the server's default map.
func testArena(t *testing.T) *game.Map {
	t.Helper()
	raw, err := assets.Map(defaultMap)
	if err != nil {
		t.Fatal(err)
	}
	m, err := game.ParseMap(raw)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestLoadtestSpectators: --spectators opens SSE streams spread over the
// players' matches and reports what they received.
func TestLoadtestSpectators(t *testing.T) {
	cfg := testServeConfig(t)
	cfg.MaxPlayers = 4
	base := startServer(t, cfg)
	url := "ws" + strings.TrimPrefix(base, "http") + "/ws"

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"loadtest", "--url", url, "--players", "8", "--spectators", "20",
		"--duration", "3s", "--ramp", "500ms", "--spectator-ramp", "500ms", "--json"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d; stdout %s; stderr %s", code, stdout.String(), stderr.String())
	}
	var s loadSummary
	if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
		t.Fatalf("--json output: %v\n%s", err, stdout.String())
	}
	sp := s.Spectate
	if sp == nil {
		t.Fatalf("no spectate summary: %s", stdout.String())
	}
	if sp.Spectators != 20 || sp.Connected != 20 || sp.Refusals != 0 || sp.Errors != 0 {
		t.Errorf("spectators %+v, want 20 connected, no refusals or errors", *sp)
	}
	// A snapshot, then about 10 states a second each.
	if sp.EventsPerStreamSecond < 5 {
		t.Errorf("events/s per stream = %.2f, want about 10", sp.EventsPerStreamSecond)
	}
	if !strings.Contains(stderr.String(), "spectators open") {
		t.Errorf("no spectator progress on stderr: %q", stderr.String())
	}
}

// TestLoadtestResumeStorm: --resume-storm breaks every spectator stream at
// once and resumes each from the first id it saw; the summary says how many
// resumed with their backlog and what the 10 s after cost.
func TestLoadtestResumeStorm(t *testing.T) {
	cfg := testServeConfig(t)
	cfg.MaxPlayers = 4
	base := startServer(t, cfg)
	url := "ws" + strings.TrimPrefix(base, "http") + "/ws"
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"loadtest", "--url", url, "--players", "4", "--spectators", "6",
		"--duration", "4s", "--ramp", "0s", "--spectator-ramp", "0s", "--resume-storm", "2s", "--json"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d; stdout %s; stderr %s", code, stdout.String(), stderr.String())
	}
	var s loadSummary
	if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
		t.Fatalf("--json output: %v\n%s", err, stdout.String())
	}
	st := s.Spectate.Storm
	if st == nil || st.Streams != 6 {
		t.Fatalf("storm %+v, want 6 streams broken (summary %+v)", st, s.Spectate)
	}
	// 2 s of events is within the server's 5 s history and its resume
	// budget: every resume gets its backlog.
	if st.WithBacklog != 6 || st.Bytes10s == 0 || s.Spectate.Resumes < 6 {
		t.Fatalf("storm %+v, resumes %d: want all 6 resumed with their backlog", st, s.Spectate.Resumes)
	}
}
