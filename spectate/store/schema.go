package store

import (
	"context"
	"database/sql"
	"fmt"
)

// dialect is what differs between the two databases. Everything else — the
// tables, the indexes, every query ($n placeholders, ON CONFLICT, row
// comparisons written out) — is the same SQL on both.
type dialect struct {
	name string
	blob string // the column type of raw bytes
	// lock, when not empty, is run first in the migration transaction so
	// that servers starting together migrate one after the other (SQLite
	// needs none: its write transactions lock the file at BEGIN).
	lock string
}

var (
	sqlite   = dialect{name: "sqlite", blob: "BLOB"}
	postgres = dialect{name: "postgres", blob: "BYTEA",
		lock: "SELECT pg_advisory_xact_lock(7297061545)"} // any fixed key: "skirmish" on a phone keypad
)

// migration is one step of the schema, applied once, in version order.
type migration struct {
	version int
	stmts   func(d dialect) []string
}

// migrations is the schema's history; append, never edit a released step.
// Times are microseconds since 1970 (UTC) in BIGINT, the same on both
// databases and exact for keyset comparisons.
var migrations = []migration{
	{1, func(d dialect) []string {
		return []string{
			`CREATE TABLE matches (
				id          TEXT PRIMARY KEY,
				map         TEXT NOT NULL,
				tick_rate   INTEGER NOT NULL,
				max_players INTEGER NOT NULL,
				private     INTEGER NOT NULL, -- 1: joined by link only, never listed
				tick        BIGINT NOT NULL,
				started_at  BIGINT NOT NULL,
				ended_at    BIGINT NOT NULL,
				reason      TEXT NOT NULL,
				winner      INTEGER NOT NULL,
				scoreboard  TEXT NOT NULL
			)`,
			// The list, newest first, and its keyset pages.
			`CREATE INDEX matches_ended ON matches (ended_at DESC, id DESC)`,
			// Journals live apart, so that listing never reads their bytes.
			`CREATE TABLE journals (
				match_id TEXT PRIMARY KEY REFERENCES matches (id) ON DELETE CASCADE,
				ended_at BIGINT NOT NULL,
				size     BIGINT NOT NULL,
				data     ` + d.blob + ` NOT NULL
			)`,
			// Retention drops the oldest first.
			`CREATE INDEX journals_ended ON journals (ended_at, match_id)`,
		}
	}},
}

// SchemaVersion is the newest schema this code knows.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

// migrate brings db's schema up to SchemaVersion in one transaction.
func migrate(ctx context.Context, db *sql.DB, d dialect) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if d.lock != "" {
		if _, err := tx.ExecContext(ctx, d.lock); err != nil {
			return fmt.Errorf("store: migrate: lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY)`); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if have > SchemaVersion() {
		return fmt.Errorf("store: the database's schema is version %d, newer than this server's %d: upgrade the server", have, SchemaVersion())
	}
	for _, m := range migrations {
		if m.version <= have {
			continue
		}
		for _, stmt := range m.stmts(d) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("store: migrate to version %d: %w", m.version, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, m.version); err != nil {
			return fmt.Errorf("store: migrate to version %d: %w", m.version, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}
