package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skirmish-game/skirmish/assets"
	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/match"
	"github.com/skirmish-game/skirmish/netcode"
	"github.com/skirmish-game/skirmish/spectate"
	"github.com/skirmish-game/skirmish/spectate/store"
)

// serveConfig is everything `skirmish serve` can be told. Every field has a
// flag and a SKIRMISH_* environment variable; a flag given on the command line
// wins over the environment, which wins over the default.
type serveConfig struct {
	Addr            string
	Map             string // id of an embedded map (assets.MapIDs)
	TickRate        int
	SnapshotRate    int
	SpectatorRate   int
	SpectatorDelay  time.Duration
	MaxPlayers      int
	Bots            bool
	BotFill         int
	TimeLimit       time.Duration
	ScoreLimit      int
	MaxRewind       time.Duration
	MaxMatches      int
	MaxConnections  int
	MaxSpectators   int
	ReconnectWindow time.Duration // 0: holding off
	MaxSendRate     byteRate      // bytes per second to each player; 0: no budget
	Origins         []string
	LogLevel        slog.Level
	LogFormat       string
	ShutdownTimeout time.Duration

	AdminAddr      string // "": no admin listener (admin.go)
	AdminTokenFile string
	AdminToken     string // from SKIRMISH_ADMIN_TOKEN or the file; "" only on loopback
	MetricsOnMain  bool   // serve /metrics on --addr too
	Agones         bool   // talk to the Agones SDK server (agones.go)
	// AgonesSDK is the Agones SDK server's REST base URL, from
	// AGONES_SDK_HTTP_PORT (the port Agones gives the game server's
	// environment); http://localhost:9358 without it.
	AgonesSDK       string
	ExitAfterMatch  bool            // drain and exit once the last match has ended
	DataDir         string          // the SQLite match history's folder (unused with DatabaseURL)
	DatabaseURL     string          // postgres://…: the match history in PostgreSQL; "" means SQLite in DataDir
	ReplayRetention store.Retention // how long, and how many bytes of, replay journals are kept

	// spectatorLoadInterval is spectate.Config.LoadInterval; no flag: 0
	// (the package's default) in production. Tests of whole servers turn
	// the shedding off (-1): it answers the machine's load, which they do
	// not control; spectate's own tests pin it on a manual clock.
	spectatorLoadInterval time.Duration
}

// The host-facing settings only the server's flags limit (the packages
// accept wider values, which tests use); every range is written once, here
// or in the package that owns it (game.TickRates, game.PlayerCounts), and the
// help text and the check both read it.
var (
	scoreLimits      = game.Range{Min: 1, Max: 1000}
	matchCounts      = game.Range{Min: 1, Max: 100000}
	connectionCounts = game.Range{Min: 1, Max: 1000000}
	spectatorCounts  = game.Range{Min: 1, Max: 1000000}
	timeLimits       = durationRange{10 * time.Second, 2 * time.Hour}
	shutdownTimeouts = durationRange{time.Second, 5 * time.Minute}
	maxRewinds       = durationRange{0, seconds(game.MaxRewindLimit)}
	reconnectWindows = durationRange{0, time.Hour}
	// sendRates bounds --max-send-rate (bytes per second; 0, no budget, is
	// also allowed): below 1 KB/s a complete snapshot of a full match would
	// take seconds to go out.
	sendRates       = game.Range{Min: 1000, Max: 100_000_000}
	spectatorDelays = durationRange{0, spectate.MaxDelay}
)

// Defaults that belong to the server itself rather than to a package.
const (
	// defaultMap is the map every match is played on unless --map names another.
	defaultMap = "arena"
	// defaultBotFill keeps a lone player in a four-player match.
	defaultBotFill         = 4
	defaultShutdownTimeout = 10 * time.Second
	// defaultDataDir is where the embedded match history lives, beside
	// wherever the server is started.
	defaultDataDir = "./data"
)

// byteRate is a rate in bytes per second as --max-send-rate reads and
// prints it: a whole number of bytes ("16000") or of kilobytes ("16KB";
// 1 KB = 1000 bytes, the suffix in any case).
type byteRate int

func (r *byteRate) String() string {
	if *r > 0 && *r%1000 == 0 {
		return fmt.Sprintf("%dKB", *r/1000)
	}
	return strconv.Itoa(int(*r))
}

func (r *byteRate) Set(s string) error {
	num, unit := strings.TrimSpace(s), 1
	if len(num) > 2 && strings.EqualFold(num[len(num)-2:], "KB") {
		num, unit = strings.TrimSpace(num[:len(num)-2]), 1000
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n > math.MaxInt32/unit {
		return fmt.Errorf("%q: want bytes per second, like 16000 or 16KB", s)
	}
	*r = byteRate(n * unit)
	return nil
}

// durationRange is an inclusive range of durations.
type durationRange struct{ min, max time.Duration }

func (r durationRange) contains(d time.Duration) bool { return d >= r.min && d <= r.max }

// seconds converts a package's tuning in seconds to a duration.
func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// maxRewindTicks is --max-rewind as game.WorldConfig.MaxRewind: ticks at
// tickRate, fractions kept (the World rewinds by fractions of a tick).
func maxRewindTicks(d time.Duration, tickRate int) float64 {
	return d.Seconds() * float64(tickRate)
}

// envName is the environment variable that stands in for serve's flag name.
func envName(flagName string) string { return envVar("SKIRMISH_", flagName) }

// envVar is the environment variable, under prefix, that stands in for
// flag name: --max-players is SKIRMISH_MAX_PLAYERS.
func envVar(prefix, flagName string) string {
	return prefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// setUsage makes fs's --help print header and then every flag with its
// environment variable (env names it) and its default.
func setUsage(fs *flag.FlagSet, w io.Writer, header string, env func(string) string) {
	fs.Usage = func() {
		fmt.Fprintf(w, "%s\n\nEvery flag can also be set with the environment variable shown.\n\n", header)
		fs.VisitAll(func(f *flag.Flag) {
			fmt.Fprintf(w, "  --%s (%s, default %q)\n      %s\n", f.Name, env(f.Name), f.DefValue, f.Usage)
		})
	}
}

// setFromEnv sets every flag of the parsed fs that the command line left
// alone from its environment variable (env names it), when that is set.
// The error names the variable.
func setFromEnv(fs *flag.FlagSet, getenv func(string) string, env func(string) string) error {
	setByFlag := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { setByFlag[f.Name] = true })
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if setByFlag[f.Name] || envErr != nil {
			return
		}
		if v, ok := lookupEnv(getenv, env(f.Name)); ok {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("%s=%q: %w%s", env(f.Name), v, err, wantOf(f))
			}
		}
	})
	return envErr
}

// parseServeConfig reads flags from args and the environment from getenv.
// Errors name the flag or variable at fault so a host can fix it at once.
func parseServeConfig(args []string, getenv func(string) string, usage io.Writer) (serveConfig, error) {
	var (
		cfg      serveConfig
		origins  string
		logLevel string
		fs       = flag.NewFlagSet("serve", flag.ContinueOnError)
	)
	fs.SetOutput(usage)
	fs.StringVar(&cfg.Addr, "addr", ":8080", "listen address (host:port)")
	fs.StringVar(&cfg.Map, "map", defaultMap, fmt.Sprintf("id of the map every match is played on (%s)", strings.Join(assets.MapIDs(), ", ")))
	fs.IntVar(&cfg.TickRate, "tick-rate", game.DefaultTickRate, fmt.Sprintf("simulation ticks per second (%v)", game.TickRates))
	fs.IntVar(&cfg.SnapshotRate, "snapshot-rate", netcode.DefaultSnapshotRate, "snapshots per second sent to players (1 to the tick rate)")
	fs.IntVar(&cfg.SpectatorRate, "spectator-rate", spectate.DefaultRate, "state events per second sent to spectators (1 to the tick rate)")
	fs.DurationVar(&cfg.SpectatorDelay, "spectator-delay", 0, fmt.Sprintf("broadcast delay: spectators see every match as it was this long ago, and nothing newer (%s to %s; 0: live)", spectatorDelays.min, spectatorDelays.max))
	fs.IntVar(&cfg.MaxPlayers, "max-players", game.DefaultMaxPlayers, fmt.Sprintf("players per match, humans and bots (%v)", game.PlayerCounts))
	fs.BoolVar(&cfg.Bots, "bots", true, "fill empty seats with server bots")
	fs.IntVar(&cfg.BotFill, "bot-fill", defaultBotFill, "with bots on, keep at least this many players in a match (1 to max players)")
	fs.DurationVar(&cfg.TimeLimit, "time-limit", game.DefaultTimeLimit*time.Second, fmt.Sprintf("length of the live phase (%s to %s)", timeLimits.min, timeLimits.max))
	fs.IntVar(&cfg.ScoreLimit, "score-limit", game.DefaultScoreLimit, fmt.Sprintf("kills that end a match (%v)", scoreLimits))
	fs.DurationVar(&cfg.MaxRewind, "max-rewind", seconds(game.DefaultMaxRewind), fmt.Sprintf("lag compensation: how far back a shot is judged where its shooter saw the others; older views are clamped (%s to %s; 0 turns it off)", maxRewinds.min, maxRewinds.max))
	fs.IntVar(&cfg.MaxMatches, "max-matches", match.DefaultMaxMatches, fmt.Sprintf("most matches at once (%v)", matchCounts))
	fs.IntVar(&cfg.MaxConnections, "max-connections", netcode.DefaultMaxConnections, fmt.Sprintf("most player WebSocket connections at once; more are refused with 503 (%v)", connectionCounts))
	fs.IntVar(&cfg.MaxSpectators, "max-spectators", spectate.DefaultMaxSpectators, fmt.Sprintf("most spectator event streams at once; more are refused with 503, and fewer are allowed if the open-file limit cannot hold them beside the players (%v)", spectatorCounts))
	fs.DurationVar(&cfg.ReconnectWindow, "reconnect-window", netcode.DefaultReconnectWindow, fmt.Sprintf("how long a player's seat is held after their connection drops without a leave, for them to resume it (%s to %s; 0 turns holding off)", reconnectWindows.min, reconnectWindows.max))
	cfg.MaxSendRate = netcode.DefaultMaxSendRate
	fs.Var(&cfg.MaxSendRate, "max-send-rate", fmt.Sprintf("each player's budget of snapshot and event bytes per second, like 16000 or 16KB (1 KB = 1000 bytes; %v, or 0 for no budget): when a snapshot would exceed it, the least important entities wait", sendRates))
	fs.StringVar(&origins, "origins", "", "comma-separated extra allowed WebSocket origins (https://example.com) or hosts (example.com:8443); * allows any; the server's own origin is always allowed")
	fs.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&cfg.LogFormat, "log-format", "text", "log format: text or json")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", defaultShutdownTimeout, fmt.Sprintf("how long to wait for connections to close on SIGTERM (%s to %s)", shutdownTimeouts.min, shutdownTimeouts.max))
	fs.StringVar(&cfg.DataDir, "data-dir", defaultDataDir, "folder of the match history's SQLite database (created at start; not used with --database-url)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", "", "postgres://user:password@host/db: keep the match history in PostgreSQL instead of SQLite (for several servers)")
	fs.TextVar(&cfg.ReplayRetention, "replay-retention", store.DefaultRetention, "replay journals kept, as AGE/SIZE: older ones, then the oldest past the total size, are dropped (the matches stay); 0 for no bound, e.g. 168h/0")
	fs.StringVar(&cfg.AdminAddr, "admin-addr", "", "address of the admin listener (/metrics, pprof, the admin API and dashboard), e.g. 127.0.0.1:9090; empty: none. Its token comes from "+adminTokenEnv+" or --admin-token-file; an address that is not loopback needs one")
	fs.StringVar(&cfg.AdminTokenFile, "admin-token-file", "", "file holding the admin listener's bearer token (instead of "+adminTokenEnv+")")
	fs.BoolVar(&cfg.MetricsOnMain, "metrics-on-main", false, "also serve Prometheus metrics on /metrics of --addr, the public listener (the admin listener always serves them)")
	fs.BoolVar(&cfg.Agones, "agones", false, "run as an Agones game server: Ready, Health and labels to the SDK server on localhost:$AGONES_SDK_HTTP_PORT (default 9358), Shutdown after the drain")
	fs.BoolVar(&cfg.ExitAfterMatch, "exit-after-match", false, "drain and exit once the last match has ended (one match per server process, as under Agones)")
	setUsage(fs, usage, "Usage: skirmish serve [flags]", envName)
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	if err := setFromEnv(fs, getenv, envName); err != nil {
		return cfg, err
	}
	for _, o := range strings.Split(origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.Origins = append(cfg.Origins, o)
		}
	}
	level, err := parseLogLevel(logLevel)
	if err != nil {
		return cfg, err
	}
	cfg.LogLevel = level
	if cfg.AdminToken, err = adminToken(getenv(adminTokenEnv), cfg.AdminTokenFile); err != nil {
		return cfg, err
	}
	if cfg.AgonesSDK, err = agonesSDKURL(getenv(agonesPortEnv)); err != nil && cfg.Agones {
		return cfg, err
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
	check(slices.Contains(assets.MapIDs(), c.Map), "--map %q: want one of the maps built in: %s", c.Map, strings.Join(assets.MapIDs(), ", "))
	check(game.TickRates.Contains(c.TickRate), "--tick-rate %d: want %v", c.TickRate, game.TickRates)
	check(c.SnapshotRate >= 1 && c.SnapshotRate <= c.TickRate, "--snapshot-rate %d: want 1 to the tick rate (%d)", c.SnapshotRate, c.TickRate)
	check(c.SpectatorRate >= 1 && c.SpectatorRate <= c.TickRate, "--spectator-rate %d: want 1 to the tick rate (%d)", c.SpectatorRate, c.TickRate)
	check(spectatorDelays.contains(c.SpectatorDelay), "--spectator-delay %s: want %s to %s", c.SpectatorDelay, spectatorDelays.min, spectatorDelays.max)
	check(game.PlayerCounts.Contains(c.MaxPlayers), "--max-players %d: want %v", c.MaxPlayers, game.PlayerCounts)
	check(!c.Bots || (c.BotFill >= 1 && c.BotFill <= c.MaxPlayers), "--bot-fill %d: want 1 to max players (%d)", c.BotFill, c.MaxPlayers)
	check(timeLimits.contains(c.TimeLimit), "--time-limit %s: want %s to %s", c.TimeLimit, timeLimits.min, timeLimits.max)
	check(scoreLimits.Contains(c.ScoreLimit), "--score-limit %d: want %v", c.ScoreLimit, scoreLimits)
	check(maxRewinds.contains(c.MaxRewind), "--max-rewind %s: want %s to %s", c.MaxRewind, maxRewinds.min, maxRewinds.max)
	check(matchCounts.Contains(c.MaxMatches), "--max-matches %d: want %v", c.MaxMatches, matchCounts)
	check(connectionCounts.Contains(c.MaxConnections), "--max-connections %d: want %v", c.MaxConnections, connectionCounts)
	check(spectatorCounts.Contains(c.MaxSpectators), "--max-spectators %d: want %v", c.MaxSpectators, spectatorCounts)
	check(c.MaxSendRate == 0 || sendRates.Contains(int(c.MaxSendRate)), "--max-send-rate %d: want 0 (no budget) or %v bytes per second", c.MaxSendRate, sendRates)
	check(reconnectWindows.contains(c.ReconnectWindow), "--reconnect-window %s: want %s (off) to %s", c.ReconnectWindow, reconnectWindows.min, reconnectWindows.max)
	if err := checkLogFormat(c.LogFormat); err != nil {
		errs = append(errs, err)
	}
	check(c.DatabaseURL != "" || c.DataDir != "", "--data-dir: want a folder (or a --database-url)")
	check(c.DatabaseURL == "" || strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://"),
		"--database-url: want postgres://… (PostgreSQL), or none for SQLite in --data-dir")
	check(shutdownTimeouts.contains(c.ShutdownTimeout), "--shutdown-timeout %s: want %s to %s", c.ShutdownTimeout, shutdownTimeouts.min, shutdownTimeouts.max)
	if err := c.checkAdmin(); err != nil {
		errs = append(errs, err)
	}
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

// parseLogLevel reads --log-level.
func parseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("--log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// checkLogFormat checks --log-format.
func checkLogFormat(f string) error {
	if f != "text" && f != "json" {
		return fmt.Errorf("--log-format %q: want text or json", f)
	}
	return nil
}

// newLogger builds the process logger from --log-level and --log-format.
func newLogger(level slog.Level, format string, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// osGetenv is os.Getenv, named so tests can see what production passes.
var osGetenv = os.Getenv

// wantOf says what kind of value flag f takes, for an error about a value
// that did not parse: "" when the parse error says it already.
func wantOf(f *flag.Flag) string {
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return ""
	}
	switch g.Get().(type) {
	case time.Duration:
		return " (want a duration with its unit, e.g. 90s or 5m)"
	case int, int64, uint, uint64:
		return " (want a whole number)"
	case bool:
		return " (want true or false)"
	}
	return ""
}
