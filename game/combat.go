package game

import "math"

// fire launches a shot from p's centre along p's aim (SpawnShot). The shot is
// swept from there on the same tick, so it does not appear to lag behind the
// gun; if in says where its shooter saw the others (ViewTime), its first
// sweep also catches up the flight they saw it make since (lagcomp.go).
func (w *World) fire(p *player, in *Input) {
	if len(w.projectiles) == cap(w.projectiles) {
		return // cannot happen with the computed capacity; never grow in Step
	}
	p.reload = w.timers.fireCooldown
	p.protect = 0 // firing gives up spawn protection
	w.nextProj++
	s := SpawnShot(p.X, p.Y, p.aim)
	w.projectiles = append(w.projectiles, projectile{
		id: w.nextProj, owner: p.id, shot: in.ShotID,
		x: s.X, y: s.Y, vx: s.VX, vy: s.VY,
		life:   w.timers.projLife,
		rewind: w.rewindFor(in.ViewTime),
	})
}

// stepProjectiles sweeps every shot along its path for one tick (a shot fired
// with a view in the past first catches up through the history). A shot stops
// at whatever it reaches first along the segment: a wall (or the arena edge)
// or a living player other than its owner. Sweeping, rather than testing the
// end point, means fast shots cannot pass through thin walls or players.
func (w *World) stepProjectiles() {
	kept := w.projectiles[:0]
	for _, q := range w.projectiles {
		if w.phase == PhaseEnded { // a kill this tick ended the match: freeze the rest
			kept = append(kept, q)
			continue
		}
		if q.rewind > 0 && !w.catchUp(&q) {
			continue
		}
		if !w.sweep(&q, 1, float64(w.tick)) {
			continue
		}
		q.life--
		if q.life > 0 {
			kept = append(kept, q)
		}
	}
	// Zero the tail so removed entries do not linger in the backing array
	// (they hold no pointers, but a clean tail keeps Hash-by-inspection honest).
	clear(w.projectiles[len(kept):])
	w.projectiles = kept
}

// sweep moves q along frac (0..1] of one tick's flight against the walls and
// the other players as they were at time at (in ticks; the present is
// w.tick, earlier times come from the history). It applies a hit and reports
// whether the shot flies on.
func (w *World) sweep(q *projectile, frac, at float64) bool {
	dt := w.dt * frac
	next, t, hitWall := StepShot(Shot{X: q.x, Y: q.y, VX: q.vx, VY: q.vy}, dt, w.m)
	if !hitWall {
		t = 2 // a player met at the very end of the segment still counts
	}
	dx, dy := q.vx*dt, q.vy*dt
	victim := -1
	past := at < float64(w.tick)
	for i := range w.players {
		p := &w.players[i]
		if !p.alive || p.id == q.owner {
			continue
		}
		x, y := p.X, p.Y
		if past {
			var ok bool
			if x, y, ok = w.pastPosition(p, at); !ok {
				continue // not there, or not in this life, when the shooter looked
			}
		}
		if s, ok := segmentCircleT(q.x, q.y, dx, dy, x, y, PlayerRadius+ProjectileRadius); ok && s < t {
			t, victim = s, i
		}
	}
	if victim >= 0 {
		// The shot met the player where they were this tick (or where its
		// shooter saw them): their movement up to now can no longer be redone.
		w.players[victim].redoFloor = w.tick + 1
		w.hit(&w.players[victim], q.owner)
		return false
	}
	if hitWall {
		return false
	}
	q.x, q.y = next.X, next.Y
	return true
}

// hit applies one shot from owner to p. Damage counts only while the match is
// live; spawn protection absorbs the shot.
func (w *World) hit(p *player, owner PlayerID) {
	if w.phase != PhaseLive || p.protect > 0 {
		return
	}
	p.health -= Damage
	if p.health > 0 {
		return
	}
	p.health, p.alive = 0, false
	p.VX, p.VY = 0, 0
	p.deaths++
	p.respawn = w.timers.respawn
	w.emit(EventKill, p.id, owner, 0, "")
	k := w.index(owner)
	if k < 0 {
		return // the shooter left (their shots are removed then, so this is defensive)
	}
	killer := &w.players[k]
	killer.kills++
	w.emit(EventScore, killer.id, 0, int32(killer.kills), "")
	if killer.kills >= w.cfg.ScoreLimit {
		w.end(EndScoreLimit)
	}
}

// stepRespawns counts down dead players and brings them back. A held
// player's countdown waits for them (hold.go).
func (w *World) stepRespawns() {
	for i := range w.players {
		p := &w.players[i]
		if p.alive || p.held {
			continue
		}
		p.respawn--
		if p.respawn <= 0 {
			w.spawn(p, true)
			w.emit(EventRespawn, p.id, 0, 0, "")
		}
	}
}

// spawn puts p, alive and at full health, on a spawn point far from everyone
// else, optionally with spawn protection.
func (w *World) spawn(p *player, protect bool) {
	s := w.m.Spawns[w.chooseSpawn(p.id)]
	p.Body = Body{X: s.X, Y: s.Y}
	p.life++
	p.redoFloor = w.tick + 1
	p.health, p.alive, p.respawn, p.reload = MaxHealth, true, 0, 0
	p.protect = 0
	if protect {
		p.protect = w.timers.protection
	}
	p.brain.reset()
}

// chooseSpawn picks a spawn point for player self: each spawn is scored by
// its distance to the nearest other living player; spawns with a player on
// top of them are out; the choice is a seeded-random one among the spawns
// scoring at least 75% of the best, so spawns are safe but not predictable.
func (w *World) chooseSpawn(self PlayerID) int {
	const (
		blocked = -1.0
		near    = 0.75 * 0.75 // on squared distances
		block   = 2 * PlayerRadius
	)
	best := blocked
	score := func(s Point) float64 {
		d := math.Inf(1)
		for i := range w.players {
			p := &w.players[i]
			if !p.alive || p.id == self {
				continue
			}
			dx, dy := p.X-s.X, p.Y-s.Y
			d2 := dx*dx + dy*dy
			if d2 < block*block {
				return blocked
			}
			d = math.Min(d, d2)
		}
		return d
	}
	for _, s := range w.m.Spawns {
		best = math.Max(best, score(s))
	}
	cands := w.spawnScratch[:0]
	for i, s := range w.m.Spawns {
		sc := score(s)
		if best == blocked || (sc != blocked && sc >= best*near) {
			cands = append(cands, i)
		}
	}
	return cands[w.rng.intn(len(cands))]
}
