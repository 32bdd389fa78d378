package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/skirmish-game/skirmish/netcode/netsim"
)

// netsimConfig is what `skirmish netsim` can be told. As with serve, every
// field has a flag and a SKIRMISH_NETSIM_* environment variable; a flag
// given on the command line wins over the environment, which wins over the
// default.
type netsimConfig struct {
	Listen     string
	Upstream   string
	Impairment netsim.Impairment
	CutEvery   time.Duration
	LogLevel   slog.Level
	LogFormat  string
}

// The impairments a host may ask for (the package accepts any
// non-negative value).
var (
	impairmentDelays = durationRange{0, 10 * time.Second} // --delay, --jitter
	cutPeriods       = durationRange{time.Second, 24 * time.Hour}
)

// netsimEnvName is the environment variable that stands in for netsim's
// flag name.
func netsimEnvName(flagName string) string { return envVar("SKIRMISH_NETSIM_", flagName) }

// addImpairmentFlags registers the flags of a simulated bad network,
// shared by netsim and loadtest. Stall and rate are checked as they are
// parsed; checkImpairment checks the rest.
func addImpairmentFlags(fs *flag.FlagSet, imp *netsim.Impairment) {
	fs.DurationVar(&imp.Delay, "delay", 0, fmt.Sprintf("one-way delay added to every segment, each way (%s to %s)", impairmentDelays.min, impairmentDelays.max))
	fs.DurationVar(&imp.Jitter, "jitter", 0, fmt.Sprintf("each segment's delay varies uniformly within ±jitter, never reordering bytes (%s to %s)", impairmentDelays.min, impairmentDelays.max))
	fs.TextVar(&imp.Stall, "stall", netsim.Stall{}, "DURATION/PERIOD: every PERIOD the link delivers nothing for DURATION, both ways, then releases what queued, e.g. 200ms/3s (0 = never)")
	fs.TextVar(&imp.Rate, "rate", netsim.Rate(0), "bandwidth cap per direction per connection, e.g. 64KB/s, 2Mbit/s (0 = unlimited)")
}

// checkImpairment refuses delays a host would not mean, naming the flag.
func checkImpairment(imp netsim.Impairment) []error {
	var errs []error
	if !impairmentDelays.contains(imp.Delay) {
		errs = append(errs, fmt.Errorf("--delay %s: want %s to %s", imp.Delay, impairmentDelays.min, impairmentDelays.max))
	}
	if !impairmentDelays.contains(imp.Jitter) {
		errs = append(errs, fmt.Errorf("--jitter %s: want %s to %s", imp.Jitter, impairmentDelays.min, impairmentDelays.max))
	}
	return errs
}

// parseNetsimConfig reads flags from args and the environment from getenv.
func parseNetsimConfig(args []string, getenv func(string) string, usage io.Writer) (netsimConfig, error) {
	var (
		cfg      netsimConfig
		logLevel string
		fs       = flag.NewFlagSet("netsim", flag.ContinueOnError)
	)
	fs.SetOutput(usage)
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:8081", "address to accept clients on (host:port)")
	fs.StringVar(&cfg.Upstream, "upstream", "127.0.0.1:8080", "the server every connection is relayed to (host:port)")
	addImpairmentFlags(fs, &cfg.Impairment)
	fs.DurationVar(&cfg.CutEvery, "cut-every", 0, fmt.Sprintf("cut every connection (a reset, both sides) this often, to try resumes; SIGUSR1 cuts at once (0 = never, else at least %s)", cutPeriods.min))
	fs.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&cfg.LogFormat, "log-format", "text", "log format: text or json")
	setUsage(fs, usage, "Usage: skirmish netsim --listen HOST:PORT --upstream HOST:PORT [--delay 75ms --jitter 15ms --stall 200ms/3s --rate 64KB/s --cut-every 20s]\n\n"+
		"A TCP proxy that impairs both directions of every connection, as a bad network would.", netsimEnvName)
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("netsim: unexpected argument %q", fs.Arg(0))
	}
	if err := setFromEnv(fs, getenv, netsimEnvName); err != nil {
		return cfg, err
	}
	level, err := parseLogLevel(logLevel)
	if err != nil {
		return cfg, err
	}
	cfg.LogLevel = level
	return cfg, cfg.validate()
}

// validate refuses values that would make a broken proxy, naming the flag.
func (c netsimConfig) validate() error {
	errs := checkImpairment(c.Impairment)
	for _, a := range []struct{ flag, addr string }{{"--listen", c.Listen}, {"--upstream", c.Upstream}} {
		if !strings.Contains(a.addr, ":") {
			errs = append(errs, fmt.Errorf("%s %q: want host:port, e.g. 127.0.0.1:8080", a.flag, a.addr))
		}
	}
	if c.CutEvery != 0 && !cutPeriods.contains(c.CutEvery) {
		errs = append(errs, fmt.Errorf("--cut-every %s: want 0 (never) or %s to %s", c.CutEvery, cutPeriods.min, cutPeriods.max))
	}
	if err := checkLogFormat(c.LogFormat); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// runNetsim parses the config and proxies until ctx is cancelled (SIGINT,
// SIGTERM); each cutSignals signal (SIGUSR1) cuts every connection.
func runNetsim(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, err := parseNetsimConfig(args, osGetenv, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	cuts := make(chan os.Signal, 1)
	if len(cutSignals) > 0 {
		// Before listening: once a client can connect, a cut signal is ours.
		signal.Notify(cuts, cutSignals...)
		defer signal.Stop(cuts)
	}
	return proxyNetsim(ctx, cfg, newLogger(cfg.LogLevel, cfg.LogFormat, stderr), cuts)
}

// proxyNetsim runs the proxy for cfg until ctx is done, cutting every
// connection whenever cuts delivers.
func proxyNetsim(ctx context.Context, cfg netsimConfig, log *slog.Logger, cuts <-chan os.Signal) error {
	proxy, err := netsim.NewProxy(netsim.ProxyConfig{
		Upstream: cfg.Upstream,
		Link:     netsim.Config{Impairment: cfg.Impairment},
		CutEvery: cfg.CutEvery,
		Logger:   log,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case s := <-cuts:
				proxy.Cut(s.String())
			case <-ctx.Done():
				return
			}
		}
	}()
	err = proxy.Serve(ctx, ln)
	cancel()
	wg.Wait()
	return err
}

// netDialer is netcode.DialOptions.NetDial's type.
type netDialer = func(ctx context.Context, network, addr string) (net.Conn, error)

// botDialer gives load bot n a link of its own for imp, so the bots'
// stalls fall out of phase as independent players' networks do (with a
// ramp), and returns the dial function for netcode.DialOptions.NetDial
// (nil when imp is zero) and stop, which lets what is queued — the bot's
// close — through before it ends the link.
func botDialer(imp netsim.Impairment, n int) (dial netDialer, stop func(), err error) {
	if imp.IsZero() {
		return nil, func() {}, nil
	}
	link, err := netsim.NewLink(netsim.Config{Impairment: imp, Seed: uint64(n) + 1})
	if err != nil {
		return nil, nil, err
	}
	return link.Dial, func() {
		// Long enough for a close handshake through the link, bounded.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second+2*(imp.Delay+imp.Jitter+imp.Stall.Duration))
		defer cancel()
		_ = link.Shutdown(ctx)
	}, nil
}
