// Package store keeps the matches that ended — id, map, start and end, why
// it ended, the final scoreboard, and an opaque compressed journal for
// replays — in SQLite (the embedded default, a file in the data dir) or in
// PostgreSQL (hosts with several servers), through the same schema and the
// same SQL, so that history survives a restart (docs/ARCHITECTURE.md).
//
// The store does not know what a journal holds: the replay side writes and
// reads the bytes; the store keeps them with their match and drops the
// oldest ones first when they pass the retention bound (Retention). Saving is
// synchronous here; Recorder is the asynchronous, bounded path the match
// runtime uses, so no tick ever waits on the database.
package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	// The drivers register themselves with database/sql: pgx's stdlib
	// adapter as "pgx", modernc's pure-Go SQLite (no cgo, so the binary
	// stays static) as "sqlite".
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// Errors returned by Store.
var (
	// ErrNotFound: no stored match has the id.
	ErrNotFound = errors.New("store: match not found")
	// ErrNoJournal: the match is stored but its journal is not — it was
	// never recorded, or the retention bound dropped it.
	ErrNoJournal = errors.New("store: match has no journal")
	// ErrClosed: the Store was closed.
	ErrClosed = errors.New("store: closed")
)

// Record is one ended match as stored.
type Record struct {
	ID         string
	Map        string // the map's id
	TickRate   int    // ticks per second
	MaxPlayers int    // seats, humans and bots
	Private    bool   // joined by link only (match.Config.Private): List leaves it out, Get finds it
	Tick       uint32 // the tick the match ended on
	StartedAt  time.Time
	EndedAt    time.Time // kept to the microsecond, in UTC
	Reason     string    // game.EndReason's wire name: time_limit, score_limit, shutdown, abandoned
	Winner     int       // the winner's player id; 0 when nobody scored
	Scoreboard []Standing
	// Journal is the replay's compressed journal, opaque to the store; nil
	// when none was recorded. Get and List leave it nil: Journal reads it.
	Journal []byte
}

// Standing is one player on a stored scoreboard, in scoreboard order
// (game.CompareStandings). The JSON names are the stored form.
type Standing struct {
	ID     int    `json:"id"`
	Name   string `json:"name"`
	Bot    bool   `json:"bot"`
	Kills  int    `json:"kills"`
	Deaths int    `json:"deaths"`
}

// Cursor is a place in the list of ended matches, newest first: List
// continues after it (keyset pagination — the next page is found through
// the (ended_at, id) index, so page 1000 costs what page 1 does, and a match
// stored meanwhile does not shift the pages as OFFSET would).
type Cursor struct {
	EndedAt time.Time
	ID      string
}

// String is the cursor's text form, "<ended_at in µs since 1970>.<id>",
// meant to be handed back unchanged (ParseCursor).
func (c Cursor) String() string {
	return strconv.FormatInt(c.EndedAt.UnixMicro(), 10) + "." + c.ID
}

// ParseCursor reads a Cursor's String form; it fails on anything else.
func ParseCursor(s string) (Cursor, error) {
	us, id, ok := strings.Cut(s, ".")
	n, err := strconv.ParseInt(us, 10, 64)
	if !ok || err != nil || id == "" || len(id) > 128 || n < 0 {
		return Cursor{}, fmt.Errorf("store: cursor %q: want <microseconds>.<match id>", s)
	}
	return Cursor{EndedAt: time.UnixMicro(n).UTC(), ID: id}, nil
}

// Config configures Open. Zero values take the documented defaults.
type Config struct {
	// DatabaseURL, when set, is a PostgreSQL URL (postgres://… or
	// postgresql://…) and DataDir is not used.
	DatabaseURL string
	// DataDir holds the SQLite database (skirmish.db, with its WAL files);
	// it is created if missing. Required when DatabaseURL is empty.
	DataDir string
	// Retention bounds the stored journals; the zero value keeps them all.
	Retention Retention
	// Now is the clock journal ages are measured with; nil means time.Now.
	Now func() time.Time
}

// Store is a database of ended matches. Its methods are safe for concurrent
// use; SQLite serialises writers (WAL mode lets readers go on beside one),
// PostgreSQL takes them as they come.
type Store struct {
	db  *sql.DB
	d   dialect
	cfg Config

	pruneMu sync.Mutex // one retention pass at a time
	closed  chan struct{}
	once    sync.Once
}

// SQLiteFile is the database's file name inside DataDir.
const SQLiteFile = "skirmish.db"

// Open connects to the database Config names, creating the SQLite file (and
// DataDir) if needed, and brings the schema up to date (migrations, in
// order, each once). It fails when the database cannot be reached, or its
// schema is newer than this server knows.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := cfg.Retention.Validate(); err != nil {
		return nil, err
	}
	var (
		db  *sql.DB
		d   dialect
		err error
	)
	switch u := cfg.DatabaseURL; {
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		d = postgres
		db, err = sql.Open("pgx", u)
	case u != "":
		return nil, fmt.Errorf("store: database URL %q: want postgres://…", redact(u))
	case cfg.DataDir == "":
		return nil, errors.New("store: Config.DataDir is required without a database URL")
	default:
		d = sqlite
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return nil, fmt.Errorf("store: data dir: %w", err)
		}
		// Every pooled connection gets the pragmas: WAL (readers never wait
		// for the writer), a busy timeout instead of SQLITE_BUSY when two
		// writers meet, and write transactions that take the lock at BEGIN.
		dsn := "file:" + filepath.Join(cfg.DataDir, SQLiteFile) +
			"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		db, err = sql.Open("sqlite", dsn)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	s := &Store{db: db, d: d, cfg: cfg, closed: make(chan struct{})}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect to %s: %w", d.name, err)
	}
	if err := migrate(ctx, db, d); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// redact hides a URL's password in an error.
func redact(u string) string {
	if at := strings.LastIndex(u, "@"); at >= 0 {
		if scheme := strings.Index(u, "://"); scheme >= 0 && scheme < at {
			return u[:scheme+3] + "…" + u[at:]
		}
	}
	return u
}

// Backend names the database in use: "sqlite" or "postgres".
func (s *Store) Backend() string { return s.d.name }

// Close closes the database; calls after it fail with ErrClosed. It is safe
// to call more than once.
func (s *Store) Close() error {
	var err error
	s.once.Do(func() {
		close(s.closed)
		err = s.db.Close()
	})
	return err
}

func (s *Store) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

// Save stores rec (and its journal, when not nil), then applies the
// retention bound to the journals. Saving an id already stored changes
// nothing (a retry is harmless). It fails on an empty id, on a closed Store
// (ErrClosed) and on any database error.
func (s *Store) Save(ctx context.Context, rec Record) error {
	if s.isClosed() {
		return ErrClosed
	}
	if rec.ID == "" {
		return errors.New("store: save: empty match id")
	}
	board, err := json.Marshal(nonNil(rec.Scoreboard))
	if err != nil {
		return fmt.Errorf("store: save %s: %w", rec.ID, err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: save %s: %w", rec.ID, err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	ended := rec.EndedAt.UnixMicro()
	res, err := tx.ExecContext(ctx, `INSERT INTO matches
		(id, map, tick_rate, max_players, private, tick, started_at, ended_at, reason, winner, scoreboard)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (id) DO NOTHING`,
		rec.ID, rec.Map, rec.TickRate, rec.MaxPlayers, boolInt(rec.Private), int64(rec.Tick), rec.StartedAt.UnixMicro(), ended,
		rec.Reason, rec.Winner, string(board))
	if err != nil {
		return fmt.Errorf("store: save %s: %w", rec.ID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 && rec.Journal != nil {
		if _, err := tx.ExecContext(ctx, `INSERT INTO journals (match_id, ended_at, size, data)
			VALUES ($1, $2, $3, $4)`, rec.ID, ended, len(rec.Journal), rec.Journal); err != nil {
			return fmt.Errorf("store: save %s's journal: %w", rec.ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: save %s: %w", rec.ID, err)
	}
	if rec.Journal != nil {
		if _, err := s.Prune(ctx); err != nil {
			return fmt.Errorf("store: save %s: %w", rec.ID, err)
		}
	}
	return nil
}

// boolInt is a flag as both databases store it (0 or 1 in an INTEGER).
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func nonNil(b []Standing) []Standing {
	if b == nil {
		return []Standing{}
	}
	return b
}

// columns are a match's columns as scan reads them.
const columns = `id, map, tick_rate, max_players, private, tick, started_at, ended_at, reason, winner, scoreboard`

// Get returns the stored match id, without its journal; ErrNotFound when
// there is none.
func (s *Store) Get(ctx context.Context, id string) (Record, error) {
	if s.isClosed() {
		return Record{}, ErrClosed
	}
	rec, err := scan(s.db.QueryRowContext(ctx, `SELECT `+columns+` FROM matches WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	if err != nil {
		return Record{}, fmt.Errorf("store: get %s: %w", id, err)
	}
	return rec, nil
}

// List returns up to limit stored public matches (not Private), newest end
// first (ties by id, descending), after the cursor when after is not nil; next is where the
// following page starts, nil on the last page. Journals are not read. limit
// must be positive.
func (s *Store) List(ctx context.Context, after *Cursor, limit int) (recs []Record, next *Cursor, err error) {
	if s.isClosed() {
		return nil, nil, ErrClosed
	}
	if limit < 1 {
		return nil, nil, fmt.Errorf("store: list: limit %d: want at least 1", limit)
	}
	var rows *sql.Rows
	// One row more than asked says whether there is a next page. The row
	// comparison is one range of the (ended_at, id) index on both
	// databases; spelt out with OR, PostgreSQL scans instead.
	if after == nil {
		rows, err = s.db.QueryContext(ctx, `SELECT `+columns+` FROM matches
			WHERE private = 0
			ORDER BY ended_at DESC, id DESC LIMIT $1`, limit+1)
	} else {
		rows, err = s.db.QueryContext(ctx, `SELECT `+columns+` FROM matches
			WHERE (ended_at, id) < ($1, $2) AND private = 0
			ORDER BY ended_at DESC, id DESC LIMIT $3`, after.EndedAt.UnixMicro(), after.ID, limit+1)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("store: list: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		rec, err := scan(rows)
		if err != nil {
			return nil, nil, fmt.Errorf("store: list: %w", err)
		}
		recs = append(recs, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("store: list: %w", err)
	}
	if len(recs) > limit {
		recs = recs[:limit]
		last := recs[limit-1]
		next = &Cursor{EndedAt: last.EndedAt, ID: last.ID}
	}
	return recs, next, nil
}

// Journal returns match id's journal as saved: ErrNotFound when the match is
// not stored, ErrNoJournal when it is but its journal is not.
func (s *Store) Journal(ctx context.Context, id string) ([]byte, error) {
	if s.isClosed() {
		return nil, ErrClosed
	}
	var data []byte
	err := s.db.QueryRowContext(ctx, `SELECT data FROM journals WHERE match_id = $1`, id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		if _, gerr := s.Get(ctx, id); gerr != nil {
			return nil, gerr
		}
		return nil, fmt.Errorf("%w: %q", ErrNoJournal, id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: journal %s: %w", id, err)
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// row is what scan reads from: *sql.Row or *sql.Rows.
type row interface{ Scan(dest ...any) error }

func scan(r row) (Record, error) {
	var (
		rec            Record
		tick, private  int64
		started, ended int64
		board          string
	)
	if err := r.Scan(&rec.ID, &rec.Map, &rec.TickRate, &rec.MaxPlayers, &private, &tick, &started, &ended,
		&rec.Reason, &rec.Winner, &board); err != nil {
		return Record{}, err
	}
	rec.Private = private != 0
	rec.Tick = uint32(tick)
	rec.StartedAt = time.UnixMicro(started).UTC()
	rec.EndedAt = time.UnixMicro(ended).UTC()
	if err := json.Unmarshal([]byte(board), &rec.Scoreboard); err != nil {
		return Record{}, fmt.Errorf("match %s: scoreboard: %w", rec.ID, err)
	}
	return rec, nil
}
