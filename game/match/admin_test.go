package match

import (
	"errors"
	"testing"
	"testing/synctest"

	"github.com/skirmish-game/skirmish/game"
)

// A private match is found by its id and listed as private, but quick play
// never offers it, even with seats free and nothing else running.
func TestRegistryPrivateMatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startRegistry(t, RegistryConfig{}, true)
		priv, err := h.r.CreatePrivate()
		if err != nil {
			t.Fatal(err)
		}
		if m, ok := h.r.Find(priv.ID()); !ok || m != priv {
			t.Fatalf("Find(%s) = %v, %v; want the private match", priv.ID(), m, ok)
		}
		h.joinAll(priv, 1)
		got, err := h.r.QuickPlay()
		if err != nil || got == priv {
			t.Fatalf("QuickPlay = %v, %v; want a new public match, not the private one", got, err)
		}
		list := h.r.List()
		if len(list) != 2 || list[0].ID != priv.ID() || !list[0].Private || list[1].Private {
			t.Fatalf("List = %+v; want the private match marked private, the other not", list)
		}
	})
}

// End ends a match at once with reason admin: the observers get its end
// event and OnStop(admin), and it is gone from the registry.
func TestRegistryEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startRegistry(t, RegistryConfig{Match: Config{World: game.WorldConfig{BotFill: 2}}}, true)
		m, _ := h.r.Create()
		other, _ := h.r.Create()
		rec := newRecorder()
		m.Subscribe(rec)
		h.joinAll(m, 1)
		if err := h.r.End(m.ID()); err != nil {
			t.Fatal(err)
		}
		if _, ok := h.r.Find(m.ID()); ok {
			t.Fatalf("an ended match is still found")
		}
		<-m.Done()
		end, ok := findEvent(rec.allEvents(), game.EventEnd)
		if !ok || game.EndReason(end.Value) != game.EndAdmin {
			t.Fatalf("end event %+v (found %v), want reason admin", end, ok)
		}
		if got := rec.stopReasons(); len(got) != 1 || got[0] != game.EndAdmin {
			t.Fatalf("OnStop %v, want admin", got)
		}
		if err := h.r.End(m.ID()); !errors.Is(err, ErrNotFound) {
			t.Fatalf("End of an ended match: %v, want ErrNotFound", err)
		}
		if _, ok := h.r.Find(other.ID()); !ok {
			t.Fatalf("End ended another match too")
		}
	})
}

// Drain refuses new matches and its channel closes when the last running
// match is gone, not before.
func TestRegistryDrain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startRegistry(t, RegistryConfig{Match: Config{
			World:       game.WorldConfig{BotFill: 2, TimeLimit: 30},
			EndedLinger: -1,
		}}, true)
		short, _ := h.r.Create()
		long, _ := h.r.Create()
		h.joinAll(short, 1)
		h.joinAll(long, 1)
		drained := h.r.Drain()
		if again := h.r.Drain(); again != drained {
			t.Fatalf("a second Drain returned another channel")
		}
		if _, err := h.r.Create(); !errors.Is(err, ErrDraining) {
			t.Fatalf("Create while draining: %v, want ErrDraining", err)
		}
		if _, err := h.r.CreatePrivate(); !errors.Is(err, ErrDraining) {
			t.Fatalf("CreatePrivate while draining: %v, want ErrDraining", err)
		}
		// Quick play still seats players in running matches.
		if got, err := h.r.QuickPlay(); err != nil || (got != short && got != long) {
			t.Fatalf("QuickPlay while draining: %v, %v; want a running match", got, err)
		}
		if err := h.r.End(long.ID()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		select {
		case <-drained:
			t.Fatalf("drained while a match still runs")
		default:
		}
		h.pump("the last match to end", func() bool {
			select {
			case <-drained:
				return true
			default:
				return false
			}
		})
		if len(h.r.List()) != 0 {
			t.Fatalf("drained with matches listed: %+v", h.r.List())
		}
	})
}

// With nothing running, Drain's channel is closed at once.
func TestRegistryDrainEmpty(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startRegistry(t, RegistryConfig{}, true)
		select {
		case <-h.r.Drain():
		default:
			t.Fatalf("Drain of an empty registry is not drained")
		}
	})
}

// Players is the roster of the last tick, with bots and held seats
// flagged.
func TestMatchPlayers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := startRegistry(t, RegistryConfig{Match: Config{
			World: game.WorldConfig{BotFill: 3},
		}}, true)
		m, _ := h.r.Create()
		h.joinAll(m, 1)
		h.pump("bots to fill", func() bool { return len(m.Players()) == 3 })
		ps := m.Players()
		humans, bots := 0, 0
		for i, p := range ps {
			if i > 0 && ps[i-1].ID >= p.ID {
				t.Fatalf("players not sorted by id: %+v", ps)
			}
			if p.Flags&game.FlagBot != 0 {
				bots++
			} else {
				humans++
				if p.Name != "p0" {
					t.Errorf("human named %q, want p0", p.Name)
				}
			}
		}
		if humans != 1 || bots != 2 {
			t.Fatalf("%d humans, %d bots; want 1 and 2", humans, bots)
		}
	})
}
