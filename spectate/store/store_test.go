package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/skirmish-game/skirmish/internal/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// backend opens stores of one kind for the suite; each test gets a fresh,
// empty database, and reopen opens the same one again (a restart).
type backend struct {
	name string
	// fresh returns a Config naming a new empty database.
	fresh func(t *testing.T) Config
}

var backends = []backend{
	{"sqlite", func(t *testing.T) Config { return Config{DataDir: t.TempDir()} }},
	{"postgres", func(t *testing.T) Config {
		t.Helper()
		s, err := pgtest.Shared()
		if err != nil {
			t.Fatalf("PostgreSQL is required for the Postgres half of the suite: %v", err)
		}
		u, err := s.NewDatabase(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return Config{DatabaseURL: u}
	}},
}

// eachBackend runs the test once per database: the one suite both pass.
func eachBackend(t *testing.T, test func(t *testing.T, cfg Config)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { test(t, b.fresh(t)) })
	}
}

func open(t *testing.T, cfg Config) *Store {
	t.Helper()
	s, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var t0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func record(id string, ended time.Time) Record {
	return Record{
		ID: id, Map: "arena", TickRate: 30, MaxPlayers: 8, Tick: 9000,
		StartedAt: ended.Add(-5 * time.Minute), EndedAt: ended,
		Reason: "score_limit", Winner: 2,
		Scoreboard: []Standing{
			{ID: 2, Name: "Ann", Kills: 20, Deaths: 3},
			{ID: 1, Name: "bot Ivy", Bot: true, Kills: 7, Deaths: 11},
			{ID: 3, Name: "Émile \"the\" ☃", Kills: 0, Deaths: 9},
		},
	}
}

func TestSaveGet(t *testing.T) {
	eachBackend(t, func(t *testing.T, cfg Config) {
		s := open(t, cfg)
		ctx := context.Background()
		want := record("m1", t0.Add(123456789*time.Nanosecond)) // kept to the µs
		want.Journal = []byte{0, 1, 2, 0xff}
		if err := s.Save(ctx, want); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, "m1")
		if err != nil {
			t.Fatal(err)
		}
		want.Journal = nil
		want.EndedAt = want.EndedAt.Truncate(time.Microsecond)
		want.StartedAt = want.StartedAt.Truncate(time.Microsecond)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Get = %+v\nwant  %+v", got, want)
		}
		j, err := s.Journal(ctx, "m1")
		if err != nil || string(j) != "\x00\x01\x02\xff" {
			t.Fatalf("Journal = %x, %v", j, err)
		}
		// A second save of the same id changes nothing.
		again := record("m1", t0.Add(time.Hour))
		again.Journal = []byte("other")
		if err := s.Save(ctx, again); err != nil {
			t.Fatalf("saving again: %v", err)
		}
		if got, _ := s.Get(ctx, "m1"); !got.EndedAt.Equal(want.EndedAt) {
			t.Errorf("a second save changed the match: ended %v", got.EndedAt)
		}
		if j, _ := s.Journal(ctx, "m1"); string(j) != "\x00\x01\x02\xff" {
			t.Errorf("a second save changed the journal: %q", j)
		}
	})
}

func TestNotFound(t *testing.T) {
	eachBackend(t, func(t *testing.T, cfg Config) {
		s := open(t, cfg)
		ctx := context.Background()
		empty := record("no-journal", t0)
		empty.Scoreboard = nil
		if err := s.Save(ctx, empty); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name string
			err  error
			want error
		}{
			{"Get unknown", second(s.Get(ctx, "nope")), ErrNotFound},
			{"Journal unknown", second(s.Journal(ctx, "nope")), ErrNotFound},
			{"Journal of a match without one", second(s.Journal(ctx, "no-journal")), ErrNoJournal},
			{"Save without id", s.Save(ctx, Record{}), nil},
		} {
			if tt.want == nil {
				if tt.err == nil {
					t.Errorf("%s: no error", tt.name)
				}
				continue
			}
			if !errors.Is(tt.err, tt.want) {
				t.Errorf("%s: %v, want %v", tt.name, tt.err, tt.want)
			}
		}
		got, err := s.Get(ctx, "no-journal")
		if err != nil || got.Scoreboard == nil || len(got.Scoreboard) != 0 {
			t.Errorf("a match with nobody: scoreboard %#v, %v; want empty", got.Scoreboard, err)
		}
	})
}

func second[T any](_ T, err error) error { return err }

// TestListPages pages through matches newest first by keyset: ties on the
// end time are broken by id, no match is seen twice or skipped, and a match
// stored while paging does not shift the pages.
func TestListPages(t *testing.T) {
	eachBackend(t, func(t *testing.T, cfg Config) {
		s := open(t, cfg)
		ctx := context.Background()
		var want []string
		for i := 24; i >= 0; i-- { // newest first: m24 (ended last) … m00
			id := fmt.Sprintf("m%02d", i)
			want = append(want, id)
		}
		for i := range 25 {
			// Pairs share an end time: ids order them.
			if err := s.Save(ctx, record(fmt.Sprintf("m%02d", i), t0.Add(time.Duration(i/2)*time.Second))); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		var after *Cursor
		for page := 0; ; page++ {
			recs, next, err := s.List(ctx, after, 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				got = append(got, r.ID)
			}
			if page == 0 { // a newer match arrives between pages
				if err := s.Save(ctx, record("new", t0.Add(time.Hour))); err != nil {
					t.Fatal(err)
				}
			}
			if next == nil {
				if len(recs) != 5 {
					t.Errorf("last page has %d, want 5", len(recs))
				}
				break
			}
			if len(recs) != 10 {
				t.Fatalf("page %d has %d, want 10", page, len(recs))
			}
			c, err := ParseCursor(next.String())
			if err != nil || c != *next {
				t.Fatalf("cursor %q reads back as %v, %v", next, c, err)
			}
			after = &c
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("pages gave\n%v\nwant\n%v", got, want)
		}
		recs, next, err := s.List(ctx, nil, 1)
		if err != nil || len(recs) != 1 || recs[0].ID != "new" || next == nil {
			t.Fatalf("first page of 1: %v %v %v", recs, next, err)
		}
		// A private match (joined by link) is kept, found by id, never listed.
		private := record("private", t0.Add(2*time.Hour))
		private.Private = true
		if err := s.Save(ctx, private); err != nil {
			t.Fatal(err)
		}
		if recs, _, err := s.List(ctx, nil, 1); err != nil || recs[0].ID != "new" {
			t.Fatalf("the list shows %v (%v), want the private match left out", recs, err)
		}
		if got, err := s.Get(ctx, "private"); err != nil || !got.Private {
			t.Fatalf("Get(private) = %+v, %v", got, err)
		}
		if _, _, err := s.List(ctx, nil, 0); err == nil {
			t.Error("limit 0 accepted")
		}
	})
}

func TestParseCursor(t *testing.T) {
	for _, bad := range []string{"", "1", ".x", "x.y", "-1.x", "1.", "99999999999999999999.x"} {
		if _, err := ParseCursor(bad); err == nil {
			t.Errorf("ParseCursor(%q) accepted", bad)
		}
	}
	c := Cursor{EndedAt: t0, ID: "a.b-c"}
	if got, err := ParseCursor(c.String()); err != nil || got != c {
		t.Errorf("round trip of %v: %v %v", c, got, err)
	}
}

// TestRetention drops journals past the age bound, then the oldest past the
// size bound; the matches stay.
func TestRetention(t *testing.T) {
	eachBackend(t, func(t *testing.T, cfg Config) {
		now := t0
		cfg.Now = func() time.Time { return now }
		cfg.Retention = Retention{MaxAge: 7 * 24 * time.Hour, MaxBytes: 250}
		s := open(t, cfg)
		ctx := context.Background()
		save := func(id string, ended time.Time, size int) {
			t.Helper()
			r := record(id, ended)
			r.Journal = make([]byte, size)
			if err := s.Save(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		has := func(id string) bool {
			t.Helper()
			_, err := s.Journal(ctx, id)
			if err != nil && !errors.Is(err, ErrNoJournal) {
				t.Fatal(err)
			}
			return err == nil
		}
		save("old", now.Add(-8*24*time.Hour), 10)
		save("a", now.Add(-3*time.Hour), 100)
		save("b", now.Add(-2*time.Hour), 100)
		if has("old") || !has("a") || !has("b") {
			t.Fatalf("after the age bound: old %v a %v b %v; want only a and b", has("old"), has("a"), has("b"))
		}
		save("c", now.Add(-time.Hour), 100) // 300 > 250: a, the oldest, goes
		if has("a") || !has("b") || !has("c") {
			t.Fatalf("after the size bound: a %v b %v c %v; want b and c", has("a"), has("b"), has("c"))
		}
		now = now.Add(7*24*time.Hour - 90*time.Minute) // b is now over a week old, c not
		if n, err := s.Prune(ctx); err != nil || n != 1 || has("b") || !has("c") {
			t.Fatalf("Prune later: dropped %d (%v); b %v c %v", n, err, has("b"), has("c"))
		}
		for _, id := range []string{"old", "a", "b", "c"} {
			if _, err := s.Get(ctx, id); err != nil {
				t.Errorf("match %s went with its journal: %v", id, err)
			}
		}
	})
}

func TestRetentionText(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Retention
		str  string
	}{
		{"720h/1GiB", Retention{720 * time.Hour, 1 << 30}, "720h/1GiB"},
		{"0", Retention{}, "0/0"},
		{"0/0", Retention{}, "0/0"},
		{"90m/0", Retention{MaxAge: 90 * time.Minute}, "90m/0"},
		{"0/500MB", Retention{MaxBytes: 500e6}, "0/500MB"},
		{"1h30m/1.5KiB", Retention{90 * time.Minute, 1536}, "90m/1536B"},
		{"36h/2048MiB", Retention{36 * time.Hour, 2 << 30}, "36h/2GiB"},
	} {
		var r Retention
		if err := r.UnmarshalText([]byte(tt.in)); err != nil || r != tt.want {
			t.Errorf("%q = %+v, %v; want %+v", tt.in, r, err, tt.want)
			continue
		}
		if r.String() != tt.str {
			t.Errorf("%q prints %q, want %q", tt.in, r.String(), tt.str)
		}
		var back Retention
		if err := back.UnmarshalText([]byte(r.String())); err != nil || back != r {
			t.Errorf("%q: String %q reads back as %+v, %v", tt.in, r.String(), back, err)
		}
	}
	for _, bad := range []string{"", "1h", "1h/", "/1GiB", "-1h/1GiB", "1h/1", "1h/1XB", "1h/-5MiB", "x/1GiB", "1h/0.1B"} {
		var r Retention
		if err := r.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("%q accepted as %+v", bad, r)
		}
	}
}

// TestReopen is a restart: what was saved is there when the database is
// opened again, and opening again migrates nothing twice.
func TestReopen(t *testing.T) {
	eachBackend(t, func(t *testing.T, cfg Config) {
		ctx := context.Background()
		s, err := Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		r := record("kept", t0)
		r.Journal = []byte("journal")
		if err := s.Save(ctx, r); err != nil {
			t.Fatal(err)
		}
		s.Close()
		s = open(t, cfg)
		if _, err := s.Get(ctx, "kept"); err != nil {
			t.Fatalf("after reopening: %v", err)
		}
		if j, err := s.Journal(ctx, "kept"); err != nil || string(j) != "journal" {
			t.Fatalf("journal after reopening: %q, %v", j, err)
		}
		var versions int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&versions); err != nil || versions != SchemaVersion() {
			t.Fatalf("schema_migrations has %d rows (%v), want %d", versions, err, SchemaVersion())
		}
		// A schema from a newer server is refused, not used.
		if _, err := s.db.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, SchemaVersion()+1); err != nil {
			t.Fatal(err)
		}
		if s2, err := Open(ctx, cfg); err == nil {
			s2.Close()
			t.Fatal("opened a database with a newer schema")
		}
	})
}

// TestClosed: a closed store fails every call with ErrClosed.
func TestClosed(t *testing.T) {
	eachBackend(t, func(t *testing.T, cfg Config) {
		s := open(t, cfg)
		s.Close()
		ctx := context.Background()
		for name, err := range map[string]error{
			"Save":    s.Save(ctx, record("x", t0)),
			"Get":     second(s.Get(ctx, "x")),
			"Journal": second(s.Journal(ctx, "x")),
			"Prune":   second(s.Prune(ctx)),
		} {
			if !errors.Is(err, ErrClosed) {
				t.Errorf("%s after Close: %v, want ErrClosed", name, err)
			}
		}
		if _, _, err := s.List(ctx, nil, 1); !errors.Is(err, ErrClosed) {
			t.Errorf("List after Close: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})
}

// TestConcurrentSaves: writers at once (several servers, or many matches
// ending together) all land.
func TestConcurrentSaves(t *testing.T) {
	eachBackend(t, func(t *testing.T, cfg Config) {
		s := open(t, cfg)
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := range 40 {
			wg.Go(func() {
				r := record(fmt.Sprintf("c%02d", i), t0.Add(time.Duration(i)*time.Millisecond))
				r.Journal = []byte{byte(i)}
				errs <- s.Save(ctx, r)
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		recs, next, err := s.List(ctx, nil, 100)
		if err != nil || len(recs) != 40 || next != nil {
			t.Fatalf("List: %d records, next %v, %v", len(recs), next, err)
		}
	})
}

func TestOpenRefuses(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no dir":               {},
		"mysql url":            {DatabaseURL: "mysql://u:secret@h/db"},
		"negative retention":   {DataDir: t.TempDir(), Retention: Retention{MaxAge: -1}},
		"unreachable postgres": {DatabaseURL: "postgres://u:secret@/db?host=" + t.TempDir() + "&connect_timeout=2"},
	} {
		s, err := Open(context.Background(), cfg)
		if err == nil {
			s.Close()
			t.Errorf("%s: opened", name)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: the error shows the password: %v", name, err)
		}
	}
}
