package netcode

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/clock"
	"github.com/skirmish-game/skirmish/game/match"
)

// testSeat puts a seat for match "m" in t's table without a match behind
// it (claim and release never call into the match).
func testSeat(t *testing.T, tab *seatTable, key byte) (*seat, string) {
	t.Helper()
	s := &seat{matchID: "m", player: 1}
	s.key[0] = key
	for i := range s.live {
		s.live[i] = key ^ byte(i+1)
	}
	tab.mu.Lock()
	tab.byKey[s.key] = s
	tab.mu.Unlock()
	return s, s.token()
}

func TestTokenFormat(t *testing.T) {
	if secretLen*8 < 128 {
		t.Fatalf("a token's secret has %d bits, want at least 128", secretLen*8)
	}
	gm, err := game.ParseMap([]byte(seatMapJSON))
	if err != nil {
		t.Fatal(err)
	}
	m, err := match.New(match.Config{ID: "m", Clock: clock.NewManual(time.Unix(0, 0)), World: game.WorldConfig{Map: gm}})
	if err != nil {
		t.Fatal(err)
	}
	tab := newSeatTable()
	seen := map[string]bool{}
	for i := range 100 {
		s, tok := tab.open(m, game.PlayerID(i+1), nil)
		if len(tok) != tokenLen || tokenLen != 43 {
			t.Fatalf("token %q has %d characters, want %d (43)", tok, len(tok), tokenLen)
		}
		if _, err := base64.RawURLEncoding.DecodeString(tok); err != nil {
			t.Fatalf("token %q is not base64url: %v", tok, err)
		}
		key, sec, ok := parseToken(tok)
		if !ok || key != s.key || sec != s.live || sec == (secret{}) {
			t.Fatalf("parseToken(%q) = %v %v %v", tok, key, sec, ok)
		}
		if seen[tok] || seen[string(key[:])] {
			t.Fatal("two tokens or keys alike")
		}
		seen[tok], seen[string(key[:])] = true, true
	}
	if tab.len() != 100 {
		t.Fatalf("table holds %d seats", tab.len())
	}
	for _, bad := range []string{"", "short", tokenEncoding.EncodeToString(make([]byte, 31)), tokenEncoding.EncodeToString(make([]byte, 33)),
		"++++++++++++++++++++++++++++++++++++++++++=", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="} {
		if _, _, ok := parseToken(bad); ok {
			t.Errorf("parseToken(%q) accepted", bad)
		}
	}
}

// TestTokensAreSingleUse: each claim (confirmed by its pipe) spends the
// token shown and hands out the next; the last spentKept spent tokens
// answer token_used, older ones token_unknown.
func TestTokensAreSingleUse(t *testing.T) {
	tab := newSeatTable()
	s, tok := testSeat(t, tab, 1)
	var tokens []string
	pipe := &conn{}
	for range spentKept + 1 {
		tokens = append(tokens, tok)
		got, old, next, code := tab.claim(tok, "m", pipe)
		if code != 0 || got != s || next == tok {
			t.Fatalf("claim: code %d, seat %p (want %p), next %q", code, got, s, next)
		}
		if old != pipe && len(tokens) > 1 {
			t.Fatal("claim did not return the pipe it replaced")
		}
		s.confirm(pipe)
		tok = next
	}
	for i, old := range tokens {
		want := CodeTokenUsed
		if i == 0 {
			want = CodeTokenUnknown // spentKept+1 resumes ago: forgotten
		}
		if _, _, _, code := tab.claim(old, "m", pipe); code != want {
			t.Errorf("token spent %d resumes ago: code %d, want %d", len(tokens)-i, code, want)
		}
	}
	if _, _, _, code := tab.claim(tok, "other", pipe); code != CodeTokenWrongMatch {
		t.Fatalf("another match: %d", code)
	}
	if _, _, _, code := tab.claim(tok, "", pipe); code != 0 {
		t.Fatalf("the live token after refusals: %d", code)
	}
}

// TestLostWelcome: until the resumed pipe confirms, the token it showed is
// still good (the welcome with the next one may have been lost with the
// connection), and the unconfirmed next one is never good; once confirmed,
// the shown token is spent.
func TestLostWelcome(t *testing.T) {
	tab := newSeatTable()
	s, t1 := testSeat(t, tab, 1)
	p1, p2, p3 := &conn{}, &conn{}, &conn{}
	_, _, t2, code := tab.claim(t1, "m", p1)
	if code != 0 {
		t.Fatal(code)
	}
	// p1 died before the client read its welcome: the client still has t1.
	_, old, t3, code := tab.claim(t1, "m", p2)
	if code != 0 || old != p1 {
		t.Fatalf("claiming again with the unconfirmed token: code %d, old %p", code, old)
	}
	if _, _, _, code := tab.claim(t2, "m", p3); code != CodeTokenUnknown {
		t.Fatalf("the token of the lost welcome: code %d, want unknown", code)
	}
	s.confirm(p1) // not the pipe any more: nothing
	s.confirm(p2)
	if _, _, _, code := tab.claim(t1, "m", p3); code != CodeTokenUsed {
		t.Fatalf("the confirmed resume's token: code %d, want used", code)
	}
	if _, _, _, code := tab.claim(t3, "m", p3); code != 0 {
		t.Fatalf("the live token: code %d", code)
	}
}

// TestReleasedSeatsAreRememberedBounded: a released seat's token answers
// token_expired while the table remembers it, among the last releasedKept,
// and token_unknown after.
func TestReleasedSeatsAreRememberedBounded(t *testing.T) {
	tab := newSeatTable()
	first, firstTok := testSeat(t, tab, 1)
	tab.release(first)
	tab.release(first) // twice is once
	if _, _, _, code := tab.claim(firstTok, "m", &conn{}); code != CodeTokenExpired {
		t.Fatalf("released seat: code %d, want expired", code)
	}
	for i := range releasedKept - 1 {
		s := &seat{matchID: "m"}
		s.key[0], s.key[1], s.key[2] = 2, byte(i), byte(i>>8)
		tab.mu.Lock()
		tab.byKey[s.key] = s
		tab.mu.Unlock()
		tab.release(s)
	}
	if _, _, _, code := tab.claim(firstTok, "m", &conn{}); code != CodeTokenExpired {
		t.Fatalf("the oldest of %d released: code %d, want expired", releasedKept, code)
	}
	_, tok := testSeat(t, tab, 3)
	s, _, _, _ := tab.claim(tok, "m", &conn{})
	tab.release(s)
	if _, _, _, code := tab.claim(firstTok, "m", &conn{}); code != CodeTokenUnknown {
		t.Fatalf("beyond %d released: code %d, want unknown", releasedKept, code)
	}
	if n := tab.len(); n != releasedKept {
		t.Fatalf("table holds %d seats, want %d", n, releasedKept)
	}
}

// TestHeldFor: how a connection ended decides how long its seat is held
// (PROTOCOL.md §1.9).
func TestHeldFor(t *testing.T) {
	const window = 10 * time.Second
	for _, tc := range []struct {
		name   string
		window time.Duration
		code   CloseCode
		mode   closeMode
		want   time.Duration
	}{
		{"reset or EOF", window, 0, closeSilent, window},
		{"ping timeout", window, ClosePingTimeout, closeFlush, window},
		{"too slow", window, CloseTooSlow, closeNow, window},
		{"client's 1001 (page unload)", window, CloseGoingAway, closeReply, unloadGrace},
		{"client's 1001, short window", 2 * time.Second, CloseGoingAway, closeReply, 2 * time.Second},
		{"client's 1000", window, CloseNormal, closeReply, 0},
		{"client's empty close", window, CloseCode(ws.StatusNoStatusRcvd), closeReply, 0},
		{"client's own code", window, 4100, closeReply, 0},
		{"server shutdown", window, CloseGoingAway, closeFlush, 0},
		{"match over", window, CloseMatchOver, closeFlush, 0},
		{"protocol error", window, CloseProtocolError, closeFlush, 0},
		{"replaced", window, CloseReplaced, closeFlush, 0},
		{"holding off", -1, 0, closeSilent, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &conn{srv: &Server{cfg: Config{ReconnectWindow: tc.window}}, closeCode: tc.code, mode: tc.mode}
			if got := c.heldFor(); got != tc.want {
				t.Fatalf("heldFor = %v, want %v", got, tc.want)
			}
		})
	}
}
