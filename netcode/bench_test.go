package netcode

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/assets"
	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/clock"
	"github.com/skirmish-game/skirmish/game/match"
)

// BenchmarkEncodeSnapshot encodes one 8-player, 10-projectile snapshot into
// the encoder's reused buffer (the per-tick work of a hub before the one
// frame allocation).
func BenchmarkEncodeSnapshot(b *testing.B) {
	enc, snap := NewEncoder(), testSnapshot()
	b.SetBytes(int64(len(enc.EncodeSnapshot(snap))))
	b.ReportAllocs()
	for b.Loop() {
		enc.EncodeSnapshot(snap)
	}
}

// BenchmarkDecodeInput decodes one input message (the per-message work of a
// connection's reader).
func BenchmarkDecodeInput(b *testing.B) {
	enc, dec := NewEncoder(), NewDecoder()
	msg := append([]byte(nil), enc.EncodeInput(game.Input{Seq: 1234, MoveX: 0.7071, MoveY: -0.7071, Aim: 2.5, Buttons: 1}, 1200)...)
	var m ClientMessage
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if err := dec.DecodeClient(msg, &m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFanout8 measures one snapshot tick of a hub with 8 players on
// real loopback TCP connections: per op, OnTick quantizes the snapshot and
// queues it, the hub's encoder plans the 8 streams (none acknowledges: all
// get the complete snapshot, one group), encodes one shared frame and
// offers it to the 8 outboxes, and the op ends when
// all 8 writer goroutines have written it to their sockets (observed
// through Stats.FramesSent). The 8 clients read and discard concurrently,
// on the same CPUs, so the time includes their share of the machine; it
// does not include decoding on the client side. allocs/op counts every
// goroutine's allocations.
func BenchmarkFanout8(b *testing.B) {
	const players = 8
	srv, match := benchServer(b)
	h := newHub(srv, match, 30, 30) // every tick is a snapshot tick
	srv.wg.Add(1)
	go h.run()
	defer h.shut()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	var readers sync.WaitGroup
	var conns []*conn
	for i := range players {
		cc, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		sc, err := ln.Accept()
		if err != nil {
			b.Fatal(err)
		}
		readers.Add(1)
		go func() {
			defer readers.Done()
			_, _ = io.Copy(io.Discard, cc)
			cc.Close()
		}()
		c := newConn(srv, sc, bufio.NewReader(sc), fmt.Sprint("bench-", i))
		c.out.hold(h)
		c.out.release([]byte{0x82, 0x00}, 0) // an empty binary frame as the welcome
		st := &stream{player: game.PlayerID(i + 1)}
		st.start(c)
		c.stream.Store(st)
		h.add(c)
		conns = append(conns, c)
		srv.wg.Add(1)
		go c.writeLoop()
	}
	defer func() {
		for _, c := range conns {
			c.closeWith(0, closeSilent, nil)
			<-c.writerDone
			c.nc.Close()
		}
		readers.Wait()
	}()

	snap := testSnapshot()
	waitSent := func(n uint64) {
		deadline := time.Now().Add(waitLong)
		for srv.stats.framesSent.Load() < n {
			if time.Now().After(deadline) {
				b.Fatalf("frames sent stuck at %d, want %d", srv.stats.framesSent.Load(), n)
			}
			runtime.Gosched()
		}
	}
	waitSent(players) // the welcomes
	sent := srv.stats.framesSent.Load()
	b.ReportAllocs()
	for b.Loop() {
		snap.Tick++
		h.OnTick(snap, nil)
		sent += players
		waitSent(sent)
	}
	if r := srv.stats.snapshotsReplaced.Load(); r != 0 {
		b.Fatalf("%d snapshots replaced: the benchmark did not wait for every write", r)
	}
}

// benchServer returns a Server and an idle Match on the arena for driving a
// hub by hand.
func benchServer(b testing.TB) (*Server, *match.Match) {
	b.Helper()
	raw, err := assets.Map("arena") // testSnapshot's players are spread over it: all in everyone's view
	if err != nil {
		b.Fatal(err)
	}
	m, err := game.ParseMap(raw)
	if err != nil {
		b.Fatal(err)
	}
	mc := match.Config{ID: "bench", World: game.WorldConfig{Map: m}, Clock: clock.System{}, Logger: quietLog}
	reg, err := match.NewRegistry(match.RegistryConfig{Match: mc, NewID: func() string { return "x" }, Logger: quietLog})
	if err != nil {
		b.Fatal(err)
	}
	match, err := match.New(mc)
	if err != nil {
		b.Fatal(err)
	}
	srv, err := NewServer(Config{Registry: reg, Logger: quietLog})
	if err != nil {
		b.Fatal(err)
	}
	return srv, match
}
