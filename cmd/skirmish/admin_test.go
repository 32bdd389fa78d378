package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/netcode"
)

// testAdminToken is the admin token of the test servers.
const testAdminToken = "a-test-token-of-32-characters-ok"

// adminServer is a whole server with its admin listener, on loopback.
type adminServer struct {
	*runningServer
	admin string // http://host:port of the admin listener
	ws    string // the players' WebSocket URL
	token string // the listener's token: testAdminToken, or the one the server generated
}

// startAdminServer runs a server with an admin listener (token
// testAdminToken) until the test ends. tweak changes the config first.
func startAdminServer(t *testing.T, tweak func(*serveConfig)) *adminServer {
	t.Helper()
	cfg := testServeConfig(t)
	cfg.AdminAddr, cfg.AdminToken = "127.0.0.1:0", testAdminToken
	if tweak != nil {
		tweak(&cfg)
	}
	log := slog.New(slog.DiscardHandler)
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	srv, err := newServer(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	if srv.adminLn, err = net.Listen("tcp", cfg.AdminAddr); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	rs := &runningServer{base: "http://" + ln.Addr().String(), stop: stop, result: make(chan error, 1)}
	go func() { rs.result <- srv.serve(ctx, ln) }()
	t.Cleanup(func() {
		stop()
		select {
		case err := <-rs.result:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("server did not stop within 30s")
		}
	})
	return &adminServer{runningServer: rs, admin: "http://" + srv.adminLn.Addr().String(),
		ws: "ws" + strings.TrimPrefix(rs.base, "http") + "/ws", token: srv.cfg.AdminToken}
}

// TestAdminLoopbackWithoutTokenGeneratesOne: on loopback with no token
// configured every route still needs one; the server makes a fresh one.
func TestAdminLoopbackWithoutTokenGeneratesOne(t *testing.T) {
	tokens := map[string]bool{}
	for range 2 {
		a := startAdminServer(t, func(c *serveConfig) { c.AdminToken = "" })
		if len(a.token) != 64 || tokens[a.token] {
			t.Fatalf("generated token %q: want 64 hex digits, new each run", a.token)
		}
		tokens[a.token] = true
		for _, path := range []string{"/admin/matches", "/metrics", "/dashboard/", "/debug/pprof/"} {
			if r, _ := a.call(t, "GET", path, "", "", nil); r.StatusCode != http.StatusUnauthorized {
				t.Errorf("GET %s without a token: %d, want 401", path, r.StatusCode)
			}
		}
		if r, body := a.call(t, "GET", "/admin/matches", a.token, "", nil); r.StatusCode != http.StatusOK {
			t.Fatalf("GET /admin/matches with the generated token: %d %s", r.StatusCode, body)
		}
	}
}

// call makes an admin request with the token (token "" sends none) and
// decodes a JSON answer into into (if not nil); it returns the response,
// its body already read.
func (a *adminServer) call(t *testing.T, method, path, token, body string, into any) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, a.admin+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if into != nil {
		if err := json.Unmarshal(raw, into); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, raw, err)
		}
	}
	return resp, raw
}

// must is call with the token, failing unless the status is want.
func (a *adminServer) must(t *testing.T, method, path, body string, want int, into any) {
	t.Helper()
	resp, raw := a.call(t, method, path, testAdminToken, body, nil)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, want)
	}
	if into != nil {
		if err := json.Unmarshal(raw, into); err != nil {
			t.Fatalf("%s %s: %s: %v", method, path, raw, err)
		}
	}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// adminMatch is GET /admin/matches's entry, as docs/ADMIN.md has it.
type adminMatch struct {
	ID         string `json:"id"`
	Phase      string `json:"phase"`
	Private    bool   `json:"private"`
	Humans     int    `json:"humans"`
	Bots       int    `json:"bots"`
	Spectators int    `json:"spectators"`
	Join       string `json:"join"`
	Players    []struct {
		ID           game.PlayerID `json:"id"`
		Name         string        `json:"name"`
		Bot          bool          `json:"bot"`
		Disconnected bool          `json:"disconnected"`
		Kills        int           `json:"kills"`
		Deaths       int           `json:"deaths"`
	} `json:"players"`
}

// dialPlayer joins match (""= quick play) as name over a real WebSocket
// and reads its messages in the background.
func dialPlayer(t *testing.T, wsURL, match, name string) *testPlayer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, w, err := netcode.Dial(ctx, wsURL, netcode.DialOptions{Name: name, Match: match})
	if err != nil {
		t.Fatalf("dial %s into %q: %v", name, match, err)
	}
	p := &testPlayer{c: c, w: w, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for {
			msg, err := c.Next()
			if err != nil {
				p.code = netcode.CloseCodeOf(err)
				return
			}
			if ev, ok := msg.(*netcode.Events); ok {
				for _, e := range ev.Events {
					if e.Kind == game.EventEnd {
						p.end = game.EndReason(e.Value)
					}
				}
			}
		}
	}()
	t.Cleanup(func() { _ = c.Close(); <-p.done })
	return p
}

type testPlayer struct {
	c    *netcode.Client
	w    netcode.Welcome
	done chan struct{}
	code netcode.CloseCode // after done
	end  game.EndReason    // the reason of the end event received, after done
}

// closed waits for the server to close the player's connection.
func (p *testPlayer) closed(t *testing.T) netcode.CloseCode {
	t.Helper()
	select {
	case <-p.done:
		return p.code
	case <-time.After(20 * time.Second):
		t.Fatal("the player's connection was not closed")
		return 0
	}
}

// eventually retries cond (an HTTP look) until it holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAdminPrivateMatch: POST /admin/matches makes a private match whose
// link a real player joins; it shows in GET /admin/matches with the
// player, not in the public list nor to quick play; a kick closes the
// player's socket with 4010 and releases the seat for good.
func TestAdminPrivateMatch(t *testing.T) {
	a := startAdminServer(t, nil)
	var created adminMatch
	a.must(t, "POST", "/admin/matches", "", http.StatusCreated, &created)
	if created.ID == "" || !created.Private || created.Join != "/?match="+created.ID {
		t.Fatalf("created %+v, want a private match with its join link", created)
	}
	ada := dialPlayer(t, a.ws, strings.TrimPrefix(created.Join, "/?match="), "ada")
	if ada.w.Match != created.ID {
		t.Fatalf("joined %s through the link, want %s", ada.w.Match, created.ID)
	}
	other := dialPlayer(t, a.ws, "", "quick")
	if other.w.Match == created.ID {
		t.Fatal("quick play offered the private match")
	}
	var public []map[string]any
	getJSON(t, a.base+"/api/matches", http.StatusOK, &public)
	for _, m := range public {
		if m["id"] == created.ID {
			t.Fatal("the public list shows the private match")
		}
	}

	var list []adminMatch
	a.must(t, "GET", "/admin/matches", "", http.StatusOK, &list)
	var mine *adminMatch
	for i := range list {
		if list[i].ID == created.ID {
			mine = &list[i]
		}
	}
	if len(list) != 2 || mine == nil || !mine.Private || mine.Humans != 1 {
		t.Fatalf("GET /admin/matches = %+v, want both matches, the private one with ada", list)
	}
	found := false
	for _, p := range mine.Players {
		if p.ID == ada.w.You && p.Name == "ada" && !p.Bot && !p.Disconnected {
			found = true
		}
		if p.Bot && p.Name == "" {
			t.Errorf("a bot without a name: %+v", p)
		}
	}
	if !found {
		t.Fatalf("players %+v, want ada (%d), human, connected", mine.Players, ada.w.You)
	}

	// Kick: errors first.
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/admin/matches/" + created.ID + "/kick/0", http.StatusBadRequest},
		{"/admin/matches/" + created.ID + "/kick/x", http.StatusBadRequest},
		{"/admin/matches/no-such/kick/1", http.StatusNotFound},
		{"/admin/matches/" + created.ID + "/kick/999", http.StatusNotFound},
	} {
		a.must(t, "POST", tc.path, "", tc.status, nil)
	}
	for _, p := range mine.Players {
		if p.Bot {
			a.must(t, "POST", "/admin/matches/"+created.ID+"/kick/"+itoa(int(p.ID)), "", http.StatusConflict, nil)
			break
		}
	}
	a.must(t, "POST", "/admin/matches/"+created.ID+"/kick/"+itoa(int(ada.w.You)), "", http.StatusOK, nil)
	if code := ada.closed(t); code != netcode.CloseKicked {
		t.Fatalf("the kicked player's socket closed with %d, want %d", code, netcode.CloseKicked)
	}
	eventually(t, "the seat released", func() bool {
		var m adminMatch
		a.must(t, "GET", "/admin/matches/"+created.ID, "", http.StatusOK, &m)
		return m.Humans == 0
	})
	// Not resumable.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, _, err := netcode.Dial(ctx, a.ws, netcode.DialOptions{Match: created.ID, Resume: ada.w.Resume})
	if netcode.CloseCodeOf(err) != netcode.CloseResumeRefused {
		t.Fatalf("resume after the kick: %v, want refused", err)
	}
}

// TestAdminEndMatch: DELETE ends the match with reason admin: its player
// gets the end event and close 4005, its spectator the end event.
func TestAdminEndMatch(t *testing.T) {
	a := startAdminServer(t, nil)
	var created adminMatch
	a.must(t, "POST", "/admin/matches", "", http.StatusCreated, &created)
	p := dialPlayer(t, a.ws, created.ID, "ada")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/api/matches/"+created.ID+"/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sse := bufio.NewScanner(resp.Body)
	sse.Buffer(make([]byte, 1<<20), 1<<20)
	if !scanUntil(sse, "event: snapshot") {
		t.Fatal("no snapshot")
	}

	var ended map[string]string
	a.must(t, "DELETE", "/admin/matches/"+created.ID, "", http.StatusOK, &ended)
	if ended["reason"] != "admin" {
		t.Fatalf("DELETE answered %v", ended)
	}
	if !scanUntil(sse, "event: end") || !sse.Scan() || !strings.Contains(sse.Text(), `"reason":"admin"`) {
		t.Fatalf("the spectator's end event: %q, want reason admin", sse.Text())
	}
	if code := p.closed(t); code != netcode.CloseMatchOver || p.end != game.EndAdmin {
		t.Fatalf("player closed with %d after an end of reason %v, want 4005 after admin", code, p.end)
	}
	a.must(t, "DELETE", "/admin/matches/"+created.ID, "", http.StatusNotFound, nil)
	a.must(t, "GET", "/admin/matches/"+created.ID, "", http.StatusNotFound, nil)
}

// TestAdminDrain: a drain turns /readyz to 503 (/healthz stays 200) and
// refuses new matches,
// lets the running match play on, and ends the server once that match has
// ended; serve returns nil.
func TestAdminDrain(t *testing.T) {
	a := startAdminServer(t, nil)
	p := dialPlayer(t, a.ws, "", "ada")
	var got map[string]string
	a.must(t, "POST", "/admin/drain", `{"timeout":"10m"}`, http.StatusAccepted, &got)
	if got["status"] != "draining" || got["deadline"] == "" {
		t.Fatalf("drain answered %v", got)
	}
	var again map[string]string
	a.must(t, "POST", "/admin/drain", "", http.StatusAccepted, &again)
	if again["deadline"] != got["deadline"] {
		t.Fatalf("a second drain moved the deadline: %v, then %v", got, again)
	}
	eventually(t, "/readyz 503", func() bool {
		resp, err := http.Get(a.base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusServiceUnavailable
	})
	if resp, err := http.Get(a.base + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz while draining: %v %v, want 200 (liveness)", resp, err)
	} else {
		resp.Body.Close()
	}
	a.must(t, "POST", "/admin/matches", "", http.StatusServiceUnavailable, nil)
	// The running match still takes players.
	q := dialPlayer(t, a.ws, "", "bo")
	if q.w.Match != p.w.Match {
		t.Fatalf("quick play while draining joined %s, want the running %s", q.w.Match, p.w.Match)
	}
	select {
	case err := <-a.result:
		t.Fatalf("serve returned (%v) while a match still runs", err)
	default:
	}
	// The match ends (as if its time ran out): the server exits.
	a.must(t, "DELETE", "/admin/matches/"+p.w.Match, "", http.StatusOK, nil)
	select {
	case err := <-a.result:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
		a.result <- nil // for the cleanup
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not stop after its last match ended")
	}
	if code := p.closed(t); code != netcode.CloseMatchOver {
		t.Fatalf("player closed with %d, want 4005", code)
	}
}

// TestAdminDrainDeadline: matches that outlast the drain's deadline end
// with reason shutdown, as on SIGTERM, and the server exits.
func TestAdminDrainDeadline(t *testing.T) {
	a := startAdminServer(t, nil)
	p := dialPlayer(t, a.ws, "", "ada")
	a.must(t, "POST", "/admin/drain", `{"timeout":"300ms"}`, http.StatusAccepted, nil)
	select {
	case err := <-a.result:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
		a.result <- nil
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not stop at the drain's deadline")
	}
	if code := p.closed(t); code != netcode.CloseGoingAway || p.end != game.EndShutdown {
		t.Fatalf("player closed with %d after reason %v, want 1001 after shutdown", code, p.end)
	}
}

// TestAdminDrainBadBody: a drain with a bad body is refused and changes
// nothing.
func TestAdminDrainBadBody(t *testing.T) {
	a := startAdminServer(t, nil)
	for _, body := range []string{`{"timeout":"-1s"}`, `{"timeout":"3h"}`, `{"timeout":"soon"}`, `{"nope":1}`, `[`} {
		a.must(t, "POST", "/admin/drain", body, http.StatusBadRequest, nil)
	}
	resp, err := http.Get(a.base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz %d after refused drains", resp.StatusCode)
	}
}

// TestAdminStream: the dashboard's stream starts with the history and then
// sends a sample a second, counting the match and its player; the
// dashboard's page is served when built.
func TestAdminStream(t *testing.T) {
	a := startAdminServer(t, nil)
	dialPlayer(t, a.ws, "", "ada")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.admin+"/admin/stream", nil)
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	sse := bufio.NewScanner(resp.Body)
	if !sse.Scan() || sse.Text() != "event: history" || !sse.Scan() || !strings.HasPrefix(sse.Text(), "data: [") {
		t.Fatalf("the stream starts with %q, want the history", sse.Text())
	}
	for {
		if !scanUntil(sse, "event: sample") || !sse.Scan() {
			t.Fatal("the stream ended without a sample")
		}
		var smp struct {
			T                     int64
			Matches, Humans, Bots int
			Ticks                 uint64
			TickP50, TickP99      float64
			BytesOut              float64
		}
		if err := json.Unmarshal([]byte(strings.TrimPrefix(sse.Text(), "data: ")), &smp); err != nil {
			t.Fatal(err)
		}
		// The first sample may predate the join; wait for one that has it
		// and covers an interval of ticks.
		if smp.Matches == 1 && smp.Humans == 1 && smp.Ticks > 0 {
			if smp.TickP50 <= 0 || smp.TickP99 < smp.TickP50 || smp.BytesOut <= 0 || smp.T == 0 {
				t.Fatalf("sample %+v: want tick durations and bandwidth", smp)
			}
			break
		}
	}

	resp2, body := a.call(t, "GET", "/dashboard/", testAdminToken, "", nil)
	switch resp2.StatusCode {
	case http.StatusOK:
		if !strings.Contains(string(body), "dashboard.js") {
			t.Fatalf("the dashboard page does not load its script: %.300s", body)
		}
		if r, body := a.call(t, "GET", "/dashboard/nope.js", testAdminToken, "", nil); r.StatusCode != http.StatusNotFound ||
			!strings.Contains(string(body), `"error":"not_found"`) {
			t.Fatalf("a missing dashboard file: %d %s, want a JSON 404", r.StatusCode, body)
		}
	case http.StatusServiceUnavailable: // built without the client (go test before make client)
		t.Log("dashboard not built")
	default:
		t.Fatalf("GET /dashboard/: %d %s", resp2.StatusCode, body)
	}
	if r, body := a.call(t, "GET", "/metrics", testAdminToken, "", nil); r.StatusCode != http.StatusOK ||
		!strings.Contains(string(body), "skirmish_tick_duration_seconds") {
		t.Fatalf("GET /metrics on the admin listener: %d %.200s, want the server's metrics", r.StatusCode, body)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// The drain's default deadline follows --time-limit, within the API's
// bound: the longest time limit still makes a server.
func TestAdminDrainDefaultWithinBound(t *testing.T) {
	cfg := testServeConfig(t)
	cfg.AdminAddr, cfg.TimeLimit = "127.0.0.1:0", timeLimits.max
	srv, err := newServer(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("--time-limit %s with an admin listener: %v", cfg.TimeLimit, err)
	}
	if err := srv.closeHistory(context.Background()); err != nil { // it never serves
		t.Error(err)
	}
}
