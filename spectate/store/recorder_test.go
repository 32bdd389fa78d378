package store

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/clock"
	"github.com/skirmish-game/skirmish/game/match"
)

// newMatch is a match that is never run: the recorder's observer is driven
// by hand, with the ticks a match would hand it.
func newMatch(t *testing.T, id string, clk match.Clock) *match.Match {
	t.Helper()
	m, err := match.New(match.Config{ID: id, Clock: clk, World: game.WorldConfig{
		Map: &game.Map{ID: "box", Name: "Box", Width: 1000, Height: 1000,
			Spawns: []game.Point{{X: 100, Y: 100}, {X: 900, Y: 900}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// endMatch plays o the ticks of a match from its first tick to its end and
// stop, with these players in the end tick's snapshot.
func endMatch(o match.Observer, clk *clock.Manual, players []game.PlayerState, reason game.EndReason) {
	o.OnTick(&game.Snapshot{Tick: 1}, nil)
	clk.Advance(time.Minute)
	o.OnTick(&game.Snapshot{Tick: 1800, Phase: game.PhaseEnded, Players: players},
		[]game.Event{{Tick: 1800, Kind: game.EventPhase, Value: int32(game.PhaseEnded)}, {Tick: 1800, Kind: game.EventEnd, Value: int32(reason)}})
	clk.Advance(10 * time.Second) // the ended linger: the end time is the end tick's
	o.OnTick(&game.Snapshot{Tick: 2100, Phase: game.PhaseEnded}, nil)
	o.OnStop(reason)
}

// logBuffer collects a logger's output for the test to read.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

// TestRecorderSavesTheEnd: an ended match is stored with its scoreboard in
// the game's order, the game's winner, the end tick's time and its journal.
func TestRecorderSavesTheEnd(t *testing.T) {
	st := open(t, Config{DataDir: t.TempDir()})
	clk := clock.NewManual(t0)
	r, err := NewRecorder(RecorderConfig{Store: st, Clock: clk, Logger: slog.New(slog.DiscardHandler),
		Journal: func(m *match.Match) func() ([]byte, error) {
			id := m.ID()
			return func() ([]byte, error) { return []byte("journal of " + id), nil }
		}})
	if err != nil {
		t.Fatal(err)
	}
	m := newMatch(t, "m1", clk)
	players := []game.PlayerState{ // sorted by id, as in a snapshot
		{ID: 1, Name: "bot Ivy", Flags: game.FlagBot, Kills: 5, Deaths: 2},
		{ID: 2, Name: "Ann", Kills: 5, Deaths: 1},
		{ID: 3, Name: "Bo", Kills: 0, Deaths: 4},
	}
	endMatch(r.Observe(m), clk, players, game.EndTimeLimit)
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, err := st.Get(context.Background(), "m1")
	if err != nil {
		t.Fatal(err)
	}
	want := Record{ID: "m1", Map: "box", TickRate: game.DefaultTickRate, MaxPlayers: game.DefaultMaxPlayers, Tick: 1800,
		StartedAt: t0, EndedAt: t0.Add(time.Minute), Reason: "time_limit", Winner: 2,
		Scoreboard: []Standing{
			{ID: 2, Name: "Ann", Kills: 5, Deaths: 1},
			{ID: 1, Name: "bot Ivy", Bot: true, Kills: 5, Deaths: 2},
			{ID: 3, Name: "Bo", Kills: 0, Deaths: 4},
		}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("stored\n%+v\nwant\n%+v", got, want)
	}
	if j, err := st.Journal(context.Background(), "m1"); err != nil || string(j) != "journal of m1" {
		t.Fatalf("journal %q, %v", j, err)
	}
	if s := r.Stats(); s != (RecorderStats{Saved: 1}) {
		t.Fatalf("stats %+v", s)
	}
}

// blockingSaver holds every Save until released, telling when one starts.
type blockingSaver struct {
	entered chan string
	release chan struct{}
	mu      sync.Mutex
	saved   []string
}

func newBlockingSaver() *blockingSaver {
	return &blockingSaver{entered: make(chan string, 100), release: make(chan struct{})}
}

func (b *blockingSaver) Save(ctx context.Context, rec Record) error {
	b.entered <- rec.ID
	select {
	case <-b.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	b.mu.Lock()
	b.saved = append(b.saved, rec.ID)
	b.mu.Unlock()
	return nil
}

// TestRecorderQueueFull: with the database stuck, ended matches queue up to
// the bound; the next is dropped and counted, and nothing waits.
func TestRecorderQueueFull(t *testing.T) {
	clk := clock.NewManual(t0)
	saver := newBlockingSaver()
	logs := &logBuffer{}
	r, err := NewRecorder(RecorderConfig{Store: saver, Queue: 1, Clock: clk, Logger: logs.logger()})
	if err != nil {
		t.Fatal(err)
	}
	endMatch(r.Observe(newMatch(t, "a", clk)), clk, nil, game.EndTimeLimit)
	if id := <-saver.entered; id != "a" { // a is being saved, and stuck
		t.Fatalf("saving %s first", id)
	}
	endMatch(r.Observe(newMatch(t, "b", clk)), clk, nil, game.EndTimeLimit) // queued
	endMatch(r.Observe(newMatch(t, "c", clk)), clk, nil, game.EndTimeLimit) // the queue is full: dropped
	if s := r.Stats(); s.Dropped != 1 || s.Queued != 1 {
		t.Fatalf("stats %+v, want 1 dropped and 1 queued", s)
	}
	if !strings.Contains(logs.String(), "match=c") {
		t.Errorf("the dropped match was not logged: %s", logs)
	}
	close(saver.release)
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := r.Stats(); s.Saved != 2 || s.Dropped != 1 || s.Failed != 0 {
		t.Fatalf("stats after Close %+v", s)
	}
	if !reflect.DeepEqual(saver.saved, []string{"a", "b"}) {
		t.Fatalf("saved %v", saver.saved)
	}
	endMatch(r.Observe(newMatch(t, "late", clk)), clk, nil, game.EndShutdown)
	if s := r.Stats(); s.Dropped != 2 {
		t.Fatalf("a match ending after Close: stats %+v, want it dropped", s)
	}
}

// TestRecorderStoreError: a failing database is logged and counted; the
// recorder goes on with the next match.
func TestRecorderStoreError(t *testing.T) {
	st := open(t, Config{DataDir: t.TempDir()})
	st.Close()
	clk := clock.NewManual(t0)
	logs := &logBuffer{}
	r, err := NewRecorder(RecorderConfig{Store: st, Clock: clk, Logger: logs.logger(),
		Journal: func(*match.Match) func() ([]byte, error) {
			return func() ([]byte, error) { return nil, errors.New("journal broke") }
		}})
	if err != nil {
		t.Fatal(err)
	}
	endMatch(r.Observe(newMatch(t, "x", clk)), clk, nil, game.EndTimeLimit)
	endMatch(r.Observe(newMatch(t, "y", clk)), clk, nil, game.EndTimeLimit)
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Each match: its journal failed, then its save.
	if s := r.Stats(); s.Failed != 4 || s.Saved != 0 {
		t.Fatalf("stats %+v, want 4 failures", s)
	}
	for _, want := range []string{"saving an ended match failed", "store: closed", "match=y", "journal broke"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

// TestRecorderCloseGivesUp: Close waits for the queue only as long as its
// context; the save under way is cancelled and the rest are counted.
func TestRecorderCloseGivesUp(t *testing.T) {
	clk := clock.NewManual(t0)
	saver := newBlockingSaver() // never released
	r, err := NewRecorder(RecorderConfig{Store: saver, Clock: clk, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b", "c"} {
		endMatch(r.Observe(newMatch(t, id, clk)), clk, nil, game.EndShutdown)
	}
	<-saver.entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Close(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Close: %v, want the context's error", err)
	}
	if s := r.Stats(); s.Failed != 1 || s.Dropped != 2 || s.Saved != 0 {
		t.Fatalf("stats %+v, want a failed save and 2 dropped", s)
	}
}

// TestRecorderStopWithoutEnd: a match that stops without an end event is
// still stored, with the stop's reason.
func TestRecorderStopWithoutEnd(t *testing.T) {
	st := open(t, Config{DataDir: t.TempDir()})
	clk := clock.NewManual(t0)
	r, err := NewRecorder(RecorderConfig{Store: st, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	r.Observe(newMatch(t, "s", clk)).OnStop(game.EndShutdown)
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, err := st.Get(context.Background(), "s")
	if err != nil || got.Reason != "shutdown" || !got.EndedAt.Equal(t0) || len(got.Scoreboard) != 0 {
		t.Fatalf("stored %+v, %v", got, err)
	}
}
