package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The load tool's spectators behave like the browser's EventSource: each one
// watches a match's SSE stream (PROTOCOL.md §2), resumes with Last-Event-ID
// after the retry delay when the server drops it, waits Retry-After when
// refused with 503, and, like a person back in the lobby, picks another match
// when its match ends. One goroutine and one raw connection per stream (no
// http.Transport goroutines), so 10,000 of them fit beside the server on a
// small box.

// spectateSummary is the spectators' part of the --json output.
type spectateSummary struct {
	Spectators int `json:"spectators"`
	// Connected is how many spectators had a stream open at least once.
	Connected int `json:"connected"`
	// OpenAtEnd is how many streams were open when the run ended.
	OpenAtEnd int `json:"open_at_end"`
	// EventsPerSecond counts SSE events received by all spectators, over
	// the spectators' window (from the first connect to the end).
	EventsPerSecond float64 `json:"events_per_second"`
	// EventsPerStreamSecond is events per second of open stream.
	EventsPerStreamSecond float64 `json:"events_per_second_per_stream"`
	BytesPerSecond        float64 `json:"bytes_per_second"`
	// Drops are streams the server ended without an end event.
	Drops int64 `json:"drops"`
	// Refusals are 503 answers (server_full, shutting_down).
	Refusals int64 `json:"refusals"`
	// Resumes are reconnects with Last-Event-ID; ResumedWithBacklog of them
	// continued with the missed events, the others got a fresh snapshot.
	Resumes            int64 `json:"resumes"`
	ResumedWithBacklog int64 `json:"resumed_with_backlog"`
	MatchesEnded       int64 `json:"matches_ended"`
	// NotFound are 404 answers: the match had ended (or never existed)
	// before the stream opened; the spectator then looks for another.
	NotFound     int64  `json:"not_found"`
	Errors       int64  `json:"errors"`
	FirstError   string `json:"first_error,omitempty"`
	FirstRefusal string `json:"first_refusal,omitempty"`
	// Storm is there when --resume-storm was given.
	Storm *stormSummary `json:"storm,omitempty"`
}

// stormSummary is what a resume storm cost: every open stream broke at once
// and resumed from the first event id it had seen.
type stormSummary struct {
	Streams     int64 `json:"streams"`      // streams broken by the storm
	WithBacklog int64 `json:"with_backlog"` // resumes that got their missed events (the rest: a snapshot)
	Bytes10s    int64 `json:"bytes_10s"`    // bytes all spectators received in the 10 s after the storm
}

// spectators is one run's spectators and their shared counters.
type spectators struct {
	host    string // host:port
	tls     bool
	picker  *matchPicker
	started time.Time // the first spectator's connect

	// storm is cancelled at the resume storm (never, without one): every
	// open stream breaks and resumes from the first id it saw.
	storm                      context.Context
	stormStreams, stormBacklog atomic.Int64
	stormBytes                 atomic.Int64 // bytes received in the 10 s after the storm
	stormed                    bool

	events, bytes               atomic.Int64
	drops, refusals, errs       atomic.Int64
	resumes, resumedWithBacklog atomic.Int64
	matchesEnded                atomic.Int64
	notFound                    atomic.Int64
	open                        atomic.Int64
	streamNanos                 atomic.Int64 // total time streams were open
	connected                   []atomic.Bool
	firstMu                     sync.Mutex
	firstErr, firstRefusal      string
}

// newSpectators prepares n spectators of the server behind wsURL, which
// parseLoadConfig checked.
func newSpectators(wsURL string, n int) *spectators {
	u, _ := url.Parse(wsURL)
	secure := u.Scheme == "wss"
	scheme, port := "http", "80"
	if secure {
		scheme, port = "https", "443"
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), port)
	}
	return &spectators{
		host:      host,
		tls:       secure,
		picker:    &matchPicker{list: scheme + "://" + u.Host + "/api/matches"},
		connected: make([]atomic.Bool, n),
	}
}

// run starts the spectators over ramp and keeps them watching until ctx is
// done; it returns when every one has stopped. A storm > 0 breaks every open
// stream at once that long after the ramp (see stormSummary).
func (s *spectators) run(ctx context.Context, ramp, storm time.Duration) {
	n := len(s.connected)
	s.started = time.Now()
	var wg sync.WaitGroup
	stormCtx, breakAll := context.WithCancel(context.Background())
	defer breakAll()
	s.storm = stormCtx
	if storm > 0 {
		s.stormed = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-time.After(ramp + storm):
			case <-ctx.Done():
				return
			}
			before := s.bytes.Load()
			breakAll()
			select {
			case <-time.After(10 * time.Second):
			case <-ctx.Done():
			}
			s.stormBytes.Store(s.bytes.Load() - before)
		}()
	}
	for i := range n {
		delay := ramp * time.Duration(i) / time.Duration(n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-time.After(delay):
			case <-ctx.Done():
				return
			}
			s.watch(ctx, i)
		}()
	}
	wg.Wait()
}

// outcome is how one stream ended.
type outcome int

const (
	streamStormed  outcome = iota // broken by the resume storm
	streamDropped                 // 200, then the stream ended without end
	streamEnded                   // the match's end event arrived, or 204
	streamNotFound                // 404: the match is gone
	streamRefused                 // 503
	streamFailed                  // connect or protocol error
)

// watch is one spectator, until ctx is done.
func (s *spectators) watch(ctx context.Context, i int) {
	rng := rand.New(rand.NewPCG(uint64(i), 0x5bec7))
	match := s.picker.pick(ctx, i)
	var lastID string
	stormResume := false
	for ctx.Err() == nil {
		if match == "" {
			match = s.picker.pick(ctx, rng.IntN(1<<30))
			continue
		}
		res := s.stream(ctx, i, match, lastID, stormResume)
		stormResume = res.outcome == streamStormed
		if ctx.Err() != nil {
			return
		}
		wait := time.Duration(0)
		switch res.outcome {
		case streamStormed:
			lastID = res.lastID // the first id it saw: resume at once from there
			continue
		case streamDropped:
			s.drops.Add(1)
			lastID, wait = res.lastID, res.retry
		case streamEnded:
			s.matchesEnded.Add(1)
			match, lastID, wait = "", "", time.Second
		case streamNotFound:
			s.notFound.Add(1)
			match, lastID, wait = "", "", time.Second
		case streamRefused:
			s.refusals.Add(1)
			s.noteFirst(&s.firstRefusal, res.err)
			wait = res.retry
		case streamFailed:
			s.errs.Add(1)
			s.noteFirst(&s.firstErr, res.err)
			wait = res.retry
		}
		// Spread reconnects a little, as real clients' timers would be.
		wait += time.Duration(rng.Int64N(int64(wait)/10 + 1))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return
		}
	}
}

func (s *spectators) noteFirst(dst *string, err error) {
	if err == nil {
		return
	}
	s.firstMu.Lock()
	if *dst == "" {
		*dst = err.Error()
	}
	s.firstMu.Unlock()
}

type streamResult struct {
	outcome outcome
	lastID  string        // the last event id seen (a storm: the first)
	retry   time.Duration // wait before the next attempt
	err     error
}

// defaultRetry is EventSource's reconnect delay until the stream says otherwise.
const defaultRetry = 2 * time.Second

// stream opens one SSE stream and reads it to its end; stormResume says it
// is the resume right after the storm broke the previous one.
func (s *spectators) stream(ctx context.Context, i int, match, lastID string, stormResume bool) streamResult {
	res := streamResult{outcome: streamFailed, lastID: lastID, retry: defaultRetry}
	d := net.Dialer{Timeout: 10 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", s.host)
	if err != nil {
		res.err = err
		return res
	}
	if s.tls {
		conn = tls.Client(conn, &tls.Config{ServerName: hostOnly(s.host)})
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()
	var stormed atomic.Bool

	req := "GET /api/matches/" + url.PathEscape(match) + "/events HTTP/1.1\r\nHost: " + s.host +
		"\r\nAccept: text/event-stream\r\n"
	if lastID != "" {
		req += "Last-Event-ID: " + lastID + "\r\n"
	}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		res.err = err
		return res
	}
	br := bufio.NewReaderSize(conn, 16<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		res.err = err
		return res
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNoContent:
		res.outcome = streamEnded
		return res
	case http.StatusNotFound:
		res.outcome = streamNotFound
		return res
	case http.StatusServiceUnavailable:
		res.outcome = streamRefused
		res.retry = 5 * time.Second
		if v, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && v > 0 {
			res.retry = time.Duration(v) * time.Second
		}
		var e struct{ Error, Message string }
		_ = json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&e)
		res.err = fmt.Errorf("503 %s: %s", e.Error, e.Message)
		return res
	default:
		res.err = fmt.Errorf("status %s", resp.Status)
		return res
	}
	_ = conn.SetDeadline(time.Time{})
	s.connected[i].Store(true)
	s.open.Add(1)
	opened := time.Now()
	defer func() {
		s.open.Add(-1)
		s.streamNanos.Add(int64(time.Since(opened)))
	}()
	if lastID != "" {
		s.resumes.Add(1)
	}
	if s.storm.Err() == nil { // only streams open at the storm break
		stopStorm := context.AfterFunc(s.storm, func() { stormed.Store(true); conn.Close() })
		defer stopStorm()
	}

	body := bufio.NewReaderSize(resp.Body, 16<<10)
	first := true
	firstID := ""
	for {
		line, err := body.ReadSlice('\n')
		s.bytes.Add(int64(len(line)))
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			// The rest of a long data line: nothing in it is counted.
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = body.ReadSlice('\n')
				s.bytes.Add(int64(len(line)))
			}
			continue
		case err != nil && stormed.Load():
			s.stormStreams.Add(1)
			res.outcome, res.lastID = streamStormed, firstID
			if res.lastID == "" {
				res.lastID = lastID
			}
			return res
		case err != nil:
			res.outcome = streamDropped
			if ctx.Err() == nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				res.err = err
			}
			return res
		}
		switch {
		case bytes.HasPrefix(line, []byte("event: ")):
			s.events.Add(1)
			name := bytes.TrimSpace(line[len("event: "):])
			if first && lastID != "" && !bytes.Equal(name, []byte("snapshot")) {
				s.resumedWithBacklog.Add(1)
				if stormResume {
					s.stormBacklog.Add(1)
				}
			}
			first = false
			if bytes.Equal(name, []byte("end")) {
				res.outcome = streamEnded
				return res
			}
		case bytes.HasPrefix(line, []byte("id: ")):
			res.lastID = string(bytes.TrimSpace(line[len("id: "):]))
			if firstID == "" {
				firstID = res.lastID
			}
		case bytes.HasPrefix(line, []byte("retry: ")):
			if ms, err := strconv.Atoi(string(bytes.TrimSpace(line[len("retry: "):]))); err == nil && ms > 0 {
				res.retry = time.Duration(ms) * time.Millisecond
			}
		}
	}
}

func hostOnly(hostport string) string {
	h, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return hostport
	}
	return h
}

// summary totals the run; end is when the spectators were stopped.
func (s *spectators) summary(end time.Time) *spectateSummary {
	sum := &spectateSummary{
		Spectators:         len(s.connected),
		OpenAtEnd:          int(s.open.Load()),
		Drops:              s.drops.Load(),
		Refusals:           s.refusals.Load(),
		Resumes:            s.resumes.Load(),
		ResumedWithBacklog: s.resumedWithBacklog.Load(),
		MatchesEnded:       s.matchesEnded.Load(),
		NotFound:           s.notFound.Load(),
		Errors:             s.errs.Load(),
		FirstError:         s.firstErr,
		FirstRefusal:       s.firstRefusal,
	}
	for i := range s.connected {
		if s.connected[i].Load() {
			sum.Connected++
		}
	}
	if secs := end.Sub(s.started).Seconds(); secs > 0 {
		sum.EventsPerSecond = math.Round(float64(s.events.Load()) / secs)
		sum.BytesPerSecond = math.Round(float64(s.bytes.Load()) / secs)
	}
	if secs := time.Duration(s.streamNanos.Load()).Seconds(); secs > 0 {
		sum.EventsPerStreamSecond = round2(float64(s.events.Load()) / secs)
	}
	if s.stormed {
		sum.Storm = &stormSummary{Streams: s.stormStreams.Load(), WithBacklog: s.stormBacklog.Load(), Bytes10s: s.stormBytes.Load()}
	}
	return sum
}

// matchPicker hands spectators match ids from GET /api/matches, fetched at
// most once a second for all of them.
type matchPicker struct {
	list string // the list's URL

	mu      sync.Mutex
	ids     []string
	fetched time.Time
}

// pick returns the n-th running match (modulo their number), waiting until
// there is one; "" if ctx ends first.
func (p *matchPicker) pick(ctx context.Context, n int) string {
	for {
		if ids := p.get(ctx); len(ids) > 0 {
			return ids[n%len(ids)]
		}
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return ""
		}
	}
}

func (p *matchPicker) get(ctx context.Context) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.fetched) < time.Second {
		return p.ids
	}
	p.fetched = time.Now()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.list, nil)
	if err != nil {
		return p.ids
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return p.ids
	}
	defer resp.Body.Close()
	var list []struct {
		ID    string `json:"id"`
		Phase string `json:"phase"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&list) != nil {
		return p.ids
	}
	p.ids = p.ids[:0]
	for _, m := range list {
		if m.Phase != "ended" {
			p.ids = append(p.ids, m.ID)
		}
	}
	return p.ids
}
