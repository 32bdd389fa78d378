package match

import (
	"errors"
	"fmt"
	"io"
	"math"
	"testing"
	"testing/synctest"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/journal"
)

// TestJournalReplaysTheMatch: a match played through the runtime — humans
// joining, inputs on time, late (redone or skipped) and missing, a held
// seat resumed, a leave, bots, to its time limit and the scoreboard's linger
// — records a journal whose replay reaches every recorded state hash and
// the same final scoreboard and end.
func TestJournalReplaysTheMatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startMatch(t, Config{
			World:       game.WorldConfig{BotFill: 6, TimeLimit: 20 * 30, ScoreLimit: 1 << 10, MaxRewind: 6},
			EndedLinger: time.Second,
		})
		a, b, c := h.joinNow("alice"), h.joinNow("bob"), h.joinNow("carol")
		seq := map[game.PlayerID]uint32{}
		send := func(id game.PlayerID, i int) {
			seq[id]++
			ang := float64(i)*0.05 + float64(id)
			in := game.Input{Seq: seq[id], MoveX: math.Cos(ang), MoveY: math.Sin(ang * 1.3), Aim: math.Remainder(ang, math.Pi),
				Buttons: game.Buttons(i / 9 % 2), ViewTime: float64(h.m.Info().Tick) - 2.5, ShotID: seq[id]}
			if err := h.m.Input(id, in); err != nil && !errors.Is(err, ErrNotSeated) {
				t.Fatal(err)
			}
		}
		for i := range 1200 {
			if h.m.Info().Phase == game.PhaseEnded {
				break
			}
			switch {
			case i%50 < 45: // bob's inputs stall for 5 ticks in 50, then come in a burst
				if i%50 == 0 {
					for range 5 {
						send(b, i)
					}
				}
				send(b, i)
			}
			send(a, i)
			if i%3 != 0 || i < 100 {
				send(c, i)
			}
			switch i {
			case 200:
				h.m.Hold(c, 10*time.Second, nil)
			case 260:
				if _, err := h.resumeNow(c); err != nil {
					t.Fatal(err)
				}
			case 400:
				h.m.Leave(a)
			}
			h.step(1)
		}
		if h.m.Info().Phase != game.PhaseEnded {
			t.Fatal("the match did not end in 1200 ticks")
		}
		for {
			synctest.Wait() // a match that stopped has closed Done by now
			select {
			case <-h.m.Done():
			default:
				h.step(1)
				continue
			}
			break
		}
		data := h.m.Journal().Bytes()
		t.Logf("%d ticks, journal %d bytes", h.m.Info().Tick, len(data))

		r, err := journal.Open(data)
		if err != nil {
			t.Fatal(err)
		}
		p, err := journal.NewReplay(r)
		if err != nil {
			t.Fatal(err)
		}
		hashes := 0
		var end journal.Step
		for {
			st, err := p.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			switch st.Kind {
			case journal.KindHash:
				hashes++
				if st.Mismatch {
					t.Fatalf("tick %d: replayed hash %x, recorded %x", st.Tick, st.Got, st.Hash)
				}
			case journal.KindEnd:
				end = st
			}
		}
		if want := int(h.m.Info().Tick) / journal.HashEvery; hashes != want {
			t.Fatalf("%d hashes checked, want %d", hashes, want)
		}
		if end.Reason != game.EndTimeLimit || end.Tick != h.m.Info().Tick {
			t.Fatalf("end record %+v, want time_limit after tick %d", end.Record, h.m.Info().Tick)
		}
		var got game.Snapshot
		p.World().Snapshot(&got)
		if a, b := scoreboard(&got), scoreboard(h.rec.last()); a != b {
			t.Fatalf("replayed scoreboard\n%s\nwant\n%s", a, b)
		}
	})
}

func scoreboard(s *game.Snapshot) string {
	out := fmt.Sprintf("tick %d %s:", s.Tick, s.Phase)
	for _, p := range s.Players {
		out += fmt.Sprintf(" %d %q %d/%d @%.3f,%.3f;", p.ID, p.Name, p.Kills, p.Deaths, p.X, p.Y)
	}
	return out
}

// BenchmarkTickRecord is what recording adds to a tick: World.Step of a
// full match (2 humans, 6 bots) alone, and with the journal's Tick (and its
// hash every HashEvery ticks).
func BenchmarkTickRecord(b *testing.B) {
	for _, rec := range []bool{false, true} {
		b.Run(fmt.Sprintf("record=%v", rec), func(b *testing.B) {
			m, err := New(Config{ID: "bench", Clock: clockStub{}, World: game.WorldConfig{Map: boxMap(), BotFill: 8, TimeLimit: 1 << 30, ScoreLimit: 1 << 20, MaxRewind: 6}, Logger: quietLog})
			if err != nil {
				b.Fatal(err)
			}
			in := game.TickInput{Commands: []game.Command{{Kind: game.CommandJoin, Name: "a"}, {Kind: game.CommandJoin, Name: "b"}}}
			m.world.Step(in)
			in.Commands = nil
			in.Inputs = []game.PlayerInput{{Player: m.world.JoinOutcomes()[0].Player}, {Player: m.world.JoinOutcomes()[1].Player}}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				for k := range in.Inputs {
					ang := float64(i)*0.05 + float64(k)
					in.Inputs[k].Input = game.Input{Seq: uint32(i + 1), MoveX: math.Cos(ang), MoveY: math.Sin(ang), Aim: math.Remainder(ang, math.Pi),
						Buttons: game.Buttons(i / 9 % 2), ViewTime: float64(i), ShotID: uint32(i)}
				}
				m.world.Step(in)
				if rec {
					m.record(&in)
				}
			}
		})
	}
}

// clockStub is a Clock for a Match that is never run.
type clockStub struct{}

func (clockStub) Now() time.Time                       { return time.Unix(0, 0) }
func (clockStub) After(time.Duration) <-chan time.Time { return nil }
