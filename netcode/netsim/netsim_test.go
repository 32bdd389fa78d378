package netsim

import (
	"strings"
	"testing"
	"time"
)

func TestRateText(t *testing.T) {
	tests := []struct {
		in      string
		want    Rate
		wantErr bool
	}{
		{in: "0", want: 0},
		{in: "", want: 0},
		{in: "64KB/s", want: 64000},
		{in: "64kB/s", want: 64000},
		{in: "64KiB/s", want: 65536},
		{in: "1.5MB/s", want: 1500000},
		{in: "2Mbit/s", want: 250000},
		{in: "512kbit", want: 64000},
		{in: "1500B/s", want: 1500},
		{in: "1GB/s", want: 1e9},
		{in: "64", wantErr: true},
		{in: "64KB/h", wantErr: true},
		{in: "fast", wantErr: true},
		{in: "-1KB/s", wantErr: true},
		{in: "4bit/s", wantErr: true}, // under a byte per second
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var r Rate
			err := r.UnmarshalText([]byte(tt.in))
			if (err != nil) != tt.wantErr || err == nil && r != tt.want {
				t.Fatalf("UnmarshalText(%q) = %d, %v; want %d, error %v", tt.in, r, err, tt.want, tt.wantErr)
			}
			if err != nil {
				return
			}
			// String round-trips.
			var back Rate
			if err := back.UnmarshalText([]byte(r.String())); err != nil || back != r {
				t.Fatalf("%q → %q → %d, %v", tt.in, r.String(), back, err)
			}
		})
	}
}

func TestStallText(t *testing.T) {
	tests := []struct {
		in      string
		want    Stall
		wantErr string
	}{
		{in: "0", want: Stall{}},
		{in: "200ms/3s", want: Stall{200 * time.Millisecond, 3 * time.Second}},
		{in: "1s/1s", wantErr: "0 < duration < period"},
		{in: "0s/3s", wantErr: "0 < duration < period"},
		{in: "200ms", wantErr: "DURATION/PERIOD"},
		{in: "soon/3s", wantErr: "invalid duration"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var s Stall
			err := s.UnmarshalText([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("UnmarshalText(%q) error %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || s != tt.want {
				t.Fatalf("UnmarshalText(%q) = %v, %v; want %v", tt.in, s, err, tt.want)
			}
			var back Stall
			if err := back.UnmarshalText([]byte(s.String())); err != nil || back != s {
				t.Fatalf("%q → %q → %v, %v", tt.in, s.String(), back, err)
			}
		})
	}
}

func TestNewLinkRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"negative delay", Config{Impairment: Impairment{Delay: -time.Millisecond}}, "delay"},
		{"negative jitter", Config{Impairment: Impairment{Jitter: -time.Millisecond}}, "jitter"},
		{"negative rate", Config{Impairment: Impairment{Rate: -1}}, "rate"},
		{"stall as long as its period", Config{Impairment: Impairment{Stall: Stall{time.Second, time.Second}}}, "stall"},
		{"tiny queue", Config{QueueLimit: 100}, "queue limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewLink(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewLink error %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
