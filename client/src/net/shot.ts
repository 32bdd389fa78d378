// The server's shot rules, ported line for line from game.SpawnShot and
// game.StepShot (game/shot.go) with the geometry they use (game/geom.go,
// game/mapfile.go's segmentHit) and the tuning they read (game/tuning.go), so
// the shots you fire are drawn at once where the server will fly them
// (./shots). Pure. Both sides are pinned to game/testdata/shot_vectors.json
// (shot.test.ts and game/shot_vectors_test.go): change the rules in Go,
// regenerate the vectors, and this port's test fails until it matches again.
import type { Wall } from "../match/map";
import type { MoveMap } from "./movement";

/** How fast a shot flies, units/s (game.ProjectileSpeed). */
export const PROJECTILE_SPEED = 800;
/** A shot's collision radius (game.ProjectileRadius). */
export const PROJECTILE_RADIUS = 4;
/** How long a shot flies before it fizzles, s (game.ProjectileLifetime). */
export const PROJECTILE_LIFETIME = 1.2;
/** The least time between two shots of one player, s (game.FireCooldown). */
export const FIRE_COOLDOWN = 0.2;

/** A shot in flight: centre (world units) and velocity (units/s) (game.Shot). */
export interface Shot {
  x: number;
  y: number;
  vx: number;
  vy: number;
}

/** One StepShot: the shot after the step, the fraction of it travelled, and whether a wall stopped it. */
export interface ShotStep {
  shot: Shot;
  t: number;
  wall: boolean;
}

/**
 * game.ticksFor: a duration in seconds as a whole number of ticks (at least
 * 1) at tickRate, as the World counts lifetimes and cooldowns.
 */
export function ticksFor(seconds: number, tickRate: number): number {
  return Math.max(1, Math.trunc(seconds * tickRate + 0.5));
}

/** game.SpawnShot: the shot a player centred at (x, y) fires along aim (radians). */
export function spawnShot(x: number, y: number, aim: number): Shot {
  return { x, y, vx: Math.cos(aim) * PROJECTILE_SPEED, vy: Math.sin(aim) * PROJECTILE_SPEED };
}

/**
 * game.StepShot: sweeps s along its velocity for dt seconds against the
 * map's walls and the arena's edge. A wall stops it where it touches (t of
 * the way); one it starts inside stops it at t = 0; grazing a face exactly
 * is not a hit. Players are not tested (the server judges hits).
 */
export function stepShot(s: Shot, dt: number, m: MoveMap): ShotStep {
  const dx = s.vx * dt;
  const dy = s.vy * dt;
  const [hitT, wall] = segmentHit(m, s.x, s.y, dx, dy, PROJECTILE_RADIUS);
  const t = wall ? hitT : 1;
  return { shot: { x: s.x + dx * t, y: s.y + dy * t, vx: s.vx, vy: s.vy }, t, wall };
}

/**
 * Map.segmentHit: the smallest t in [0, 1] at which a circle of radius pad
 * moving from (x0, y0) along (dx, dy) touches a wall or the arena's edge.
 */
function segmentHit(m: MoveMap, x0: number, y0: number, dx: number, dy: number, pad: number): [number, boolean] {
  let best = 2;
  let hit = false;
  for (const w of m.walls) {
    const t = segmentRectT(x0, y0, dx, dy, w, pad);
    if (t !== null && t < best) {
      best = t;
      hit = true;
    }
  }
  const t = segmentLeavesBox(x0, y0, dx, dy, pad, m.width - pad, pad, m.height - pad);
  if (t !== null && t < best) {
    best = t;
    hit = true;
  }
  return [best, hit];
}

/** game.segmentRectT: the slab method; null when the segment misses r grown by pad. */
function segmentRectT(x0: number, y0: number, dx: number, dy: number, r: Wall, pad: number): number | null {
  const span = { min: 0, max: 1 };
  if (!slab(x0, dx, r.x - pad, r.x + r.w + pad, span)) return null;
  if (!slab(y0, dy, r.y - pad, r.y + r.h + pad, span)) return null;
  return span.min;
}

/** game.slab: narrows span to where p + t·d lies within [lo, hi]; touching counts only for a moving point. */
function slab(p: number, d: number, lo: number, hi: number, span: { min: number; max: number }): boolean {
  if (d === 0) return p > lo && p < hi;
  let t1 = (lo - p) / d;
  let t2 = (hi - p) / d;
  if (t1 > t2) [t1, t2] = [t2, t1];
  if (t1 > span.min) span.min = t1;
  if (t2 < span.max) span.max = t2;
  return span.min < span.max;
}

/** game.segmentLeavesBox: the smallest t at which the point is outside the box; null if it stays in. */
function segmentLeavesBox(
  x0: number, y0: number, dx: number, dy: number, minX: number, maxX: number, minY: number, maxY: number,
): number | null {
  if (x0 < minX || x0 > maxX || y0 < minY || y0 > maxY) return 0;
  let t = 2;
  let hit = false;
  const edge = (p: number, d: number, lo: number, hi: number): void => {
    if (d > 0 && p + d > hi) {
      const s = (hi - p) / d;
      if (s < t) {
        t = s;
        hit = true;
      }
    } else if (d < 0 && p + d < lo) {
      const s = (lo - p) / d;
      if (s < t) {
        t = s;
        hit = true;
      }
    }
  };
  edge(x0, dx, minX, maxX);
  edge(y0, dy, minY, maxY);
  return hit ? t : null;
}
