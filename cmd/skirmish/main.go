// Command skirmish is the Skirmish game server and its tools.
//
//	skirmish serve     run a dedicated server (the default)
//	skirmish loadtest  drive a server with headless bot players
//	skirmish netsim    a TCP proxy that simulates a bad network
//	skirmish version   print the version
//
// main only wires: the game lives in package game, the players' wire in
// netcode, the spectators' feeds in spectate.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
)

// version is set at link time by `make build` (-ldflags -X main.version=…).
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd, rest := "serve", args
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, rest = args[0], args[1:]
	}
	if len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		cmd = "help" // the commands, not only serve's flags: serve --help has those
	}
	var err error
	switch cmd {
	case "serve":
		err = runServe(ctx, rest, stderr)
	case "loadtest":
		err = runLoadtest(ctx, rest, stdout, stderr)
	case "netsim":
		err = runNetsim(ctx, rest, stderr)
	case "version":
		fmt.Fprintln(stdout, "skirmish", version)
	case "help", "-h", "--help":
		usage(stdout)
	default:
		fmt.Fprintf(stderr, "skirmish: unknown command %q\n\n", cmd)
		usage(stderr)
		return 2
	}
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "skirmish:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "skirmish:", err)
		return 1
	}
}

// errUsage marks errors in what the user typed, which exit with status 2.
var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage: skirmish <command> [flags]

Commands:
  serve      run a dedicated server (default); skirmish serve --help lists flags
  loadtest   connect headless bot players to a server; skirmish loadtest --help
  netsim     a TCP proxy that makes a bad network (delay, jitter, stalls, a rate cap, cuts)
             in front of a server; skirmish netsim --help
  version    print the version
`)
}

// runServe parses the config, listens and serves until ctx is cancelled.
func runServe(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, err := parseServeConfig(args, osGetenv, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	log := newLogger(cfg.LogLevel, cfg.LogFormat, stderr)
	srv, err := newServer(cfg, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		_ = srv.closeHistory(context.Background())
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if cfg.AdminAddr != "" {
		if srv.adminLn, err = net.Listen("tcp", cfg.AdminAddr); err != nil {
			_ = ln.Close()
			_ = srv.closeHistory(context.Background())
			return fmt.Errorf("listen on --admin-addr %s: %w", cfg.AdminAddr, err)
		}
	}
	return srv.serve(ctx, ln)
}
