package netcode

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/skirmish-game/skirmish/game"
)

// Decode-only golden vectors: bytes that no Encoder here produces but that a
// later protocol version or a hostile peer may send. They pin PROTOCOL.md
// §1.2's framing rules on both decoders (this package's Decoder and
// client/src/net/protocol.ts), above all this one: extra trailing elements,
// of any MessagePack type, nested at most 16 levels below themselves, are
// skipped; anything else after the known elements (a reserved code, a length
// beyond the frame, truncation, deeper nesting) makes the message malformed.
// Issue 5 was the browser throwing on a pong whose trailing element was a
// timestamp extension of length 7, which the server skipped.
//
// The bytes are written out by hand from the MessagePack spec
// (github.com/msgpack/msgpack spec.md, "Formats"), not produced by either
// side's msgpack library, so a library that refuses or reinterprets a valid
// format shows up as a failing vector.

// wvValue is one MessagePack value, in hex (spaces allowed).
type wvValue struct{ name, hex string }

// wvIgnorable are trailing values a receiver must skip: every format of the
// spec at least once (TestWireVectorsCoverage checks the head bytes), with
// the payloads msgpack libraries commonly refuse or reinterpret: timestamp
// extensions (type -1) of invalid lengths, map keys that are not strings or
// numbers, "__proto__", integers beyond 2^53, invalid UTF-8, and nesting at
// the bound. Nesting counts from the trailing element itself: the element is
// level 0 and a value inside it may be at most at level 16 (valueEnd's
// maxSkipDepth).
var wvIgnorable = []wvValue{
	{"positive-fixint", "7f"},
	{"fixmap-string-keys", "82 a1 61 01 a1 62 c0"},
	{"fixarray", "93 01 a1 78 c0"},
	{"fixstr", "a5 68656c6c6f"},
	{"nil", "c0"},
	{"false", "c2"},
	{"true", "c3"},
	{"bin8", "c4 03 010203"},
	{"bin16", "c5 0001 ff"},
	{"bin32-empty", "c6 00000000"},
	{"ext8-timestamp-length-7", "c7 07 ff 00000000000000"}, // issue 5
	{"ext8-timestamp-length-0", "c7 00 ff"},
	{"ext8-timestamp96", "c7 0c ff 00000000 0000000000000000"},
	{"ext8-type-127", "c7 03 7f 010203"},
	{"ext16-type-minus-128", "c8 0002 80 abcd"},
	{"ext32-type-0", "c9 00000001 00 ff"},
	{"float32", "ca 3fc00000"},
	{"float32-nan", "ca 7fc00000"},
	{"float64-infinity", "cb 7ff0000000000000"},
	{"uint8", "cc ff"},
	{"uint16", "cd ffff"},
	{"uint32", "ce ffffffff"},
	{"uint64-max", "cf ffffffffffffffff"},
	{"uint64-2^53+1", "cf 0020000000000001"},
	{"int8", "d0 80"},
	{"int16", "d1 8000"},
	{"int32", "d2 80000000"},
	{"int64-min", "d3 8000000000000000"},
	{"fixext1-timestamp-length-1", "d4 ff 00"},
	{"fixext2-type-1", "d5 01 0000"},
	{"fixext4-timestamp32", "d6 ff 00000000"},
	{"fixext8-timestamp64-nanoseconds-out-of-range", "d7 ff ffffffff 00000000"},
	{"fixext16-timestamp-length-16", "d8 ff" + strings.Repeat(" 00", 16)},
	{"str8-invalid-utf8", "d9 03 ff fe e2"},
	{"str16-overlong-and-surrogate", "da 0005 c0af eda080"},
	{"str32-empty", "db 00000000"},
	{"array16", "dc 0002 c0 c3"},
	{"array32-empty", "dd 00000000"},
	{"map16-key-__proto__", "de 0001 a9 5f5f70726f746f5f5f 81 a1 78 01"},
	{"map32-empty", "df 00000000"},
	{"negative-fixint", "e0"},
	{"map-key-array", "81 92 01 02 a1 76"},
	{"map-key-map", "81 81 a1 6b 01 02"},
	{"map-key-bin", "81 c4 01 00 01"},
	{"map-key-nil", "81 c0 c0"},
	{"map-keys-booleans", "82 c2 01 c3 02"},
	{"map-key-float", "81 cb 3ff8000000000000 01"},
	{"map-key-ext-timestamp-length-7", "81 c7 07 ff 00000000000000 01"},
	{"map-key-uint64-max", "81 cf ffffffffffffffff 01"},
	{"map-duplicate-keys", "82 a1 61 01 a1 61 92 01 02"},
	{"arrays-16-deep", strings.Repeat("91 ", 16) + "90"},
	{"scalar-16-deep", strings.Repeat("91 ", 16) + "00"},
	{"maps-16-deep", strings.Repeat("81 00 ", 16) + "80"},
	{"map-key-scalar-16-deep", "81 " + strings.Repeat("91 ", 15) + "00 00"},
	{"map-value-scalar-16-deep", strings.Repeat("81 00 ", 16) + "00"}, // not "maps-16-deep": the last value is a scalar
}

// wvRefused are trailing values that make the message malformed.
var wvRefused = []wvValue{
	{"arrays-17-deep", strings.Repeat("91 ", 17) + "90"},
	{"scalar-17-deep", strings.Repeat("91 ", 17) + "00"},
	{"maps-17-deep", strings.Repeat("81 00 ", 17) + "80"},
	{"map-key-scalar-17-deep", "81 " + strings.Repeat("91 ", 16) + "00 00"},
	{"map-first-of-equal-keys-17-deep", "82 a1 61 " + strings.Repeat("91 ", 16) + "00 a1 61 00"},
	{"arrays-2000-deep", strings.Repeat("91", 2000) + "c0"},
	{"reserved-code-c1", "c1"},
	{"nested-reserved-code-c1", "92 00 c1"},
	{"str32-claims-4GiB", "db ffffffff 41"},
	{"bin32-claims-4GiB", "c6 ffffffff 00"},
	{"ext32-claims-4GiB", "c9 ffffffff ff 00"},
	{"array32-claims-4Gi-elements", "dd ffffffff 00"},
	{"map32-claims-4Gi-pairs", "df ffffffff 00 00"},
	{"truncated-ext8-timestamp-length-7", "c7 07 ff 000000000000"},
	{"truncated-fixext8", "d7 ff 00000000"},
	{"truncated-float64", "cb 3ff0"},
	{"truncated-str8", "d9 05 6162"},
	{"array-missing-an-element", "92 01"},
	{"map-missing-a-value", "81 a1 61"},
}

// wvErrorKinds are the refusals a vector's "error" may name.
var wvErrorKinds = map[string]error{"malformed": ErrMalformed, "not_msgpack": ErrNotMsgpack}

// wvForeign is a decode-only vector: hex decodes to msg (toClient) or cmsg
// (toServer), or is refused with err.
type wvForeign struct {
	name string
	dir  string
	hex  string
	msg  ServerMessage
	cmsg *ClientMessage
	err  string
}

// wvArr writes an array header for the elements (the smallest form, as the
// encoders do) followed by the elements.
func wvArr(elems ...string) string {
	n := len(elems)
	head := fmt.Sprintf("%02x", 0x90+n)
	if n >= 16 {
		head = fmt.Sprintf("dc %04x", n)
	}
	return head + " " + strings.Join(elems, " ")
}

// wvStr writes s as a fixstr.
func wvStr(s string) string {
	if len(s) >= 32 {
		panic("wvStr: not a fixstr: " + s)
	}
	return fmt.Sprintf("%02x %x", 0xa0+len(s), s)
}

// wvHexes returns the values' hex, in order.
func wvHexes(vs []wvValue) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.hex
	}
	return out
}

// wvForeignCases builds the decode-only vectors. Every value of wvIgnorable
// and wvRefused trails a pong; every array the protocol has (each message,
// roster entry, player, projectile and event) gets a few ignorable values
// and, separately, one too deep. A few vectors pin the real fields: integer
// forms beyond 2^53 are never silently rounded into an integer field, nil
// and extensions are never a value.
func wvForeignCases() []wvForeign {
	with := func(fields []string, extra ...string) []string {
		return append(append([]string(nil), fields...), extra...)
	}
	const (
		t15 = "cb 3ff8000000000000" // 1.5 as float64
		t05 = "cb 3fe0000000000000" // 0.5 as float64
	)
	pongFields := []string{"07", t15, "00"}
	pong := &Pong{T: 1.5, Tick: 0}

	rosterFields := []string{"01", wvStr("ada"), "01", "03", "01"}
	welcome := func(entryExtra, extra []string) string {
		return wvArr(with([]string{"02", "01", wvStr("p-1"), wvStr("m-1"), "01", "1e", "14", wvStr("arena"),
			wvArr(wvArr(with(rosterFields, entryExtra...)...))}, extra...)...)
	}
	welcomeMsg := &Welcome{Version: 1, Player: "p-1", Match: "m-1", You: 1, TickRate: 30, SnapshotRate: 20, Map: "arena",
		Roster: []RosterEntry{{ID: 1, Name: "ada", Flags: game.FlagAlive, Kills: 3, Deaths: 1}}}
	// resume "t-1", reconnectWindow 10 s: the welcome's last fields, after
	// which anything is ignorable.
	resumeFields := []string{wvStr("t-1"), "cd 2710"}
	resumedMsg := *welcomeMsg
	resumedMsg.Resume, resumedMsg.ReconnectWindow = "t-1", 10*time.Second

	// x 16 = 2 units, y -16, aim 0x4000 = π/2, health 100, alive, ackSeq 7,
	// inputSlack -5, inputsSkipped 2, inputsAwaited 1; projectile at (1, 1)
	// moving 400 units/s along x.
	playerV1 := []string{"01", "10", "d0 f0", "00", "00", "cd 4000", "64", "01", "00", "00", "00", "07"}
	playerFields := with(playerV1, "fb", "02", "01")
	// shotId 42; projectileV1 is the projectile before shotId was appended.
	projectileV1 := []string{"09", "01", "08", "08", "cd 0c80", "00"}
	projectileFields := with(projectileV1, "2a")
	snapshot := func(playerExtra, projectileExtra, extra []string) string {
		return wvArr(with([]string{"04", "cd 0400", "02", "cd 0e10", "14",
			wvArr(wvArr(with(playerFields, playerExtra...)...)),
			wvArr(wvArr(with(projectileFields, projectileExtra...)...))}, extra...)...)
	}
	snapshotOf := func(timing game.InputTiming) *Snapshot {
		return &Snapshot{Snapshot: game.Snapshot{Tick: 1024, Phase: game.PhaseLive, PhaseTicksLeft: 3600, ScoreLimit: 20,
			Players: []game.PlayerState{{ID: 1, X: 2, Y: -2, Aim: math.Pi / 2, Health: 100, Flags: game.FlagAlive, AckSeq: 7,
				InputTiming: timing}},
			Projectiles: []game.ProjectileState{{ID: 9, Owner: 1, X: 1, Y: 1, VX: 400, ShotID: 42}},
		}}
	}
	snapshotMsg := snapshotOf(game.InputTiming{InputSlack: -5, InputsSkipped: 2, InputsAwaited: 1})
	snapshotWith := func(player []string) string {
		return wvArr("04", "cd 0400", "02", "cd 0e10", "14", wvArr(wvArr(player...)), wvArr(wvArr(projectileFields...)))
	}

	eventFields := []string{"01", "04", "00", "00", wvStr("ada")}
	events := func(eventExtra, extra []string) string {
		return wvArr(with([]string{"06", "05", wvArr(wvArr(with(eventFields, eventExtra...)...))}, extra...)...)
	}
	eventsMsg := &Events{Tick: 5, Events: []game.Event{{Tick: 5, Kind: game.EventJoin, Player: 4, Name: "ada"}}}

	errorFields := []string{"09", "0d", wvStr("match_full"), wvStr("full")}
	errorMsg := &ErrorMessage{Code: 13, Reason: "match_full", Message: "full"}

	// A few ignorable values of the kinds @msgpack/msgpack refused, and one
	// value too deep, for every position.
	var mix []string
	for _, v := range wvIgnorable {
		switch v.name {
		case "ext8-timestamp-length-7", "map-key-array", "map16-key-__proto__", "arrays-16-deep":
			mix = append(mix, v.hex)
		}
	}
	deep := []string{strings.Repeat("91 ", 17) + "90"}

	var out []wvForeign
	ok := func(name, hex string, m ServerMessage) {
		out = append(out, wvForeign{name: name, dir: toClient, hex: hex, msg: m})
	}
	bad := func(name, hex string) {
		out = append(out, wvForeign{name: name, dir: toClient, hex: hex, err: "malformed"})
	}
	for _, v := range wvIgnorable {
		ok("pong/trailing-"+v.name, wvArr(with(pongFields, v.hex)...), pong)
	}
	ok("pong/trailing-every-format-at-once", wvArr(with(pongFields, wvHexes(wvIgnorable)...)...), pong)
	for _, v := range wvRefused {
		bad("pong/trailing-"+v.name, wvArr(with(pongFields, v.hex)...))
	}

	ok("welcome/trailing", welcome(nil, with(resumeFields, mix...)), &resumedMsg)
	ok("welcome/roster-entry-trailing", welcome(mix, nil), welcomeMsg)
	ok("snapshot/trailing", snapshot(nil, nil, mix), snapshotMsg)
	ok("snapshot/player-trailing", snapshot(mix, nil, nil), snapshotMsg)
	ok("snapshot/projectile-trailing", snapshot(nil, mix, nil), snapshotMsg)
	ok("events/trailing", events(nil, mix), eventsMsg)
	ok("events/event-trailing", events(mix, nil), eventsMsg)
	ok("error/trailing", wvArr(with(errorFields, mix...)...), errorMsg)
	bad("welcome/trailing-too-deep", welcome(nil, with(resumeFields, deep...)))
	bad("welcome/roster-entry-trailing-too-deep", welcome(deep, nil))
	ok("welcome/resume-without-window", welcome(nil, resumeFields[:1]), &Welcome{Version: 1, Player: "p-1", Match: "m-1", You: 1,
		TickRate: 30, SnapshotRate: 20, Map: "arena", Roster: welcomeMsg.Roster, Resume: "t-1"})
	bad("welcome/resume-nil", welcome(nil, []string{"c0", "cd 2710"}))
	bad("welcome/reconnect-window-negative", welcome(nil, []string{wvStr("t-1"), "ff"}))
	bad("snapshot/trailing-too-deep", snapshot(nil, nil, deep))
	bad("snapshot/player-trailing-too-deep", snapshot(deep, nil, nil))
	bad("snapshot/projectile-trailing-too-deep", snapshot(nil, deep, nil))
	bad("events/trailing-too-deep", events(nil, deep))
	bad("events/event-trailing-too-deep", events(deep, nil))
	bad("error/trailing-too-deep", wvArr(with(errorFields, deep...)...))

	// A delta (type 8): trailing elements in the message and in every entry
	// are ignored; what breaks its rules is refused.
	deltaHead := []string{"08", "0c", "0a", "02", "00", "14"}
	playerChange, projectileChange := Change{ID: 2, Mask: 0x9}, Change{ID: 8, Mask: 0x2}
	playerChange.Values[PlayerFieldX], playerChange.Values[PlayerFieldAckSeq] = -3, 2
	projectileChange.Values[ProjectileFieldY] = 1
	deltaMsg := &Delta{Tick: 12, BaseTick: 10, Phase: game.PhaseLive, ScoreLimit: 20,
		Players:           []WirePlayer{{ID: 1, X: 16, Y: -16, Aim: 0x4000, Health: 100, Flags: game.FlagAlive, AckSeq: 7, InputSlack: -5, InputsSkipped: 2, InputsAwaited: 1}},
		PlayerChanges:     []Change{playerChange},
		PlayersGone:       []uint32{3, 5},
		Projectiles:       []WireProjectile{{ID: 9, Owner: 1, X: 8, Y: 8, VX: 3200, ShotID: 42}},
		ProjectileChanges: []Change{projectileChange},
		ProjectilesGone:   []uint32{7},
	}
	delta := func(entryExtra, extra []string) string {
		return wvArr(with(with(deltaHead,
			wvArr(wvArr(with(playerFields, entryExtra...)...)),
			wvArr(wvArr(with([]string{"02", "09", "fd", "02"}, entryExtra...)...)),
			wvArr("03", "02"),
			wvArr(wvArr(with(projectileFields, entryExtra...)...)),
			wvArr(wvArr(with([]string{"08", "02", "01"}, entryExtra...)...)),
			wvArr("07")), extra...)...)
	}
	ok("delta/every-list", delta(nil, nil), deltaMsg)
	ok("delta/trailing", delta(mix, mix), deltaMsg)
	bad("delta/trailing-too-deep", delta(nil, deep))
	bad("delta/base-tick-not-before-tick", wvArr("08", "0a", "0a", "02", "00", "14", "90", "90", "90", "90", "90", "90"))
	bad("delta/unknown-player-field", wvArr(with(deltaHead, "90", wvArr(wvArr("01", "cd 4000", "05")), "90", "90", "90", "90")...))
	bad("delta/change-missing-its-value", wvArr(with(deltaHead, "90", wvArr(wvArr("01", "03", "05")), "90", "90", "90", "90")...))
	bad("delta/ids-not-increasing", wvArr(with(deltaHead, "90", "90", wvArr("03", "00"), "90", "90", "90")...))
	bad("delta/value-beyond-2^50", wvArr(with(deltaHead, "90", wvArr(wvArr("01", "01", "cf 0004000000000001")), "90", "90", "90", "90")...))
	bad("delta/value-float", wvArr(with(deltaHead, "90", wvArr(wvArr("01", "01", t15)), "90", "90", "90", "90")...))

	// A player's input clock fields (inputSlack, inputsSkipped,
	// inputsAwaited) came later in version 1: those a server does not send
	// are 0.
	ok("snapshot/player-without-input-timing", snapshotWith(playerV1), snapshotOf(game.InputTiming{}))
	ok("snapshot/player-without-inputs-skipped", snapshotWith(with(playerV1, "fb")),
		snapshotOf(game.InputTiming{InputSlack: -5}))
	ok("snapshot/player-without-inputs-awaited", snapshotWith(with(playerV1, "fb", "02")),
		snapshotOf(game.InputTiming{InputSlack: -5, InputsSkipped: 2}))
	ok("snapshot/player-input-timing-extremes", snapshotWith(with(playerV1, "d2 80000000", "ce ffffffff", "ce ffffffff")),
		snapshotOf(game.InputTiming{InputSlack: math.MinInt32, InputsSkipped: math.MaxUint32, InputsAwaited: math.MaxUint32}))
	bad("snapshot/player-input-slack-nil", snapshotWith(with(playerV1, "c0", "02")))
	bad("snapshot/player-input-slack-float", snapshotWith(with(playerV1, "cb 3ff8000000000000", "02")))
	bad("snapshot/player-input-slack-beyond-int32", snapshotWith(with(playerV1, "d3 0000000080000000", "02")))
	bad("snapshot/player-inputs-skipped-negative", snapshotWith(with(playerV1, "fb", "ff")))
	bad("snapshot/player-inputs-skipped-beyond-uint32", snapshotWith(with(playerV1, "fb", "cf 0000000100000000")))
	bad("snapshot/player-inputs-awaited-negative", snapshotWith(with(playerV1, "fb", "02", "ff")))
	bad("snapshot/player-inputs-awaited-nil", snapshotWith(with(playerV1, "fb", "02", "c0")))

	// A projectile's shotId came later in version 1: a server that does not
	// send it names no shot (0).
	projectileWith := func(fields []string) string {
		return wvArr("04", "cd 0400", "02", "cd 0e10", "14", wvArr(wvArr(playerFields...)), wvArr(wvArr(fields...)))
	}
	noShot := snapshotOf(game.InputTiming{InputSlack: -5, InputsSkipped: 2, InputsAwaited: 1})
	noShot.Projectiles[0].ShotID = 0
	ok("snapshot/projectile-without-shot-id", projectileWith(projectileV1), noShot)
	maxShot := snapshotOf(game.InputTiming{InputSlack: -5, InputsSkipped: 2, InputsAwaited: 1})
	maxShot.Projectiles[0].ShotID = math.MaxUint32
	ok("snapshot/projectile-shot-id-uint64-form", projectileWith(with(projectileV1, "cf 00000000ffffffff")), maxShot)
	bad("snapshot/projectile-shot-id-nil", projectileWith(with(projectileV1, "c0")))
	bad("snapshot/projectile-shot-id-negative", projectileWith(with(projectileV1, "ff")))
	bad("snapshot/projectile-shot-id-float", projectileWith(with(projectileV1, "cb 4045400000000000"))) // 42.5
	bad("snapshot/projectile-shot-id-beyond-uint32", projectileWith(with(projectileV1, "cf 0000000100000000")))

	// Real fields: any integer form, any float form where a float goes;
	// a 64-bit integer beyond 2^53 rounds to nearest in a float field and is
	// refused in an integer field (JavaScript numbers cannot hold it exactly).
	ok("pong/tick-uint64-form", wvArr("07", t15, "cf 000000000000002a"), &Pong{T: 1.5, Tick: 42})
	ok("pong/t-float32", wvArr("07", "ca 3fc00000", "00"), pong)
	ok("pong/t-uint64-beyond-2^53", wvArr("07", "cf 0020000000000001", "00"), &Pong{T: 1 << 53})
	ok("pong/t-int64-below-minus-2^53", wvArr("07", "d3 ffdfffffffffffff", "00"), &Pong{T: -(1 << 53)})
	bad("pong/tick-uint64-beyond-2^53", wvArr("07", t15, "cf 0020000000000001"))
	bad("pong/t-nil", wvArr("07", "c0", "00"))
	bad("pong/tick-nil", wvArr("07", t15, "c0"))
	bad("pong/t-timestamp32", wvArr("07", "d6 ff 00000000", "00"))
	bad("pong/missing-tick", wvArr("07", t15))
	bad("pong/bytes-after-the-array", wvArr(pongFields...)+" c0")
	bad("pong/array-longer-than-its-elements", "94 07 "+t15+" 00")

	// The same rule on the server's side (the browser never decodes these).
	cok := func(name, hex string, m ClientMessage) {
		out = append(out, wvForeign{name: name, dir: toServer, hex: hex, cmsg: &m})
	}
	cbad := func(name, hex string) {
		out = append(out, wvForeign{name: name, dir: toServer, hex: hex, err: "malformed"})
	}
	ping := ClientMessage{Type: TypePing, Ping: Ping{T: 1.5}}
	cok("hello/trailing", wvArr(with([]string{"01", "01", wvStr("ada"), wvStr(""), wvStr("")}, mix...)...),
		ClientMessage{Type: TypeHello, Hello: Hello{Version: 1, Name: "ada"}})
	// viewTime and shotId came later in version 1: a client that does not
	// send them (5 elements) has no view and names no shot (0), and plays.
	inputV1 := []string{"03", "07", "01", "00", t05, "01"}
	inputV1Msg := ClientMessage{Type: TypeInput, Input: game.Input{Seq: 7, MoveX: 1, Aim: 0.5, Buttons: 1}}
	cok("input/version-1-without-view-time-and-shot-id", wvArr(inputV1...), inputV1Msg)
	withView := inputV1Msg
	withView.Input.ViewTime = 1.5
	cok("input/view-time-without-shot-id", wvArr(with(inputV1, t15)...), withView)
	cok("input/view-time-float32-shot-id-uint32-form", wvArr(with(inputV1, "ca 3fc00000", "ce 0000002a")...),
		ClientMessage{Type: TypeInput, Input: game.Input{Seq: 7, MoveX: 1, Aim: 0.5, Buttons: 1, ViewTime: 1.5, ShotID: 42}})
	withShot := withView
	withShot.Input.ShotID = 42
	withAck := withShot
	withAck.Ack = 300
	cok("input/trailing", wvArr(with(inputV1, append([]string{t15, "2a", "cd 012c"}, mix...)...)...), withAck)
	cbad("input/view-time-nil", wvArr(with(inputV1, "c0")...))
	cbad("input/view-time-string", wvArr(with(inputV1, wvStr("1.5"))...))
	cbad("input/shot-id-negative", wvArr(with(inputV1, t15, "ff")...))
	cbad("input/shot-id-float", wvArr(with(inputV1, t15, t15)...))
	cbad("input/shot-id-beyond-uint32", wvArr(with(inputV1, t15, "cf 0000000100000000")...))
	cok("ping/trailing-every-format-at-once", wvArr(with([]string{"05", t15}, wvHexes(wvIgnorable)...)...), ping)
	cbad("ping/trailing-too-deep", wvArr(with([]string{"05", t15}, deep...)...))
	cbad("ping/trailing-reserved-code-c1", wvArr("05", t15, "c1"))
	return out
}

// wvFormat names the MessagePack format whose first byte is c (the spec's
// "Formats" table).
func wvFormat(c byte) string {
	switch {
	case c <= 0x7f:
		return "positive fixint"
	case c <= 0x8f:
		return "fixmap"
	case c <= 0x9f:
		return "fixarray"
	case c <= 0xbf:
		return "fixstr"
	case c >= 0xe0:
		return "negative fixint"
	}
	return [...]string{
		"nil", "(never used)", "false", "true", "bin 8", "bin 16", "bin 32", "ext 8", "ext 16", "ext 32",
		"float 32", "float 64", "uint 8", "uint 16", "uint 32", "uint 64", "int 8", "int 16", "int 32", "int 64",
		"fixext 1", "fixext 2", "fixext 4", "fixext 8", "fixext 16", "str 8", "str 16", "str 32",
		"array 16", "array 32", "map 16", "map 32",
	}[c-0xc0]
}
