package game

import (
	"testing"
)

// disconnectStep and reconnectStep step w once with the command for id.
func disconnectStep(w *World, id PlayerID) {
	w.Step(TickInput{Commands: []Command{{Kind: CommandDisconnect, Player: id}}})
}

func reconnectStep(w *World, id PlayerID) {
	w.Step(TickInput{Commands: []Command{{Kind: CommandReconnect, Player: id}}})
}

// flagsOf returns player id's snapshot flags.
func flagsOf(tb testing.TB, w *World, id PlayerID) PlayerFlags {
	tb.Helper()
	var s Snapshot
	w.Snapshot(&s)
	p, ok := s.Player(id)
	if !ok {
		tb.Fatalf("player %d not in the snapshot", id)
	}
	return p.Flags
}

// TestDisconnectHoldsTheSeat: a disconnected player keeps their seat, score
// and health, is flagged in snapshots, stands still without firing whatever
// inputs arrive, and the seat counts as taken: no bot takes it, bot fill
// counts it, a joiner cannot have it.
func TestDisconnectHoldsTheSeat(t *testing.T) {
	w, a, b := duel(t, WorldConfig{MaxPlayers: 2, BotFill: 2})
	// a runs right and fires; then the connection drops mid-run.
	for seq := uint32(1); seq <= 10; seq++ {
		step(w, by(a, input(seq, 1, 0, 0, true)))
	}
	pa := pl(t, w, a)
	pa.kills, pa.deaths, pa.health = 3, 2, 75
	aim := pa.aim
	disconnectStep(w, a)
	evs := w.Events()
	if e, ok := findEvent(evs, EventDisconnect); !ok || e.Player != a || e.Tick != w.Tick() {
		t.Fatalf("events %+v, want a disconnect of %d at tick %d", evs, a, w.Tick())
	}
	if countKind(evs, EventLeave) != 0 || countKind(evs, EventJoin) != 0 {
		t.Fatalf("a held seat changed the roster: %+v", evs)
	}
	if f := flagsOf(t, w, a); f&FlagDisconnected == 0 || f&FlagAlive == 0 {
		t.Fatalf("held player's flags %b, want alive and disconnected", f)
	}
	if w.Humans() != 2 || w.Bots() != 0 {
		t.Fatalf("%d humans, %d bots: a held seat is a human's", w.Humans(), w.Bots())
	}
	if o := joinStep(w, "c"); o.Err == nil {
		t.Fatalf("a joiner took a held seat (player %d)", o.Player)
	}

	// Inputs sent for a held player are ignored: it comes to rest where it
	// was, aim kept, and fires nothing.
	lastShot := w.nextProj
	for seq := uint32(100); seq < 130; seq++ {
		step(w, by(a, input(seq, -1, 1, 2, true)))
	}
	pa = pl(t, w, a)
	if pa.VX != 0 || pa.VY != 0 || pa.aim != aim {
		t.Fatalf("held player moving (%v,%v) or turned (aim %v, was %v)", pa.VX, pa.VY, pa.aim, aim)
	}
	for _, q := range w.projectiles {
		if q.owner == a && q.id > lastShot {
			t.Fatalf("held player fired: %+v", q)
		}
	}
	if pa.kills != 3 || pa.deaths != 2 || pa.health != 75 {
		t.Fatalf("held player's score or health changed: %+v", pa)
	}
	if pl(t, w, b).alive != true {
		t.Fatal("b died: the held player fired")
	}

	// Back: the flag is gone, the same id, score and health; input starts
	// afresh (ackSeq 0 until the new connection's first input).
	reconnectStep(w, a)
	evs = w.Events()
	if e, ok := findEvent(evs, EventReconnect); !ok || e.Player != a {
		t.Fatalf("events %+v, want a reconnect of %d", evs, a)
	}
	if f := flagsOf(t, w, a); f&FlagDisconnected != 0 {
		t.Fatalf("flags %b after reconnecting", f)
	}
	pa = pl(t, w, a)
	if pa.ackSeq != 0 || pa.kills != 3 || pa.deaths != 2 || pa.health != 75 {
		t.Fatalf("after reconnect: ackSeq %d kills %d deaths %d health %d", pa.ackSeq, pa.kills, pa.deaths, pa.health)
	}
	x := pa.X
	step(w, by(a, input(1, 1, 0, 0, false)))
	if pa = pl(t, w, a); pa.X <= x || pa.ackSeq != 1 {
		t.Fatalf("reconnected player's first input not applied: x %v → %v, ackSeq %d", x, pa.X, pa.ackSeq)
	}
}

// TestHeldPlayerCanBeHit: a held player stays in the arena and takes shots
// (pulling the cable is no shield), but does not respawn until back: a body
// nobody steers would only die again. The countdown resumes on reconnect.
func TestHeldPlayerCanBeHit(t *testing.T) {
	w, a, b := duel(t, WorldConfig{})
	disconnectStep(w, b)
	fireUntil(t, w, a, 120, func() bool { return !pl(t, w, b).alive })
	if pl(t, w, b).deaths != 1 || pl(t, w, a).kills != 1 {
		t.Fatalf("kill not counted: b %+v", pl(t, w, b))
	}
	left := pl(t, w, b).respawn
	for range 3 * int(RespawnDelay*DefaultTickRate) {
		step(w)
	}
	if p := pl(t, w, b); p.alive || p.respawn != left {
		t.Fatalf("held player respawned (alive %v, respawn %d, was %d)", p.alive, p.respawn, left)
	}
	reconnectStep(w, b)
	evs := stepUntil(t, w, left+1, func() bool { return pl(t, w, b).alive })
	if countKind(evs, EventRespawn) != 1 {
		t.Fatalf("events %+v, want one respawn", evs)
	}
}

// TestHoldCommandsIgnored: commands for nobody, bots, players held twice or
// reconnecting without a hold emit no event (a reconnect of a connected
// player only restarts its input, as a new connection does).
func TestHoldCommandsIgnored(t *testing.T) {
	w := newWorld(t, WorldConfig{BotFill: 3})
	a := addHuman(t, w, "a")
	var bot PlayerID
	for _, p := range w.players {
		if p.bot {
			bot = p.id
		}
	}
	step(w, by(a, input(5, 0, 0, 0, false)))
	for _, c := range []Command{
		{Kind: CommandDisconnect, Player: 999},
		{Kind: CommandDisconnect, Player: bot},
		{Kind: CommandReconnect, Player: bot},
		{Kind: CommandReconnect, Player: a},
	} {
		w.Step(TickInput{Commands: []Command{c}})
		if evs := w.Events(); countKind(evs, EventDisconnect)+countKind(evs, EventReconnect) != 0 {
			t.Fatalf("%+v emitted %+v", c, evs)
		}
	}
	if f := flagsOf(t, w, bot); f&FlagDisconnected != 0 {
		t.Fatal("a bot was held")
	}
	if pl(t, w, a).ackSeq != 0 {
		t.Fatal("reconnect without a hold did not restart the input")
	}
	disconnectStep(w, a)
	disconnectStep(w, a)
	if n := countKind(w.Events(), EventDisconnect); n != 0 {
		t.Fatalf("a second disconnect emitted %d events", n)
	}
	// Leaving while held releases the seat like any leave; bots refill it.
	leaveStep(w, a)
	if evs := w.Events(); countKind(evs, EventLeave) != 1 || countKind(evs, EventJoin) != 1 {
		t.Fatalf("leave while held: %+v, want a leave and a bot's join", evs)
	}
}

// TestHoldIsDeterministic: holds and reconnects are commands of the
// TickInput like joins and leaves, so a journal replays them exactly, and
// the hold is part of the state hash.
func TestHoldIsDeterministic(t *testing.T) {
	var a PlayerID
	run := func() (*World, []TickInput) {
		w := newWorld(t, WorldConfig{Seed: 5, BotFill: 4})
		var journal []TickInput
		rec := func(in TickInput) {
			w.Step(in)
			journal = append(journal, in)
		}
		rec(TickInput{Commands: []Command{{Kind: CommandJoin, Name: "a"}}})
		a = w.JoinOutcomes()[0].Player
		for i := range 600 {
			var in TickInput
			switch i {
			case 100, 400:
				in.Commands = []Command{{Kind: CommandDisconnect, Player: a}}
			case 250:
				in.Commands = []Command{{Kind: CommandReconnect, Player: a}}
			}
			in.Inputs = []PlayerInput{by(a, input(uint32(i+1), 1, float64(i%3-1), float64(i)*0.1, i%7 == 0))}
			rec(in)
		}
		return w, journal
	}
	w1, journal := run()
	replay := newWorld(t, WorldConfig{Seed: 5, BotFill: 4})
	for _, in := range journal {
		replay.Step(in)
	}
	if replay.Hash() != w1.Hash() {
		t.Fatalf("replay hash %x, want %x", replay.Hash(), w1.Hash())
	}
	w2, _ := run()
	pl(t, w2, a).held = !pl(t, w2, a).held
	if w2.Hash() == w1.Hash() {
		t.Fatal("the hash does not cover the hold")
	}
}
