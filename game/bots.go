package game

import "math"

// Bot names: "bot-" plus a computing pioneer. Constant strings, so seating a
// bot allocates nothing.
var botNames = [...]string{
	"bot-Ada", "bot-Grace", "bot-Alan", "bot-Edsger", "bot-Barbara", "bot-Dennis",
	"bot-Frances", "bot-Hedy", "bot-Ken", "bot-Margaret", "bot-Niklaus", "bot-Radia",
	"bot-Tony", "bot-Katherine", "bot-John", "bot-Donald",
}

// Bot tuning. Bots should be beatable: they react late, aim imperfectly and
// turn at a human-like rate; but they lead moving targets, circle while
// fighting and path-find around walls to an unseen target, so they are not
// free kills either.
const (
	botThinkTime    = 0.2   // s between target re-evaluations (the "reaction rhythm")
	botReactionMin  = 0.25  // s after acquiring a target before the first shot
	botReactionMax  = 0.5   //
	botAimError     = 0.09  // rad, typical aim error (re-rolled every think)
	botTurnRate     = 7.0   // rad/s, fastest aim turn
	botFireCone     = 0.12  // rad, fires only when the aim is this close to the wish
	botLead         = 0.7   // fraction of the target's motion to lead
	botRange        = 850.0 // units, furthest target it shoots at
	botNear         = 220.0 // units, backs off when closer
	botFar          = 420.0 // units, closes in when further
	botProbe        = 48.0  // units, look-ahead for wall avoidance
	botStrafeMin    = 0.6   // s, shortest strafe in one direction
	botStrafeMax    = 1.8   // s
	botProtectedPen = 400.0 // units added to a protected target's distance
)

// brain is a bot's memory between ticks. All timers are in ticks.
type brain struct {
	target   PlayerID
	visible  bool    // line of sight to target at the last think
	think    int     // ticks until the next re-evaluation
	reaction int     // ticks until it may fire at the current target
	aimErr   float64 // radians added to the ideal aim
	strafe   float64 // +1 or -1: which way to circle the target
	strafeT  int     // ticks until the strafe direction is re-rolled
	wander   float64 // heading while wandering, radians
	stuck    int     // ticks of little progress while trying to move
	unstick  int     // ticks left of forced wandering after being stuck
	lastX    float64 // position at the last progress check
	lastY    float64
	wpX, wpY float64 // next waypoint toward an unseen target
	hasWP    bool
	seq      uint32 // Seq of the bot's own inputs (so AckSeq moves for bots too)
}

func newBrain(r *rng) brain {
	b := brain{wander: r.float() * 2 * math.Pi, strafe: 1}
	if r.float() < 0.5 {
		b.strafe = -1
	}
	return b
}

// reset forgets the current target (after a respawn) but keeps the
// personality (strafe side, input sequence).
func (b *brain) reset() {
	b.target, b.visible, b.think, b.reaction, b.stuck, b.unstick = 0, false, 0, 0, 0, 0
	b.hasWP = false
}

// thinkBots sets every living bot's input for this tick. Bots are processed
// in id order and draw from the world's generator, so they are deterministic.
func (w *World) thinkBots() {
	for i := range w.players {
		p := &w.players[i]
		if !p.bot {
			continue
		}
		p.brain.seq++
		in := Input{Seq: p.brain.seq, Aim: p.aim}
		if p.alive {
			in = w.botInput(p, in)
		}
		p.next, p.hasNext = in, true
	}
}

func (w *World) botInput(p *player, in Input) Input {
	b := &p.brain
	rate := float64(w.cfg.TickRate)

	b.think--
	if b.think <= 0 {
		b.think = ticksFor(botThinkTime, w.cfg.TickRate)
		w.botRetarget(p)
		b.aimErr = (w.rng.float() + w.rng.float() - 1) * 2 * botAimError
	}
	if b.reaction > 0 {
		b.reaction--
	}
	b.strafeT--
	if b.strafeT <= 0 {
		b.strafeT = int((botStrafeMin + w.rng.float()*(botStrafeMax-botStrafeMin)) * rate)
		if w.rng.float() < 0.5 {
			b.strafe = -b.strafe
		}
	}

	var mx, my float64 // desired move direction (not normalised yet)
	t := w.index(b.target)
	if t >= 0 && !w.players[t].alive {
		t = -1
	}
	if t >= 0 {
		q := &w.players[t]
		dx, dy := q.X-p.X, q.Y-p.Y
		dist := math.Hypot(dx, dy)
		// Lead: aim where the target will be when the shot arrives.
		lt := dist / ProjectileSpeed * botLead
		wish := math.Atan2(q.Y+q.VY*lt-p.Y, q.X+q.VX*lt-p.X) + b.aimErr
		turn := botTurnRate / rate
		d := angleDiff(p.aim, wish)
		in.Aim = math.Remainder(p.aim+clamp(d, -turn, turn), 2*math.Pi)
		// Sight is re-checked at the trigger (not just at the last think) so a
		// target that stepped behind a wall is not shot at through it.
		if b.visible && b.reaction == 0 && dist < botRange && math.Abs(angleDiff(in.Aim, wish)) < botFireCone &&
			w.m.segmentClear(p.X, p.Y, q.X, q.Y, ProjectileRadius) {
			in.Buttons |= ButtonFire
		}
		if dist > 0 {
			ux, uy := dx/dist, dy/dist
			switch {
			case !b.visible && b.hasWP: // hunting: follow the path around walls
				wx, wy := b.wpX-p.X, b.wpY-p.Y
				if l := math.Hypot(wx, wy); l > 1 {
					mx, my = wx/l, wy/l
				}
				if math.Hypot(wx, wy) < w.nav.cell/2 {
					b.think = 1 // reached it: plan the next leg now
				}
			case !b.visible || dist > botFar:
				mx, my = ux, uy
			case dist < botNear:
				mx, my = -ux, -uy
			}
			if b.visible { // circle the target while fighting
				mx += -uy * b.strafe * 0.8
				my += ux * b.strafe * 0.8
			}
		}
	}
	if t < 0 || b.unstick > 0 {
		b.wander += w.rng.signed() * 0.15
		mx, my = math.Cos(b.wander), math.Sin(b.wander)
		if t < 0 {
			in.Aim = math.Remainder(p.aim+clamp(angleDiff(p.aim, b.wander), -0.1, 0.1), 2*math.Pi)
		}
	}
	if b.unstick > 0 {
		b.unstick--
	}
	if l := math.Hypot(mx, my); l > 0 {
		mx, my = w.botSteer(p, mx/l, my/l)
		in.MoveX, in.MoveY = mx, my
		w.botCheckStuck(p)
	}
	return in
}

// botRetarget picks the nearest living enemy, preferring ones in sight and
// ones without spawn protection, and starts the reaction delay on a change.
func (w *World) botRetarget(p *player) {
	b := &p.brain
	bestScore, best, bestVisible := math.Inf(1), PlayerID(0), false
	for i := range w.players {
		q := &w.players[i]
		if q.id == p.id || !q.alive {
			continue
		}
		visible := w.m.segmentClear(p.X, p.Y, q.X, q.Y, ProjectileRadius)
		score := math.Hypot(q.X-p.X, q.Y-p.Y)
		if !visible {
			score += 2 * botFar // hunt the unseen only when nobody is in sight
		}
		if q.protect > 0 {
			score += botProtectedPen
		}
		if score < bestScore {
			bestScore, best, bestVisible = score, q.id, visible
		}
	}
	if best != b.target || (bestVisible && !b.visible) {
		lo, hi := botReactionMin*float64(w.cfg.TickRate), botReactionMax*float64(w.cfg.TickRate)
		b.reaction = int(lo + w.rng.float()*(hi-lo))
	}
	b.target, b.visible, b.hasWP = best, bestVisible, false
	if best != 0 && !bestVisible {
		q := &w.players[w.index(best)]
		b.wpX, b.wpY, b.hasWP = w.nav.waypoint(w.m, p.X, p.Y, q.X, q.Y)
	}
}

// botSteer turns the wished direction away from walls: it probes botProbe
// units ahead, and if a player would not fit there, tries directions rotated
// further and further (first to the bot's strafe side), falling back to
// reversing.
func (w *World) botSteer(p *player, dx, dy float64) (float64, float64) {
	if w.fits(p.X+dx*botProbe, p.Y+dy*botProbe) {
		return dx, dy
	}
	for _, a := range [...]float64{0.6, 1.2, 1.8, 2.4} {
		for _, s := range [...]float64{1, -1} {
			sin, cos := math.Sincos(a * s * p.brain.strafe)
			rx, ry := dx*cos-dy*sin, dx*sin+dy*cos
			if w.fits(p.X+rx*botProbe, p.Y+ry*botProbe) {
				return rx, ry
			}
		}
	}
	return -dx, -dy
}

// fits reports whether a player (with a little margin) fits at x,y.
func (w *World) fits(x, y float64) bool {
	const r = PlayerRadius + 2
	if x < r || y < r || x > w.m.Width-r || y > w.m.Height-r {
		return false
	}
	_, hit := w.m.circleHitsWall(x, y, r)
	return !hit
}

// botCheckStuck notices a bot that keeps trying to move but goes nowhere
// (wedged in a concave corner, or chasing a target through a wall) and sends
// it wandering in a new direction for a while.
func (w *World) botCheckStuck(p *player) {
	b := &p.brain
	period := ticksFor(0.5, w.cfg.TickRate)
	b.stuck++
	if b.stuck < period {
		return
	}
	b.stuck = 0
	moved := math.Hypot(p.X-b.lastX, p.Y-b.lastY)
	b.lastX, b.lastY = p.X, p.Y
	if moved < MaxSpeed*0.5*0.25 { // under a quarter of full speed over the period
		b.wander = w.rng.float() * 2 * math.Pi
		b.unstick = ticksFor(1, w.cfg.TickRate)
	}
}
