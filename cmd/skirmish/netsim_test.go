package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/netcode"
	"github.com/skirmish-game/skirmish/netcode/netsim"
)

// rttMargin is how much longer than twice the delay a median round trip
// may take: the server's own time and a loaded machine's scheduling, never
// the link's doing (a link that doubled a delay would exceed it).
const rttMargin = 75 * time.Millisecond

func noEnv(string) string { return "" }

func TestParseNetsimConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string // substring; "" means success
		check   func(t *testing.T, c netsimConfig)
	}{
		{
			name: "defaults",
			check: func(t *testing.T, c netsimConfig) {
				if c.Listen != "127.0.0.1:8081" || c.Upstream != "127.0.0.1:8080" || !c.Impairment.IsZero() || c.CutEvery != 0 {
					t.Errorf("defaults = %+v", c)
				}
			},
		},
		{
			name: "flags",
			args: []string{"--listen", "127.0.0.1:9001", "--upstream", "10.0.0.1:8080", "--delay", "75ms", "--jitter", "15ms",
				"--stall", "200ms/3s", "--rate", "64KB/s", "--cut-every", "20s", "--log-format", "json"},
			check: func(t *testing.T, c netsimConfig) {
				want := netsim.Impairment{Delay: 75 * time.Millisecond, Jitter: 15 * time.Millisecond,
					Stall: netsim.Stall{Duration: 200 * time.Millisecond, Period: 3 * time.Second}, Rate: 64000}
				if c.Listen != "127.0.0.1:9001" || c.Upstream != "10.0.0.1:8080" || c.Impairment != want || c.CutEvery != 20*time.Second || c.LogFormat != "json" {
					t.Errorf("got %+v", c)
				}
			},
		},
		{
			name: "env fills what flags leave",
			args: []string{"--delay", "50ms"},
			env:  map[string]string{"SKIRMISH_NETSIM_DELAY": "10ms", "SKIRMISH_NETSIM_STALL": "100ms/1s", "SKIRMISH_NETSIM_RATE": "1MB/s"},
			check: func(t *testing.T, c netsimConfig) {
				if c.Impairment.Delay != 50*time.Millisecond {
					t.Errorf("flag must win over env: delay %s", c.Impairment.Delay)
				}
				if c.Impairment.Stall != (netsim.Stall{Duration: 100 * time.Millisecond, Period: time.Second}) || c.Impairment.Rate != 1e6 {
					t.Errorf("env not applied: %+v", c.Impairment)
				}
			},
		},
		{name: "negative delay", args: []string{"--delay", "-5ms"}, wantErr: "--delay -5ms: want 0s to 10s"},
		{name: "huge jitter", args: []string{"--jitter", "1m"}, wantErr: "--jitter 1m0s"},
		{name: "stall longer than its period", args: []string{"--stall", "3s/1s"}, wantErr: "-stall"},
		{name: "stall without a period", args: []string{"--stall", "200ms"}, wantErr: "-stall"},
		{name: "bad rate", args: []string{"--rate", "fast"}, wantErr: "-rate"},
		{name: "cut too often", args: []string{"--cut-every", "10ms"}, wantErr: "--cut-every 10ms"},
		{name: "bad listen", args: []string{"--listen", "8081"}, wantErr: "--listen"},
		{name: "bad upstream", args: []string{"--upstream", "server"}, wantErr: "--upstream"},
		{name: "bad log format", args: []string{"--log-format", "xml"}, wantErr: "--log-format"},
		{name: "bad log level", args: []string{"--log-level", "loud"}, wantErr: "--log-level"},
		{name: "bad env value", env: map[string]string{"SKIRMISH_NETSIM_RATE": "lots"}, wantErr: "SKIRMISH_NETSIM_RATE"},
		{name: "stray argument", args: []string{"now"}, wantErr: "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseNetsimConfig(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
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

// netsimHelpFlags returns the flags `skirmish netsim --help` lists.
func netsimHelpFlags(t *testing.T) []string {
	t.Helper()
	var help strings.Builder
	if _, err := parseNetsimConfig([]string{"--help"}, noEnv, &help); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v, want flag.ErrHelp", err)
	}
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^  --([a-z-]+) \(([A-Z_]+),`).FindAllStringSubmatch(help.String(), -1) {
		if m[2] != netsimEnvName(m[1]) {
			t.Errorf("help names %s for --%s, want %s", m[2], m[1], netsimEnvName(m[1]))
		}
		names = append(names, m[1])
	}
	return names
}

// TestNetsimHelpListsEveryFlag: --help lists every flag with its variable.
func TestNetsimHelpListsEveryFlag(t *testing.T) {
	got := netsimHelpFlags(t)
	want := []string{"cut-every", "delay", "jitter", "listen", "log-format", "log-level", "rate", "stall", "upstream"}
	if !slices.Equal(got, want) {
		t.Fatalf("help lists %v, want %v", got, want)
	}
}

// TestReadmeNetsimTable: README's netsim table lists every flag with its
// environment variable and its real default.
func TestReadmeNetsimTable(t *testing.T) {
	readme := readmeSection(t, "## Try a bad network")
	defaults, err := parseNetsimConfig(nil, noEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| `--([a-z-]+)` \\| `([A-Z_]+)` \\| `?([^|`]*)`? \\|").FindAllStringSubmatch(readme, -1) {
		rows[m[1]] = m[2:]
	}
	for _, name := range netsimHelpFlags(t) {
		r, ok := rows[name]
		if !ok {
			t.Errorf("README's netsim table has no row for --%s", name)
			continue
		}
		if r[0] != netsimEnvName(name) {
			t.Errorf("--%s: README names %s, want %s", name, r[0], netsimEnvName(name))
		}
		c, err := parseNetsimConfig([]string{"--" + name + "=" + strings.TrimSpace(r[1])}, noEnv, io.Discard)
		if err != nil || !reflect.DeepEqual(c, defaults) {
			t.Errorf("--%s: README's default %q is not the real default (%v)", name, r[1], err)
		}
	}
}

// lineWatcher is a log sink that hands each line to a matcher.
type lineWatcher struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines chan string
}

func (w *lineWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		line, err := w.buf.ReadString('\n')
		if err != nil {
			w.buf.WriteString(line) // a partial line: keep it
			return len(p), nil
		}
		select {
		case w.lines <- line:
		default: // nobody needs more lines
		}
	}
}

// startNetsim runs `skirmish netsim` with args, listening on a free
// loopback port, until the test ends; it returns the address it listens
// on, read from its log, and its log lines.
func startNetsim(t *testing.T, args ...string) (string, <-chan string) {
	t.Helper()
	logs := &lineWatcher{lines: make(chan string, 256)}
	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, append([]string{"netsim", "--listen", "127.0.0.1:0"}, args...), io.Discard, logs)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-exit:
			if code != 0 {
				t.Errorf("netsim exited %d", code)
			}
		case <-time.After(30 * time.Second):
			t.Error("netsim did not stop")
		}
	})
	listening := regexp.MustCompile(`msg="netsim: proxying" listen=(\S+)`)
	for {
		select {
		case line := <-logs.lines:
			if m := listening.FindStringSubmatch(line); m != nil {
				return m[1], logs.lines
			}
		case code := <-exit:
			t.Fatalf("netsim exited %d before listening", code)
		case <-time.After(30 * time.Second):
			t.Fatal("netsim did not start listening")
		}
	}
}

// pingThrough plays on c for n pings, one every 100 ms between 30 Hz
// inputs, and returns the round trip of each, measured on the monotonic
// clock.
func pingThrough(t *testing.T, c *netcode.Client, n int) []time.Duration {
	t.Helper()
	var (
		mu   sync.Mutex
		sent []time.Time
		rtts []time.Duration
	)
	readDone := make(chan error, 1)
	go func() {
		for {
			msg, err := c.Next()
			if err != nil {
				readDone <- err
				return
			}
			if pong, ok := msg.(*netcode.Pong); ok {
				mu.Lock()
				rtts = append(rtts, time.Since(sent[int(pong.T)]))
				mu.Unlock()
			}
		}
	}()
	tick := time.NewTicker(time.Second / 30)
	defer tick.Stop()
	for seq := uint32(1); ; seq++ {
		<-tick.C
		if err := c.SendInput(game.Input{Seq: seq, MoveX: 1}); err != nil {
			t.Fatal(err)
		}
		if seq%3 == 0 && len(sent) < n {
			mu.Lock()
			sent = append(sent, time.Now())
			mu.Unlock()
			if err := c.SendPing(float64(len(sent) - 1)); err != nil {
				t.Fatal(err)
			}
		}
		mu.Lock()
		got := len(rtts)
		mu.Unlock()
		if got == n {
			break
		}
		if seq > uint32(30*(n/3+20)) {
			t.Fatalf("%d of %d pongs after %d inputs", got, n, seq)
		}
	}
	c.Close()
	<-readDone
	return rtts
}

// TestNetsimEndToEnd: a real server behind a real `skirmish netsim
// --delay 75ms --jitter 15ms`; a client playing through it measures a
// round trip of about twice the delay, and never less than twice the
// shortest delay the jitter allows.
func TestNetsimEndToEnd(t *testing.T) {
	const delay, jitter = 75 * time.Millisecond, 15 * time.Millisecond
	base := startServer(t, testServeConfig(t))
	addr, _ := startNetsim(t, "--upstream", strings.TrimPrefix(base, "http://"), "--delay", delay.String(), "--jitter", jitter.String())

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _, err := netcode.Dial(ctx, "ws://"+addr+"/ws", netcode.DialOptions{Name: "lagged"})
	if err != nil {
		t.Fatal(err)
	}
	rtts := pingThrough(t, c, 30)
	med := median(rtts)
	t.Logf("RTT through netsim at %s ± %s: min %s, median %s, max %s", delay, jitter, slices.Min(rtts), med, slices.Max(rtts))
	if low := slices.Min(rtts); low < 2*(delay-jitter) {
		t.Errorf("a round trip took %s, less than the link allows (%s)", low, 2*(delay-jitter))
	}
	if med < 2*delay-jitter || med > 2*delay+rttMargin {
		t.Errorf("median RTT %s, want about %s", med, 2*delay)
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
