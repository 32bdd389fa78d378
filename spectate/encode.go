package spectate

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/skirmish-game/skirmish/game"
)

// The encoders below append one complete SSE event (PROTOCOL.md §2) to a
// byte slice: "id: N\nevent: name\ndata: {json}\n\n". They are hand-rolled
// appends rather than encoding/json because the `state` event is built for
// every match ten times a second; BenchmarkEncodeState pins the cost at zero
// allocations into a reused buffer. Every field written is either a number
// from strconv or a string that went through json.Marshal once (names, ids),
// so the output is always valid JSON and never contains a newline, which SSE
// would read as the end of the data line.

// member is one player the feed knows about: the roster keeps names so the
// `snapshot` and `end` events can show them, and keeps each name already
// JSON-quoted so a state encodes without escaping anything.
type member struct {
	name string
	json []byte // name as a JSON string literal, quotes included
	bot  bool
}

// roster maps player ids to names for one feed. It learns from join and leave
// events and from every state (PlayerState.Name), so a name is known even if
// the join event was never seen (a feed created mid-match). It is not safe for
// concurrent use; the feed guards it.
type roster map[game.PlayerID]*member

// set records id's name, quoting it only when it changed.
func (r roster) set(id game.PlayerID, name string, bot bool) {
	if m := r[id]; m != nil && m.name == name {
		m.bot = bot
		return
	}
	r[id] = &member{name: name, json: quoteJSON(name), bot: bot}
}

// learn records every player of s that is new or renamed. An empty name in a
// snapshot never overwrites a name learnt from a join.
func (r roster) learn(s *game.Snapshot) {
	for i := range s.Players {
		p := &s.Players[i]
		bot := p.Flags&game.FlagBot != 0
		m := r[p.ID]
		switch {
		case m == nil:
			r.set(p.ID, p.Name, bot)
		case p.Name != "" && p.Name != m.name:
			r.set(p.ID, p.Name, bot)
		default:
			m.bot = bot
		}
	}
}

// nameJSON returns the quoted name of player id, or `""` if it is unknown.
func (r roster) nameJSON(id game.PlayerID) []byte {
	if m := r[id]; m != nil {
		return m.json
	}
	return emptyJSONString
}

var emptyJSONString = []byte(`""`)

// quoteJSON returns s as a JSON string literal. encoding/json escapes control
// characters, quotes, HTML-sensitive characters and U+2028/2029, and replaces
// invalid UTF-8, which is exactly what an SSE data line needs.
func quoteJSON(s string) []byte {
	b, err := json.Marshal(s)
	if err != nil {
		// json.Marshal of a string cannot fail; keep the stream valid anyway.
		return []byte(`""`)
	}
	return b
}

// appendHead appends the "id:" and "event:" lines and the start of the data line.
func appendHead(b []byte, id uint64, event string) []byte {
	b = append(b, "id: "...)
	b = strconv.AppendUint(b, id, 10)
	b = append(b, "\nevent: "...)
	b = append(b, event...)
	return append(b, "\ndata: "...)
}

// appendTail ends the data line and the event.
func appendTail(b []byte) []byte { return append(b, "\n\n"...) }

// appendFixed appends v with prec decimals. Non-finite values cannot be
// written as JSON; they become 0 rather than breaking every spectator's parser.
func appendFixed(b []byte, v float64, prec int) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = 0
	}
	return strconv.AppendFloat(b, v, 'f', prec, 64)
}

func appendBool(b []byte, v bool) []byte { return strconv.AppendBool(b, v) }

func appendInt(b []byte, v int64) []byte { return strconv.AppendInt(b, v, 10) }

// seconds converts ticks to seconds for the wire's `timeLeft` fields.
func seconds(ticks uint32, tickRate int) float64 {
	if tickRate <= 0 {
		return 0
	}
	return float64(ticks) / float64(tickRate)
}

// Wire precision (PROTOCOL.md §2).
const (
	posDecimals   = 1
	angleDecimals = 2
	timeDecimals  = 1
)

// appendPlayers appends the `players` array of a state or snapshot.
func appendPlayers(b []byte, players []game.PlayerState, names roster) []byte {
	b = append(b, '[')
	for i := range players {
		p := &players[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = appendInt(b, int64(p.ID))
		b = append(b, `,"name":`...)
		b = append(b, names.nameJSON(p.ID)...)
		b = append(b, `,"bot":`...)
		b = appendBool(b, p.Flags&game.FlagBot != 0)
		b = append(b, `,"x":`...)
		b = appendFixed(b, p.X, posDecimals)
		b = append(b, `,"y":`...)
		b = appendFixed(b, p.Y, posDecimals)
		b = append(b, `,"aim":`...)
		b = appendFixed(b, p.Aim, angleDecimals)
		b = append(b, `,"hp":`...)
		b = appendInt(b, int64(p.Health))
		b = append(b, `,"alive":`...)
		b = appendBool(b, p.Flags&game.FlagAlive != 0)
		b = append(b, `,"protected":`...)
		b = appendBool(b, p.Flags&game.FlagProtected != 0)
		b = append(b, `,"kills":`...)
		b = appendInt(b, int64(p.Kills))
		b = append(b, `,"deaths":`...)
		b = appendInt(b, int64(p.Deaths))
		b = append(b, `,"disconnected":`...)
		b = appendBool(b, p.Flags&game.FlagDisconnected != 0)
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendProjectiles appends the `projectiles` array of a state or snapshot.
func appendProjectiles(b []byte, projectiles []game.ProjectileState) []byte {
	b = append(b, '[')
	for i := range projectiles {
		q := &projectiles[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = strconv.AppendUint(b, uint64(q.ID), 10)
		b = append(b, `,"owner":`...)
		b = appendInt(b, int64(q.Owner))
		b = append(b, `,"x":`...)
		b = appendFixed(b, q.X, posDecimals)
		b = append(b, `,"y":`...)
		b = appendFixed(b, q.Y, posDecimals)
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendPhaseTime appends `"phase":str,"timeLeft":s`.
func appendPhaseTime(b []byte, phase game.Phase, ticksLeft uint32, tickRate int) []byte {
	b = append(b, `"phase":"`...)
	b = append(b, phase.String()...) // phase names are plain lower-case words
	b = append(b, `","timeLeft":`...)
	return appendFixed(b, seconds(ticksLeft, tickRate), timeDecimals)
}

// appendState appends a `state` event.
func appendState(b []byte, id uint64, s *game.Snapshot, tickRate int, names roster) []byte {
	b = appendHead(b, id, "state")
	b = append(b, `{"tick":`...)
	b = strconv.AppendUint(b, uint64(s.Tick), 10)
	b = append(b, ',')
	b = appendPhaseTime(b, s.Phase, s.PhaseTicksLeft, tickRate)
	b = append(b, `,"players":`...)
	b = appendPlayers(b, s.Players, names)
	b = append(b, `,"projectiles":`...)
	b = appendProjectiles(b, s.Projectiles)
	b = append(b, '}')
	return appendTail(b)
}

// matchMeta is what a `snapshot` says about a match besides its state.
type matchMeta struct {
	matchJSON []byte // match id, JSON-quoted
	mapJSON   []byte // map id, JSON-quoted
	tickRate  int
	extra     []byte // more fields for the snapshot (`,"timeline":{…}` of a timeshift stream); nil: none
}

// appendSnapshot appends a `snapshot` event: the full picture a new spectator
// starts from.
func appendSnapshot(b []byte, id uint64, meta *matchMeta, s *game.Snapshot, names roster) []byte {
	b = appendHead(b, id, "snapshot")
	b = append(b, `{"match":`...)
	b = append(b, meta.matchJSON...)
	b = append(b, `,"map":`...)
	b = append(b, meta.mapJSON...)
	b = append(b, `,"tick":`...)
	b = strconv.AppendUint(b, uint64(s.Tick), 10)
	b = append(b, `,"tickRate":`...)
	b = appendInt(b, int64(meta.tickRate))
	b = append(b, ',')
	b = appendPhaseTime(b, s.Phase, s.PhaseTicksLeft, meta.tickRate)
	b = append(b, `,"scoreLimit":`...)
	b = appendInt(b, int64(s.ScoreLimit))
	b = append(b, `,"players":`...)
	b = appendPlayers(b, s.Players, names)
	b = append(b, `,"projectiles":`...)
	b = appendProjectiles(b, s.Projectiles)
	b = append(b, meta.extra...)
	b = append(b, '}')
	return appendTail(b)
}

// appendTickField starts a discrete event's JSON object with its tick.
func appendTickField(b []byte, tick uint32) []byte {
	b = append(b, `{"tick":`...)
	return strconv.AppendUint(b, uint64(tick), 10)
}

// eventDesync is the feed's own event kind for a replay whose state hash
// differs from the recorded one (Value: how many times so far); no game
// event has its number.
const eventDesync game.EventKind = 200

// appendEvent appends a discrete event (every kind but end, which needs the
// scoreboard; see appendEnd). ticksLeft is the phase's remaining ticks at the
// event's tick, used by `phase` only. ok is false for a kind the feed does not
// publish (a newer game version's event), which the caller skips.
func appendEvent(b []byte, id uint64, ev *game.Event, ticksLeft uint32, tickRate int) (_ []byte, ok bool) {
	switch ev.Kind {
	case game.EventJoin:
		b = appendHead(b, id, "join")
		b = appendTickField(b, ev.Tick)
		b = append(b, `,"id":`...)
		b = appendInt(b, int64(ev.Player))
		b = append(b, `,"name":`...)
		b = append(b, quoteJSON(ev.Name)...) // rare: one allocation per join is fine
		b = append(b, `,"bot":`...)
		b = appendBool(b, ev.Value == 1)
	case game.EventLeave, game.EventRespawn, game.EventDisconnect, game.EventReconnect:
		b = appendHead(b, id, ev.Kind.String())
		b = appendTickField(b, ev.Tick)
		b = append(b, `,"id":`...)
		b = appendInt(b, int64(ev.Player))
	case game.EventKill:
		b = appendHead(b, id, "kill")
		b = appendTickField(b, ev.Tick)
		b = append(b, `,"killer":`...)
		b = appendInt(b, int64(ev.Other))
		b = append(b, `,"victim":`...)
		b = appendInt(b, int64(ev.Player))
	case game.EventPhase:
		b = appendHead(b, id, "phase")
		b = appendTickField(b, ev.Tick)
		b = append(b, ',')
		b = appendPhaseTime(b, game.Phase(ev.Value), ticksLeft, tickRate)
	case eventDesync:
		b = appendHead(b, id, "desync")
		b = appendTickField(b, ev.Tick)
		b = append(b, `,"desyncs":`...)
		b = appendInt(b, int64(ev.Value))
	case game.EventScore:
		b = appendHead(b, id, "score")
		b = appendTickField(b, ev.Tick)
		b = append(b, `,"id":`...)
		b = appendInt(b, int64(ev.Player))
		b = append(b, `,"kills":`...)
		b = appendInt(b, int64(ev.Value))
	default:
		return b, false
	}
	b = append(b, '}')
	return appendTail(b), true
}

// appendEnd appends the `end` event. The scoreboard lists the players of s in
// game.RankPlayers' order. It sorts a copy, so s is unchanged.
func appendEnd(b []byte, id uint64, tick uint32, reason game.EndReason, winner game.PlayerID, s *game.Snapshot, names roster) []byte {
	board := append([]game.PlayerState(nil), s.Players...) // once per match: the allocation is fine
	game.RankPlayers(board)
	b = appendHead(b, id, "end")
	b = appendTickField(b, tick)
	b = append(b, `,"reason":"`...)
	b = append(b, reason.String()...) // the game's snake_case names are the wire's
	b = append(b, `","winner":`...)
	b = appendInt(b, int64(winner))
	b = append(b, `,"scoreboard":[`...)
	for i := range board {
		p := &board[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = appendInt(b, int64(p.ID))
		b = append(b, `,"name":`...)
		b = append(b, names.nameJSON(p.ID)...)
		b = append(b, `,"kills":`...)
		b = appendInt(b, int64(p.Kills))
		b = append(b, `,"deaths":`...)
		b = appendInt(b, int64(p.Deaths))
		b = append(b, '}')
	}
	b = append(b, "]}"...)
	return appendTail(b)
}
