// Package netcode is the players' wire: the WebSocket server that connects
// browsers to matches (docs/PROTOCOL.md §1), its msgpack codec, and a Go
// client of the same protocol for tests and load generation.
//
// Per connection there is one reader goroutine (hello, join, inputs, pings)
// and one writer goroutine that drains a bounded outbox. Per match there is
// one hub, the match's match.Observer, which encodes each tick's events and
// snapshot once and offers the same prepared frame to every connection
// without ever blocking the match goroutine.
package netcode

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/skirmish-game/skirmish/game"
)

// ProtocolVersion is the wire protocol version spoken by this package; a
// hello with any other version is refused with CodeBadVersion.
const ProtocolVersion = 1

// MaxClientMessage is the largest frame or message a client may send, in
// bytes (PROTOCOL.md §1.2). Larger ones close the connection with 1009.
const MaxClientMessage = 4096

// MaxServerMessage is the largest message the server sends, in bytes. The
// encoder refuses to produce anything larger, so clients may size their
// buffers by it.
const MaxServerMessage = 1 << 16

// MsgType is the first element of every message array.
type MsgType uint8

// Message types (PROTOCOL.md §1.4, §1.5). Odd numbers travel client→server
// except pong and error; the numbers are on the wire.
const (
	TypeHello    MsgType = 1
	TypeWelcome  MsgType = 2
	TypeInput    MsgType = 3
	TypeSnapshot MsgType = 4
	TypePing     MsgType = 5
	TypeEvents   MsgType = 6
	TypePong     MsgType = 7
	TypeDelta    MsgType = 8 // a snapshot as a delta against one the client acknowledged
	TypeError    MsgType = 9
	TypeView     MsgType = 11 // the client's view size, for interest management
)

var typeNames = [...]string{1: "hello", 2: "welcome", 3: "input", 4: "snapshot", 5: "ping", 6: "events", 7: "pong",
	8: "delta", 9: "error", 11: "view"}

// String returns the protocol name of the type, or "type(n)".
func (t MsgType) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return "type(" + strconv.Itoa(int(t)) + ")"
}

// Hello is the first message a client sends.
type Hello struct {
	Version uint64 // must be ProtocolVersion
	Name    string // 1–16 characters after trimming; empty means "player"
	Match   string // a match id to join, or "" for quick play
	// Resume is a resume token from an earlier welcome, or "" to join
	// afresh (PROTOCOL.md §1.4). Sent only when set.
	Resume string
}

// Ping asks for a pong; T is the client's clock in milliseconds.
type Ping struct {
	T float64
}

// View is how much of the world the client shows, in world units: the
// size of its camera's rectangle (PROTOCOL.md §1.4). The server sends each
// player the entities inside that rectangle around them, plus a margin.
type View struct {
	Width, Height float64
}

// RosterEntry is one player in a Welcome.
type RosterEntry struct {
	ID     game.PlayerID
	Name   string
	Flags  game.PlayerFlags
	Kills  int
	Deaths int
}

// Welcome is the server's answer to a successful hello.
type Welcome struct {
	Version      uint64
	Player       string // this session's UUID
	Match        string
	You          game.PlayerID
	TickRate     int // Hz
	SnapshotRate int // Hz
	Map          string
	Roster       []RosterEntry
	// Resume is the token a later hello resumes this seat with; "" when the
	// server issued none. Sent, with ReconnectWindow, only when set.
	Resume string
	// ReconnectWindow is how long the seat is held after a drop without a
	// leave (whole milliseconds on the wire); 0 means it is not held.
	ReconnectWindow time.Duration
}

// ServerMessage is a decoded server→client message: one of *Welcome,
// *Snapshot, *Events, *Pong or *ErrorMessage. Use a type switch.
type ServerMessage interface {
	// Type returns the message's type number.
	Type() MsgType
}

// Snapshot is a decoded snapshot message. Positions, velocities and angles
// are dequantized back to world units and radians (so they are multiples
// of the wire's resolution); player names are not part of a snapshot (they
// come from the roster and join events).
type Snapshot struct {
	game.Snapshot
	// BaseTick is, for a snapshot the Client made from a delta, the tick of
	// the picture the delta applied to; 0 for a complete snapshot.
	BaseTick uint32
}

// Type implements ServerMessage.
func (*Welcome) Type() MsgType { return TypeWelcome }

// Type implements ServerMessage.
func (*Snapshot) Type() MsgType { return TypeSnapshot }

// Type implements ServerMessage.
func (*Events) Type() MsgType { return TypeEvents }

// Type implements ServerMessage.
func (*Pong) Type() MsgType { return TypePong }

// Type implements ServerMessage.
func (*ErrorMessage) Type() MsgType { return TypeError }

var (
	_ ServerMessage = (*Welcome)(nil)
	_ ServerMessage = (*Snapshot)(nil)
	_ ServerMessage = (*Events)(nil)
	_ ServerMessage = (*Pong)(nil)
	_ ServerMessage = (*ErrorMessage)(nil)
)

// Events is one tick's discrete events.
type Events struct {
	Tick   uint32
	Events []game.Event // Tick of each event is set to the message's tick when decoded
}

// Pong answers a Ping.
type Pong struct {
	T    float64 // the ping's T, echoed
	Tick uint32  // the server tick when answered (0 before joining)
}

// ErrorMessage is the protocol's error message (type 9). It is named so as
// not to be mistaken for a Go error.
type ErrorMessage struct {
	Code    ErrorCode
	Reason  string // machine-readable word; Code.Reason() for codes this package knows
	Message string // human text
}

// ErrorCode is the code of an ErrorMessage (PROTOCOL.md §1.6).
type ErrorCode uint16

// Error codes. 1–4 leave the connection open; 10 and up are join failures
// followed by a close.
const (
	CodeUnknownType   ErrorCode = 1
	CodeMalformed     ErrorCode = 2
	CodeInvalidInput  ErrorCode = 3
	CodeUnexpected    ErrorCode = 4
	CodeBadVersion    ErrorCode = 10
	CodeBadName       ErrorCode = 11
	CodeMatchNotFound ErrorCode = 12
	CodeMatchFull     ErrorCode = 13
	CodeServerBusy    ErrorCode = 14
	// Resume refusals (PROTOCOL.md §1.6), all followed by close 4006.
	CodeTokenMalformed  ErrorCode = 15 // not a token this server could have issued
	CodeTokenUnknown    ErrorCode = 16 // no seat has (or remembers) this token
	CodeTokenExpired    ErrorCode = 17 // the seat was released: the window passed, the player left, the match ended
	CodeTokenUsed       ErrorCode = 18 // the token was used for a resume already; a newer one was handed out
	CodeTokenWrongMatch ErrorCode = 19 // the token's seat is in another match than the hello names
)

// Reason returns the machine-readable word for the code, or "" if the code
// is unknown to this version.
func (c ErrorCode) Reason() string {
	switch c {
	case CodeUnknownType:
		return "unknown_type"
	case CodeMalformed:
		return "malformed"
	case CodeInvalidInput:
		return "invalid_input"
	case CodeUnexpected:
		return "unexpected"
	case CodeBadVersion:
		return "bad_version"
	case CodeBadName:
		return "bad_name"
	case CodeMatchNotFound:
		return "match_not_found"
	case CodeMatchFull:
		return "match_full"
	case CodeServerBusy:
		return "server_busy"
	case CodeTokenMalformed:
		return "token_malformed"
	case CodeTokenUnknown:
		return "token_unknown"
	case CodeTokenExpired:
		return "token_expired"
	case CodeTokenUsed:
		return "token_used"
	case CodeTokenWrongMatch:
		return "token_wrong_match"
	}
	return ""
}

// CloseCode is a WebSocket close status code used by this protocol
// (PROTOCOL.md §1.7).
type CloseCode uint16

// Close codes.
const (
	CloseNormal          CloseCode = 1000
	CloseGoingAway       CloseCode = 1001
	CloseProtocolError   CloseCode = 1002
	CloseUnsupportedData CloseCode = 1003
	CloseNotMsgpack      CloseCode = 1007
	CloseTooManyErrors   CloseCode = 1008
	CloseTooBig          CloseCode = 1009
	CloseInternal        CloseCode = 1011
	CloseBadHello        CloseCode = 4000
	CloseMatchNotFound   CloseCode = 4001
	CloseMatchFull       CloseCode = 4002
	CloseHelloTimeout    CloseCode = 4003
	ClosePingTimeout     CloseCode = 4004
	CloseMatchOver       CloseCode = 4005
	CloseResumeRefused   CloseCode = 4006 // a hello's resume token was refused (codes 15–19)
	CloseReplaced        CloseCode = 4007 // the seat was resumed on another connection
	CloseTooSlow         CloseCode = 4008
	CloseServerBusy      CloseCode = 4009
	CloseKicked          CloseCode = 4010 // the host removed the player (Server.Kick); the seat is released
)

// String returns the reason text the server sends with the code.
func (c CloseCode) String() string {
	switch c {
	case CloseNormal:
		return "bye"
	case CloseGoingAway:
		return "server shutting down"
	case CloseProtocolError:
		return "protocol error"
	case CloseUnsupportedData:
		return "binary frames only"
	case CloseNotMsgpack:
		return "not msgpack"
	case CloseTooManyErrors:
		return "too many errors"
	case CloseTooBig:
		return "message too big"
	case CloseInternal:
		return "internal error"
	case CloseBadHello:
		return "bad hello"
	case CloseMatchNotFound:
		return "match not found"
	case CloseMatchFull:
		return "match full"
	case CloseHelloTimeout:
		return "hello timeout"
	case ClosePingTimeout:
		return "ping timeout"
	case CloseMatchOver:
		return "match over"
	case CloseResumeRefused:
		return "resume refused"
	case CloseReplaced:
		return "replaced"
	case CloseTooSlow:
		return "too slow"
	case CloseServerBusy:
		return "server busy"
	case CloseKicked:
		return "kicked"
	}
	return "close(" + strconv.Itoa(int(c)) + ")"
}

// Sentinel decode errors. A *DecodeError wraps exactly one of them, so
// errors.Is tells the session which answer a bad message gets.
var (
	// ErrNotMsgpack: the frame is not a msgpack array whose first element is
	// an integer (close 1007).
	ErrNotMsgpack = errors.New("netcode: not a msgpack array with an integer type")
	// ErrUnknownType: a well-formed array with a type this side does not know
	// (error 1; the message is ignored).
	ErrUnknownType = errors.New("netcode: unknown message type")
	// ErrMalformed: a known type whose elements are missing or of the wrong
	// type or range (error 2).
	ErrMalformed = errors.New("netcode: malformed message")
)

// DecodeError describes why a message could not be decoded.
type DecodeError struct {
	Kind  error  // ErrNotMsgpack, ErrUnknownType or ErrMalformed
	Type  int64  // the message type, when it was read
	Field string // the element that failed, for ErrMalformed
	Err   error  // the underlying msgpack error, if any
}

// Error implements error.
func (e *DecodeError) Error() string {
	switch {
	case e.Kind == ErrNotMsgpack && e.Err != nil:
		return fmt.Sprintf("%v: %v", e.Kind, e.Err)
	case e.Kind == ErrNotMsgpack:
		return e.Kind.Error()
	case e.Kind == ErrUnknownType:
		return fmt.Sprintf("%v %d", e.Kind, e.Type)
	case e.Err != nil:
		return fmt.Sprintf("%v: %s %s: %v", e.Kind, MsgType(e.Type), e.Field, e.Err)
	}
	return fmt.Sprintf("%v: %s %s", e.Kind, MsgType(e.Type), e.Field)
}

// Unwrap returns the sentinel kind and the underlying error.
func (e *DecodeError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// Quantization scales (PROTOCOL.md §1.3).
const (
	posScale   = 8
	angleScale = 65536 / (2 * math.Pi)
)

// QuantizePos converts world units to the wire's pos (units × 8, rounded to
// the nearest integer). Values beyond the int32 range are clamped and NaN
// becomes 0, so a simulation bug can never produce an unencodable frame.
func QuantizePos(v float64) int32 { return quantize(v * posScale) }

// DequantizePos converts a wire pos back to world units.
func DequantizePos(q int32) float64 { return float64(q) / posScale }

// QuantizeVel converts world units per second to the wire's vel (× 8,
// rounded), with the same clamping as QuantizePos.
func QuantizeVel(v float64) int32 { return quantize(v * posScale) }

// DequantizeVel converts a wire vel back to world units per second.
func DequantizeVel(q int32) float64 { return float64(q) / posScale }

func quantize(v float64) int32 {
	switch {
	case v != v: // NaN
		return 0
	case v >= math.MaxInt32:
		return math.MaxInt32
	case v <= math.MinInt32:
		return math.MinInt32
	}
	return int32(math.Round(v))
}

// QuantizeAngle converts radians to the wire's angle: radians × 65536 / 2π,
// rounded and wrapped into 0..65535 (0 = +X, 16384 = +Y). NaN and ±Inf
// become 0.
func QuantizeAngle(rad float64) uint16 {
	if math.IsNaN(rad) || math.IsInf(rad, 0) {
		return 0
	}
	// Wrap first so huge angles keep their precision through the scaling.
	rad = math.Mod(rad, 2*math.Pi)
	q := int64(math.Round(rad * angleScale))
	return uint16(q & 0xffff) // two's complement wraps negatives into range
}

// DequantizeAngle converts a wire angle back to radians in [-π, π).
func DequantizeAngle(q uint16) float64 {
	return float64(int16(q)) / angleScale
}
