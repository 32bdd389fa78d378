package store

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/internal/pgtest"
)

// benchMatches is how many stored matches the query benchmarks run over.
const benchMatches = 10000

// seed stores n matches of eight players, a minute apart, in one
// transaction (Save one by one would measure commits, not queries).
func seed(b *testing.B, s *Store, n int) {
	b.Helper()
	ctx := context.Background()
	board, _ := json.Marshal(record("x", t0).Scoreboard)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		ended := t0.Add(time.Duration(i) * time.Minute)
		if _, err := tx.ExecContext(ctx, `INSERT INTO matches
			(id, map, tick_rate, max_players, private, tick, started_at, ended_at, reason, winner, scoreboard)
			VALUES ($1, 'arena', 30, 8, 0, 9000, $2, $3, 'score_limit', 2, $4)`,
			fmt.Sprintf("%08d-0000-4000-8000-000000000000", i), ended.Add(-5*time.Minute).UnixMicro(), ended.UnixMicro(), string(board)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkQueries times the history's queries with 10,000 matches stored,
// on each backend: the newest page of 50 (the lobby), a page deep in the
// list (by its keyset cursor), one match by id, and saving one more.
func BenchmarkQueries(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			cfg := benchConfig(b, be)
			s, err := Open(context.Background(), cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			seed(b, s, benchMatches)
			ctx := context.Background()
			mid := &Cursor{EndedAt: t0.Add(benchMatches / 2 * time.Minute), ID: fmt.Sprintf("%08d-0000-4000-8000-000000000000", benchMatches/2)}
			b.Run("list-first-50", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if recs, _, err := s.List(ctx, nil, 50); err != nil || len(recs) != 50 {
						b.Fatal(len(recs), err)
					}
				}
			})
			b.Run("list-50-after-5000", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if recs, _, err := s.List(ctx, mid, 50); err != nil || len(recs) != 50 {
						b.Fatal(len(recs), err)
					}
				}
			})
			b.Run("get", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := s.Get(ctx, mid.ID); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("save", func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					i++
					if err := s.Save(ctx, record(fmt.Sprintf("new-%d", i), t0.Add(-time.Duration(i)*time.Second))); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// benchConfig is a fresh database of backend be for a benchmark.
func benchConfig(b *testing.B, be backend) Config {
	b.Helper()
	if be.name == "sqlite" {
		return Config{DataDir: b.TempDir()}
	}
	s, err := pgtest.Shared()
	if err != nil {
		b.Fatalf("PostgreSQL: %v", err)
	}
	u, err := s.NewDatabase(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return Config{DatabaseURL: u}
}
