package netcode

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"sync"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/match"
)

// A seat is one player's place in a match as the players' wire knows it, and
// it outlives its connection: a conn is only the seat's current pipe. When
// the pipe breaks without a leave the seat is held (match.Match.Hold) and a
// new connection that shows the seat's resume token takes it over — Quake
// 3's client_t, which keeps a client's state apart from its socket, and
// Colyseus's allowReconnection, which keeps the client across a dropped one.
//
// Per-player state that must survive a reconnect lives here: the resume
// token, and the seat's stream (stream.go): the frames sent and the
// baseline the client acknowledged (a resumed pipe starts complete again),
// the view of interest management and the byte budget (kept across pipes).
//
// A resume token is the seat's key (8 random bytes, an index: not secret)
// followed by a secret (24 bytes from crypto/rand: 192 random bits),
// base64url without padding (43 characters), opaque to clients. The secret
// is compared in constant time (crypto/subtle), and only after it matched
// does the server say anything about the seat: an unknown or forged token
// learns nothing. A token is single use: a resume spends it and the welcome
// hands out the next one; it dies with its seat. The spending completes when
// the resumed connection shows that the client has the welcome — its first
// message after it (confirm): until then the token shown is still good, so a
// welcome lost to the same bad network that caused the resume does not cost
// the seat.
type seat struct {
	key     seatKey
	matchID string
	player  game.PlayerID

	mu        sync.Mutex
	match     *match.Match // nil once released
	state     seatState
	pipe      *conn  // the connection playing the seat; nil while held or released
	live      secret // the newest token's secret, handed out in the last welcome
	prev      secret // the token the last resume showed, until its pipe confirms (prevOK)
	prevOK    bool
	spent     [spentKept]secret // secrets of tokens used for resumes, a ring (zero: none yet)
	spentNext int               // the ring's oldest slot, written next

	// stream is what the seat is sent: frames, acks, view, budget
	// (stream.go). It has its own lock.
	stream stream
}

type (
	seatKey [seatKeyLen]byte
	secret  [secretLen]byte
)

// seatState is where a seat is in its life.
type seatState uint8

const (
	seatPlaying  seatState = iota // a connection plays it
	seatHeld                      // its connection dropped; the match holds it
	seatReleased                  // left, expired or its match stopped: its tokens are dead
)

const (
	seatKeyLen = 8
	secretLen  = 24
	// tokenLen is a token's length in characters.
	tokenLen = (8*(seatKeyLen+secretLen) + 5) / 6
	// spentKept is how many used tokens a seat remembers, to answer
	// token_used rather than token_unknown; older ones are unknown.
	spentKept = 8
	// releasedKept is how many released seats the table remembers, to
	// answer token_expired rather than token_unknown; the oldest is
	// forgotten first. It bounds the table's memory beyond the live seats.
	releasedKept = 4096
	// unloadGrace is how long a seat is held (at most the reconnect window)
	// after the browser closed the socket with 1001 because its page went
	// away: long enough for a reload to resume, short enough that a closed
	// tab frees its seat almost at once (PROTOCOL.md §1.9).
	unloadGrace = 5 * time.Second
)

var tokenEncoding = base64.RawURLEncoding

// errReplaced is why a conn that is no longer its seat's pipe may not act
// for it.
var errReplaced = errors.New("netcode: the seat is played on another connection")

// seatTable is the server's seats by key, live ones and the last
// releasedKept released ones. It is safe for concurrent use; its lock comes
// before any seat's.
type seatTable struct {
	mu       sync.Mutex
	byKey    map[seatKey]*seat
	released []seatKey // ring of released seats' keys, oldest at relNext once full
	relNext  int
}

func newSeatTable() *seatTable {
	return &seatTable{byKey: make(map[seatKey]*seat)}
}

// open makes a seat for player id of m, played by c, and returns it with
// its first token.
func (t *seatTable) open(m *match.Match, id game.PlayerID, c *conn) (*seat, string) {
	s := &seat{matchID: m.ID(), player: id, match: m, pipe: c}
	s.stream.player = id
	rand.Read(s.live[:])
	t.mu.Lock()
	for {
		rand.Read(s.key[:])
		if _, taken := t.byKey[s.key]; !taken {
			break
		}
	}
	t.byKey[s.key] = s
	t.mu.Unlock()
	return s, s.token()
}

// token returns the seat's live token; s.mu held or s not yet shared.
func (s *seat) token() string {
	var b [seatKeyLen + secretLen]byte
	copy(b[:], s.key[:])
	copy(b[seatKeyLen:], s.live[:])
	return tokenEncoding.EncodeToString(b[:])
}

// parseToken splits a token into its key and secret, or reports it
// malformed.
func parseToken(tok string) (seatKey, secret, bool) {
	var k seatKey
	var sec secret
	if len(tok) != tokenLen {
		return k, sec, false
	}
	var b [seatKeyLen + secretLen]byte
	n, err := tokenEncoding.Decode(b[:], []byte(tok))
	if err != nil || n != len(b) {
		return k, sec, false
	}
	copy(k[:], b[:seatKeyLen])
	copy(sec[:], b[seatKeyLen:])
	return k, sec, true
}

// claim checks a hello's resume token and, when it is good, makes c the
// seat's pipe and returns the next token, with the pipe c replaces (nil if
// the seat was held), which the caller closes. The token shown is spent once
// c confirms; until then it (but not the token issued in between, which the
// client never got) is still good. matchID is the hello's match ("" accepts
// the token's). Otherwise code says why (PROTOCOL.md §1.6) and nothing
// changed.
func (t *seatTable) claim(tok, matchID string, c *conn) (s *seat, old *conn, next string, code ErrorCode) {
	key, sec, ok := parseToken(tok)
	if !ok {
		return nil, nil, "", CodeTokenMalformed
	}
	t.mu.Lock()
	s = t.byKey[key]
	t.mu.Unlock()
	if s == nil {
		return nil, nil, "", CodeTokenUnknown
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sec == (secret{}) { // never issued; it would match the ring's empty slots
		return nil, nil, "", CodeTokenUnknown
	}
	live := subtle.ConstantTimeCompare(sec[:], s.live[:]) == 1
	prev := subtle.ConstantTimeCompare(sec[:], s.prev[:]) == 1 && s.prevOK
	used := 0
	for i := range s.spent {
		used |= subtle.ConstantTimeCompare(sec[:], s.spent[i][:])
	}
	switch {
	case !live && !prev && used == 0:
		return nil, nil, "", CodeTokenUnknown
	case matchID != "" && matchID != s.matchID:
		return nil, nil, "", CodeTokenWrongMatch
	case !live && !prev:
		return nil, nil, "", CodeTokenUsed
	case s.state == seatReleased:
		return nil, nil, "", CodeTokenExpired
	}
	if live {
		s.prev, s.prevOK = s.live, true
	} // else the last resume's welcome never arrived: its token goes unused
	rand.Read(s.live[:])
	old, s.pipe, s.state = s.pipe, c, seatPlaying
	return s, old, s.token(), 0
}

// confirm completes the resume that made c the seat's pipe: c's client has
// the welcome (it sent a message after it), so the token its hello showed is
// spent now.
func (s *seat) confirm(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pipe != c || !s.prevOK {
		return
	}
	s.spent[s.spentNext] = s.prev
	s.spentNext = (s.spentNext + 1) % spentKept
	s.prev, s.prevOK = secret{}, false
}

// input hands c's input to the seat's match, unless c is no longer the
// seat's pipe (errReplaced): checked and handed over under the seat's lock,
// so no input of a replaced pipe reaches the match after the Resume of the
// one that replaced it.
func (s *seat) input(c *conn, in game.Input) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pipe != c {
		return errReplaced
	}
	return s.match.Input(s.player, in)
}

// drop is c's end as the seat's pipe: with hold > 0 the seat is held that
// long (released by the match if nobody resumes it), else the player leaves
// at once. It does nothing if c is not the seat's pipe (it was replaced).
// It reports whether the seat is held.
func (t *seatTable) drop(s *seat, c *conn, hold time.Duration) bool {
	s.mu.Lock()
	if s.pipe != c || s.state != seatPlaying {
		s.mu.Unlock()
		return false
	}
	s.pipe = nil
	// Hold and Leave are called under the seat's lock, so the match's inbox
	// has them in the order the seat changed (a later claim's Resume comes
	// after this Hold).
	if hold > 0 && s.match.Hold(s.player, hold, func() { t.release(s) }) {
		s.state = seatHeld
		s.mu.Unlock()
		return true
	}
	s.match.Leave(s.player)
	s.state, s.match = seatReleased, nil
	s.mu.Unlock()
	t.retire(s)
	return false
}

// release kills a seat's tokens: its player left the match or the match let
// the seat go. It is safe to call more than once, from any goroutine
// (including the match's, as a Hold's released).
func (t *seatTable) release(s *seat) {
	s.mu.Lock()
	if s.state == seatReleased {
		s.mu.Unlock()
		return
	}
	s.state, s.pipe, s.match = seatReleased, nil, nil
	s.mu.Unlock()
	t.retire(s)
}

// retire remembers a released seat among the last releasedKept and forgets
// the oldest beyond them.
func (t *seatTable) retire(s *seat) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.released) < releasedKept {
		t.released = append(t.released, s.key)
		return
	}
	delete(t.byKey, t.released[t.relNext])
	t.released[t.relNext] = s.key
	t.relNext = (t.relNext + 1) % releasedKept
}

// len returns how many seats the table holds, live and remembered.
func (t *seatTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.byKey)
}
