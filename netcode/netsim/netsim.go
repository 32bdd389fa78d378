// Package netsim simulates a bad network link for TCP connections: it
// delays, jitters, stalls and rate-limits the bytes of a net.Conn, in both
// directions and always in order, and cuts connections on demand.
//
// It is the network lab of Linux netem (delay/jitter/rate), Valve's
// net_fakelag and GameNetworkingSockets' FakePacketLag/FakePacketJitter,
// and Clumsy, applied one level up: to a TCP byte stream rather than to
// packets. A real network reorders and delays packets, but TCP hands the
// application its bytes in order, so what a game sees of jitter is
// per-segment delivery times that vary but never overtake: a late segment
// holds back every byte behind it (head-of-line blocking). netsim models
// exactly that.
//
// A Link is the impairment and the connections that use it: Link.Dial and
// Link.Wrap impair a client's own connection in-process, Link.Pipe relays
// between two connections (the core of Proxy, a TCP proxy that impairs
// every connection through it). netsim imports only the standard library,
// so netcode's client and the command both use it.
package netsim

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Impairment is what the simulated link does to every byte, per direction.
// The zero value is a perfect link.
type Impairment struct {
	// Delay is the one-way latency added to every segment (netem's delay).
	Delay time.Duration
	// Jitter varies each segment's delay uniformly within ±Jitter (netem's
	// default uniform distribution), never below zero. Segments never
	// overtake: a segment whose delay came out shorter waits for the one
	// before it, as TCP reassembly makes it.
	Jitter time.Duration
	// Stall is a periodic outage in both directions; zero means none.
	Stall Stall
	// Rate caps each direction of each connection, in bytes per second
	// (a token bucket, like tbf); zero means unlimited.
	Rate Rate
}

// IsZero reports whether the impairment leaves the link perfect.
func (i Impairment) IsZero() bool { return i == Impairment{} }

// Validate reports a negative delay, jitter or rate, or a bad stall.
func (i Impairment) Validate() error {
	var errs []error
	if i.Delay < 0 {
		errs = append(errs, fmt.Errorf("netsim: delay %s: want 0 or more", i.Delay))
	}
	if i.Jitter < 0 {
		errs = append(errs, fmt.Errorf("netsim: jitter %s: want 0 or more", i.Jitter))
	}
	if i.Rate < 0 {
		errs = append(errs, fmt.Errorf("netsim: rate %d B/s: want 0 (unlimited) or more", int64(i.Rate)))
	}
	if err := i.Stall.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// String is the impairment in the command's flag syntax, for logs.
func (i Impairment) String() string {
	if i.IsZero() {
		return "none"
	}
	var parts []string
	if i.Delay != 0 || i.Jitter != 0 {
		parts = append(parts, fmt.Sprintf("delay %s±%s", i.Delay, i.Jitter))
	}
	if i.Stall != (Stall{}) {
		parts = append(parts, "stall "+i.Stall.String())
	}
	if i.Rate != 0 {
		parts = append(parts, "rate "+i.Rate.String())
	}
	return strings.Join(parts, ", ")
}

// Stall is a periodic outage: in every Period the link delivers nothing
// for the last Duration, in both directions, and then releases what queued
// at once — what a Wi-Fi hiccup (a scan, a roam, a microwave) looks like
// to TCP. Stalls are phased from the link's start, so every connection on
// one link stalls together. Its text form is "200ms/3s" (Duration/Period);
// "0" is no stall.
type Stall struct {
	Duration time.Duration
	Period   time.Duration
}

// Validate accepts the zero Stall, or 0 < Duration < Period.
func (s Stall) Validate() error {
	if s == (Stall{}) || s.Duration > 0 && s.Duration < s.Period {
		return nil
	}
	return fmt.Errorf("netsim: stall %s: want DURATION/PERIOD with 0 < duration < period, e.g. 200ms/3s", s)
}

// String returns "Duration/Period", or "0" for no stall.
func (s Stall) String() string {
	if s == (Stall{}) {
		return "0"
	}
	return s.Duration.String() + "/" + s.Period.String()
}

// MarshalText implements encoding.TextMarshaler (the String form).
func (s Stall) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses "200ms/3s", or "0" or "" for no stall, and
// validates it.
func (s *Stall) UnmarshalText(text []byte) error {
	str := strings.TrimSpace(string(text))
	if str == "" || str == "0" {
		*s = Stall{}
		return nil
	}
	ds, ps, ok := strings.Cut(str, "/")
	if !ok {
		return fmt.Errorf("netsim: stall %q: want DURATION/PERIOD, e.g. 200ms/3s", str)
	}
	d, err := time.ParseDuration(ds)
	if err != nil {
		return fmt.Errorf("netsim: stall %q: %w", str, err)
	}
	p, err := time.ParseDuration(ps)
	if err != nil {
		return fmt.Errorf("netsim: stall %q: %w", str, err)
	}
	v := Stall{Duration: d, Period: p}
	if err := v.Validate(); err != nil {
		return err
	}
	*s = v
	return nil
}

// Rate is a bandwidth in bytes per second. Its text form is a number and
// a unit, optionally followed by "/s": B, kB or KB (1000 B), MB, GB, KiB
// (1024 B), MiB, GiB, or bit, kbit, Mbit, Gbit (bits, 1000-based, as tc
// writes them). "0" is unlimited.
type Rate int64

// rateUnits maps each accepted unit to its size in bits.
var rateUnits = map[string]float64{
	"B": 8, "kB": 8e3, "KB": 8e3, "MB": 8e6, "GB": 8e9,
	"KiB": 8 << 10, "MiB": 8 << 20, "GiB": 8 << 30,
	"bit": 1, "kbit": 1e3, "Kbit": 1e3, "Mbit": 1e6, "Gbit": 1e9,
}

// String returns the rate in the largest decimal byte unit that writes it
// exactly ("64KB/s", "1500B/s"), or "0" for unlimited.
func (r Rate) String() string {
	switch {
	case r == 0:
		return "0"
	case r%1e9 == 0:
		return strconv.FormatInt(int64(r/1e9), 10) + "GB/s"
	case r%1e6 == 0:
		return strconv.FormatInt(int64(r/1e6), 10) + "MB/s"
	case r%1e3 == 0:
		return strconv.FormatInt(int64(r/1e3), 10) + "KB/s"
	}
	return strconv.FormatInt(int64(r), 10) + "B/s"
}

// MarshalText implements encoding.TextMarshaler (the String form).
func (r Rate) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText parses "64KB/s", "2Mbit", "0" and the like (see Rate).
// Rates under one byte per second are refused.
func (r *Rate) UnmarshalText(text []byte) error {
	str := strings.TrimSpace(string(text))
	if str == "" || str == "0" {
		*r = 0
		return nil
	}
	s := strings.TrimSuffix(str, "/s")
	i := strings.IndexFunc(s, func(c rune) bool { return (c < '0' || c > '9') && c != '.' })
	if i <= 0 {
		return fmt.Errorf("netsim: rate %q: want a number and a unit, e.g. 64KB/s or 2Mbit/s", str)
	}
	n, err := strconv.ParseFloat(s[:i], 64)
	unit, ok := rateUnits[s[i:]]
	if err != nil || !ok {
		return fmt.Errorf("netsim: rate %q: want a number and a unit (B, KB, MB, GB, KiB, MiB, GiB, bit, kbit, Mbit, Gbit), e.g. 64KB/s", str)
	}
	bytes := n * unit / 8
	if bytes < 1 || bytes > math.MaxInt64/2 {
		return fmt.Errorf("netsim: rate %q: want at least 1 B/s", str)
	}
	*r = Rate(math.Round(bytes))
	return nil
}
