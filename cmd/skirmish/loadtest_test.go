package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/skirmish-game/skirmish/assets"
	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/clock"
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
	// 20 Hz snapshots; allow for a loaded machine and the first/last partial second.
	if s.SnapshotsPerSecond < 12 || s.SnapshotsPerSecond > 22 {
		t.Errorf("snapshots/s per player = %.2f, want about 20", s.SnapshotsPerSecond)
	}
	if s.InputsPerSecond < 15 || s.InputsPerSecond > 32 {
		t.Errorf("inputs/s per player = %.2f, want about 30", s.InputsPerSecond)
	}
	if s.RTTSamples < 10 || s.RTTp50Millis <= 0 || s.RTTp99Millis < s.RTTp50Millis {
		t.Errorf("rtt samples %d p50 %.2f p99 %.2f", s.RTTSamples, s.RTTp50Millis, s.RTTp99Millis)
	}
	if s.BytesPerSecond < 1000 {
		t.Errorf("bytes/s per player = %.0f, implausibly low", s.BytesPerSecond)
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
// scoreboard), so a 7 s run outlives the first one.
func TestLoadtestRejoinsWhenTheMatchEnds(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg, err := game.NewRegistry(game.RegistryConfig{
		Match: game.MatchConfig{
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
	hs := httptest.NewServer(players)
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

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"loadtest", "--url", "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws",
		"--players", "2", "--duration", "7s", "--ramp", "0s", "--json"}, &stdout, &stderr)
	var s loadSummary
	if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
		t.Fatalf("--json output: %v\n%s", err, stdout.String())
	}
	if code != 0 || s.Connected != 2 || s.Dropped != 0 {
		t.Fatalf("exit %d, connected %d, dropped %d (%s); want 0, 2, 0", code, s.Connected, s.Dropped, s.FirstDisconnectError)
	}
	if s.Matches < 2 {
		t.Fatalf("players saw %d matches, want at least 2: they should rejoin after the first ends", s.Matches)
	}
	if s.SnapshotsPerSecond < 10 {
		t.Fatalf("snapshots/s per player = %.2f: the bots did not play on", s.SnapshotsPerSecond)
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
