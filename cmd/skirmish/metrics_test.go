package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/skirmish-game/skirmish/netcode"
)

// scrape GETs url and parses it with Prometheus' own text parser.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d: %.300s", url, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("Content-Type %q, want the text exposition format", ct)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return families
}

// value is the value of the series of family name whose labels include
// the given name=value pairs, summed over the matching series (a
// histogram's is its sample count); false when there is none.
func value(families map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f, ok := families[name]
	if !ok {
		return 0, false
	}
	var sum float64
	found := false
series:
	for _, m := range f.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			match := false
			for _, lp := range m.GetLabel() {
				if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
					match = true
				}
			}
			if !match {
				continue series
			}
		}
		found = true
		switch f.GetType() {
		case dto.MetricType_COUNTER:
			sum += m.GetCounter().GetValue()
		case dto.MetricType_GAUGE:
			sum += m.GetGauge().GetValue()
		case dto.MetricType_HISTOGRAM:
			sum += float64(m.GetHistogram().GetSampleCount())
		default:
			sum += m.GetUntyped().GetValue()
		}
	}
	return sum, found
}

// wantMetrics is every metric of the server's own, with its type: the list
// docs/ADMIN.md documents.
var wantMetrics = map[string]dto.MetricType{
	"skirmish_build_info":                dto.MetricType_GAUGE,
	"skirmish_ready":                     dto.MetricType_GAUGE,
	"skirmish_tick_duration_seconds":     dto.MetricType_HISTOGRAM,
	"skirmish_ticks_dropped_total":       dto.MetricType_COUNTER,
	"skirmish_matches":                   dto.MetricType_GAUGE,
	"skirmish_players":                   dto.MetricType_GAUGE,
	"skirmish_spectators":                dto.MetricType_GAUGE,
	"skirmish_connections":               dto.MetricType_GAUGE,
	"skirmish_ws_upgrades_total":         dto.MetricType_COUNTER,
	"skirmish_ws_closes_total":           dto.MetricType_COUNTER,
	"skirmish_ws_received_bytes_total":   dto.MetricType_COUNTER,
	"skirmish_ws_sent_bytes_total":       dto.MetricType_COUNTER,
	"skirmish_ws_received_frames_total":  dto.MetricType_COUNTER,
	"skirmish_ws_sent_frames_total":      dto.MetricType_COUNTER,
	"skirmish_snapshots_total":           dto.MetricType_COUNTER,
	"skirmish_acks_refused_total":        dto.MetricType_COUNTER,
	"skirmish_snapshots_replaced_total":  dto.MetricType_COUNTER,
	"skirmish_inputs_dropped_total":      dto.MetricType_COUNTER,
	"skirmish_seats_held_total":          dto.MetricType_COUNTER,
	"skirmish_seats_resumed_total":       dto.MetricType_COUNTER,
	"skirmish_rtt_seconds":               dto.MetricType_HISTOGRAM,
	"skirmish_sse_events_sent_total":     dto.MetricType_COUNTER,
	"skirmish_sse_sent_bytes_total":      dto.MetricType_COUNTER,
	"skirmish_spectators_dropped_total":  dto.MetricType_COUNTER,
	"skirmish_sse_streams_refused_total": dto.MetricType_COUNTER,
	"skirmish_storage_errors_total":      dto.MetricType_COUNTER,
	"skirmish_replay_streams":            dto.MetricType_GAUGE,
	"skirmish_replay_desyncs_total":      dto.MetricType_COUNTER,
}

// A real scrape of /metrics (on the main listener, --metrics-on-main),
// parsed by Prometheus' text parser: every metric is there with its type,
// the Go runtime and process collectors too, no series is labelled by a
// match or a player, and the values move when a player plays, a spectator
// watches and the player leaves.
func TestMetricsScrape(t *testing.T) {
	cfg := testServeConfig(t)
	cfg.MetricsOnMain = true
	base := startServer(t, cfg)
	url := base + "/metrics"

	before := scrape(t, url)
	for name, typ := range wantMetrics {
		f, ok := before[name]
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		if f.GetType() != typ {
			t.Errorf("%s is a %v, want a %v", name, f.GetType(), typ)
		}
		if f.GetHelp() == "" {
			t.Errorf("%s has no help", name)
		}
	}
	for name := range before {
		if _, ok := wantMetrics[name]; strings.HasPrefix(name, "skirmish_") && !ok {
			t.Errorf("%s is served but not in wantMetrics (and so maybe not in docs/ADMIN.md)", name)
		}
	}
	for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_cpu_seconds_total", "process_open_fds"} {
		if _, ok := before[name]; !ok {
			t.Errorf("%s missing: the Go runtime and process collectors must be registered", name)
		}
	}
	if v, _ := value(before, "skirmish_connections"); v != 0 {
		t.Errorf("connections %v before anyone connected", v)
	}
	if v, _ := value(before, "skirmish_ready"); v != 1 {
		t.Errorf("skirmish_ready %v, want 1", v)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	wsURL := "ws" + strings.TrimPrefix(base, "http") + "/ws"
	c, welcome, err := netcode.Dial(ctx, wsURL, netcode.DialOptions{Name: "scraped"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Read on: the client answers the server's pings as it reads.
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		for {
			if _, err := c.Next(); err != nil {
				return
			}
		}
	}()
	events, err := http.Get(base + "/api/matches/" + welcome.Match + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer events.Body.Close()
	buf := make([]byte, 512)
	if _, err := events.Body.Read(buf); err != nil { // the stream has begun
		t.Fatal(err)
	}

	// The first RTT sample needs the first ping: 2 s of match time.
	var during map[string]*dto.MetricFamily
	waitScrape(t, url, "a round trip measured", func(f map[string]*dto.MetricFamily) bool {
		during = f
		v, _ := value(f, "skirmish_rtt_seconds")
		return v >= 1
	})
	for _, check := range []struct {
		name   string
		labels []string
		min    float64
	}{
		{"skirmish_connections", nil, 1},
		{"skirmish_players", []string{"kind", "human"}, 1},
		{"skirmish_players", []string{"kind", "bot"}, 1},
		{"skirmish_matches", nil, 1},
		{"skirmish_spectators", nil, 1},
		{"skirmish_tick_duration_seconds", nil, 1},
		{"skirmish_ws_upgrades_total", []string{"result", "accepted"}, 1},
		{"skirmish_ws_received_frames_total", nil, 2}, // the hello, a pong
		{"skirmish_ws_received_bytes_total", nil, 12},
		{"skirmish_ws_sent_frames_total", nil, 2},
		{"skirmish_ws_sent_bytes_total", nil, 100},
		{"skirmish_sse_events_sent_total", nil, 1},
		{"skirmish_sse_sent_bytes_total", nil, 1},
	} {
		if v, _ := value(during, check.name, check.labels...); v < check.min {
			t.Errorf("%s%v = %v while a player plays and a spectator watches, want at least %v", check.name, check.labels, v, check.min)
		}
	}
	if n := len(during["skirmish_matches"].GetMetric()); n != len(phases) {
		t.Errorf("skirmish_matches has %d series, want one per phase (%d)", n, len(phases))
	}
	for name, f := range during {
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v := lp.GetValue(); v == welcome.Match || strings.Contains(v, "scraped") {
					t.Errorf("%s has a series labelled by a match or a player: %s=%q", name, lp.GetName(), v)
				}
			}
		}
	}

	// A whole closing handshake, so the server reads the 1000 for sure
	// (closing the socket at once could reset it before the frame is read).
	if err := c.SendFrame(ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, "bye")); err != nil {
		t.Fatal(err)
	}
	<-readerDone
	waitScrape(t, url, "the leave counted", func(f map[string]*dto.MetricFamily) bool {
		v, _ := value(f, "skirmish_ws_closes_total", "code", "1000")
		conns, _ := value(f, "skirmish_connections")
		return v == 1 && conns == 0
	})
}

// waitScrape scrapes until cond holds, failing after 20 s: a hang
// detector, not a timing assumption.
func waitScrape(t *testing.T, url, what string, cond func(map[string]*dto.MetricFamily) bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if cond(scrape(t, url)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 20s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Without --metrics-on-main, the public listener does not serve metrics.
func TestMetricsNotOnMainByDefault(t *testing.T) {
	base := startServer(t, testServeConfig(t))
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), "skirmish_") {
		t.Fatalf("/metrics on the main listener without --metrics-on-main: %d %.200s", resp.StatusCode, body)
	}
}

func TestCloseLabel(t *testing.T) {
	for code, want := range map[netcode.CloseCode]string{
		0: "none", 1000: "1000", 1001: "1001", 1015: "1015", 4008: "4008", 4099: "4099",
		3000: "other", 4100: "other", 4999: "other",
	} {
		if got := closeLabel(code); got != want {
			t.Errorf("closeLabel(%d) = %q, want %q", code, got, want)
		}
	}
}

// docs/ADMIN.md's table of metrics lists exactly the server's own metrics.
func TestAdminDocListsMetrics(t *testing.T) {
	doc, err := os.ReadFile("../../docs/ADMIN.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n## Metrics\n")
	if !ok {
		t.Fatal("docs/ADMIN.md has no Metrics section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `(skirmish_[a-z_]+)` \\| ([a-z]+) \\|").FindAllStringSubmatch(section, -1) {
		listed[m[1]] = true
		if want, ok := wantMetrics[m[1]]; ok && !strings.EqualFold(m[2], want.String()) {
			t.Errorf("docs/ADMIN.md says %s is a %s, it is a %v", m[1], m[2], want)
		}
	}
	for name := range wantMetrics {
		if !listed[name] {
			t.Errorf("docs/ADMIN.md does not list %s", name)
		}
	}
	for name := range listed {
		if _, ok := wantMetrics[name]; !ok {
			t.Errorf("docs/ADMIN.md lists %s, which the server does not serve", name)
		}
	}
}
