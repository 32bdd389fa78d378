package store

import (
	"testing"
	"time"
)

// FuzzParseCursor: a cursor comes from a URL anyone can write. Whatever it
// is, ParseCursor must not panic, and a cursor it accepts must print back to
// a cursor that reads the same (the Link header hands out String).
func FuzzParseCursor(f *testing.F) {
	f.Add("1764504000000000.3cce0795-9c8f-4460-876f-eaad74de67e6")
	f.Add("0.x")
	f.Add("")
	f.Add("..")
	f.Add("9223372036854775807.id")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCursor(s)
		if err != nil {
			return
		}
		back, err := ParseCursor(c.String())
		if err != nil || back != c {
			t.Fatalf("%q: cursor %v prints %q, which reads back as %v, %v", s, c, c.String(), back, err)
		}
		if c.EndedAt.Location() != time.UTC {
			t.Fatalf("%q: cursor time not in UTC", s)
		}
	})
}

// FuzzRetention: --replay-retention's text never panics, and an accepted
// value prints back to itself.
func FuzzRetention(f *testing.F) {
	for _, s := range []string{"720h/1GiB", "0", "0/0", "90m/500MB", "1h30m/1.5KiB", "1h/1e3B", "-1h/1B"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var r Retention
		if r.UnmarshalText([]byte(s)) != nil {
			return
		}
		var back Retention
		if err := back.UnmarshalText([]byte(r.String())); err != nil || back != r {
			t.Fatalf("%q: %+v prints %q, which reads back as %+v, %v", s, r, r.String(), back, err)
		}
	})
}
