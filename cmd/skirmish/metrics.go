package main

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/match"
	"github.com/skirmish-game/skirmish/netcode"
	"github.com/skirmish-game/skirmish/spectate"
)

// The server's Prometheus metrics (docs/ADMIN.md lists them). The packages
// know nothing of Prometheus: they keep their own counters (Stats, Info),
// which serverCollector reads at scrape time, and they tell an observer
// interface of their own what only they can measure as it happens — each
// tick's duration (match.TickObserver) and each round trip
// (netcode.RTTObserver) — which metrics implements with histograms. Labels
// are few and bounded (a phase, a kind, a close code): never a match or a
// player, whose numbers have no bound.

// Histogram buckets, in seconds. A tick at 30 Hz has 33 ms; one at 128 Hz
// 7.8 ms: the buckets are finest below those.
var (
	tickBuckets = []float64{.0001, .00025, .0005, .001, .002, .004, .008, .016, .033, .066, .1, .25}
	rttBuckets  = []float64{.005, .01, .025, .05, .075, .1, .15, .2, .3, .5, 1, 2.5}
)

// metrics is the server's registry and the instruments fed as things
// happen. Safe for concurrent use.
type metrics struct {
	reg          *prometheus.Registry
	tickSeconds  prometheus.Histogram
	ticksDropped prometheus.Counter
	rttSeconds   prometheus.Histogram
}

var (
	_ match.TickObserver  = (*metrics)(nil)
	_ netcode.RTTObserver = (*metrics)(nil)
)

// newMetrics returns a registry holding the Go runtime and process
// collectors, the build info and the histograms; watch adds the rest once
// the server's parts exist.
func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		tickSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "skirmish_tick_duration_seconds",
			Help:    "How long one match tick took: the inbox, the simulation step and every observer (snapshot encoding included).",
			Buckets: tickBuckets,
		}),
		ticksDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "skirmish_ticks_dropped_total",
			Help: "Ticks dropped because a match fell more than its catch-up limit behind.",
		}),
		rttSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "skirmish_rtt_seconds",
			Help:    "Round trips of the server's WebSocket pings to playing clients (docs/PROTOCOL.md §1.8).",
			Buckets: rttBuckets,
		}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "skirmish_build_info",
			Help:        "Always 1; the version label is the server's build.",
			ConstLabels: prometheus.Labels{"version": version},
		}, func() float64 { return 1 }),
		m.tickSeconds, m.ticksDropped, m.rttSeconds,
	)
	return m
}

// ObserveTick implements match.TickObserver.
func (m *metrics) ObserveTick(d time.Duration) { m.tickSeconds.Observe(d.Seconds()) }

// TicksDropped implements match.TickObserver.
func (m *metrics) TicksDropped(n uint64) { m.ticksDropped.Add(float64(n)) }

// ObserveRTT implements netcode.RTTObserver.
func (m *metrics) ObserveRTT(d time.Duration) { m.rttSeconds.Observe(d.Seconds()) }

// metricSources are the parts of a server whose state the metrics read at
// scrape time.
type metricSources struct {
	registry   *match.Registry
	players    *netcode.Server
	spectators *spectate.Server
	// ready reports what /readyz would say: whether new players are welcome.
	ready func() bool
	// storageErrors counts failed match history operations (saves failed
	// or dropped, reads failed); nil means none is counted (tests).
	storageErrors func() uint64
}

// watch registers the collector that reads src at every scrape.
func (m *metrics) watch(src metricSources) error {
	return m.reg.Register(newServerCollector(src))
}

// metricsHandler serves reg's metrics in the Prometheus text (or
// OpenMetrics, when asked) exposition format. A collector that fails does
// not fail the scrape: the rest is served and the failure is counted in
// promhttp_metric_handler_errors_total. At most four scrapes run at once.
func metricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorHandling:       promhttp.ContinueOnError,
		Registry:            reg,
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	})
}

// serverCollector turns the server's own counters into metrics at scrape
// time (the prometheus "custom collector" pattern), so the packages that
// keep them stay free of Prometheus and nothing is counted twice.
type serverCollector struct {
	src metricSources

	ready, matches, players, spectators, connections                      *prometheus.Desc
	upgrades, closes, bytesIn, bytesOut, framesIn, framesOut              *prometheus.Desc
	snapshots, acksRefused                                                *prometheus.Desc
	snapshotsReplaced, inputsDropped, seatsHeld, seatsResumed             *prometheus.Desc
	sseEvents, sseBytes, spectatorsDropped, sseRefused, storageErrorCount *prometheus.Desc
	replayStreams, replayDesyncs                                          *prometheus.Desc
}

var _ prometheus.Collector = (*serverCollector)(nil)

func newServerCollector(src metricSources) *serverCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	return &serverCollector{
		src:               src,
		ready:             d("skirmish_ready", "1 while /readyz answers 200 (new players welcome), else 0."),
		matches:           d("skirmish_matches", "Matches running, by phase.", "phase"),
		players:           d("skirmish_players", "Seats taken in all matches: connected humans, bots, and humans' seats held for a reconnect.", "kind"),
		spectators:        d("skirmish_spectators", "Spectators connected to a match's event stream."),
		connections:       d("skirmish_connections", "Player WebSocket connections open (joined or still saying hello)."),
		upgrades:          d("skirmish_ws_upgrades_total", "Player WebSocket upgrade requests, by result: accepted, or rejected before the upgrade (draining, full, bad request, origin).", "result"),
		closes:            d("skirmish_ws_closes_total", "Player connections ended, by close code (docs/PROTOCOL.md §1.7): the server's, or the client's when it closed first; none: no closing handshake (the peer vanished); other: a client code outside 1000–1015 and 4000–4099.", "code"),
		bytesIn:           d("skirmish_ws_received_bytes_total", "Bytes of WebSocket frames read from players, headers included."),
		bytesOut:          d("skirmish_ws_sent_bytes_total", "Bytes written to player sockets."),
		framesIn:          d("skirmish_ws_received_frames_total", "WebSocket frames read from players, control frames included."),
		framesOut:         d("skirmish_ws_sent_frames_total", "WebSocket frames written to players."),
		snapshots:         d("skirmish_snapshots_total", "Snapshots offered to players, by kind: complete, or a delta against the tick the player acknowledged (docs/PROTOCOL.md §1.10).", "kind"),
		acksRefused:       d("skirmish_acks_refused_total", "Player acknowledgements that named no snapshot the server still remembers sending on that connection (the player gets complete snapshots)."),
		snapshotsReplaced: d("skirmish_snapshots_replaced_total", "Snapshots a slow client never got: replaced in its outbox by a newer one before being written."),
		inputsDropped:     d("skirmish_inputs_dropped_total", "Player inputs dropped: over the rate limit, or refused by a full match inbox."),
		seatsHeld:         d("skirmish_seats_held_total", "Seats held for a reconnect after a connection dropped without a leave."),
		seatsResumed:      d("skirmish_seats_resumed_total", "Held seats taken back by a reconnecting client."),
		sseEvents:         d("skirmish_sse_events_sent_total", "Spectator feed events written, one per event per spectator."),
		sseBytes:          d("skirmish_sse_sent_bytes_total", "Bytes of spectator feed events written."),
		spectatorsDropped: d("skirmish_spectators_dropped_total", "Spectators dropped: slow (fell behind live, or a write stuck past its deadline), or shed (the matches ran late).", "reason"),
		sseRefused:        d("skirmish_sse_streams_refused_total", "Spectator streams refused with 503 server_full."),
		storageErrorCount: d("skirmish_storage_errors_total", "Match history operations that failed: saves that failed or were dropped (queue full, or the drain ran out of time), and reads the API could not answer."),
		replayStreams:     d("skirmish_replay_streams", "Timeshift and replay streams being served, each re-simulating its match."),
		replayDesyncs:     d("skirmish_replay_desyncs_total", "Replays (delayed feeds, timeshift streams) whose state hash differed from the one the match recorded."),
	}
}

// Describe implements prometheus.Collector.
func (c *serverCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.ready, c.matches, c.players, c.spectators, c.connections,
		c.upgrades, c.closes, c.bytesIn, c.bytesOut, c.framesIn, c.framesOut,
		c.snapshots, c.acksRefused, c.snapshotsReplaced, c.inputsDropped, c.seatsHeld, c.seatsResumed,
		c.sseEvents, c.sseBytes, c.spectatorsDropped, c.sseRefused, c.storageErrorCount,
		c.replayStreams, c.replayDesyncs,
	} {
		ch <- d
	}
}

// phases are the match phases, each reported even at 0 so a dashboard's
// series never vanish.
var phases = []game.Phase{game.PhaseWaiting, game.PhaseCountdown, game.PhaseLive, game.PhaseEnded}

// Collect implements prometheus.Collector. It reads each part's counters
// once; it is called by the handler, possibly by several scrapes at once.
func (c *serverCollector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}

	ready := 0.0
	if c.src.ready() {
		ready = 1
	}
	gauge(c.ready, ready)

	byPhase := make(map[game.Phase]int, len(phases))
	var humans, bots, held int
	for _, m := range c.src.registry.List() {
		byPhase[m.Phase]++
		humans += m.Humans - m.Held
		bots += m.Bots
		held += m.Held
	}
	for _, p := range phases {
		gauge(c.matches, float64(byPhase[p]), p.String())
	}
	gauge(c.players, float64(humans), "human")
	gauge(c.players, float64(bots), "bot")
	gauge(c.players, float64(held), "held")

	ps := c.src.players.Stats()
	gauge(c.connections, float64(ps.Connections))
	counter(c.upgrades, ps.Accepted, "accepted")
	counter(c.upgrades, ps.Rejected, "rejected")
	closes := make(map[string]uint64, len(ps.Closes)+len(seededCloses))
	for _, code := range seededCloses {
		closes[closeLabel(code)] = 0
	}
	for code, n := range ps.Closes {
		closes[closeLabel(code)] += n
	}
	for label, n := range closes {
		counter(c.closes, n, label)
	}
	counter(c.bytesIn, ps.BytesReceived)
	counter(c.bytesOut, ps.BytesSent)
	counter(c.framesIn, ps.FramesReceived)
	counter(c.framesOut, ps.FramesSent)
	counter(c.snapshots, ps.CompleteSnapshots, "complete")
	counter(c.snapshots, ps.DeltaSnapshots, "delta")
	counter(c.acksRefused, ps.AcksRefused)
	counter(c.snapshotsReplaced, ps.SnapshotsReplaced)
	counter(c.inputsDropped, ps.InputsDropped)
	counter(c.seatsHeld, ps.Held)
	counter(c.seatsResumed, ps.Resumed)

	ss := c.src.spectators.Stats()
	gauge(c.spectators, float64(ss.Spectators))
	counter(c.sseEvents, ss.Sent)
	counter(c.sseBytes, ss.BytesSent)
	counter(c.spectatorsDropped, ss.Dropped, "slow")
	counter(c.spectatorsDropped, ss.Shed, "shed")
	counter(c.sseRefused, ss.Refused)
	gauge(c.replayStreams, float64(ss.Replays))
	counter(c.replayDesyncs, ss.Desyncs)

	var storageErrors uint64
	if c.src.storageErrors != nil {
		storageErrors = c.src.storageErrors()
	}
	counter(c.storageErrorCount, storageErrors)
}

// seededCloses are the close codes reported even at 0, so that a rate()
// over them has a series from the start: no close frame, and the codes
// the server itself sends (docs/PROTOCOL.md §1.7).
var seededCloses = []netcode.CloseCode{
	0, netcode.CloseNormal, netcode.CloseGoingAway, netcode.CloseProtocolError, netcode.CloseUnsupportedData,
	netcode.CloseNotMsgpack, netcode.CloseTooManyErrors, netcode.CloseTooBig, netcode.CloseInternal,
	netcode.CloseBadHello, netcode.CloseMatchNotFound, netcode.CloseMatchFull, netcode.CloseHelloTimeout,
	netcode.ClosePingTimeout, netcode.CloseMatchOver, netcode.CloseResumeRefused, netcode.CloseReplaced,
	netcode.CloseTooSlow, netcode.CloseServerBusy, netcode.CloseKicked,
}

// closeLabel is a close code's label value: the code's number for the
// codes WebSocket and this protocol define (1000–1015, 4000–4099), none
// for no close frame, other for any other code a client chose, so a client
// cannot mint series.
func closeLabel(code netcode.CloseCode) string {
	switch {
	case code == 0:
		return "none"
	case code >= 1000 && code <= 1015, code >= 4000 && code <= 4099:
		return strconv.Itoa(int(code))
	}
	return "other"
}
