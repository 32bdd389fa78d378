package store

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Retention bounds the journals kept (--replay-retention): a journal whose
// match ended more than MaxAge ago is dropped, and while all journals
// together hold more than MaxBytes the oldest are dropped. Only journals go:
// the matches, with their scoreboards, stay. A zero field is no bound.
type Retention struct {
	MaxAge   time.Duration
	MaxBytes int64
}

// DefaultRetention keeps a month of replays, at most 1 GiB of them.
var DefaultRetention = Retention{MaxAge: 30 * 24 * time.Hour, MaxBytes: 1 << 30}

// sizeUnits are the accepted byte units, largest first (String's order).
var sizeUnits = []struct {
	name string
	size int64
}{
	{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"kB", 1e3}, {"B", 1},
}

// String is the text form, "AGE/SIZE" ("720h/1GiB"), with 0 for a field
// that is no bound.
func (r Retention) String() string {
	return formatAge(r.MaxAge) + "/" + formatSize(r.MaxBytes)
}

func formatAge(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return d.String()
}

func formatSize(n int64) string {
	if n == 0 {
		return "0"
	}
	for _, u := range sizeUnits {
		if n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}

// MarshalText implements encoding.TextMarshaler (the String form).
func (r Retention) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads "AGE/SIZE": AGE a Go duration ("720h", "90m") and
// SIZE a number with a unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), either
// 0 for no bound ("0/500MiB", "168h/0"). A lone "0" keeps everything.
func (r *Retention) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	if s == "0" {
		*r = Retention{}
		return nil
	}
	as, ss, ok := strings.Cut(s, "/")
	if !ok {
		return fmt.Errorf("retention %q: want AGE/SIZE, e.g. 720h/1GiB (0 for no bound)", s)
	}
	var v Retention
	if as != "0" {
		d, err := time.ParseDuration(as)
		if err != nil {
			return fmt.Errorf("retention %q: age: %w", s, err)
		}
		v.MaxAge = d
	}
	if ss != "0" {
		n, err := parseSize(ss)
		if err != nil {
			return fmt.Errorf("retention %q: %w", s, err)
		}
		v.MaxBytes = n
	}
	if err := v.Validate(); err != nil {
		return err
	}
	*r = v
	return nil
}

func parseSize(s string) (int64, error) {
	i := strings.IndexFunc(s, func(c rune) bool { return (c < '0' || c > '9') && c != '.' })
	if i <= 0 {
		return 0, fmt.Errorf("size %q: want a number and a unit, e.g. 500MiB", s)
	}
	n, err := strconv.ParseFloat(s[:i], 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: %w", s, err)
	}
	for _, u := range sizeUnits {
		if u.name == s[i:] {
			b := n * float64(u.size)
			if b < 1 || b > math.MaxInt64/2 {
				return 0, fmt.Errorf("size %q: out of range", s)
			}
			return int64(math.Round(b)), nil
		}
	}
	return 0, fmt.Errorf("size %q: unknown unit; want B, KB, MB, GB, TB, KiB, MiB, GiB or TiB", s)
}

// Validate refuses negative bounds.
func (r Retention) Validate() error {
	if r.MaxAge < 0 || r.MaxBytes < 0 {
		return fmt.Errorf("retention %s: bounds must not be negative", r)
	}
	return nil
}

// Prune applies the Retention bound now and returns how many journals it
// dropped: first every journal older than MaxAge, then the oldest until the
// rest fit in MaxBytes. Save calls it after storing a journal; a host may
// also call it on a timer (an age bound passes without any save).
func (s *Store) Prune(ctx context.Context) (dropped int, err error) {
	if s.isClosed() {
		return 0, ErrClosed
	}
	ret := s.cfg.Retention
	if ret == (Retention{}) {
		return 0, nil
	}
	s.pruneMu.Lock()
	defer s.pruneMu.Unlock()
	if ret.MaxAge > 0 {
		cut := s.cfg.Now().Add(-ret.MaxAge).UnixMicro()
		res, err := s.db.ExecContext(ctx, `DELETE FROM journals WHERE ended_at < $1`, cut)
		if err != nil {
			return 0, fmt.Errorf("store: prune by age: %w", err)
		}
		n, _ := res.RowsAffected()
		dropped += int(n)
	}
	if ret.MaxBytes <= 0 {
		return dropped, nil
	}
	var total int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(size), 0) FROM journals`).Scan(&total); err != nil {
		return dropped, fmt.Errorf("store: prune by size: %w", err)
	}
	if total <= ret.MaxBytes {
		return dropped, nil
	}
	// Walk the oldest until enough is found, then drop exactly those.
	rows, err := s.db.QueryContext(ctx, `SELECT match_id, size FROM journals ORDER BY ended_at, match_id`)
	if err != nil {
		return dropped, fmt.Errorf("store: prune by size: %w", err)
	}
	var ids []string
	for excess := total - ret.MaxBytes; excess > 0 && rows.Next(); {
		var (
			id   string
			size int64
		)
		if err := rows.Scan(&id, &size); err != nil {
			rows.Close()
			return dropped, fmt.Errorf("store: prune by size: %w", err)
		}
		ids, excess = append(ids, id), excess-size
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return dropped, fmt.Errorf("store: prune by size: %w", err)
	}
	for _, id := range ids {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM journals WHERE match_id = $1`, id); err != nil {
			return dropped, fmt.Errorf("store: prune by size: %w", err)
		}
		dropped++
	}
	return dropped, nil
}
