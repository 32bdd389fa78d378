package game

import (
	"math"
	"testing"
)

func TestProjectiles(t *testing.T) {
	tests := []struct {
		name  string
		walls []Rect
		setup func(t *testing.T, w *World, a, b PlayerID) []PlayerInput // inputs for the first step
		steps int
		check func(t *testing.T, w *World, a, b PlayerID, evs []Event)
	}{
		{
			name: "hit deals damage",
			setup: func(t *testing.T, w *World, a, b PlayerID) []PlayerInput {
				return []PlayerInput{shoot(w, a, 0)}
			},
			steps: 20,
			check: func(t *testing.T, w *World, a, b PlayerID, evs []Event) {
				if h := pl(t, w, b).health; h != MaxHealth-Damage {
					t.Fatalf("victim health %d, want %d", h, MaxHealth-Damage)
				}
				if len(w.projectiles) != 0 {
					t.Fatalf("%d projectiles left, want the hit one removed", len(w.projectiles))
				}
			},
		},
		{
			name:  "wall stops projectile",
			walls: []Rect{{X: 380, Y: 300, W: 40, H: 400}},
			setup: func(t *testing.T, w *World, a, b PlayerID) []PlayerInput {
				return []PlayerInput{shoot(w, a, 0)}
			},
			steps: 40,
			check: func(t *testing.T, w *World, a, b PlayerID, evs []Event) {
				if h := pl(t, w, b).health; h != MaxHealth {
					t.Fatalf("victim behind a wall took damage: health %d", h)
				}
				if len(w.projectiles) != 0 {
					t.Fatalf("projectile survived the wall")
				}
			},
		},
		{
			name:  "thin wall stops fast projectile",
			walls: []Rect{{X: 400, Y: 300, W: 2, H: 400}},
			setup: func(t *testing.T, w *World, a, b PlayerID) []PlayerInput {
				return []PlayerInput{shoot(w, a, 0)}
			},
			steps: 40,
			check: func(t *testing.T, w *World, a, b PlayerID, evs []Event) {
				if h := pl(t, w, b).health; h != MaxHealth {
					t.Fatalf("projectile passed through a 2-unit wall: health %d", h)
				}
			},
		},
		{
			name: "no self hit",
			setup: func(t *testing.T, w *World, a, b PlayerID) []PlayerInput {
				// A shot of a's own flying straight through a.
				w.nextProj++
				w.projectiles = append(w.projectiles, projectile{id: w.nextProj, owner: a, x: 100, y: 500,
					vx: ProjectileSpeed, life: 100})
				place(t, w, b, 500, 900)
				return nil
			},
			steps: 10,
			check: func(t *testing.T, w *World, a, b PlayerID, evs []Event) {
				if h := pl(t, w, a).health; h != MaxHealth {
					t.Fatalf("own shot hurt its owner: health %d", h)
				}
				if len(w.projectiles) != 1 || w.projectiles[0].x <= 200 {
					t.Fatalf("own shot did not pass through its owner: %+v", w.projectiles)
				}
			},
		},
		{
			name: "protected player takes no damage",
			setup: func(t *testing.T, w *World, a, b PlayerID) []PlayerInput {
				pl(t, w, b).protect = 100
				return []PlayerInput{shoot(w, a, 0)}
			},
			steps: 20,
			check: func(t *testing.T, w *World, a, b PlayerID, evs []Event) {
				if h := pl(t, w, b).health; h != MaxHealth {
					t.Fatalf("protected player took damage: health %d", h)
				}
				if len(w.projectiles) != 0 {
					t.Fatalf("shot at a protected player was not absorbed")
				}
			},
		},
		{
			name: "lifetime expires",
			setup: func(t *testing.T, w *World, a, b PlayerID) []PlayerInput {
				place(t, w, a, 100, 100)
				place(t, w, b, 900, 900)
				release := shoot(w, a, math.Pi/4) // diagonal: 1131 units of room
				if len(w.projectiles) != 1 {
					t.Fatalf("fired %d shots, want 1", len(w.projectiles))
				}
				return []PlayerInput{release}
			},
			steps: int(ProjectileLifetime*DefaultTickRate) - 1,
			check: func(t *testing.T, w *World, a, b PlayerID, evs []Event) {
				if len(w.projectiles) != 0 {
					q := w.projectiles[0]
					t.Fatalf("shot alive after its lifetime at (%v,%v) life %d", q.x, q.y, q.life)
				}
				// It flew its full range (not stopped early by anything).
				if h := pl(t, w, b).health; h != MaxHealth {
					t.Fatalf("unexpected hit")
				}
			},
		},
		{
			name: "cooldown limits rate of fire",
			setup: func(t *testing.T, w *World, a, b PlayerID) []PlayerInput {
				place(t, w, b, 900, 900)
				return []PlayerInput{by(a, input(1, 0, 0, math.Pi, true))} // held: repeated while no new input
			},
			steps: 13, // 0.43 s at 30 Hz: shots at ticks 0, 6 and 12 (within InputStaleTime)
			check: func(t *testing.T, w *World, a, b PlayerID, evs []Event) {
				if got := w.nextProj; got != 3 {
					t.Fatalf("fired %d shots in 13 ticks, want 3 (cooldown %v s)", got, FireCooldown)
				}
			},
		},
		{
			name: "firing ends spawn protection",
			setup: func(t *testing.T, w *World, a, b PlayerID) []PlayerInput {
				pl(t, w, a).protect = 40
				return []PlayerInput{by(a, input(1, 0, 0, math.Pi, true))}
			},
			steps: 1,
			check: func(t *testing.T, w *World, a, b PlayerID, evs []Event) {
				if p := pl(t, w, a).protect; p != 0 {
					t.Fatalf("protection %d after firing, want 0", p)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, a, b := duel(t, WorldConfig{Map: boxMap(tc.walls...)})
			first := tc.setup(t, w, a, b)
			var evs []Event
			for i := range tc.steps {
				if i == 0 {
					step(w, first...)
				} else {
					step(w)
				}
				evs = append(evs, w.Events()...)
			}
			tc.check(t, w, a, b, evs)
		})
	}
}

func TestKillAndRespawn(t *testing.T) {
	w, a, b := duel(t, WorldConfig{})
	var seq uint32
	var evs []Event
	for pl(t, w, b).alive {
		if seq++; seq > 60 {
			t.Fatalf("b still alive after 60 ticks of fire")
		}
		step(w, by(a, input(seq, 0, 0, 0, true)))
		evs = append(evs, w.Events()...)
	}
	kill, ok := findEvent(evs, EventKill)
	if !ok || kill.Player != b || kill.Other != a || kill.Tick != w.Tick() {
		t.Fatalf("kill event %+v (found %v), want b=%d killed by a=%d at tick %d", kill, ok, b, a, w.Tick())
	}
	score, ok := findEvent(evs, EventScore)
	if !ok || score.Player != a || score.Value != 1 {
		t.Fatalf("score event %+v, want a's kills = 1", score)
	}
	if n := countKind(evs, EventKill); n != 1 {
		t.Fatalf("%d kill events, want 1", n)
	}
	var s Snapshot
	w.Snapshot(&s)
	vb, _ := s.Player(b)
	va, _ := s.Player(a)
	if vb.Flags&FlagAlive != 0 || vb.Health != 0 || vb.Deaths != 1 || va.Kills != 1 {
		t.Fatalf("after kill: victim %+v killer %+v", vb, va)
	}
	if want := int(RespawnDelay * DefaultTickRate); vb.RespawnTicks != want {
		t.Fatalf("respawn ticks %d, want %d", vb.RespawnTicks, want)
	}
	// The victim's inputs do nothing while dead.
	died := w.Tick()
	step(w, by(b, input(1, 1, 0, 0, true)), by(a, input(seq+1, 0, 0, 0, false)))
	evs = stepUntil(t, w, 5*DefaultTickRate, func() bool { return pl(t, w, b).alive })
	if got, want := w.Tick()-died, uint32(RespawnDelay*DefaultTickRate); got != want {
		t.Fatalf("respawned after %d ticks, want %d", got, want)
	}
	if e, ok := findEvent(evs, EventRespawn); !ok || e.Player != b {
		t.Fatalf("no respawn event for b in %+v", evs)
	}
	p := pl(t, w, b)
	if p.health != MaxHealth || p.protect <= 0 {
		t.Fatalf("respawned with health %d protection %d", p.health, p.protect)
	}
	// Far from the killer at (200,500): of the box's spawns only (900,900)
	// and (900,100) are at least 75% as far as the farthest.
	if p.X != 900 {
		t.Fatalf("respawned at (%v,%v), want a spawn on the far side (x=900)", p.X, p.Y)
	}
	// Protection wears off after SpawnProtection.
	stepUntil(t, w, int(SpawnProtection*DefaultTickRate)+1, func() bool { return pl(t, w, b).protect == 0 })
}

func TestChooseSpawnAvoidsEnemies(t *testing.T) {
	w, a, b := duel(t, WorldConfig{})
	place(t, w, a, 100, 100) // on a spawn
	place(t, w, b, 900, 100)
	counts := map[Point]int{}
	for range 200 {
		s := w.m.Spawns[w.chooseSpawn(0)]
		counts[s]++
	}
	// From (100,100) and (900,100) the best spawns are the bottom ones
	// (distance 800 each); the top ones are occupied.
	if counts[Point{X: 100, Y: 100}] != 0 || counts[Point{X: 900, Y: 100}] != 0 {
		t.Fatalf("spawned on an occupied spawn: %v", counts)
	}
	if counts[Point{X: 900, Y: 900}] == 0 || counts[Point{X: 100, Y: 900}] == 0 {
		t.Fatalf("choice among equally good spawns is not random: %v", counts)
	}
}

// shoot fires one shot from id along aim (a Step of its own) and returns
// the input that releases the trigger, for the next Step.
func shoot(w *World, id PlayerID, aim float64) PlayerInput {
	p := &w.players[w.index(id)]
	seq := p.ackSeq
	step(w, by(id, input(seq+1, 0, 0, aim, true)))
	return by(id, input(seq+2, 0, 0, aim, false))
}
