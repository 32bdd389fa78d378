package netcode

import (
	"bufio"
	"bytes"
	"math"
	"math/rand/v2"
	"net"
	"testing"

	"github.com/gobwas/ws"

	"github.com/skirmish-game/skirmish/assets"
	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/clock"
	"github.com/skirmish-game/skirmish/game/match"
)

// playWorld simulates n players on map mapID for the given seconds at 30 Hz
// ticks, each running in a random direction that changes every second,
// aiming round and firing a third of the time (the load tool's bots), and
// returns the snapshots of the 20 Hz snapshot ticks after the first five
// seconds (the countdown is over and the shots are flying).
func playWorld(tb testing.TB, mapID string, n, secs int, seed uint64) []*game.Snapshot {
	tb.Helper()
	raw, err := assets.Map(mapID)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := game.ParseMap(raw)
	if err != nil {
		tb.Fatal(err)
	}
	w, err := game.NewWorld(game.WorldConfig{Seed: int64(seed), TickRate: 30, MaxPlayers: n, Map: m})
	if err != nil {
		tb.Fatal(err)
	}
	var in game.TickInput
	for range n {
		in.Commands = append(in.Commands, game.Command{Kind: game.CommandJoin, Name: "x"})
	}
	w.Step(in)
	var ids []game.PlayerID
	for _, o := range w.JoinOutcomes() {
		ids = append(ids, o.Player)
	}
	in.Commands = nil
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	inputs := make([]game.Input, n)
	var out []*game.Snapshot
	for seq := uint32(1); seq < uint32(secs*30); seq++ {
		in.Inputs = in.Inputs[:0]
		for i, id := range ids {
			p := &inputs[i]
			if seq%30 == uint32(i)%30 {
				a := rng.Float64() * 2 * math.Pi
				p.MoveX, p.MoveY = math.Cos(a), math.Sin(a)
			}
			p.Seq = seq
			p.Aim = math.Remainder(float64(seq)*0.1+float64(i), 2*math.Pi)
			p.Buttons = 0
			if rng.IntN(3) == 0 {
				p.Buttons = game.ButtonFire
			}
			in.Inputs = append(in.Inputs, game.PlayerInput{Player: id, Input: *p})
		}
		w.Step(in)
		if seq >= 150 && match.TickDue(w.Tick(), 20, 30) {
			s := new(game.Snapshot)
			w.Snapshot(s)
			out = append(out, s)
		}
	}
	return out
}

// rig is a hub driven by hand, without its goroutine: each step queues one
// snapshot tick (OnTick) and encodes it (drain) on the caller's goroutine,
// then takes what every connection's outbox got. The connections sit on
// pipes nobody reads: nothing is written, only offered.
type rig struct {
	h     *hub
	conns []*conn
	snaps []*game.Snapshot
	cur   game.Snapshot
	next  int
	tick  uint32
	took  []entry
}

// newRig makes a hub on mapID's world with recipients connections, the
// i-th one the seat of the world's i-th player.
func newRig(tb testing.TB, mapID string, players, recipients int, seed uint64, cfg Config) *rig {
	tb.Helper()
	raw, err := assets.Map(mapID)
	if err != nil {
		tb.Fatal(err)
	}
	gm, err := game.ParseMap(raw)
	if err != nil {
		tb.Fatal(err)
	}
	mc := match.Config{ID: "rig", World: game.WorldConfig{Map: gm}, Clock: clock.System{}, Logger: quietLog}
	reg, err := match.NewRegistry(match.RegistryConfig{Match: mc, NewID: func() string { return "x" }, Logger: quietLog})
	if err != nil {
		tb.Fatal(err)
	}
	m, err := match.New(mc)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Registry, cfg.Logger = reg, quietLog
	if cfg.PingInterval == 0 {
		cfg.PingInterval = -1 // the rig reads snapshot frames; RTT pings are rtt_test's
	}
	srv, err := NewServer(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	r := &rig{h: newHub(srv, m, 30, 20), snaps: playWorld(tb, mapID, players, 20, seed)}
	for i := range recipients {
		a, b := net.Pipe()
		tb.Cleanup(func() { a.Close(); b.Close() })
		c := newConn(srv, a, bufio.NewReader(a), "rig")
		c.out.hold(r.h)
		c.out.release([]byte{0x82, 0x00}, 0)
		c.out.take(nil)
		st := &stream{player: r.snaps[0].Players[i%len(r.snaps[0].Players)].ID}
		st.start(c)
		c.stream.Store(st)
		r.h.add(c)
		r.conns = append(r.conns, c)
	}
	r.tick = r.snaps[0].Tick
	return r
}

// step sends the next snapshot (the recorded ones over and over, their
// ticks going on) and returns its tick; frames(i) then holds what
// connection i got.
func (r *rig) step() uint32 {
	s := r.snaps[r.next%len(r.snaps)]
	if r.next > 0 {
		prev := r.snaps[(r.next-1)%len(r.snaps)]
		gap := s.Tick - prev.Tick
		if s.Tick < prev.Tick {
			gap = 2 // the recording starts over: a jump, as after a respawn
		}
		r.tick += gap
	}
	r.next++
	players, projectiles := r.cur.Players[:0], r.cur.Projectiles[:0]
	r.cur = *s
	r.cur.Players, r.cur.Projectiles = append(players, s.Players...), append(projectiles, s.Projectiles...)
	r.cur.Tick = r.tick
	r.h.OnTick(&r.cur, nil)
	r.h.drain()
	return r.tick
}

// frame returns the snapshot frame connection i got on the last step, or
// nil.
func (r *rig) frame(i int) []byte {
	r.took = r.conns[i].out.take(r.took[:0])
	var f []byte
	for _, e := range r.took {
		f = e.frame
	}
	clear(r.took)
	return f
}

// ack has connection i's client acknowledge tick.
func (r *rig) ack(i int, tick uint32) bool {
	return r.conns[i].stream.Load().acknowledge(r.conns[i], tick)
}

// pictures is a client's side of the rig: the Client's own picture ring
// and delta application, fed frames by hand.
type pictures struct {
	c   Client
	dec *Decoder
	// last is the snapshot of the newest frame applied.
	last WireState
}

func newPictures() *pictures { return &pictures{c: Client{tickRate: 30}, dec: NewDecoder()} }

// apply decodes a hub frame and applies it; ok is false when it was
// dropped (its baseline was gone).
func (p *pictures) apply(tb testing.TB, frame []byte) (complete, ok bool) {
	tb.Helper()
	f, err := ws.ReadFrame(bytes.NewReader(frame))
	if err != nil {
		tb.Fatal(err)
	}
	m, err := p.dec.DecodeServer(f.Payload)
	if err != nil {
		tb.Fatal(err)
	}
	switch m := m.(type) {
	case *Snapshot:
		w := p.c.keep()
		w.Quantize(&m.Snapshot)
		p.c.acked.Store(m.Tick)
		p.last.CopyFrom(w)
		return true, true
	case *Delta:
		if _, ok := p.c.apply(m); !ok {
			return false, false
		}
		p.last.CopyFrom(&p.c.pictures[(p.c.nextPic+ringSize-1)%ringSize])
		return false, true
	}
	tb.Fatalf("a %T", m)
	return false, false
}
