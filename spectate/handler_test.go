package spectate

import (
	"net/http/httptest"
	"strconv"
	"testing"
)

func TestParseEventID(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true},
		{"1", 1, true},
		{"007", 7, true},
		{"18446744073709551615", 18446744073709551615, true},
		{"18446744073709551616", 0, false}, // overflows uint64
		{"99999999999999999999", 0, false},
		{"000000000000000000001", 0, false}, // 21 digits
		{"", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{"1e3", 0, false},
		{"0x10", 0, false},
		{"١٢", 0, false}, // non-ASCII digits
	}
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.in), func(t *testing.T) {
			got, ok := parseEventID(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("parseEventID(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestLastEventIDSources(t *testing.T) {
	tests := []struct {
		name   string
		header string
		query  string
		want   uint64
		ok     bool
	}{
		{"none", "", "", 0, false},
		{"header", "12", "", 12, true},
		{"query", "", "lastEventId=34", 34, true},
		{"header wins", "12", "lastEventId=34", 12, true},
		{"bad header does not fall back", "x", "lastEventId=34", 0, false},
		{"bad query", "", "lastEventId=-3", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/matches/m/events?"+tt.query, nil)
			if tt.header != "" {
				r.Header.Set("Last-Event-ID", tt.header)
			}
			got, ok := lastEventID(r)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("got %d, %v; want %d, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// FuzzParseEventID checks the only decoder of client input in this package
// against strconv: it accepts exactly the ids this server writes.
func FuzzParseEventID(f *testing.F) {
	for _, s := range []string{"0", "42", "18446744073709551615", "18446744073709551616", "", "-1", " 7", "1e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := parseEventID(s)
		digits := len(s) > 0 && len(s) <= 20
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				digits = false
			}
		}
		ref, err := strconv.ParseUint(s, 10, 64)
		wantOK := digits && err == nil
		if ok != wantOK {
			t.Fatalf("parseEventID(%q) ok = %v, want %v", s, ok, wantOK)
		}
		if !ok {
			if v != 0 {
				t.Fatalf("parseEventID(%q) = %d on failure", s, v)
			}
			return
		}
		if v != ref {
			t.Fatalf("parseEventID(%q) = %d, strconv says %d", s, v, ref)
		}
		if back, ok := parseEventID(strconv.FormatUint(v, 10)); !ok || back != v {
			t.Fatalf("round trip of %d: %d, %v", v, back, ok)
		}
	})
}
