package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/match"
	"github.com/skirmish-game/skirmish/netcode"
	"github.com/skirmish-game/skirmish/spectate"
	"github.com/skirmish-game/skirmish/spectate/store"
)

func TestParseServeConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string // substring; "" means success
		check   func(t *testing.T, c serveConfig)
	}{
		{
			name: "defaults",
			check: func(t *testing.T, c serveConfig) {
				if c.Addr != ":8080" || c.TickRate != 30 || c.SnapshotRate != 20 || c.SpectatorRate != 10 ||
					c.MaxPlayers != 8 || !c.Bots || c.LogLevel != slog.LevelInfo || c.LogFormat != "text" || len(c.Origins) != 0 ||
					c.MaxSpectators != 10000 {
					t.Errorf("defaults = %+v", c)
				}
			},
		},
		{
			name: "flags",
			args: []string{"--addr", "127.0.0.1:9000", "--tick-rate", "60", "--snapshot-rate", "30", "--bots=false",
				"--origins", "https://a.example, https://b.example", "--log-level", "debug", "--log-format", "json"},
			check: func(t *testing.T, c serveConfig) {
				if c.Addr != "127.0.0.1:9000" || c.TickRate != 60 || c.SnapshotRate != 30 || c.Bots ||
					c.LogLevel != slog.LevelDebug || c.LogFormat != "json" {
					t.Errorf("got %+v", c)
				}
				if strings.Join(c.Origins, "|") != "https://a.example|https://b.example" {
					t.Errorf("origins = %q", c.Origins)
				}
			},
		},
		{
			name: "env fills what flags leave",
			args: []string{"--tick-rate", "64"},
			env:  map[string]string{"SKIRMISH_TICK_RATE": "20", "SKIRMISH_MAX_PLAYERS": "4", "SKIRMISH_BOT_FILL": "2", "SKIRMISH_TIME_LIMIT": "90s"},
			check: func(t *testing.T, c serveConfig) {
				if c.TickRate != 64 {
					t.Errorf("flag must win over env: tick rate %d", c.TickRate)
				}
				if c.MaxPlayers != 4 || c.BotFill != 2 || c.TimeLimit != 90*time.Second {
					t.Errorf("env not applied: %+v", c)
				}
			},
		},
		{name: "tick rate too low", args: []string{"--tick-rate", "5"}, wantErr: "--tick-rate 5: want 10 to 128"},
		{name: "tick rate too high", args: []string{"--tick-rate", "500"}, wantErr: "--tick-rate 500"},
		{name: "snapshot above tick", args: []string{"--tick-rate", "20", "--snapshot-rate", "30"}, wantErr: "--snapshot-rate 30"},
		{name: "spectator rate zero", args: []string{"--spectator-rate", "0"}, wantErr: "--spectator-rate 0"},
		{name: "max players", args: []string{"--max-players", "1"}, wantErr: "--max-players 1"},
		{name: "bot fill above max", args: []string{"--max-players", "4", "--bot-fill", "6"}, wantErr: "--bot-fill 6"},
		{name: "bot fill ignored with bots off", args: []string{"--bots=false", "--bot-fill", "0"}},
		{name: "max connections zero", args: []string{"--max-connections", "0"}, wantErr: "--max-connections 0"},
		{
			name: "max spectators",
			env:  map[string]string{"SKIRMISH_MAX_SPECTATORS": "50"},
			check: func(t *testing.T, c serveConfig) {
				if c.MaxSpectators != 50 {
					t.Errorf("max spectators %d, want 50 from the environment", c.MaxSpectators)
				}
			},
		},
		{name: "max spectators zero", args: []string{"--max-spectators", "0"}, wantErr: "--max-spectators 0"},
		{name: "bad log level", args: []string{"--log-level", "loud"}, wantErr: "--log-level"},
		{name: "bad log format", args: []string{"--log-format", "xml"}, wantErr: "--log-format"},
		{name: "bad origin scheme", args: []string{"--origins", "ftp://example.com"}, wantErr: "--origins"},
		{name: "bad origin path", args: []string{"--origins", "https://example.com/game"}, wantErr: "--origins"},
		{name: "origin host", args: []string{"--origins", "example.com:8443,*"}},
		{name: "bad addr", args: []string{"--addr", "8080"}, wantErr: "--addr"},
		{name: "bad env value", env: map[string]string{"SKIRMISH_TICK_RATE": "fast"}, wantErr: "SKIRMISH_TICK_RATE"},
		{
			name: "match history",
			args: []string{"--replay-retention", "168h/500MiB"},
			env:  map[string]string{"SKIRMISH_DATABASE_URL": "postgres://u:p@db/skirmish", "SKIRMISH_DATA_DIR": "/var/lib/skirmish"},
			check: func(t *testing.T, c serveConfig) {
				if c.DatabaseURL != "postgres://u:p@db/skirmish" || c.DataDir != "/var/lib/skirmish" ||
					c.ReplayRetention != (store.Retention{MaxAge: 168 * time.Hour, MaxBytes: 500 << 20}) {
					t.Errorf("got %+v", c)
				}
			},
		},
		{name: "database url not postgres", args: []string{"--database-url", "mysql://db/x"}, wantErr: "--database-url"},
		{name: "no data dir", args: []string{"--data-dir", ""}, wantErr: "--data-dir"},
		{name: "bad replay retention", args: []string{"--replay-retention", "forever"}, wantErr: "replay-retention"},
		{name: "stray argument", args: []string{"now"}, wantErr: "unexpected argument"},
		{name: "unknown flag", args: []string{"--colour", "red"}, wantErr: "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			c, err := parseServeConfig(tt.args, getenv, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func TestServeHelpListsEnv(t *testing.T) {
	var out strings.Builder
	_, err := parseServeConfig([]string{"--help"}, func(string) string { return "" }, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"--tick-rate", "SKIRMISH_TICK_RATE", "SKIRMISH_ORIGINS", "--log-format", "SKIRMISH_MAX_SPECTATORS"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help does not mention %s:\n%s", want, out.String())
		}
	}
}

// The server's defaults are the packages' defaults, not copies of them.
func TestServeDefaultsComeFromThePackages(t *testing.T) {
	c, err := parseServeConfig(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"tick rate", c.TickRate, game.DefaultTickRate},
		{"snapshot rate", c.SnapshotRate, netcode.DefaultSnapshotRate},
		{"spectator rate", c.SpectatorRate, spectate.DefaultRate},
		{"max players", c.MaxPlayers, game.DefaultMaxPlayers},
		{"time limit", c.TimeLimit, game.DefaultTimeLimit * time.Second},
		{"score limit", c.ScoreLimit, game.DefaultScoreLimit},
		{"max matches", c.MaxMatches, match.DefaultMaxMatches},
		{"max connections", c.MaxConnections, netcode.DefaultMaxConnections},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s default %v, want the package's %v", ck.name, ck.got, ck.want)
		}
	}
	// The flag's range is the World's range.
	for _, rate := range []int{game.TickRates.Min, game.TickRates.Max} {
		if _, err := parseServeConfig([]string{"--tick-rate", strconv.Itoa(rate), "--snapshot-rate", "10", "--spectator-rate", "10"}, func(string) string { return "" }, io.Discard); err != nil {
			t.Errorf("--tick-rate %d refused: %v", rate, err)
		}
	}
	for _, rate := range []int{game.TickRates.Min - 1, game.TickRates.Max + 1} {
		if _, err := parseServeConfig([]string{"--tick-rate", strconv.Itoa(rate)}, func(string) string { return "" }, io.Discard); err == nil {
			t.Errorf("--tick-rate %d accepted", rate)
		}
	}
}

// README's configuration table lists every flag with its environment
// variable and its real default.
func TestReadmeConfigTable(t *testing.T) {
	readme := readmeSection(t, "## Host")
	defaults, err := parseServeConfig(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var help strings.Builder
	_, _ = parseServeConfig([]string{"--help"}, func(string) string { return "" }, &help)
	flags := regexp.MustCompile(`(?m)^  --([a-z-]+) `).FindAllStringSubmatch(help.String(), -1)
	row := regexp.MustCompile("(?m)^\\| `--([a-z-]+)` \\| `([A-Z_]+)` \\| `?([^|`]*)`? \\|")
	if len(flags) < 10 {
		t.Fatalf("found %d flags in the help text: the test reads it wrong", len(flags))
	}
	rows := map[string][]string{}
	for _, m := range row.FindAllStringSubmatch(readme, -1) {
		rows[m[1]] = m[2:]
	}
	for _, f := range flags {
		name := f[1]
		r, ok := rows[name]
		if !ok {
			t.Errorf("README's table has no row for --%s", name)
			continue
		}
		if r[0] != envName(name) {
			t.Errorf("--%s: README names %s, want %s", name, r[0], envName(name))
		}
		def := strings.TrimSpace(r[1])
		if def == "(none)" {
			def = ""
		}
		c, err := parseServeConfig([]string{"--" + name + "=" + def}, func(string) string { return "" }, io.Discard)
		if err != nil || !reflect.DeepEqual(c, defaults) {
			t.Errorf("--%s: README's default %q is not the real default (%v)", name, def, err)
		}
	}
}

// readmeSection returns README.md from the line heading to the next "## "
// heading, so each subcommand's flag table is checked on its own.
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no %q section", heading)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	return section
}

// TestTopLevelHelpListsCommands: `skirmish --help` names every command, not
// only serve's flags (a newcomer found no way to learn of loadtest).
func TestTopLevelHelpListsCommands(t *testing.T) {
	for _, arg := range []string{"--help", "-h", "help"} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), []string{arg}, &out, &errOut); code != 0 {
			t.Fatalf("skirmish %s: exit %d, stderr %s", arg, code, errOut.String())
		}
		for _, cmd := range []string{"serve", "loadtest", "netsim", "version"} {
			if !strings.Contains(out.String(), cmd) {
				t.Errorf("skirmish %s does not name %s:\n%s", arg, cmd, out.String())
			}
		}
	}
}

// TestEnvParseErrorsSayWhatIsWanted: a value of the wrong kind in the
// environment names the variable and the kind of value it takes.
func TestEnvParseErrorsSayWhatIsWanted(t *testing.T) {
	for _, tc := range []struct{ env, value, want string }{
		{"SKIRMISH_TIME_LIMIT", "5", "duration"},
		{"SKIRMISH_TICK_RATE", "abc", "whole number"},
		{"SKIRMISH_BOTS", "maybe", "true or false"},
	} {
		_, err := parseServeConfig(nil, func(k string) string {
			if k == tc.env {
				return tc.value
			}
			return ""
		}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.env) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s=%s: %v, want the variable and %q", tc.env, tc.value, err, tc.want)
		}
	}
}
