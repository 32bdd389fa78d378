package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/skirmish-game/skirmish/spectate"
)

// serveConfig is everything `skirmish serve` can be told. Every field has a
// flag and a SKIRMISH_* environment variable; a flag given on the command line
// wins over the environment, which wins over the default.
type serveConfig struct {
	Addr            string
	TickRate        int
	SnapshotRate    int
	SpectatorRate   int
	MaxPlayers      int
	Bots            bool
	BotFill         int
	TimeLimit       time.Duration
	ScoreLimit      int
	MaxMatches      int
	MaxConnections  int
	MaxSpectators   int
	Origins         []string
	LogLevel        slog.Level
	LogFormat       string
	ShutdownTimeout time.Duration
}

// envName is the environment variable that stands in for flag name.
func envName(flagName string) string {
	return "SKIRMISH_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseServeConfig reads flags from args and the environment from getenv.
// Errors name the flag or variable at fault so a host can fix it at once.
func parseServeConfig(args []string, getenv func(string) string, usage io.Writer) (serveConfig, error) {
	var (
		cfg       serveConfig
		origins   string
		logLevel  string
		fs        = flag.NewFlagSet("serve", flag.ContinueOnError)
		setByFlag = map[string]bool{}
	)
	fs.SetOutput(usage)
	fs.StringVar(&cfg.Addr, "addr", ":8080", "listen address (host:port)")
	fs.IntVar(&cfg.TickRate, "tick-rate", 30, "simulation ticks per second (10-128)")
	fs.IntVar(&cfg.SnapshotRate, "snapshot-rate", 20, "snapshots per second sent to players (1-tick rate)")
	fs.IntVar(&cfg.SpectatorRate, "spectator-rate", 10, "state events per second sent to spectators (1-tick rate)")
	fs.IntVar(&cfg.MaxPlayers, "max-players", 8, "players per match, humans and bots (2-64)")
	fs.BoolVar(&cfg.Bots, "bots", true, "fill empty seats with server bots")
	fs.IntVar(&cfg.BotFill, "bot-fill", 4, "with bots on, keep at least this many players in a match (1-max players)")
	fs.DurationVar(&cfg.TimeLimit, "time-limit", 5*time.Minute, "length of the live phase (10s-2h)")
	fs.IntVar(&cfg.ScoreLimit, "score-limit", 20, "kills that end a match (1-1000)")
	fs.IntVar(&cfg.MaxMatches, "max-matches", 256, "most matches at once (1-100000)")
	fs.IntVar(&cfg.MaxConnections, "max-connections", 10000, "most player WebSocket connections at once; more are refused with 503 (1-1000000)")
	fs.IntVar(&cfg.MaxSpectators, "max-spectators", spectate.DefaultMaxSpectators, "most spectator event streams at once; more are refused with 503, and fewer are allowed if the open-file limit cannot hold them beside the players (1-1000000)")
	fs.StringVar(&origins, "origins", "", "comma-separated extra allowed WebSocket origins (https://example.com) or hosts (example.com:8443); * allows any; the server's own origin is always allowed")
	fs.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&cfg.LogFormat, "log-format", "text", "log format: text or json")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 10*time.Second, "how long to wait for connections to close on SIGTERM (1s-5m)")
	fs.Usage = func() {
		fmt.Fprintf(usage, "Usage: skirmish serve [flags]\n\nEvery flag can also be set with the environment variable shown.\n\n")
		fs.VisitAll(func(f *flag.Flag) {
			fmt.Fprintf(usage, "  --%s (%s, default %q)\n      %s\n", f.Name, envName(f.Name), f.DefValue, f.Usage)
		})
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) { setByFlag[f.Name] = true })
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if setByFlag[f.Name] || envErr != nil {
			return
		}
		if v, ok := lookupEnv(getenv, envName(f.Name)); ok {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("%s=%q: %w", envName(f.Name), v, err)
			}
		}
	})
	if envErr != nil {
		return cfg, envErr
	}
	for _, o := range strings.Split(origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.Origins = append(cfg.Origins, o)
		}
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(logLevel)); err != nil {
		return cfg, fmt.Errorf("--log-level %q: want debug, info, warn or error", logLevel)
	}
	return cfg, cfg.validate()
}

func lookupEnv(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

// validate refuses values that would make a broken server, naming the flag.
func (c serveConfig) validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(c.Addr != "" && strings.Contains(c.Addr, ":"), "--addr %q: want host:port, e.g. :8080", c.Addr)
	check(c.TickRate >= 10 && c.TickRate <= 128, "--tick-rate %d: want 10 to 128", c.TickRate)
	check(c.SnapshotRate >= 1 && c.SnapshotRate <= c.TickRate, "--snapshot-rate %d: want 1 to the tick rate (%d)", c.SnapshotRate, c.TickRate)
	check(c.SpectatorRate >= 1 && c.SpectatorRate <= c.TickRate, "--spectator-rate %d: want 1 to the tick rate (%d)", c.SpectatorRate, c.TickRate)
	check(c.MaxPlayers >= 2 && c.MaxPlayers <= 64, "--max-players %d: want 2 to 64", c.MaxPlayers)
	check(!c.Bots || (c.BotFill >= 1 && c.BotFill <= c.MaxPlayers), "--bot-fill %d: want 1 to max players (%d)", c.BotFill, c.MaxPlayers)
	check(c.TimeLimit >= 10*time.Second && c.TimeLimit <= 2*time.Hour, "--time-limit %s: want 10s to 2h", c.TimeLimit)
	check(c.ScoreLimit >= 1 && c.ScoreLimit <= 1000, "--score-limit %d: want 1 to 1000", c.ScoreLimit)
	check(c.MaxMatches >= 1 && c.MaxMatches <= 100000, "--max-matches %d: want 1 to 100000", c.MaxMatches)
	check(c.MaxConnections >= 1 && c.MaxConnections <= 1000000, "--max-connections %d: want 1 to 1000000", c.MaxConnections)
	check(c.MaxSpectators >= 1 && c.MaxSpectators <= 1000000, "--max-spectators %d: want 1 to 1000000", c.MaxSpectators)
	check(c.LogFormat == "text" || c.LogFormat == "json", "--log-format %q: want text or json", c.LogFormat)
	check(c.ShutdownTimeout >= time.Second && c.ShutdownTimeout <= 5*time.Minute, "--shutdown-timeout %s: want 1s to 5m", c.ShutdownTimeout)
	for _, o := range c.Origins {
		// An origin is scheme://host[:port] with no path; a bare host[:port] also works.
		scheme, host, hasScheme := strings.Cut(o, "://")
		if !hasScheme {
			scheme, host = "http", o
		}
		check(o == "*" || (scheme == "http" || scheme == "https") && host != "" && !strings.ContainsAny(host, "/ "),
			"--origins %q: want *, origins like https://example.com or hosts like example.com:8443", o)
	}
	return errors.Join(errs...)
}

// newLogger builds the process logger from the config.
func newLogger(c serveConfig, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// osGetenv is os.Getenv, named so tests can see what production passes.
var osGetenv = os.Getenv
