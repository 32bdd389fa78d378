package journal

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/skirmish-game/skirmish/game"
)

// browserLike plays a minute of an 8-seat match (bots fill the seats the
// humans leave) with inputs shaped like the browser client's: a keyboard move
// in one of eight directions, changed about once a second; a mouse aim that
// drifts by small random steps; a view time 3–4 ticks behind, with a
// fraction; fire held in bursts, each shot named. It returns the journal.
func browserLike(tb testing.TB, humans, ticks int) *Writer {
	tb.Helper()
	wc := game.WorldConfig{Seed: 11, Map: boxMap(), BotFill: 8, MaxRewind: 6, TimeLimit: 1 << 20, ScoreLimit: 1 << 10}.WithDefaults()
	w, err := NewWriter(Header{Match: "bench", World: wc}, 1<<40)
	if err != nil {
		tb.Fatal(err)
	}
	world, err := game.NewWorld(wc)
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	type human struct {
		id       game.PlayerID
		mx, my   float64
		aim      float64
		seq      uint32
		shot     uint32
		burst    int
		viewBase float64
	}
	var hs []*human
	var in game.TickInput
	for i := range humans {
		in.Commands = append(in.Commands, game.Command{Kind: game.CommandJoin, Name: fmt.Sprintf("player %d", i)})
	}
	for t := range ticks {
		for _, h := range hs {
			if rng.IntN(30) == 0 {
				dirs := [...]float64{-1, 0, 1}
				h.mx, h.my = dirs[rng.IntN(3)], dirs[rng.IntN(3)]
				if h.mx != 0 && h.my != 0 {
					h.mx, h.my = h.mx*math.Sqrt2/2, h.my*math.Sqrt2/2
				}
			}
			h.aim = math.Remainder(h.aim+rng.NormFloat64()*0.05, 2*math.Pi)
			h.seq++
			if h.burst == 0 && rng.IntN(20) == 0 {
				h.burst = 5 + rng.IntN(20)
			}
			x := game.Input{Seq: h.seq, MoveX: h.mx, MoveY: h.my, Aim: h.aim, ViewTime: float64(t) - h.viewBase - rng.Float64()*0.3}
			if h.burst > 0 {
				h.burst--
				h.shot++
				x.Buttons, x.ShotID = game.ButtonFire, h.shot
			}
			x.ViewTime = max(x.ViewTime, 0)
			in.Inputs = append(in.Inputs, game.PlayerInput{Player: h.id, Input: x})
		}
		world.Step(in)
		w.Tick(&in)
		if tick := world.Tick(); tick%HashEvery == 0 {
			w.Hash(tick, world.Hash())
		}
		for _, o := range world.JoinOutcomes() {
			if o.Err == nil {
				hs = append(hs, &human{id: o.Player, viewBase: 3 + rng.Float64()})
			}
		}
		in.Commands, in.Inputs = in.Commands[:0], in.Inputs[:0]
	}
	w.End(world.Tick(), game.EndTimeLimit)
	return w
}

// BenchmarkJournalBytes reports the size of a minute of an 8-seat match's
// journal at 30 Hz (docs/PERFORMANCE.md), by how many of the seats are
// humans: bots are simulated from the seed and cost the journal nothing.
func BenchmarkJournalBytes(b *testing.B) {
	for _, humans := range []int{0, 2, 8} {
		b.Run(fmt.Sprintf("humans=%d", humans), func(b *testing.B) {
			var n int
			for b.Loop() {
				n = len(browserLike(b, humans, 60*game.DefaultTickRate).Bytes())
			}
			b.ReportMetric(float64(n), "bytes/min")
		})
	}
}

// BenchmarkReplay reports how fast a journal is re-simulated on this
// machine: a minute of a full 8-human match, decoded and stepped, hashes
// checked.
func BenchmarkReplay(b *testing.B) {
	data := browserLike(b, 8, 60*game.DefaultTickRate).Bytes()
	b.ReportAllocs()
	ticks := 0
	for b.Loop() {
		r, err := Open(data)
		if err != nil {
			b.Fatal(err)
		}
		p, err := NewReplay(r)
		if err != nil {
			b.Fatal(err)
		}
		for {
			st, err := p.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if st.Mismatch {
				b.Fatal("desync")
			}
		}
		ticks += int(p.World().Tick())
	}
	b.ReportMetric(float64(ticks)/b.Elapsed().Seconds(), "ticks/s")
}
