package netcode

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/skirmish-game/skirmish/game"
)

// Golden wire vectors pin the Go server and the browser client
// (client/src/net/protocol.ts) to the same bytes. This test builds a fixed
// set of messages, encodes them with the real Encoder and compares the result
// with testdata/wire_vectors.json byte for byte; it also decodes every vector
// with the Go Decoder. client/src/net/vectors.test.ts decodes the same
// server→client bytes with the client's decoder and checks that the client's
// encoder produces the client→server bytes. Decode-only vectors
// (vectors_foreign_test.go) are hand-written bytes no encoder produces, such
// as trailing elements of every msgpack type: both decoders must accept them
// as "expected" or refuse them as "error". After a deliberate wire change,
// regenerate with
//
//	go test ./netcode -run WireVectors -update
//
// and commit the file with the change: the client test then fails until
// protocol.ts follows.
//
// "expected" is the decoded message in the shape client/src/net/protocol.ts
// returns (its ServerMessage and InputCmd types): pos and vel in world units,
// angles in radians in [0, 2π), flags as the booleans alive/protected/bot,
// phases and end reasons as their names, events as the client's MatchEvent.
// The expected values are computed from the source messages with the rules of
// PROTOCOL.md §1.3 written out here (wvPos, wvAngle, wvReasons), not with the
// production quantizers, so a drift in either shows up as a decode mismatch.
//
// Client→server bytes come in two forms. "hex" is what this package's Encoder
// sends (floats always float64). The browser's @msgpack/msgpack picks the form
// per value: a whole number goes out as the smallest integer, which the
// protocol allows ("any integer or float form where a float is expected").
// When that differs, "clientHex" holds the browser's bytes: generated here by
// that rule (wvClientForm), asserted byte-exact against the real client
// encoder by vectors.test.ts, and decoded by the Go Decoder below, so the
// server is proven to read what browsers actually send.

var updateWireVectors = flag.Bool("update", false, "rewrite testdata/wire_vectors.json from the encoder")

const (
	wireVectorFile = "testdata/wire_vectors.json"
	toClient       = "serverToClient"
	toServer       = "clientToServer"
	// wvTolerance absorbs the last bits of angles: the Go decoder returns
	// [-π, π), the client [0, 2π), and both are a multiple of 2π/65536 apart
	// from an exact value by rounding only. One wire step is ~9.6e-5 rad.
	wvTolerance = 1e-9
)

var wireVectorComment = []string{
	"Golden vectors for the player wire (docs/PROTOCOL.md §1), shared by netcode/vectors_test.go and client/src/net/vectors.test.ts.",
	"Generated: go test ./netcode -run WireVectors -update. Do not edit by hand.",
	"hex: the message as netcode.Encoder encodes it (msgpack, no WebSocket framing).",
	"clientHex (clientToServer only, when different): the bytes @msgpack/msgpack produces in the browser (whole numbers as integers); the Go decoder must accept both forms.",
	"expected: the decoded message in the shape of client/src/net/protocol.ts: pos/vel in world units, angles in radians in [0, 2π), flags as alive/protected/bot booleans, phases and end reasons as names, events as MatchEvent.",
	"decodeOnly: hand-written bytes that no encoder here produces (a later protocol version or a hostile peer may send them), above all trailing elements of every MessagePack type (PROTOCOL.md §1.2). The receiving side must decode them: the Go decoder in both directions, the browser serverToClient.",
	"error (instead of expected): the receiving side must refuse the message: \"malformed\" is netcode.ErrMalformed; the browser throws ProtocolError and drops the frame.",
	"deltaChains: streams of a complete snapshot then deltas (PROTOCOL.md §1.5), each delta against the picture of an earlier step (its baseTick), at the chain's tick rate: applying them must give, at every step, exactly the picture of that step's complete snapshot, whose decoded form is expected.",
}

type wireVectorDoc struct {
	Comment     []string     `json:"comment"`
	Vectors     []wireVector `json:"vectors"`
	DeltaChains []wvChain    `json:"deltaChains"`
}

// wvChain is a client's stream of snapshots: a complete one, then deltas,
// each against the picture of an earlier step (its baseTick). Applying
// them in order must give, at every step, exactly the picture the
// complete snapshot of the same tick gives (complete); expected is that
// picture in protocol.ts's snapshot shape.
type wvChain struct {
	Name     string   `json:"name"`
	TickRate int      `json:"tickRate"`
	Steps    []wvStep `json:"steps"`
}

type wvStep struct {
	Delta    string          `json:"delta,omitempty"` // hex; absent on the first step, the complete snapshot
	Complete string          `json:"complete"`        // hex
	Expected json.RawMessage `json:"expected"`
}

type wireVector struct {
	Name       string          `json:"name"`
	Direction  string          `json:"direction"` // toClient or toServer
	Hex        string          `json:"hex"`
	ClientHex  string          `json:"clientHex,omitempty"`
	DecodeOnly bool            `json:"decodeOnly,omitempty"` // hand-written bytes (vectors_foreign_test.go)
	Expected   json.RawMessage `json:"expected,omitempty"`
	Error      string          `json:"error,omitempty"` // a key of wvErrorKinds, instead of Expected
}

// The neutral shapes, field for field those of client/src/net/protocol.ts.
type (
	wvWelcome struct {
		Type         string          `json:"type"`
		Version      uint64          `json:"version"`
		Player       string          `json:"player"`
		Match        string          `json:"match"`
		You          game.PlayerID   `json:"you"`
		TickRate     int             `json:"tickRate"`
		SnapshotRate int             `json:"snapshotRate"`
		Map          string          `json:"map"`
		Roster       []wvRosterEntry `json:"roster"`
		Resume       string          `json:"resume,omitempty"`      // only when sent
		ReconnectMs  int64           `json:"reconnectMs,omitempty"` // only when sent
	}
	wvRosterEntry struct {
		ID     game.PlayerID `json:"id"`
		Name   string        `json:"name"`
		Bot    bool          `json:"bot"`
		Kills  int           `json:"kills"`
		Deaths int           `json:"deaths"`
		// Disconnected is present only when set (flag 8), as in protocol.ts.
		Disconnected bool `json:"disconnected,omitempty"`
	}
	wvSnapshot struct {
		Type           string         `json:"type"`
		Tick           uint32         `json:"tick"`
		Phase          string         `json:"phase"`
		PhaseTicksLeft uint32         `json:"phaseTicksLeft"`
		ScoreLimit     int            `json:"scoreLimit"`
		Players        []wvPlayer     `json:"players"`
		Projectiles    []wvProjectile `json:"projectiles"`
	}
	wvPlayer struct {
		ID           game.PlayerID `json:"id"`
		X            float64       `json:"x"`
		Y            float64       `json:"y"`
		VX           float64       `json:"vx"`
		VY           float64       `json:"vy"`
		Aim          float64       `json:"aim"`
		HP           int           `json:"hp"`
		Alive        bool          `json:"alive"`
		Protected    bool          `json:"protected"`
		Bot          bool          `json:"bot"`
		Kills        int           `json:"kills"`
		Deaths       int           `json:"deaths"`
		RespawnTicks int           `json:"respawnTicks"`
		AckSeq       uint32        `json:"ackSeq"`
		InputSlack   int32         `json:"inputSlack"`
		InputSkipped uint32        `json:"inputsSkipped"`
		InputAwaited uint32        `json:"inputsAwaited"`
		Disconnected bool          `json:"disconnected,omitempty"` // only when set (flag 8)
	}
	wvProjectile struct {
		ID     uint32        `json:"id"`
		Owner  game.PlayerID `json:"owner"`
		X      float64       `json:"x"`
		Y      float64       `json:"y"`
		VX     float64       `json:"vx"`
		VY     float64       `json:"vy"`
		ShotID uint32        `json:"shotId"`
	}
	wvEvents struct {
		Type   string `json:"type"`
		Tick   uint32 `json:"tick"`
		Events []any  `json:"events"` // one of the wvEv* shapes each
	}
	wvEvJoin struct {
		Kind   string        `json:"kind"`
		Player game.PlayerID `json:"player"`
		Name   string        `json:"name"`
		Bot    bool          `json:"bot"`
	}
	wvEvPlayer struct { // leave, respawn
		Kind   string        `json:"kind"`
		Player game.PlayerID `json:"player"`
	}
	wvEvKill struct {
		Kind   string        `json:"kind"`
		Victim game.PlayerID `json:"victim"`
		Killer game.PlayerID `json:"killer"`
	}
	wvEvPhase struct {
		Kind  string `json:"kind"`
		Phase string `json:"phase"`
	}
	wvEvScore struct {
		Kind   string        `json:"kind"`
		Player game.PlayerID `json:"player"`
		Kills  int32         `json:"kills"`
	}
	wvEvEnd struct {
		Kind   string        `json:"kind"`
		Winner game.PlayerID `json:"winner"`
		Reason string        `json:"reason"`
	}
	wvPong struct {
		Type string  `json:"type"`
		T    float64 `json:"t"`
		Tick uint32  `json:"tick"`
	}
	wvError struct {
		Type    string    `json:"type"`
		Code    ErrorCode `json:"code"`
		Reason  string    `json:"reason"`
		Message string    `json:"message"`
	}
	wvHello struct {
		Type    string `json:"type"`
		Version uint64 `json:"version"`
		Name    string `json:"name"`
		Match   string `json:"match"`
		Resume  string `json:"resume,omitempty"` // only when sent
	}
	wvInput struct {
		Type     string       `json:"type"`
		Seq      uint32       `json:"seq"`
		MoveX    float64      `json:"moveX"`
		MoveY    float64      `json:"moveY"`
		Aim      float64      `json:"aim"`
		Buttons  game.Buttons `json:"buttons"`
		ViewTime float64      `json:"viewTime"`
		ShotID   uint32       `json:"shotId"`
		AckTick  uint32       `json:"ackTick"`
	}
	wvView struct {
		Type   string  `json:"type"`
		Width  float64 `json:"width"`
		Height float64 `json:"height"`
	}
	// wvDelta is a delta message in the shape of client/src/net/protocol.ts:
	// wire integers (a delta is applied in them), a change entry's values
	// only those its mask sends, in the order of its bits.
	wvDelta struct {
		Type              string             `json:"type"`
		Tick              uint32             `json:"tick"`
		BaseTick          uint32             `json:"baseTick"`
		Phase             string             `json:"phase"`
		PhaseTicksLeft    uint32             `json:"phaseTicksLeft"`
		ScoreLimit        int32              `json:"scoreLimit"`
		Players           []wvWirePlayer     `json:"players"`
		PlayerChanges     []wvChange         `json:"playerChanges"`
		PlayersGone       []uint32           `json:"playersGone"`
		Projectiles       []wvWireProjectile `json:"projectiles"`
		ProjectileChanges []wvChange         `json:"projectileChanges"`
		ProjectilesGone   []uint32           `json:"projectilesGone"`
	}
	wvWirePlayer struct {
		ID            game.PlayerID    `json:"id"`
		X             int32            `json:"x"`
		Y             int32            `json:"y"`
		VX            int32            `json:"vx"`
		VY            int32            `json:"vy"`
		Aim           uint16           `json:"aim"`
		Health        int32            `json:"health"`
		Flags         game.PlayerFlags `json:"flags"`
		Kills         int32            `json:"kills"`
		Deaths        int32            `json:"deaths"`
		RespawnTicks  int32            `json:"respawnTicks"`
		AckSeq        uint32           `json:"ackSeq"`
		InputSlack    int32            `json:"inputSlack"`
		InputsSkipped uint32           `json:"inputsSkipped"`
		InputsAwaited uint32           `json:"inputsAwaited"`
	}
	wvWireProjectile struct {
		ID     uint32        `json:"id"`
		Owner  game.PlayerID `json:"owner"`
		X      int32         `json:"x"`
		Y      int32         `json:"y"`
		VX     int32         `json:"vx"`
		VY     int32         `json:"vy"`
		ShotID uint32        `json:"shotId"`
	}
	wvChange struct {
		ID     uint32  `json:"id"`
		Mask   uint16  `json:"mask"`
		Values []int64 `json:"values"`
	}
	wvPing struct {
		Type string  `json:"type"`
		T    float64 `json:"t"`
	}
)

// PROTOCOL.md's tables, written out so the expected values do not come from
// the code under test.
var (
	wvPhases     = [...]string{"waiting", "countdown", "live", "ended"}
	wvEndReasons = [...]string{1: "time_limit", 2: "score_limit", 3: "shutdown", 4: "abandoned", 5: "admin"}
	wvReasons    = map[ErrorCode]string{
		1: "unknown_type", 2: "malformed", 3: "invalid_input", 4: "unexpected",
		10: "bad_version", 11: "bad_name", 12: "match_not_found", 13: "match_full", 14: "server_busy",
		15: "token_malformed", 16: "token_unknown", 17: "token_expired", 18: "token_used", 19: "token_wrong_match",
	}
)

// wvPos is a pos or vel as the client sees it (PROTOCOL.md §1.3): units × 8
// rounded to the nearest integer, clamped to int32, divided by 8.
func wvPos(v float64) float64 {
	q := int64(max(math.MinInt32, min(math.MaxInt32, math.Round(v*8)))) // an integer: no -0
	return float64(q) / 8
}

// wvAngle is an angle as the client sees it: radians × 65536/2π rounded and
// wrapped into 0..65535, back in radians in [0, 2π).
func wvAngle(rad float64) float64 {
	turns := rad / (2 * math.Pi)
	q := math.Mod(math.Round((turns-math.Floor(turns))*65536), 65536)
	return q * (2 * math.Pi) / 65536
}

// wvServerCases are the server→client messages, in file order.
func wvServerCases() []struct {
	name string
	msg  ServerMessage
} {
	type c = struct {
		name string
		msg  ServerMessage
	}
	const (
		alive = game.FlagAlive
		prot  = game.FlagProtected
		bot   = game.FlagBot
	)
	cases := []c{
		{"welcome/empty-roster", &Welcome{
			Version: 1, Player: "0b9c6f2e-8d1a-4c3b-9e5f-7a2d4c6b8e10", Match: "m-1a2b", You: 1,
			TickRate: 30, SnapshotRate: 20, Map: "arena",
		}},
		{"welcome/roster", &Welcome{
			Version: 1, Player: "f47ac10b-58cc-4372-a567-0e02b2c3d479", Match: "quick-7", You: 3,
			TickRate: 60, SnapshotRate: 60, Map: "arena",
			Roster: []RosterEntry{
				{ID: 1, Name: "ada", Flags: alive, Kills: 3, Deaths: 1},
				{ID: 2, Name: "bot-7", Flags: alive | bot, Kills: 0, Deaths: 5},
				{ID: 3, Name: "Zoë ☃", Flags: 0, Kills: 0, Deaths: 0},
				{ID: 300, Name: "漢字漢字漢字漢字漢字漢字", Flags: alive | prot, Kills: 200, Deaths: 70000},
				{ID: 65535, Name: "bot-max", Flags: bot, Kills: 127, Deaths: 128},
			},
		}},
		{"welcome/resume", &Welcome{
			Version: 1, Player: "6a1d2e4c-9b0f-4f3e-8a7d-5c6b4e3f2a10", Match: "m-1a2b", You: 4,
			TickRate: 30, SnapshotRate: 20, Map: "arena",
			Roster: []RosterEntry{
				{ID: 4, Name: "ada", Flags: alive, Kills: 7, Deaths: 2},
				{ID: 5, Name: "grace", Flags: alive | game.FlagDisconnected, Kills: 1, Deaths: 9},
			},
			Resume: "q3Yx0bN8k2vRzP1sT7uW4yA6cE9gI5mO0pLhJdFnB2a", ReconnectWindow: 10 * time.Second,
		}},
		{"snapshot/empty-waiting", &Snapshot{Snapshot: game.Snapshot{Tick: 0, Phase: game.PhaseWaiting}}},
	}

	// Every combination of the three flags, one player each, with ids that
	// take every msgpack integer width.
	flags := &Snapshot{Snapshot: game.Snapshot{Tick: 4242, Phase: game.PhaseLive, PhaseTicksLeft: 5400, ScoreLimit: 20}}
	ids := [...]game.PlayerID{1, 2, 31, 127, 128, 255, 256, 65535}
	// Input clock fields of every integer width (bots send zeros).
	slacks := [...]int32{0, 3, -5, 127, -32, -33, 200, -10000}
	skips := [...]uint32{0, 1, 0, 255, 256, 65536, 0, 70000}
	awaits := [...]uint32{0, 0, 3, 31, 0, 1, 0, 0}
	for f := range game.PlayerFlags(8) {
		i := int(f)
		p := game.PlayerState{
			ID: ids[i], X: 100.5 + 37.25*float64(i), Y: 900.125 - 61.75*float64(i),
			VX: 12.3 * float64(i), VY: -7.77 * float64(i), Aim: -3 + 0.8*float64(i),
			Health: 100 - 13*i, Flags: f, Kills: i * 3, Deaths: i, AckSeq: uint32(1000 + i),
			InputTiming: game.InputTiming{InputSlack: slacks[i], InputsSkipped: skips[i], InputsAwaited: awaits[i]},
		}
		if f&alive == 0 {
			p.Health, p.RespawnTicks = 0, 45+i
		}
		flags.Players = append(flags.Players, p)
	}
	cases = append(cases, c{"snapshot/every-flag", flags})
	cases = append(cases, c{"snapshot/disconnected", &Snapshot{Snapshot: game.Snapshot{Tick: 4300, Phase: game.PhaseLive, PhaseTicksLeft: 5300, ScoreLimit: 20,
		Players: []game.PlayerState{
			{ID: 4, X: 300, Y: 200, Aim: 1, Health: 75, Flags: alive | game.FlagDisconnected, Kills: 7, Deaths: 2, AckSeq: 900},
			{ID: 5, X: 0, Y: 0, Flags: game.FlagDisconnected, Deaths: 3, RespawnTicks: 40},
		},
	}}})

	cases = append(cases, c{"snapshot/extremes", &Snapshot{Snapshot: game.Snapshot{
		Tick: math.MaxUint32, Phase: game.PhaseCountdown, PhaseTicksLeft: 90, ScoreLimit: 1000,
		Players: []game.PlayerState{
			// Angles just around 0 and 2π, both directions.
			{ID: 1, X: 0, Y: 0, Aim: 0, Health: 100, Flags: alive},
			{ID: 2, X: 0.06, Y: 0.07, Aim: 1e-4, Health: 1, Flags: alive},
			{ID: 3, X: -0.07, Y: -0.2, Aim: -1e-4, Health: 100, Flags: alive},
			{ID: 4, X: 31.9, Y: -31.9, Aim: 2*math.Pi - 1e-5, Flags: alive},
			{ID: 5, X: 15.99, Y: 16.01, Aim: 2*math.Pi - 2e-4, Flags: alive},
			{ID: 6, X: -16, Y: -17, Aim: 2*math.Pi + 3e-4, Flags: alive},
			{ID: 7, X: 4095.875, Y: -4096, Aim: -2*math.Pi + 0.1, Flags: alive},
			{ID: 8, X: 268435455.875, Y: -268435456, Aim: math.Pi, Flags: alive},
			// Clamped to int32 on the wire.
			{ID: 9, X: 1e9, Y: -1e9, VX: 1e12, VY: -1e12, Aim: -math.Pi, Flags: alive},
			{ID: 10, X: -1234.567, Y: 98765.4321, VX: -420.31, VY: 2600.049, Aim: math.Pi / 2, Flags: alive},
			{ID: 11, X: 800, Y: 500, VX: -0.06, VY: 0.0624, Aim: -math.Pi / 2, Flags: alive},
			{ID: 12, X: 1.5, Y: 2.5, Aim: 100, Health: 100, Flags: alive | prot | bot,
				Kills: 65536, Deaths: math.MaxInt32, RespawnTicks: 0, AckSeq: math.MaxUint32,
				InputTiming: game.InputTiming{InputSlack: math.MaxInt32, InputsSkipped: math.MaxUint32, InputsAwaited: math.MaxUint32}},
			{ID: 13, X: 3, Y: 4, Aim: -1000.5, Flags: 0, RespawnTicks: 300, Kills: 255, Deaths: 256, AckSeq: 65536,
				InputTiming: game.InputTiming{InputSlack: math.MinInt32}},
		},
	}}})

	cases = append(cases, c{"snapshot/projectiles", &Snapshot{Snapshot: game.Snapshot{
		Tick: 100000, Phase: game.PhaseLive, PhaseTicksLeft: 0, ScoreLimit: 0,
		Players: []game.PlayerState{{ID: 2, X: 400, Y: 300, Aim: 0.75, Health: 70, Flags: alive, AckSeq: 88}},
		Projectiles: []game.ProjectileState{
			{ID: 1, Owner: 2, X: 420.3, Y: 301.1, VX: 900, VY: 0, ShotID: 88},
			{ID: 255, Owner: 2, X: -3.3, Y: 1000.06, VX: -636.4, VY: 636.4, ShotID: 0},
			{ID: 65536, Owner: 0, X: 1599.99, Y: 0.01, VX: 0.01, VY: -899.99, ShotID: 65536},
			{ID: math.MaxUint32, Owner: 65535, X: 1e10, Y: -1e10, VX: 3e9, VY: -3e9, ShotID: math.MaxUint32},
		},
	}}})

	cases = append(cases, c{"snapshot/ended", &Snapshot{Snapshot: game.Snapshot{
		Tick: 27001, Phase: game.PhaseEnded, PhaseTicksLeft: 300, ScoreLimit: 20,
		Players: []game.PlayerState{
			{ID: 1, X: 100, Y: 100, Aim: 3, Health: 100, Flags: alive, Kills: 20, Deaths: 4, AckSeq: 26990},
			{ID: 9, X: 1500, Y: 900, Aim: -3, Health: 0, Flags: bot, Kills: 11, Deaths: 19, RespawnTicks: 60},
		},
	}}})

	cases = append(cases,
		c{"events/empty", &Events{Tick: 5}},
		c{"events/every-kind", &Events{Tick: 1800, Events: []game.Event{
			{Kind: game.EventJoin, Player: 4, Name: "ada", Value: 0},
			{Kind: game.EventJoin, Player: 300, Name: "bot-Ω", Value: 1},
			{Kind: game.EventKill, Player: 4, Other: 300},
			{Kind: game.EventKill, Player: 300, Other: 0},
			{Kind: game.EventScore, Player: 300, Value: 1},
			{Kind: game.EventRespawn, Player: 4},
			{Kind: game.EventLeave, Player: 65535},
			{Kind: game.EventPhase, Value: int32(game.PhaseLive)},
			{Kind: game.EventEnd, Player: 300, Value: int32(game.EndScoreLimit)},
		}}},
		c{"events/score-large", &Events{Tick: 70000, Events: []game.Event{
			{Kind: game.EventScore, Player: 128, Value: 127},
			{Kind: game.EventScore, Player: 256, Value: 128},
			{Kind: game.EventScore, Player: 2, Value: 65536},
		}}},
		c{"events/disconnect-reconnect", &Events{Tick: 2400, Events: []game.Event{
			{Kind: game.EventDisconnect, Player: 4},
			{Kind: game.EventReconnect, Player: 300},
		}}},
	)
	for p := range game.Phase(4) {
		cases = append(cases, c{"events/phase-" + wvPhases[p], &Events{Tick: 30 * uint32(p+1), Events: []game.Event{
			{Kind: game.EventPhase, Value: int32(p)},
		}}})
	}
	for r := game.EndTimeLimit; r <= game.EndAdmin; r++ {
		winner := game.PlayerID(7 * r)
		if r == game.EndAbandoned {
			winner = 0 // nobody scored
		}
		cases = append(cases, c{"events/end-" + wvEndReasons[r], &Events{Tick: 5400 + uint32(r), Events: []game.Event{
			{Kind: game.EventPhase, Value: int32(game.PhaseEnded)},
			{Kind: game.EventEnd, Player: winner, Value: int32(r)},
		}}})
	}

	cases = append(cases, wvDeltaCases()...)

	cases = append(cases,
		c{"pong/before-welcome", &Pong{T: 1234.5, Tick: 0}},
		c{"pong/whole-ms", &Pong{T: 1000, Tick: math.MaxUint32}},
		c{"pong/date-now", &Pong{T: 1718000000123.25, Tick: 300}},
		c{"pong/performance-now", &Pong{T: 0.1 + 0.2, Tick: 128}},
	)
	for _, code := range slices.Sorted(maps.Keys(wvReasons)) {
		// Reason is left empty: the encoder fills it in from the code.
		cases = append(cases, c{"error/" + wvReasons[code], &ErrorMessage{
			Code: code, Message: fmt.Sprintf("error %d: %s, explained", code, strings.ReplaceAll(wvReasons[code], "_", " ")),
		}})
	}
	cases = append(cases, c{"error/future-code", &ErrorMessage{Code: 300, Reason: "from_the_future", Message: ""}})
	return cases
}

// wvDeltaCases are the delta messages: the PROTOCOL.md example, and
// entries with every field, every integer width and large id gaps.
func wvDeltaCases() []struct {
	name string
	msg  ServerMessage
} {
	type c = struct {
		name string
		msg  ServerMessage
	}
	example := new(Delta)
	base, cur := wvDeltaExample()
	Diff(&base, &cur, 30, example)
	every := Change{ID: 7, Mask: 1<<playerFields - 1}
	widths := [...]int64{1, -1, 127, -32, 128, -33, 255, -128, 256, -129, 65535, -32768, 65536, -32769, 1 << 40, -(1 << 50)}
	for f := range playerFields {
		every.Values[f] = widths[f]
	}
	every.Values[PlayerFieldFlags] = 9
	proj := Change{ID: 70000, Mask: 1<<projectileFields - 1, Values: [playerFields]int64{-3, 4, 100, -100, 2, 4294967295}}
	return []c{
		{"delta/protocol-example", example},
		{"delta/empty", &Delta{Tick: 3, BaseTick: 1, Phase: game.PhaseWaiting}},
		{"delta/every-field", &Delta{Tick: 70000, BaseTick: 4465, Phase: game.PhaseEnded, PhaseTicksLeft: 299, ScoreLimit: 1000,
			Players: []WirePlayer{{ID: 65535, X: math.MinInt32, Y: math.MaxInt32, VX: -1, VY: 1, Aim: 65535, Health: math.MaxInt32,
				Flags: 15, Kills: 1, Deaths: 2, RespawnTicks: 3, AckSeq: math.MaxUint32, InputSlack: math.MinInt32,
				InputsSkipped: math.MaxUint32, InputsAwaited: 31}},
			PlayerChanges: []Change{{ID: 1, Mask: 1, Values: [playerFields]int64{5}}, every,
				{ID: 300, Mask: 1 << PlayerFieldInputsAwaited, Values: [playerFields]int64{PlayerFieldInputsAwaited: -1}}},
			PlayersGone: []uint32{2, 3, 200, 65534},
			Projectiles: []WireProjectile{{ID: math.MaxUint32, Owner: 65535, X: -8, Y: 8, VX: 6400, VY: -6400, ShotID: math.MaxUint32}},
			ProjectileChanges: []Change{{ID: 9, Mask: 2, Values: [playerFields]int64{0, -1}}, proj,
				{ID: 4000000000, Mask: 1, Values: [playerFields]int64{1}}},
			ProjectilesGone: []uint32{1, 128, 65536, math.MaxUint32 - 1},
		}},
	}
}

// wvDeltaExample is the baseline and the picture of PROTOCOL.md's delta
// example (as TestDeltaEncodingIsByteExact).
func wvDeltaExample() (base, cur WireState) {
	base = WireState{Tick: 100, Phase: game.PhaseLive, PhaseTicksLeft: 900, ScoreLimit: 20,
		Players: []WirePlayer{
			{ID: 1, X: 800, Y: 800, VX: 1600, Aim: 0, Health: 100, Flags: game.FlagAlive, AckSeq: 50},
			{ID: 2, X: 4000, Y: 4000, Health: 100, Flags: game.FlagAlive | game.FlagBot},
			{ID: 3, X: 100, Y: 100, Flags: game.FlagBot},
		},
		Projectiles: []WireProjectile{{ID: 300, Owner: 2, X: 4000, Y: 4000, VX: -6400}},
	}
	cur = WireState{Tick: 102, Phase: game.PhaseLive, PhaseTicksLeft: 898, ScoreLimit: 20,
		Players: []WirePlayer{
			{ID: 1, X: 914, Y: 800, VX: 1600, Aim: 16384, Health: 75, Flags: game.FlagAlive, AckSeq: 52},
			{ID: 2, X: 4000, Y: 4000, Health: 100, Flags: game.FlagAlive | game.FlagBot},
			{ID: 4, X: -8, Y: 8000, Health: 100, Flags: game.FlagAlive | game.FlagProtected},
		},
		Projectiles: []WireProjectile{{ID: 300, Owner: 2, X: 3574, Y: 4000, VX: -6400}},
	}
	return base, cur
}

// generateDeltaChains builds the chains: the PROTOCOL.md example, and
// random worlds at two tick rates, each delta against a random picture of
// the last 32 steps.
func generateDeltaChains(t *testing.T) []wvChain {
	t.Helper()
	enc := NewEncoder()
	step := func(d *Delta, cur *WireState) wvStep {
		t.Helper()
		var st wvStep
		if d != nil {
			st.Delta = hex.EncodeToString(enc.EncodeDelta(d))
		}
		st.Complete = hex.EncodeToString(enc.encodeWire(cur))
		var snap Snapshot
		cur.Dequantize(&snap.Snapshot)
		exp, err := wvNeutralServer(&snap)
		if err != nil {
			t.Fatal(err)
		}
		if st.Expected, err = wvMarshal(exp); err != nil {
			t.Fatal(err)
		}
		return st
	}
	base, cur := wvDeltaExample()
	var d Delta
	Diff(&base, &cur, 30, &d)
	chains := []wvChain{{Name: "protocol-example", TickRate: 30, Steps: []wvStep{step(nil, &base), step(&d, &cur)}}}

	m := testMap(t)
	for _, rate := range []int{30, 60} {
		snaps := randomWorld(t, uint64(rate), m, 4, 400)
		rng := rand.New(rand.NewPCG(uint64(rate), 1))
		var pictures []WireState
		ch := wvChain{Name: fmt.Sprintf("random-world-%dhz", rate), TickRate: rate}
		for i := 0; i < len(snaps) && len(ch.Steps) < 40; i += 1 + rng.IntN(3) {
			var w WireState
			w.Quantize(&snaps[i])
			w.Tick = uint32(i + 1) // the world's own ticks at this rate
			if len(pictures) == 0 {
				ch.Steps = append(ch.Steps, step(nil, &w))
			} else {
				b := &pictures[max(0, len(pictures)-1-rng.IntN(min(32, len(pictures))))]
				Diff(b, &w, rate, &d)
				ch.Steps = append(ch.Steps, step(&d, &w))
			}
			pictures = append(pictures, w)
		}
		chains = append(chains, ch)
	}
	return chains
}

// wvClientCases are the client→server messages, in file order.
func wvClientCases() []struct {
	name string
	msg  ClientMessage
} {
	type c = struct {
		name string
		msg  ClientMessage
	}
	hello := func(name, match string) ClientMessage {
		return ClientMessage{Type: TypeHello, Hello: Hello{Version: ProtocolVersion, Name: name, Match: match}}
	}
	input := func(seq uint32, mx, my, aim float64, b game.Buttons) ClientMessage {
		return ClientMessage{Type: TypeInput, Input: game.Input{Seq: seq, MoveX: mx, MoveY: my, Aim: aim, Buttons: b}}
	}
	// A shot with the view time and shot id lag compensation and predicted
	// shots read (PROTOCOL.md §1.4).
	shot := func(seq uint32, aim, view float64, id uint32) ClientMessage {
		return ClientMessage{Type: TypeInput, Input: game.Input{Seq: seq, Aim: aim, Buttons: game.ButtonFire, ViewTime: view, ShotID: id}}
	}
	ping := func(t float64) ClientMessage { return ClientMessage{Type: TypePing, Ping: Ping{T: t}} }
	return []c{
		{"hello/quick-play", hello("ada", "")},
		{"hello/named-match", hello("Zoë ☃", "m-1a2b")},
		{"hello/resume", ClientMessage{Type: TypeHello, Hello: Hello{Version: ProtocolVersion, Name: "ada", Match: "m-1a2b",
			Resume: "q3Yx0bN8k2vRzP1sT7uW4yA6cE9gI5mO0pLhJdFnB2a"}}},
		{"hello/empty-name", hello("", "")},
		{"hello/long-utf8", hello("漢字漢字漢字漢字漢字漢字漢字漢字", "0b9c6f2e-8d1a-4c3b-9e5f-7a2d4c6b8e10")},
		{"input/protocol-example", input(7, 1, 0, 0.5, game.ButtonFire)},
		{"input/idle", input(1, 0, 0, 0, 0)},
		{"input/diagonal", input(8, -math.Sqrt2/2, math.Sqrt2/2, -3, 0)},
		{"input/fractional-fire", input(300, -0.3, 0.7071067811865476, 3.141592653589793, game.ButtonFire)},
		{"input/negative-zero", input(65536, -1, math.Copysign(0, -1), -math.Pi/2, game.ButtonFire)},
		{"input/max-seq", input(math.MaxUint32, 0.6, -0.8, 1e-300, 0)},
		{"input/unknown-buttons", input(128, 0.1, 0.2, 6.5, 0xff)},
		{"input/shot-fractional-view", shot(5000, 1.25, 4992.375, 5000)},
		{"input/shot-whole-view", shot(301, -0.5, 295, 301)},
		{"input/shot-extremes", shot(math.MaxUint32, 0, 1e-300, math.MaxUint32)},
		{"input/view-without-shot", ClientMessage{Type: TypeInput, Input: game.Input{Seq: 9, MoveX: 1, ViewTime: 2.5}}},
		{"input/ack", ClientMessage{Type: TypeInput, Input: game.Input{Seq: 10, MoveX: 1, ViewTime: 2.5}, Ack: 4242}},
		{"input/ack-max", ClientMessage{Type: TypeInput, Input: game.Input{Seq: 11}, Ack: math.MaxUint32}},
		{"view/full-hd", ClientMessage{Type: TypeView, View: View{Width: 1920, Height: 1080}}},
		{"view/fractional", ClientMessage{Type: TypeView, View: View{Width: 1633.5, Height: 1020.25}}},
		{"ping/fractional", ping(1234.5678)},
		{"ping/zero", ping(0)},
		{"ping/whole-ms", ping(1000)},
		{"ping/date-now", ping(1718000000123)},
	}
}

// wvClientForm encodes m as @msgpack/msgpack does in the browser: a number
// that is a safe integer (whole, |n| ≤ 2^53−1, -0 included) as the smallest
// integer form, any other number as float64.
func wvClientForm(m *ClientMessage) ([]byte, error) {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	var err error
	keep := func(e error) {
		if err == nil {
			err = e
		}
	}
	num := func(v float64) {
		if v == math.Trunc(v) && math.Abs(v) <= 1<<53-1 {
			keep(enc.EncodeInt(int64(v)))
		} else {
			keep(enc.EncodeFloat64(v))
		}
	}
	switch m.Type {
	case TypeHello:
		resume := m.Hello.Resume != ""
		n := 4
		if resume {
			n++
		}
		keep(enc.EncodeArrayLen(n))
		num(float64(TypeHello))
		num(float64(m.Hello.Version))
		keep(enc.EncodeString(m.Hello.Name))
		keep(enc.EncodeString(m.Hello.Match))
		if resume {
			keep(enc.EncodeString(m.Hello.Resume))
		}
	case TypeInput:
		in := &m.Input
		keep(enc.EncodeArrayLen(9))
		for _, v := range [...]float64{float64(TypeInput), float64(in.Seq), in.MoveX, in.MoveY, in.Aim, float64(in.Buttons),
			in.ViewTime, float64(in.ShotID), float64(m.Ack)} {
			num(v)
		}
	case TypeView:
		keep(enc.EncodeArrayLen(3))
		num(float64(TypeView))
		num(m.View.Width)
		num(m.View.Height)
	case TypePing:
		keep(enc.EncodeArrayLen(2))
		num(float64(TypePing))
		num(m.Ping.T)
	default:
		return nil, fmt.Errorf("no client form for %v", m.Type)
	}
	return buf.Bytes(), err
}

// wvSpec returns m as the client should see it after the wire: quantized
// values replaced by wvPos/wvAngle of the source, empty error reasons filled
// from PROTOCOL.md's table.
func wvSpec(m ServerMessage) ServerMessage {
	switch m := m.(type) {
	case *Snapshot:
		s := &Snapshot{}
		s.CopyFrom(&m.Snapshot)
		for i := range s.Players {
			p := &s.Players[i]
			p.X, p.Y, p.VX, p.VY, p.Aim = wvPos(p.X), wvPos(p.Y), wvPos(p.VX), wvPos(p.VY), wvAngle(p.Aim)
		}
		for i := range s.Projectiles {
			p := &s.Projectiles[i]
			p.X, p.Y, p.VX, p.VY = wvPos(p.X), wvPos(p.Y), wvPos(p.VX), wvPos(p.VY)
		}
		return s
	case *ErrorMessage:
		e := *m
		if e.Reason == "" {
			e.Reason = wvReasons[e.Code]
		}
		return &e
	}
	return m
}

// wvNeutralServer maps a server message to the client's shape. Flag bits
// are PROTOCOL.md's (1 alive, 2 spawn-protected, 4 bot), written as numbers
// so a renumbered game constant shows up as a mismatch. It is used
// both for the expected values (of wvSpec's output) and for what the Go
// Decoder returns, so the two meet in one form.
func wvNeutralServer(m ServerMessage) (any, error) {
	switch m := m.(type) {
	case *Welcome:
		w := wvWelcome{
			Type: "welcome", Version: m.Version, Player: m.Player, Match: m.Match, You: m.You,
			TickRate: m.TickRate, SnapshotRate: m.SnapshotRate, Map: m.Map, Roster: []wvRosterEntry{},
			Resume: m.Resume, ReconnectMs: m.ReconnectWindow.Milliseconds(),
		}
		for _, r := range m.Roster {
			w.Roster = append(w.Roster, wvRosterEntry{ID: r.ID, Name: r.Name, Bot: r.Flags&4 != 0, Kills: r.Kills, Deaths: r.Deaths,
				Disconnected: r.Flags&8 != 0})
		}
		return w, nil
	case *Snapshot:
		if int(m.Phase) >= len(wvPhases) {
			return nil, fmt.Errorf("phase %d", m.Phase)
		}
		s := wvSnapshot{
			Type: "snapshot", Tick: m.Tick, Phase: wvPhases[m.Phase], PhaseTicksLeft: m.PhaseTicksLeft,
			ScoreLimit: m.ScoreLimit, Players: []wvPlayer{}, Projectiles: []wvProjectile{},
		}
		for _, p := range m.Players {
			aim := p.Aim
			if aim < 0 { // the Go decoder's [-π, π) to the client's [0, 2π)
				aim += 2 * math.Pi
			}
			s.Players = append(s.Players, wvPlayer{
				ID: p.ID, X: p.X, Y: p.Y, VX: p.VX, VY: p.VY, Aim: aim, HP: p.Health,
				Alive: p.Flags&1 != 0, Protected: p.Flags&2 != 0, Bot: p.Flags&4 != 0,
				Kills: p.Kills, Deaths: p.Deaths, RespawnTicks: p.RespawnTicks, AckSeq: p.AckSeq,
				InputSlack: p.InputSlack, InputSkipped: p.InputsSkipped, InputAwaited: p.InputsAwaited,
				Disconnected: p.Flags&8 != 0,
			})
		}
		for _, p := range m.Projectiles {
			s.Projectiles = append(s.Projectiles, wvProjectile{ID: p.ID, Owner: p.Owner, X: p.X, Y: p.Y, VX: p.VX, VY: p.VY, ShotID: p.ShotID})
		}
		return s, nil
	case *Events:
		e := wvEvents{Type: "events", Tick: m.Tick, Events: []any{}}
		for _, ev := range m.Events {
			n, err := wvNeutralEvent(ev)
			if err != nil {
				return nil, err
			}
			e.Events = append(e.Events, n)
		}
		return e, nil
	case *Delta:
		if int(m.Phase) >= len(wvPhases) {
			return nil, fmt.Errorf("phase %d", m.Phase)
		}
		d := wvDelta{Type: "delta", Tick: m.Tick, BaseTick: m.BaseTick, Phase: wvPhases[m.Phase], PhaseTicksLeft: m.PhaseTicksLeft,
			ScoreLimit: m.ScoreLimit, Players: []wvWirePlayer{}, PlayerChanges: wvChanges(m.PlayerChanges),
			PlayersGone: append([]uint32{}, m.PlayersGone...), Projectiles: []wvWireProjectile{},
			ProjectileChanges: wvChanges(m.ProjectileChanges), ProjectilesGone: append([]uint32{}, m.ProjectilesGone...)}
		for _, p := range m.Players {
			d.Players = append(d.Players, wvWirePlayer(p))
		}
		for _, p := range m.Projectiles {
			d.Projectiles = append(d.Projectiles, wvWireProjectile(p))
		}
		return d, nil
	case *Pong:
		return wvPong{Type: "pong", T: m.T, Tick: m.Tick}, nil
	case *ErrorMessage:
		return wvError{Type: "error", Code: m.Code, Reason: m.Reason, Message: m.Message}, nil
	}
	return nil, fmt.Errorf("unknown message %T", m)
}

// wvChanges lists each change's sent values in the order of its mask's
// bits (PROTOCOL.md §1.5).
func wvChanges(cs []Change) []wvChange {
	out := []wvChange{}
	for _, c := range cs {
		w := wvChange{ID: c.ID, Mask: c.Mask, Values: []int64{}}
		for f := range 16 {
			if c.Mask&(1<<f) != 0 {
				w.Values = append(w.Values, c.Values[f])
			}
		}
		out = append(out, w)
	}
	return out
}

// wvNeutralEvent maps an event by PROTOCOL.md §1.5's table of kinds.
func wvNeutralEvent(ev game.Event) (any, error) {
	switch ev.Kind {
	case 1:
		return wvEvJoin{Kind: "join", Player: ev.Player, Name: ev.Name, Bot: ev.Value == 1}, nil
	case 2:
		return wvEvPlayer{Kind: "leave", Player: ev.Player}, nil
	case 3:
		return wvEvKill{Kind: "kill", Victim: ev.Player, Killer: ev.Other}, nil
	case 4:
		return wvEvPlayer{Kind: "respawn", Player: ev.Player}, nil
	case 5:
		if ev.Value < 0 || int(ev.Value) >= len(wvPhases) {
			return nil, fmt.Errorf("phase event with phase %d", ev.Value)
		}
		return wvEvPhase{Kind: "phase", Phase: wvPhases[ev.Value]}, nil
	case 6:
		return wvEvScore{Kind: "score", Player: ev.Player, Kills: ev.Value}, nil
	case 7:
		if ev.Value < 1 || int(ev.Value) >= len(wvEndReasons) {
			return nil, fmt.Errorf("end event with reason %d", ev.Value)
		}
		return wvEvEnd{Kind: "end", Winner: ev.Player, Reason: wvEndReasons[ev.Value]}, nil
	case 8:
		return wvEvPlayer{Kind: "disconnect", Player: ev.Player}, nil
	case 9:
		return wvEvPlayer{Kind: "reconnect", Player: ev.Player}, nil
	}
	return nil, fmt.Errorf("event kind %d", ev.Kind)
}

func wvNeutralClient(m *ClientMessage) (any, error) {
	switch m.Type {
	case TypeHello:
		return wvHello{Type: "hello", Version: m.Hello.Version, Name: m.Hello.Name, Match: m.Hello.Match, Resume: m.Hello.Resume}, nil
	case TypeInput:
		in := &m.Input
		return wvInput{Type: "input", Seq: in.Seq, MoveX: in.MoveX, MoveY: in.MoveY, Aim: in.Aim, Buttons: in.Buttons,
			ViewTime: in.ViewTime, ShotID: in.ShotID, AckTick: m.Ack}, nil
	case TypeView:
		return wvView{Type: "view", Width: m.View.Width, Height: m.View.Height}, nil
	case TypePing:
		return wvPing{Type: "ping", T: m.Ping.T}, nil
	}
	return nil, fmt.Errorf("unknown client message %v", m.Type)
}

// generateWireVectors builds the file's vectors from the cases.
func generateWireVectors(t *testing.T) []wireVector {
	t.Helper()
	enc := NewEncoder()
	var out []wireVector
	add := func(name, dir string, payload, clientForm []byte, expected any) {
		t.Helper()
		exp, err := wvMarshal(expected)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		v := wireVector{Name: name, Direction: dir, Hex: hex.EncodeToString(payload), Expected: exp}
		if clientForm != nil && !bytes.Equal(clientForm, payload) {
			v.ClientHex = hex.EncodeToString(clientForm)
		}
		out = append(out, v)
	}
	for _, c := range wvServerCases() {
		exp, err := wvNeutralServer(wvSpec(c.msg))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		add(c.name, toClient, encodeServer(enc, c.msg), nil, exp)
	}
	for _, c := range wvClientCases() {
		exp, err := wvNeutralClient(&c.msg)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		form, err := wvClientForm(&c.msg)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		add(c.name, toServer, encodeClient(enc, &c.msg), form, exp)
	}
	for _, c := range wvForeignCases() {
		v := wireVector{Name: c.name, Direction: c.dir, Hex: strings.ReplaceAll(c.hex, " ", ""), DecodeOnly: true, Error: c.err}
		if _, err := hex.DecodeString(v.Hex); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var exp any
		var err error
		switch {
		case c.err != "":
			if wvErrorKinds[c.err] == nil {
				t.Fatalf("%s: unknown error kind %q", c.name, c.err)
			}
		case c.dir == toClient:
			exp, err = wvNeutralServer(wvSpec(c.msg))
		default:
			exp, err = wvNeutralClient(c.cmsg)
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if exp != nil {
			if v.Expected, err = wvMarshal(exp); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
		out = append(out, v)
	}
	return out
}

// wvMarshal is json.Marshal without HTML escaping, so names stay readable.
func wvMarshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// formatWireVectors writes the file: one vector (and one chain step) per
// line, so a diff names the messages that changed.
func formatWireVectors(vs []wireVector, chains []wvChain) ([]byte, error) {
	var b bytes.Buffer
	comment, err := wvMarshal(wireVectorComment)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(&b, "{\n  \"comment\": %s,\n  \"vectors\": [\n", comment)
	for i, v := range vs {
		line, err := wvMarshal(v)
		if err != nil {
			return nil, err
		}
		b.WriteString("    ")
		b.Write(line)
		if i < len(vs)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("  ],\n  \"deltaChains\": [\n")
	for i, ch := range chains {
		fmt.Fprintf(&b, "    {\"name\": %q, \"tickRate\": %d, \"steps\": [\n", ch.Name, ch.TickRate)
		for k, st := range ch.Steps {
			line, err := wvMarshal(st)
			if err != nil {
				return nil, err
			}
			b.WriteString("      ")
			b.Write(line)
			if k < len(ch.Steps)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString("    ]}")
		if i < len(chains)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("  ]\n}\n")
	return b.Bytes(), nil
}

func TestWireVectors(t *testing.T) {
	vs := generateWireVectors(t)
	chains := generateDeltaChains(t)
	data, err := formatWireVectors(vs, chains)
	if err != nil {
		t.Fatal(err)
	}
	if *updateWireVectors {
		if err := os.WriteFile(wireVectorFile, data, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s: %d vectors, %d bytes", wireVectorFile, len(vs), len(data))
	} else {
		committed, err := os.ReadFile(wireVectorFile)
		if err != nil {
			t.Fatalf("%v (generate it with: go test ./netcode -run WireVectors -update)", err)
		}
		if !bytes.Equal(committed, data) {
			t.Fatalf("%s is stale: %s\n(regenerate with -update if the wire changed on purpose, then make client/src/net/protocol.ts follow)",
				wireVectorFile, wvFirstDifference(t, committed, vs))
		}
	}

	dec := NewDecoder()
	for _, ch := range chains {
		t.Run("chain/"+ch.Name, func(t *testing.T) { wvCheckChain(t, &ch) })
	}
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			if v.Error != "" {
				b, err := hex.DecodeString(v.Hex)
				if err != nil {
					t.Fatal(err)
				}
				if v.Direction == toClient {
					var m ServerMessage
					m, err = dec.DecodeServer(b)
					if err == nil {
						t.Fatalf("DecodeServer accepted it as %#v, want %s", m, v.Error)
					}
				} else {
					var m ClientMessage
					if err = dec.DecodeClient(b, &m); err == nil {
						t.Fatalf("DecodeClient accepted it as %+v, want %s", m, v.Error)
					}
				}
				if !errors.Is(err, wvErrorKinds[v.Error]) {
					t.Fatalf("err = %v, want %s", err, v.Error)
				}
				return
			}
			var want any
			if err := json.Unmarshal(v.Expected, &want); err != nil {
				t.Fatal(err)
			}
			forms := map[string]string{"hex": v.Hex}
			if v.ClientHex != "" {
				forms["clientHex"] = v.ClientHex
			}
			for form, h := range forms {
				b, err := hex.DecodeString(h)
				if err != nil {
					t.Fatal(err)
				}
				var got any
				if v.Direction == toClient {
					m, err := dec.DecodeServer(b)
					if err != nil {
						t.Fatalf("%s: DecodeServer: %v", form, err)
					}
					got, err = wvNeutralServer(m)
					if err != nil {
						t.Fatalf("%s: %v", form, err)
					}
				} else {
					var m ClientMessage
					if err := dec.DecodeClient(b, &m); err != nil {
						t.Fatalf("%s: DecodeClient: %v", form, err)
					}
					if got, err = wvNeutralClient(&m); err != nil {
						t.Fatalf("%s: %v", form, err)
					}
				}
				gotJSON, err := wvMarshal(got)
				if err != nil {
					t.Fatal(err)
				}
				var gotTree any
				if err := json.Unmarshal(gotJSON, &gotTree); err != nil {
					t.Fatal(err)
				}
				tol := 0.0 // client→server values must arrive bit for bit
				if v.Direction == toClient {
					tol = wvTolerance
				}
				if d := wvDiff("expected", want, gotTree, tol); d != "" {
					t.Errorf("%s decodes differently: %s\ndecoded:  %s\nexpected: %s", form, d, gotJSON, v.Expected)
				}
			}
		})
	}
}

// wvCheckChain applies a chain as a client does: pictures by tick, each
// delta to the one its baseTick names; every step must be exactly its
// complete snapshot's picture, and decode to expected.
func wvCheckChain(t *testing.T, ch *wvChain) {
	t.Helper()
	dec := NewDecoder()
	pictures := map[uint32]*WireState{}
	decode := func(h string) ServerMessage {
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		m, err := dec.DecodeServer(b)
		if err != nil {
			t.Fatalf("decode %s: %v", h, err)
		}
		return m
	}
	for i, st := range ch.Steps {
		var want WireState
		want.Quantize(&decode(st.Complete).(*Snapshot).Snapshot)
		got := new(WireState)
		if st.Delta == "" {
			got.CopyFrom(&want)
		} else {
			d := decode(st.Delta).(*Delta)
			base := pictures[d.BaseTick]
			if base == nil {
				t.Fatalf("step %d: no picture of tick %d", i, d.BaseTick)
			}
			if err := ApplyDelta(base, d, ch.TickRate, got); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
		if !reflect.DeepEqual(normWire(got), normWire(&want)) {
			t.Fatalf("step %d: picture\n%+v\nwant\n%+v", i, got, want)
		}
		var snap Snapshot
		got.Dequantize(&snap.Snapshot)
		n, err := wvNeutralServer(&snap)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := wvMarshal(n)
		var gotTree, wantTree any
		if err := json.Unmarshal(b, &gotTree); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(st.Expected, &wantTree); err != nil {
			t.Fatal(err)
		}
		if d := wvDiff("expected", wantTree, gotTree, wvTolerance); d != "" {
			t.Fatalf("step %d: %s", i, d)
		}
		pictures[got.Tick] = got
	}
}

// TestWireVectorsCoverage keeps the vectors complete: every message type,
// event kind, end reason, phase, error code and flag combination appears.
func TestWireVectorsCoverage(t *testing.T) {
	seen := map[string]bool{}
	dec := NewDecoder()
	for _, v := range generateWireVectors(t) {
		if v.Error != "" {
			continue
		}
		b, err := hex.DecodeString(v.Hex)
		if err != nil {
			t.Fatal(err)
		}
		if v.Direction == toServer {
			var m ClientMessage
			if err := dec.DecodeClient(b, &m); err != nil {
				t.Fatalf("%s: %v", v.Name, err)
			}
			seen[m.Type.String()] = true
			if m.Type == TypeHello && m.Hello.Resume != "" {
				seen["hello with a token"] = true
			}
			if m.Type == TypeInput && v.ClientHex != "" {
				seen["input in the client's integer form"] = true
			}
			if m.Type == TypeInput && m.Ack != 0 {
				seen["input with an ack"] = true
			}
			continue
		}
		m, err := dec.DecodeServer(b)
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		seen[m.Type().String()] = true
		switch m := m.(type) {
		case *Welcome:
			if m.Resume != "" {
				seen["welcome with a token"] = true
			}
		case *Snapshot:
			seen["phase "+m.Phase.String()] = true
			for _, p := range m.Players {
				seen[fmt.Sprintf("flags %d", p.Flags)] = true
			}
			if len(m.Projectiles) > 0 {
				seen["projectiles"] = true
			}
		case *Events:
			for _, ev := range m.Events {
				seen["event "+ev.Kind.String()] = true
				if ev.Kind == game.EventEnd {
					seen["end "+game.EndReason(ev.Value).String()] = true
				}
				if ev.Kind == game.EventPhase {
					seen["phase event "+game.Phase(ev.Value).String()] = true
				}
			}
		case *ErrorMessage:
			seen[fmt.Sprintf("error %d", m.Code)] = true
		}
	}
	want := []string{"hello", "input", "ping", "view", "welcome", "snapshot", "delta", "events", "pong", "error",
		"input in the client's integer form", "projectiles", "input with an ack"}
	for f := range 8 {
		want = append(want, fmt.Sprintf("flags %d", f))
	}
	want = append(want, "flags 9", "flags 8", "welcome with a token", "hello with a token")
	for _, p := range wvPhases {
		want = append(want, "phase "+p, "phase event "+p)
	}
	for k := game.EventJoin; k <= game.EventReconnect; k++ {
		want = append(want, "event "+k.String())
	}
	for _, r := range wvEndReasons[1:] {
		want = append(want, "end "+r)
	}
	for code := range wvReasons {
		want = append(want, fmt.Sprintf("error %d", code))
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("no vector covers %s", w)
		}
	}

	// Every MessagePack format is skipped as a trailing element, and the
	// reserved code is refused.
	trailing := map[string]bool{}
	for _, v := range wvIgnorable {
		trailing[wvFormat(hexb(t, v.hex)[0])] = true
	}
	for c := range 256 {
		if f := wvFormat(byte(c)); f != "(never used)" && !trailing[f] {
			t.Errorf("no vector has a trailing %s", f)
		}
	}
	if !slices.ContainsFunc(wvRefused, func(v wvValue) bool { return wvFormat(hexb(t, v.hex)[0]) == "(never used)" }) {
		t.Error("no vector refuses the reserved code 0xc1")
	}
}

// wvFirstDifference names the first vector where the committed file and
// the generator disagree.
func wvFirstDifference(t *testing.T, committed []byte, vs []wireVector) string {
	t.Helper()
	var doc wireVectorDoc
	if err := json.Unmarshal(committed, &doc); err != nil {
		return fmt.Sprintf("the committed file does not parse: %v", err)
	}
	for i := range max(len(doc.Vectors), len(vs)) {
		switch {
		case i >= len(doc.Vectors):
			return fmt.Sprintf("the generator has a new vector %q", vs[i].Name)
		case i >= len(vs):
			return fmt.Sprintf("the file has an extra vector %q", doc.Vectors[i].Name)
		}
		got, _ := wvMarshal(vs[i])
		had, _ := wvMarshal(doc.Vectors[i])
		if !bytes.Equal(got, had) {
			return fmt.Sprintf("vector %d differs\nfile:      %s\ngenerated: %s", i, had, got)
		}
	}
	return "the vectors match but the file's layout or comment differs"
}

// wvDiff returns the first difference between two decoded JSON trees, with
// numbers compared within tol, or "" if there is none.
func wvDiff(path string, want, got any, tol float64) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: want an object, got %T", path, got)
		}
		for _, k := range slices.Sorted(maps.Keys(w)) {
			if _, ok := g[k]; !ok {
				return fmt.Sprintf("%s: missing %q", path, k)
			}
			if d := wvDiff(path+"."+k, w[k], g[k], tol); d != "" {
				return d
			}
		}
		if len(g) != len(w) {
			return fmt.Sprintf("%s: %d keys, want %d", path, len(g), len(w))
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: want %d elements, got %v", path, len(w), got)
		}
		for i := range w {
			if d := wvDiff(fmt.Sprintf("%s[%d]", path, i), w[i], g[i], tol); d != "" {
				return d
			}
		}
	case float64:
		g, ok := got.(float64)
		if !ok || math.Abs(g-w) > tol {
			return fmt.Sprintf("%s: got %v, want %v", path, got, w)
		}
	default:
		if got != want {
			return fmt.Sprintf("%s: got %v, want %v", path, got, want)
		}
	}
	return ""
}
