package game

import (
	"errors"
	"fmt"
	"math"
)

// WorldConfig configures a World. Zero values take the documented defaults.
type WorldConfig struct {
	Seed       int64 // seeds bots and spawn choice; same seed + inputs ⇒ same state
	TickRate   int   // ticks per second; 0 means DefaultTickRate (30); within TickRates
	MaxPlayers int   // humans + bots; 0 means DefaultMaxPlayers (8); within PlayerCounts
	BotFill    int   // bots keep humans+bots at least this many (capped at MaxPlayers); 0 means no bots
	Map        *Map  // required
	TimeLimit  int   // live phase length in ticks; 0 means 5 minutes
	ScoreLimit int   // kills that end the match; 0 means 20
	// EndedTicks is how long PhaseEnded is announced to last, in ticks, so
	// Snapshot.PhaseTicksLeft can count down the scoreboard's linger. The
	// World never leaves PhaseEnded by itself; its owner (Match) stops it.
	// 0 means open-ended (PhaseTicksLeft stays 0). Match sets it from
	// MatchConfig.EndedLinger.
	EndedTicks int
	// MaxRewind is the most, in ticks (fractional allowed), that lag
	// compensation rewinds the other players to judge a shot where its
	// shooter saw them (Input.ViewTime; lagcomp.go): older views are
	// clamped to it. 0 turns lag compensation off: every shot is judged
	// against the present. At most MaxRewindLimit seconds' worth of ticks;
	// the server's default is DefaultMaxRewind.
	MaxRewind float64
}

// Why a CommandJoin seated nobody (JoinOutcome.Err).
var (
	// ErrMatchFull: every seat holds a human, or no player id is left.
	ErrMatchFull = errors.New("game: match full")
	// ErrMatchEnded: the match has already ended.
	ErrMatchEnded = errors.New("game: match ended")
)

// player is one seated participant. Fields are plain values so the players
// slice is one contiguous block that Step walks without allocating.
type player struct {
	id   PlayerID
	name string
	bot  bool

	Body
	aim     float64
	health  int
	alive   bool
	kills   int
	deaths  int
	respawn int    // ticks until respawn while dead
	protect int    // ticks of spawn protection left
	reload  int    // ticks until the next shot is allowed
	life    uint32 // counts spawns (and the countdown's move): history of another life is not this one's
	held    bool   // the player's connection dropped and their seat is held (hold.go)

	next    Input // input to apply on the next Step
	hasNext bool
	last    Input // last applied input, repeated while no new one arrives
	stale   int   // Steps since a fresh input was applied
	ackSeq  uint32

	// Redo (humans): the body before each recent tick's movement, by tick
	// modulo RedoTicks, and the first tick a Redo may start from (after the
	// last projectile contact or teleport).
	redo      [RedoTicks]redoStep
	redoFloor uint32

	brain brain // bots only
}

// redoStep is a player's body before the movement of one tick.
type redoStep struct {
	tick   uint32 // 0: none
	before Body
}

// projectile is one shot in flight.
type projectile struct {
	id     uint32
	owner  PlayerID
	shot   uint32 // the client's Input.ShotID, echoed in snapshots
	x, y   float64
	vx, vy float64
	life   int     // ticks left
	rewind float64 // ticks of flight to catch up through the history on its first sweep (lagcomp.go)
}

// World is one match's simulation. It is not safe for concurrent use: exactly
// one goroutine (the Match's) owns it.
//
// Step is deterministic: the same config (Seed included) and the same calls
// in the same order give the same state and the same Hash. To keep it so,
// Step reads no clock, iterates no Go maps and draws randomness only from the
// World's own seeded generator.
type World struct {
	cfg    WorldConfig
	m      *Map
	dt     float64
	timers timers

	tick      uint32
	phase     Phase
	phaseLeft int // ticks left in a timed phase; 0 when open-ended
	endReason EndReason
	winner    PlayerID
	rng       rng

	players     []player     // sorted by id; capacity MaxPlayers, never grows
	projectiles []projectile // sorted by id; capacity fixed at NewWorld
	nextID      uint32       // next PlayerID; uint32 so exhaustion is detectable
	nextProj    uint32

	events        []Event
	eventsStepped bool          // events holds the last Step's output (clear before adding)
	joined        []JoinOutcome // the last Step's join outcomes, in command order
	redone        []bool        // the last Step's Redo outcomes, in order

	hist history // where everyone was over the last MaxRewind ticks (lagcomp.go)

	nav          *nav  // bots' path finding grid
	botNameStart int   // seeded rotation of botNames, so matches differ
	spawnScratch []int // candidate spawn indexes, reused
}

// WithDefaults returns c with every zero value that has a default replaced
// by it (the one place those defaults are applied). It does not validate.
func (c WorldConfig) WithDefaults() WorldConfig {
	if c.TickRate == 0 {
		c.TickRate = DefaultTickRate
	}
	if c.MaxPlayers == 0 {
		c.MaxPlayers = DefaultMaxPlayers
	}
	if c.TimeLimit == 0 {
		c.TimeLimit = DefaultTimeLimit * c.TickRate
	}
	if c.ScoreLimit == 0 {
		c.ScoreLimit = DefaultScoreLimit
	}
	return c
}

// NewWorld returns a World in PhaseWaiting with bots seated per cfg.BotFill.
func NewWorld(cfg WorldConfig) (*World, error) {
	if cfg.Map == nil {
		return nil, errors.New("game: WorldConfig.Map is required")
	}
	if err := cfg.Map.validate(); err != nil {
		return nil, fmt.Errorf("game: WorldConfig.Map: %w", err)
	}
	cfg = cfg.WithDefaults()
	switch {
	case !TickRates.Contains(cfg.TickRate):
		return nil, fmt.Errorf("game: TickRate %d out of range %v", cfg.TickRate, TickRates)
	case !PlayerCounts.Contains(cfg.MaxPlayers):
		return nil, fmt.Errorf("game: MaxPlayers %d out of range %v", cfg.MaxPlayers, PlayerCounts)
	case cfg.BotFill < 0:
		return nil, fmt.Errorf("game: BotFill %d is negative", cfg.BotFill)
	case cfg.TimeLimit < 0 || cfg.ScoreLimit < 0 || cfg.EndedTicks < 0:
		return nil, errors.New("game: TimeLimit, ScoreLimit and EndedTicks must not be negative")
	case !(cfg.MaxRewind >= 0 && cfg.MaxRewind <= MaxRewindLimit*float64(cfg.TickRate)):
		return nil, fmt.Errorf("game: MaxRewind %v ticks out of range 0 to %v s (%v ticks)",
			cfg.MaxRewind, MaxRewindLimit, MaxRewindLimit*float64(cfg.TickRate))
	}
	if cfg.BotFill > cfg.MaxPlayers {
		cfg.BotFill = cfg.MaxPlayers
	}
	w := &World{
		cfg:    cfg,
		m:      cfg.Map,
		dt:     1 / float64(cfg.TickRate),
		timers: newTimers(cfg.TickRate),
		rng:    newRNG(cfg.Seed),
		nextID: 1,
	}
	w.players = make([]player, 0, cfg.MaxPlayers)
	// A player has at most projLife/fireCooldown shots alive at once
	// (rounding up), plus one for the shot fired on the tick another expires.
	perPlayer := (w.timers.projLife+w.timers.fireCooldown-1)/w.timers.fireCooldown + 1
	w.projectiles = make([]projectile, 0, cfg.MaxPlayers*perPlayer)
	w.events = make([]Event, 0, 8*cfg.MaxPlayers+16)
	w.spawnScratch = make([]int, 0, len(w.m.Spawns))
	w.hist = newHistory(cfg.MaxRewind, cfg.MaxPlayers)
	w.nav = newNav(w.m)
	w.botNameStart = w.rng.intn(len(botNames))
	w.fillBots()
	return w, nil
}

// Config returns the config with defaults applied.
func (w *World) Config() WorldConfig { return w.cfg }

// Map returns the world's map. It must not be modified.
func (w *World) Map() *Map { return w.m }

// addPlayer seats a human, replacing a bot if the match is full of bots.
// It fails with ErrMatchFull when every seat holds a human (or no player id
// is left) and ErrMatchEnded once the match is over.
func (w *World) addPlayer(name string) (PlayerID, error) {
	if w.phase == PhaseEnded {
		return 0, ErrMatchEnded
	}
	if w.Humans() >= w.cfg.MaxPlayers {
		return 0, ErrMatchFull
	}
	if w.IDsExhausted() {
		return 0, fmt.Errorf("%w: player ids exhausted", ErrMatchFull)
	}
	if len(w.players) == w.cfg.MaxPlayers {
		w.removeBot()
	}
	id := w.seat(name, false)
	// Bots only fill up to BotFill: a human joining a filled match
	// takes a bot's place rather than growing the match past it.
	for len(w.players) > w.cfg.BotFill && w.Bots() > 0 {
		w.removeBot()
	}
	return id, nil
}

// removePlayer removes a player; bots refill the seat per BotFill. Removing
// a player who is not seated does nothing.
func (w *World) removePlayer(id PlayerID) {
	i := w.index(id)
	if i < 0 {
		return
	}
	w.unseat(i)
	if w.phase != PhaseEnded {
		w.fillBots()
	}
}

// setInput sets the input applied to player id in this Step (the last one
// set wins). Inputs for unknown players, bots and held players are ignored.
func (w *World) setInput(id PlayerID, in Input) {
	i := w.index(id)
	if i < 0 || w.players[i].bot || w.players[i].held {
		return
	}
	w.players[i].next, w.players[i].hasNext = in, true
}

// command applies one Command.
func (w *World) command(c *Command) {
	switch c.Kind {
	case CommandJoin:
		id, err := w.addPlayer(c.Name)
		w.joined = append(w.joined, JoinOutcome{Player: id, Err: err})
	case CommandLeave:
		w.removePlayer(c.Player)
	case CommandEnd:
		if w.phase != PhaseEnded {
			w.end(c.Reason)
		}
	case CommandDisconnect:
		w.disconnect(c.Player)
	case CommandReconnect:
		w.reconnect(c.Player)
	}
}

// JoinOutcomes returns the outcome of each CommandJoin of the last Step, in
// command order. The slice is reused by the next Step.
func (w *World) JoinOutcomes() []JoinOutcome { return w.joined }

// IDsExhausted reports whether every PlayerID has been given out, after
// which nobody more can be seated (ids are never reused within a match).
func (w *World) IDsExhausted() bool { return w.nextID > math.MaxUint16 }

// Events returns the events of the last Step (the first Step also reports
// the bots NewWorld seated). The slice is reused by the next Step.
func (w *World) Events() []Event { return w.events }

// Phase returns the current phase.
func (w *World) Phase() Phase { return w.phase }

// PhaseTicksLeft returns the ticks until the current phase ends, or 0 when it
// is open-ended.
func (w *World) PhaseTicksLeft() int { return w.phaseLeft }

// EndReason returns why the match ended, or 0 while it has not.
func (w *World) EndReason() EndReason { return w.endReason }

// Winner returns the winner of an ended match (0 for none).
func (w *World) Winner() PlayerID { return w.winner }

// Humans returns how many seated players are humans.
func (w *World) Humans() int {
	n := 0
	for i := range w.players {
		if !w.players[i].bot {
			n++
		}
	}
	return n
}

// Bots returns how many seated players are bots.
func (w *World) Bots() int { return len(w.players) - w.Humans() }

// Tick returns the number of Steps taken.
func (w *World) Tick() uint32 { return w.tick }

// Snapshot fills dst with the current visible state, reusing its slices.
func (w *World) Snapshot(dst *Snapshot) {
	dst.Tick = w.tick
	dst.Phase = w.phase
	dst.PhaseTicksLeft = uint32(w.phaseLeft)
	dst.ScoreLimit = w.cfg.ScoreLimit
	dst.Players = dst.Players[:0]
	for i := range w.players {
		p := &w.players[i]
		var flags PlayerFlags
		if p.alive {
			flags |= FlagAlive
		}
		if p.protect > 0 && p.alive {
			flags |= FlagProtected
		}
		if p.bot {
			flags |= FlagBot
		}
		if p.held {
			flags |= FlagDisconnected
		}
		dst.Players = append(dst.Players, PlayerState{
			ID: p.id, Name: p.name,
			X: p.X, Y: p.Y, VX: p.VX, VY: p.VY, Aim: p.aim,
			Health: p.health, Flags: flags, Kills: p.kills, Deaths: p.deaths,
			RespawnTicks: p.respawn, AckSeq: p.ackSeq,
		})
	}
	dst.Projectiles = dst.Projectiles[:0]
	for i := range w.projectiles {
		q := &w.projectiles[i]
		dst.Projectiles = append(dst.Projectiles, ProjectileState{
			ID: q.id, Owner: q.owner, X: q.x, Y: q.y, VX: q.vx, VY: q.vy, ShotID: q.shot,
		})
	}
}

// index returns the position of player id in w.players, or -1.
func (w *World) index(id PlayerID) int {
	for i := range w.players {
		if w.players[i].id == id {
			return i
		}
	}
	return -1
}

func (w *World) emit(kind EventKind, p, other PlayerID, value int32, name string) {
	w.events = append(w.events, Event{Tick: w.tick, Kind: kind, Player: p, Other: other, Value: value, Name: name})
}

// seat adds a player and spawns them. Callers check capacity.
func (w *World) seat(name string, bot bool) PlayerID {
	id := PlayerID(w.nextID)
	w.nextID++
	w.players = append(w.players, player{id: id, name: name, bot: bot})
	p := &w.players[len(w.players)-1]
	var v int32
	if bot {
		v = 1
		p.brain = newBrain(&w.rng)
	}
	w.emit(EventJoin, id, 0, v, name)
	w.spawn(p, w.phase != PhaseWaiting)
	return id
}

// unseat removes the player at index i, with their shots in flight, keeping
// both slices sorted.
func (w *World) unseat(i int) {
	id := w.players[i].id
	w.players = append(w.players[:i], w.players[i+1:]...)
	w.players[:cap(w.players)][len(w.players)] = player{} // drop the name for GC
	q := w.projectiles[:0]
	for _, pr := range w.projectiles {
		if pr.owner != id {
			q = append(q, pr)
		}
	}
	w.projectiles = q
	w.emit(EventLeave, id, 0, 0, "")
}

// removeBot unseats the most recently seated bot (deterministic, and the one
// that has had least time to build a score).
func (w *World) removeBot() {
	for i := len(w.players) - 1; i >= 0; i-- {
		if w.players[i].bot {
			w.unseat(i)
			return
		}
	}
}

// fillBots seats bots until humans+bots reaches BotFill.
func (w *World) fillBots() {
	for len(w.players) < w.cfg.BotFill && w.nextID <= math.MaxUint16 {
		w.seat(w.botName(), true)
	}
}

// botName picks the first name in the seeded rotation no seated bot has.
func (w *World) botName() string {
	for k := range botNames {
		name := botNames[(w.botNameStart+k)%len(botNames)]
		taken := false
		for i := range w.players {
			if w.players[i].name == name {
				taken = true
				break
			}
		}
		if !taken {
			return name
		}
	}
	return botNames[w.botNameStart]
}

// Step advances the world exactly one tick of 1/TickRate seconds, consuming
// in (see TickInput). In order: commands (joins, leaves, end), inputs, phase
// timers, bot thinking, movement and firing (players in id order), respawns,
// projectiles (movement, hits, expiry; a new shot first catches up its
// shooter's view), and last the record of where everyone is (lag
// compensation's history, lagcomp.go). Its events and join outcomes are read
// with Events and JoinOutcomes until the next Step. It does not allocate once
// the event slice has grown to its working size.
func (w *World) Step(in TickInput) {
	if w.eventsStepped {
		w.events = w.events[:0]
	}
	w.joined = w.joined[:0]
	w.redone = w.redone[:0]
	for i := range in.Redos {
		w.redone = append(w.redone, w.redo(&in.Redos[i]))
	}
	w.tick++
	// Events NewWorld queued (its bots' joins) are reported with this tick.
	for i := range w.events {
		w.events[i].Tick = w.tick
	}
	w.eventsStepped = true
	for i := range in.Commands {
		w.command(&in.Commands[i])
	}
	for i := range in.Inputs {
		w.setInput(in.Inputs[i].Player, in.Inputs[i].Input)
	}

	if w.phase == PhaseEnded {
		w.consumeInputs()
		if w.phaseLeft > 0 {
			w.phaseLeft--
		}
		return
	}
	if !w.stepPhase() {
		return
	}
	w.thinkBots()
	w.applyInputs()
	w.stepRespawns()
	w.stepProjectiles()
	w.record()
}

// stepPhase runs the phase clock and reports whether the tick should be
// simulated (false once the match has ended).
func (w *World) stepPhase() bool {
	switch w.phase {
	case PhaseWaiting:
		if len(w.players) >= 2 {
			w.startCountdown()
		}
	case PhaseCountdown:
		w.phaseLeft--
		if w.phaseLeft <= 0 {
			w.phase, w.phaseLeft = PhaseLive, w.cfg.TimeLimit
			w.emit(EventPhase, 0, 0, int32(PhaseLive), "")
		}
	case PhaseLive:
		w.phaseLeft--
		if w.phaseLeft <= 0 {
			w.end(EndTimeLimit)
			return false
		}
	}
	return true
}

// startCountdown puts everyone on distinct spawns (as far as there are
// spawns) with a clean slate, and clears shots fired while waiting.
func (w *World) startCountdown() {
	w.phase, w.phaseLeft = PhaseCountdown, w.timers.countdown
	w.emit(EventPhase, 0, 0, int32(PhaseCountdown), "")
	w.projectiles = w.projectiles[:0]
	order := w.spawnScratch[:0]
	for i := range w.m.Spawns {
		order = append(order, i)
	}
	for i := len(order) - 1; i > 0; i-- { // Fisher–Yates
		j := w.rng.intn(i + 1)
		order[i], order[j] = order[j], order[i]
	}
	for i := range w.players {
		p := &w.players[i]
		s := w.m.Spawns[order[i%len(order)]]
		p.Body = Body{X: s.X, Y: s.Y}
		p.life++
		p.redoFloor = w.tick // before this tick's movement: no Redo reaches back across the move
		p.health, p.alive, p.respawn, p.protect, p.reload = MaxHealth, true, 0, 0, 0
		p.kills, p.deaths = 0, 0
	}
}

// end moves to PhaseEnded, freezing the result, and announces the winner by
// the scoreboard's ranking (CompareStandings); nobody wins a match in which
// nobody scored.
func (w *World) end(reason EndReason) {
	w.phase, w.phaseLeft, w.endReason = PhaseEnded, w.cfg.EndedTicks, reason
	w.winner = winner(w.players, func(p *player) Standing { return Standing{ID: p.id, Kills: p.kills, Deaths: p.deaths} })
	for i := range w.players {
		w.players[i].VX, w.players[i].VY = 0, 0
	}
	for i := range w.projectiles {
		w.projectiles[i].vx, w.projectiles[i].vy = 0, 0
	}
	w.emit(EventPhase, 0, 0, int32(PhaseEnded), "")
	w.emit(EventEnd, w.winner, 0, int32(reason), "")
}

// redo does one Redo if it is safe (see Redo) and reports whether it did.
func (w *World) redo(r *Redo) bool {
	last := w.tick
	if w.phase == PhaseEnded || r.From == 0 || r.From > last || last-r.From >= RedoTicks ||
		len(r.Moves) != int(last-r.From)+1 {
		return false
	}
	i := w.index(r.Player)
	if i < 0 || w.players[i].bot {
		return false
	}
	p := &w.players[i]
	if !p.alive || r.From < p.redoFloor {
		return false
	}
	for t := r.From; t <= last; t++ {
		if p.redo[t%RedoTicks].tick != t {
			return false // not moved that tick
		}
	}
	b := p.redo[r.From%RedoTicks].before
	for k, t := 0, r.From; t <= last; k, t = k+1, t+1 {
		p.redo[t%RedoTicks].before = b
		b = StepMovement(b, r.Moves[k].X, r.Moves[k].Y, w.dt, w.m)
	}
	p.Body = b
	return true
}

// RedoOutcomes reports, for each Redo of the last Step's TickInput in order,
// whether it was done. The slice is reused by the next Step.
func (w *World) RedoOutcomes() []bool { return w.redone }

// takeInput returns the input to apply to p this tick and acknowledges it. A
// fresh input is used once; without one the last input is repeated for up to
// InputStaleTime, after which the player stands still, holds their aim and
// stops firing. A repeat is not the client's shot (no ShotID), and its view
// moves on with the ticks (the client's interpolation time would have).
func (w *World) takeInput(p *player) Input {
	if p.hasNext {
		p.last, p.hasNext, p.stale = p.next, false, 0
		p.ackSeq = p.next.Seq
		return p.last
	}
	if p.stale < w.timers.inputStale {
		p.stale++
		in := p.last
		in.ShotID = 0
		if in.ViewTime > 0 {
			in.ViewTime += float64(p.stale)
		}
		return in
	}
	return Input{Seq: p.last.Seq, Aim: p.last.Aim}
}

// consumeInputs acknowledges pending inputs without simulating them (ended).
func (w *World) consumeInputs() {
	for i := range w.players {
		w.takeInput(&w.players[i])
	}
}

// applyInputs moves every living player and fires their weapon.
func (w *World) applyInputs() {
	canFire := w.phase == PhaseWaiting || w.phase == PhaseLive
	for i := range w.players {
		p := &w.players[i]
		in := w.takeInput(p)
		if p.reload > 0 {
			p.reload--
		}
		if !p.alive {
			continue
		}
		p.aim = in.Aim
		if !p.bot {
			p.redo[w.tick%RedoTicks] = redoStep{tick: w.tick, before: p.Body}
		}
		p.Body = StepMovement(p.Body, in.MoveX, in.MoveY, w.dt, w.m)
		if canFire && in.Buttons&ButtonFire != 0 && p.reload == 0 {
			w.fire(p, &in)
		}
		if p.protect > 0 {
			p.protect--
		}
	}
}
