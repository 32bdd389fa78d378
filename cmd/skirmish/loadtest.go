package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/netcode"
	"github.com/skirmish-game/skirmish/netcode/netsim"
)

// loadConfig is what `skirmish loadtest` can be told.
type loadConfig struct {
	URL      string
	Players  int
	Duration time.Duration
	Ramp     time.Duration
	Origin   string
	JSON     bool
	// Impairment is applied to each bot's connection in-process (netsim).
	Impairment netsim.Impairment
	// Spectators is how many SSE streams to open beside the players,
	// spread over the matches they play in; SpectatorRamp spreads their
	// connects, starting when the players' ramp is over.
	Spectators    int
	SpectatorRamp time.Duration
	// ResumeStorm, if positive, breaks every open spectator stream at once
	// that long after the spectators' ramp; each resumes at once from the
	// first event id it saw, as after a network outage.
	ResumeStorm time.Duration
}

func parseLoadConfig(args []string, usage io.Writer) (loadConfig, error) {
	var c loadConfig
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.StringVar(&c.URL, "url", "ws://localhost:8080/ws", "the server's WebSocket URL")
	fs.IntVar(&c.Players, "players", 50, "headless bot players to connect (1-20000)")
	fs.DurationVar(&c.Duration, "duration", 30*time.Second, "how long each player plays after the ramp")
	fs.DurationVar(&c.Ramp, "ramp", 5*time.Second, "spread the connects over this long, so the server sees a ramp, not a thundering herd")
	fs.StringVar(&c.Origin, "origin", "", "Origin header to send (default none, as non-browser clients do)")
	fs.BoolVar(&c.JSON, "json", false, "print the summary as one JSON object")
	addImpairmentFlags(fs, &c.Impairment)
	fs.IntVar(&c.Spectators, "spectators", 0, "SSE spectators to open beside the players, spread over their matches (0-100000)")
	fs.DurationVar(&c.SpectatorRamp, "spectator-ramp", 10*time.Second, "spread the spectators' connects over this long, after the players' ramp")
	fs.DurationVar(&c.ResumeStorm, "resume-storm", 0, "this long after the spectators' ramp, break every spectator stream at once and resume each from the first event id it saw (0: no storm)")
	fs.Usage = func() {
		fmt.Fprintf(usage, "Usage: skirmish loadtest --url ws://HOST:PORT/ws --players N [--spectators N] --duration 30s [--json]\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	var errs []error
	if u, err := url.Parse(c.URL); err != nil || u.Host == "" || u.Scheme != "ws" && u.Scheme != "wss" {
		errs = append(errs, fmt.Errorf("--url %q: want ws://HOST:PORT/ws", c.URL))
	}
	if c.Players < 1 || c.Players > 20000 {
		errs = append(errs, fmt.Errorf("--players %d: want 1 to 20000", c.Players))
	}
	if c.Duration < time.Second {
		errs = append(errs, fmt.Errorf("--duration %s: want at least 1s", c.Duration))
	}
	if c.Ramp < 0 {
		errs = append(errs, fmt.Errorf("--ramp %s: want 0 or more", c.Ramp))
	}
	errs = append(errs, checkImpairment(c.Impairment)...)
	if c.Spectators < 0 || c.Spectators > 100000 {
		errs = append(errs, fmt.Errorf("--spectators %d: want 0 to 100000", c.Spectators))
	}
	if c.SpectatorRamp < 0 || c.Spectators > 0 && c.SpectatorRamp >= c.Duration {
		errs = append(errs, fmt.Errorf("--spectator-ramp %s: want 0 or more, shorter than --duration", c.SpectatorRamp))
	}
	if c.ResumeStorm < 0 || c.ResumeStorm > 0 && (c.Spectators == 0 || c.SpectatorRamp+c.ResumeStorm >= c.Duration) {
		errs = append(errs, fmt.Errorf("--resume-storm %s: want 0, or with --spectators a time that falls within --duration after --spectator-ramp", c.ResumeStorm))
	}
	return c, errors.Join(errs...)
}

// loadSummary is the result of a run; its JSON form is the --json output.
type loadSummary struct {
	URL                string  `json:"url"`
	Players            int     `json:"players"`
	Connected          int     `json:"connected"`
	Failed             int     `json:"failed"`
	Dropped            int     `json:"dropped"`
	Resumed            int     `json:"resumed"` // seats taken back after a dropped connection (not drops)
	Matches            int     `json:"matches"`
	Rejoins            int     `json:"rejoins"` // sessions begun after the bot's match ended (close 4005)
	DurationSeconds    float64 `json:"duration_seconds"`
	SnapshotsPerSecond float64 `json:"snapshots_per_second_per_player"`
	InputsPerSecond    float64 `json:"inputs_per_second_per_player"`
	BytesPerSecond     float64 `json:"bytes_per_second_per_player"`
	// Snapshot frames by kind (PROTOCOL.md §1.10): complete snapshots and
	// deltas received by all players, and the average bytes of each (the
	// WebSocket frame, header included). DeltasDropped counts deltas a bot
	// could not apply (never expected of this server).
	CompleteFrames     int64   `json:"complete_frames"`
	DeltaFrames        int64   `json:"delta_frames"`
	CompleteFrameBytes float64 `json:"complete_frame_bytes_avg"`
	DeltaFrameBytes    float64 `json:"delta_frame_bytes_avg"`
	// DeltaFullBytes is the average bytes a complete snapshot of the same
	// picture would have taken in place of each delta: what deltas save.
	DeltaFullBytes       float64 `json:"delta_as_complete_bytes_avg"`
	DeltasDropped        int64   `json:"deltas_dropped"`
	RTTp50Millis         float64 `json:"rtt_p50_ms"`
	RTTp99Millis         float64 `json:"rtt_p99_ms"`
	RTTSamples           int     `json:"rtt_samples"`
	FirstConnectError    string  `json:"first_connect_error,omitempty"`
	FirstDisconnectError string  `json:"first_disconnect_error,omitempty"`
	// Spectate is there when --spectators was given.
	Spectate *spectateSummary `json:"spectate,omitempty"`
}

// loadPlayer is one headless bot's counters, written by its own goroutines
// and read by the progress line.
type loadPlayer struct {
	snapshots atomic.Int64
	inputs    atomic.Int64
	bytes     atomic.Int64
	// Snapshot frames by kind and their bytes; reader goroutine only until
	// play returns.
	completeFrames, completeBytes int64
	deltaFrames, deltaBytes       int64
	deltaFullBytes                int64
	deltasDropped                 int64
	resumes                       int // owned by play's goroutine until it returns
	connected                     time.Time
	ended                         time.Time
	rtts                          []float64 // ms; owned by the reader goroutine until it returns
	matches                       []string  // every match played in, in order
	err                           error
}

func runLoadtest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseLoadConfig(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	sum := loadtest(ctx, cfg, stderr)
	if cfg.JSON {
		enc := json.NewEncoder(stdout)
		if err := enc.Encode(sum); err != nil {
			return err
		}
	} else {
		printSummary(stdout, sum)
	}
	if sum.Failed > 0 || sum.Dropped > 0 {
		return fmt.Errorf("loadtest: %d of %d players failed to connect, %d dropped", sum.Failed, sum.Players, sum.Dropped)
	}
	// Spectators dropped or refused are the server shedding load, which
	// the summary reports; only a spectator mode that never got a stream
	// is a failed run.
	if sp := sum.Spectate; sp != nil && sp.Connected == 0 {
		return fmt.Errorf("loadtest: none of %d spectators got a stream", sp.Spectators)
	}
	return nil
}

// loadtest connects cfg.Players bots over the ramp, lets each play for
// cfg.Duration, and summarizes what they received. Spectators, if any, watch
// from the end of the ramp until the last player is done.
func loadtest(ctx context.Context, cfg loadConfig, progress io.Writer) loadSummary {
	players := make([]*loadPlayer, cfg.Players)
	var (
		wg        sync.WaitGroup
		connected atomic.Int64
		failed    atomic.Int64
	)
	start := time.Now()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	for i := range players {
		p := &loadPlayer{}
		players[i] = p
		delay := time.Duration(0)
		if cfg.Players > 1 {
			delay = cfg.Ramp * time.Duration(i) / time.Duration(cfg.Players)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-time.After(delay):
			case <-runCtx.Done():
				p.err = runCtx.Err()
				failed.Add(1)
				return
			}
			if p.play(runCtx, cfg, i, &connected) != nil && p.connected.IsZero() {
				failed.Add(1)
			}
		}()
	}

	var specs *spectators
	specsDone := make(chan struct{})
	if cfg.Spectators > 0 {
		specs = newSpectators(cfg.URL, cfg.Spectators)
		specCtx, stopSpecs := context.WithDeadline(runCtx, start.Add(cfg.Ramp+cfg.Duration))
		go func() {
			defer close(specsDone)
			defer stopSpecs()
			select {
			case <-time.After(cfg.Ramp):
			case <-specCtx.Done():
				return
			}
			specs.run(specCtx, cfg.SpectatorRamp, cfg.ResumeStorm)
		}()
	} else {
		close(specsDone)
	}

	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tty := isTerminal(progress)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for running := true; running; {
		select {
		case <-done:
			running = false
		case <-tick.C:
			printProgress(progress, tty, time.Since(start), players, int(connected.Load()), int(failed.Load()), specs)
		}
	}
	if tty {
		fmt.Fprintln(progress)
	}
	cancel() // the spectators stop with the players
	<-specsDone
	sum := summarize(cfg, players, time.Since(start))
	if specs != nil {
		sum.Spectate = specs.summary(time.Now())
	}
	return sum
}

// play is one bot: connect, then send an input every tick and a ping every
// second while a reader counts what arrives, until the duration is over. When
// its match ends and is removed (close 4005) it plays on in a new one, as a
// person would: that is not a dropped player. When its connection drops
// (a reset, a ping timeout, too slow) it resumes its seat with its token,
// as the browser does (resume): a resume is not a drop either, unless it
// fails.
func (p *loadPlayer) play(ctx context.Context, cfg loadConfig, n int, connected *atomic.Int64) error {
	netDial, stopLink, err := botDialer(cfg.Impairment, n)
	if err != nil {
		p.err = err
		return err
	}
	defer stopLink()
	c, welcome, err := dialBot(ctx, cfg, n, netDial)
	if err != nil {
		p.err = err
		return err
	}
	connected.Add(1)
	p.connected = time.Now()
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	rng := rand.New(rand.NewPCG(uint64(n), 0x5eed))
	for {
		p.matches = append(p.matches, welcome.Match)
		err := p.session(ctx, c, welcome, rng)
		switch {
		case ctx.Err() != nil:
			return nil
		case resumable(err) && welcome.Resume != "" && welcome.ReconnectWindow > 0:
			if c, welcome, err = p.resume(ctx, cfg, n, netDial, welcome, rng); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				p.err = fmt.Errorf("disconnected, not resumed: %w", err)
				return p.err
			}
			p.resumes++
			continue
		case netcode.CloseCodeOf(err) != netcode.CloseMatchOver:
			p.err = fmt.Errorf("disconnected: %w", err)
			return p.err
		}
		if c, welcome, err = dialBot(ctx, cfg, n, netDial); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			p.err = fmt.Errorf("rejoining after the match ended: %w", err)
			return p.err
		}
	}
}

// resumable reports whether a session's end is a drop its seat is held
// for (PROTOCOL.md §1.9): the connection failed without a close from the
// server, or the server closed it for a ping timeout or as too slow.
func resumable(err error) bool {
	switch netcode.CloseCodeOf(err) {
	case 0:
		return err != nil
	case netcode.ClosePingTimeout, netcode.CloseTooSlow:
		return true
	}
	return false
}

// resume takes bot n's seat back with the token of its last welcome,
// retrying on the browser's schedule (resumeBackoff) until the seat's
// window has passed since the drop. A refused token ends the tries.
func (p *loadPlayer) resume(ctx context.Context, cfg loadConfig, n int, netDial netDialer, last netcode.Welcome,
	rng *rand.Rand) (*netcode.Client, netcode.Welcome, error) {
	deadline := time.Now().Add(last.ReconnectWindow)
	for attempt := 0; ; attempt++ {
		wait := resumeBackoff(attempt, rng.Float64())
		if time.Now().Add(wait).After(deadline) {
			return nil, netcode.Welcome{}, fmt.Errorf("the %s window passed", last.ReconnectWindow)
		}
		select {
		case <-ctx.Done():
			return nil, netcode.Welcome{}, ctx.Err()
		case <-time.After(wait):
		}
		c, w, err := dialBotWith(ctx, cfg, n, netDial, last.Match, last.Resume)
		if err == nil {
			return c, w, nil
		}
		var je *netcode.JoinError
		if errors.As(err, &je) && je.Close == netcode.CloseResumeRefused {
			return nil, netcode.Welcome{}, err
		}
	}
}

// resumeBackoff is how long reconnect attempt n (from 0) waits, given u, a
// uniform random number in [0, 1): a step that starts at 250 ms and doubles
// up to 2 s, of which a random point in the upper half is taken (equal
// jitter: never a burst at one instant, never much sooner than the step).
// It is the browser's schedule (client/src/net/backoff.ts).
func resumeBackoff(n int, u float64) time.Duration {
	const first, most = 250 * time.Millisecond, 2 * time.Second
	step := most
	if n < 4 {
		step = min(most, first<<n)
	}
	return step/2 + time.Duration(u*float64(step/2))
}

// dialBot connects bot n (through netDial when not nil) and waits for its
// welcome.
func dialBot(ctx context.Context, cfg loadConfig, n int, netDial netDialer) (*netcode.Client, netcode.Welcome, error) {
	return dialBotWith(ctx, cfg, n, netDial, "", "")
}

// dialBotWith is dialBot into match (or quick play) with a resume token (or
// none).
func dialBotWith(ctx context.Context, cfg loadConfig, n int, netDial netDialer, match, resume string) (*netcode.Client, netcode.Welcome, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return netcode.Dial(ctx, cfg.URL, netcode.DialOptions{Name: fmt.Sprintf("load-%d", n), Origin: cfg.Origin, NetDial: netDial,
		Match: match, Resume: resume})
}

// session plays on one connection until ctx is done or the connection
// fails, and closes it. The error is the server's close (a *CloseError) when
// the server closed the connection.
func (p *loadPlayer) session(ctx context.Context, c *netcode.Client, welcome netcode.Welcome, rng *rand.Rand) error {
	defer c.Close()
	base := p.bytes.Load() // bytes of earlier sessions
	readErr := make(chan error, 1)
	go func() { readErr <- p.read(c, base) }()

	tickRate := max(int(welcome.TickRate), 1)
	ticker := time.NewTicker(time.Second / time.Duration(tickRate))
	defer ticker.Stop()
	in := game.Input{}
	var err2 error
loop:
	for seq := uint32(1); ; seq++ {
		select {
		case <-ctx.Done():
			break loop
		case err2 = <-readErr:
			readErr <- err2
			break loop
		case <-ticker.C:
		}
		// Wander like a restless human: change direction about once a
		// second, sweep the aim, and fire in bursts.
		if seq%uint32(tickRate) == 1 {
			a := rng.Float64() * 2 * math.Pi
			in.MoveX, in.MoveY = math.Cos(a), math.Sin(a)
			if err := c.SendPing(float64(time.Now().UnixNano()) / 1e6); err != nil {
				err2 = err
				break
			}
		}
		in.Seq = seq
		in.Aim = math.Remainder(float64(seq)*0.1, 2*math.Pi)
		in.Buttons = 0
		if rng.IntN(3) == 0 {
			in.Buttons = game.ButtonFire
		}
		if err := c.SendInput(in); err != nil {
			err2 = err
			break
		}
		p.inputs.Add(1)
	}
	p.ended = time.Now()
	c.Close()
	rerr := <-readErr
	if netcode.CloseCodeOf(rerr) != 0 || err2 == nil {
		// The server's close explains a failed send too; without a send
		// error, the reader's error is the reason the session ended.
		return rerr
	}
	return err2
}

// read counts snapshots and bytes (on top of base, the bytes of earlier
// sessions), complete snapshots and deltas with their sizes, and turns pongs
// into RTT samples. A snapshot's size is the bytes read since the message
// before it: its frame, and any control frame or dropped delta between.
func (p *loadPlayer) read(c *netcode.Client, base int64) error {
	defer func() { p.deltasDropped += int64(c.DeltasDropped()) }()
	var before uint64
	enc := netcode.NewEncoder()
	for {
		msg, err := c.Next()
		if err != nil {
			return err
		}
		read := c.BytesRead()
		size := int64(read - before)
		before = read
		p.bytes.Store(base + int64(read))
		switch m := msg.(type) {
		case *netcode.Snapshot:
			p.snapshots.Add(1)
			if m.BaseTick == 0 {
				p.completeFrames++
				p.completeBytes += size
			} else {
				p.deltaFrames++
				p.deltaBytes += size
				p.deltaFullBytes += int64(frameSize(len(enc.EncodeSnapshot(&m.Snapshot))))
			}
		case *netcode.Pong:
			p.rtts = append(p.rtts, float64(time.Now().UnixNano())/1e6-m.T)
		}
	}
}

func printProgress(w io.Writer, tty bool, elapsed time.Duration, players []*loadPlayer, connected, failed int, specs *spectators) {
	var snaps int64
	for _, p := range players {
		snaps += p.snapshots.Load()
	}
	line := fmt.Sprintf("[%3.0fs] connected %d/%d  failed %d  snapshots %d",
		elapsed.Seconds(), connected, len(players), failed, snaps)
	if specs != nil {
		line += fmt.Sprintf("  spectators open %d events %d drops %d refused %d",
			specs.open.Load(), specs.events.Load(), specs.drops.Load(), specs.refusals.Load())
	}
	if tty {
		fmt.Fprintf(w, "\r%-80s", line)
	} else {
		fmt.Fprintln(w, line)
	}
}

func summarize(cfg loadConfig, players []*loadPlayer, elapsed time.Duration) loadSummary {
	s := loadSummary{URL: cfg.URL, Players: len(players), DurationSeconds: math.Round(elapsed.Seconds()*10) / 10}
	var rtts []float64
	var snapRate, inputRate, byteRate float64
	var completeBytes, deltaBytes, deltaFullBytes int64
	matches := map[string]bool{}
	for _, p := range players {
		if p.connected.IsZero() {
			s.Failed++
			if s.FirstConnectError == "" && p.err != nil {
				s.FirstConnectError = p.err.Error()
			}
			continue
		}
		s.Connected++
		s.Resumed += p.resumes
		for _, m := range p.matches {
			matches[m] = true
		}
		s.Rejoins += max(len(p.matches)-1, 0)
		if p.err != nil {
			s.Dropped++
			if s.FirstDisconnectError == "" {
				s.FirstDisconnectError = p.err.Error()
			}
		}
		secs := p.ended.Sub(p.connected).Seconds()
		if secs <= 0 {
			continue
		}
		snapRate += float64(p.snapshots.Load()) / secs
		inputRate += float64(p.inputs.Load()) / secs
		byteRate += float64(p.bytes.Load()) / secs
		rtts = append(rtts, p.rtts...)
		s.CompleteFrames += p.completeFrames
		s.DeltaFrames += p.deltaFrames
		completeBytes += p.completeBytes
		deltaBytes += p.deltaBytes
		deltaFullBytes += p.deltaFullBytes
		s.DeltasDropped += p.deltasDropped
	}
	if s.CompleteFrames > 0 {
		s.CompleteFrameBytes = math.Round(float64(completeBytes) / float64(s.CompleteFrames))
	}
	if s.DeltaFrames > 0 {
		s.DeltaFrameBytes = math.Round(float64(deltaBytes) / float64(s.DeltaFrames))
		s.DeltaFullBytes = math.Round(float64(deltaFullBytes) / float64(s.DeltaFrames))
	}
	s.Matches = len(matches)
	if s.Connected > 0 {
		n := float64(s.Connected)
		s.SnapshotsPerSecond = round2(snapRate / n)
		s.InputsPerSecond = round2(inputRate / n)
		s.BytesPerSecond = math.Round(byteRate / n)
	}
	slices.Sort(rtts)
	s.RTTSamples = len(rtts)
	s.RTTp50Millis = round2(percentile(rtts, 0.50))
	s.RTTp99Millis = round2(percentile(rtts, 0.99))
	return s
}

// percentile uses the nearest-rank method on sorted samples.
func percentile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// frameSize is the bytes of a server WebSocket frame of a payload of n
// bytes (RFC 6455 §5.2: a 2-byte header up to 125, 4 up to 65535).
func frameSize(n int) int {
	if n <= 125 {
		return n + 2
	}
	return n + 4
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func printSummary(w io.Writer, s loadSummary) {
	fmt.Fprintf(w, "players    %d connected, %d failed, %d dropped, %d resumed after a drop, over %d matches, %d rejoins after a match ended (%.1fs)\n",
		s.Connected, s.Failed, s.Dropped, s.Resumed, s.Matches, s.Rejoins, s.DurationSeconds)
	fmt.Fprintf(w, "per player %.2f snapshots/s, %.2f inputs/s, %.0f bytes/s received\n",
		s.SnapshotsPerSecond, s.InputsPerSecond, s.BytesPerSecond)
	fmt.Fprintf(w, "snapshots  %d complete (%.0f bytes on average), %d deltas (%.0f bytes on average, %.0f complete), %d deltas dropped\n",
		s.CompleteFrames, s.CompleteFrameBytes, s.DeltaFrames, s.DeltaFrameBytes, s.DeltaFullBytes, s.DeltasDropped)
	fmt.Fprintf(w, "rtt        p50 %.2f ms, p99 %.2f ms (%d samples)\n", s.RTTp50Millis, s.RTTp99Millis, s.RTTSamples)
	if s.FirstConnectError != "" {
		fmt.Fprintf(w, "first connect error: %s\n", s.FirstConnectError)
	}
	if s.FirstDisconnectError != "" {
		fmt.Fprintf(w, "first disconnect error: %s\n", s.FirstDisconnectError)
	}
	if sp := s.Spectate; sp != nil {
		fmt.Fprintf(w, "spectators %d connected of %d, %d open at the end; %.0f events/s (%.2f per stream), %.0f bytes/s\n",
			sp.Connected, sp.Spectators, sp.OpenAtEnd, sp.EventsPerSecond, sp.EventsPerStreamSecond, sp.BytesPerSecond)
		fmt.Fprintf(w, "           %d dropped, %d refused, %d resumes (%d with backlog), %d matches ended, %d not found (ended before the stream opened), %d errors\n",
			sp.Drops, sp.Refusals, sp.Resumes, sp.ResumedWithBacklog, sp.MatchesEnded, sp.NotFound, sp.Errors)
		if st := sp.Storm; st != nil {
			fmt.Fprintf(w, "storm      %d streams broken and resumed (%d with their backlog); %d bytes in the 10 s after\n",
				st.Streams, st.WithBacklog, st.Bytes10s)
		}
		if sp.FirstRefusal != "" {
			fmt.Fprintf(w, "first refusal: %s\n", sp.FirstRefusal)
		}
		if sp.FirstError != "" {
			fmt.Fprintf(w, "first spectator error: %s\n", sp.FirstError)
		}
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
