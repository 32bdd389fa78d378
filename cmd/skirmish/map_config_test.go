package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/assets"
	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/netcode"
)

// --map (SKIRMISH_MAP) names the map by its id; the ids are the embedded
// maps', and an unknown one is refused at start with the list.
func TestMapFlag(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		want    string
		wantErr string
	}{
		{name: "default", want: "arena"},
		{name: "flag", args: []string{"--map", "crossroads"}, want: "crossroads"},
		{name: "env", env: map[string]string{"SKIRMISH_MAP": "crossroads"}, want: "crossroads"},
		{name: "flag wins", args: []string{"--map=arena"}, env: map[string]string{"SKIRMISH_MAP": "crossroads"}, want: "arena"},
		{name: "unknown", args: []string{"--map", "dust2"}, wantErr: `--map "dust2": want one of the maps built in: arena, crossroads`},
		{name: "a file name is not an id", args: []string{"--map", "arena.json"}, wantErr: `--map "arena.json"`},
		{name: "empty", env: map[string]string{"SKIRMISH_MAP": ""}, want: "arena"}, // unset, as every variable
		{name: "unknown env", env: map[string]string{"SKIRMISH_MAP": "../maps/arena"}, wantErr: `--map "../maps/arena"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseServeConfig(tc.args, func(k string) string { return tc.env[k] }, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || c.Map != tc.want {
				t.Fatalf("map %q (%v), want %q", c.Map, err, tc.want)
			}
		})
	}
	// Every embedded map is accepted and builds a server; the help lists them.
	for _, id := range assets.MapIDs() {
		c, err := parseServeConfig([]string{"--map", id, "--addr", "127.0.0.1:0"}, func(string) string { return "" }, io.Discard)
		if err != nil {
			t.Fatalf("--map %s: %v", id, err)
		}
		c.DataDir = t.TempDir()
		srv, err := newServer(c, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Errorf("--map %s: newServer: %v", id, err)
			continue
		}
		if err := srv.closeHistory(context.Background()); err != nil {
			t.Error(err)
		}
	}
	var help strings.Builder
	_, _ = parseServeConfig([]string{"--help"}, func(string) string { return "" }, &help)
	if !strings.Contains(help.String(), "SKIRMISH_MAP") || !strings.Contains(help.String(), strings.Join(assets.MapIDs(), ", ")) {
		t.Errorf("help does not list --map's ids:\n%s", help.String())
	}
}

// TestServeLargeMapSixteen: `serve --map crossroads --max-players 16
// --bot-fill 16` puts a player in a 16-seat match on the large map: the
// welcome and /api/matches name the map, the client can fetch it, and bots
// fill the other 15 seats.
func TestServeLargeMapSixteen(t *testing.T) {
	cfg := testServeConfig(t)
	cfg.Map, cfg.MaxPlayers, cfg.BotFill = "crossroads", 16, 16
	base := startServer(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	c, welcome, err := netcode.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws", netcode.DialOptions{Name: "big"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if welcome.Map != "crossroads" {
		t.Errorf("welcome names map %q, want crossroads", welcome.Map)
	}
	var list []struct {
		ID         string `json:"id"`
		Map        string `json:"map"`
		Players    int    `json:"players"`
		Bots       int    `json:"bots"`
		MaxPlayers int    `json:"maxPlayers"`
	}
	getJSON(t, base+"/api/matches", http.StatusOK, &list)
	if len(list) != 1 || list[0].ID != welcome.Match || list[0].Map != "crossroads" ||
		list[0].Players != 1 || list[0].Bots != 15 || list[0].MaxPlayers != 16 {
		t.Errorf("/api/matches = %+v, want match %s on crossroads with 1 player and 15 bots of 16", list, welcome.Match)
	}
	var served map[string]any
	getJSON(t, base+"/assets/maps/"+welcome.Map+".json", http.StatusOK, &served)
	if served["id"] != "crossroads" {
		t.Errorf("/assets/maps/crossroads.json has id %v", served["id"])
	}

	// Spreading the 16 over the spawns is the World's (game's
	// TestBotsOnLargeMap); all 16 are seated (/api/matches above), and a
	// snapshot holds the player and those near it (interest management,
	// PROTOCOL.md §1.10: netcode's TestInterest).
	for {
		msg, err := c.Next()
		if err != nil {
			t.Fatalf("no snapshot: %v", err)
		}
		if s, ok := msg.(*netcode.Snapshot); ok {
			if !slices.ContainsFunc(s.Players, func(p game.PlayerState) bool { return p.ID == welcome.You }) || len(s.Players) > 16 {
				t.Fatalf("snapshot with %d players, want the player %d among at most 16", len(s.Players), welcome.You)
			}
			return
		}
	}
}
