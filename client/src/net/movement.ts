// The server's movement step, ported line for line from game.StepMovement
// (game/movement.go) with the geometry it uses (game/geom.go) and the tuning
// it reads (game/tuning.go), so client-side prediction moves the local player
// exactly as the server will. Pure: no clock, no allocation on the common
// path. Both sides are pinned to game/testdata/movement_vectors.json (see
// movement.test.ts and game/movement_vectors_test.go): change movement in Go,
// regenerate the vectors, and this port's test fails until it matches again.
import type { Wall } from "../match/map";

/** Radius of a player's collision circle (game.PlayerRadius). */
export const PLAYER_RADIUS = 16;
/** Top running speed, units/s (game.MaxSpeed). */
export const MAX_SPEED = 260;
/** Acceleration toward the wished velocity, units/s² (game.Accel). */
export const ACCEL = 2000;
/** Deceleration with no move key held, units/s² (game.Friction). */
export const FRICTION = 1400;

/** Longest distance between two collision resolutions (game.maxSubstep). */
const MAX_SUBSTEP = PLAYER_RADIUS / 2;
/** Wall passes per substep (game.resolvePasses). */
const RESOLVE_PASSES = 4;

/** The part of a player that movement reads and writes (game.Body). */
export interface MoveBody {
  x: number; // centre, world units
  y: number;
  vx: number; // units per second
  vy: number;
}

/** What movement needs of a map: its size and walls (a GameMap is one). */
export interface MoveMap {
  width: number;
  height: number;
  walls: readonly Wall[];
}

/**
 * Go's math.Hypot: max·√(1+(min/max)²). Math.hypot's algorithm is up to the
 * engine (V8's gives the same bits for two arguments; an fdlibm-style one
 * need not), and a last-bit difference can flip a comparison such as
 * `d <= maxD` into another branch. Spelling it out keeps every browser on
 * the server's arithmetic.
 */
export function hypot(p: number, q: number): number {
  p = Math.abs(p);
  q = Math.abs(q);
  if (p === Infinity || q === Infinity) return Infinity;
  if (Number.isNaN(p) || Number.isNaN(q)) return NaN;
  if (p < q) [p, q] = [q, p];
  if (p === 0) return 0;
  q = q / p;
  return p * Math.sqrt(1 + q * q);
}

function clamp(v: number, lo: number, hi: number): number {
  if (v < lo) return lo;
  if (v > hi) return hi;
  return v;
}

/** A push out of a wall: the new centre and the unit normal it was pushed along. */
interface Push {
  x: number;
  y: number;
  nx: number;
  ny: number;
}

/**
 * game.pushOutOfRect: moves a circle overlapping r to where it only touches r
 * and returns the new centre and the push normal, or null when the circle
 * does not overlap (touching is not overlapping). Outside the rectangle the
 * push is away from the closest point; inside, out through the nearest side
 * (ties in the order left, right, top, bottom).
 */
export function pushOutOfRect(x: number, y: number, radius: number, r: Wall): Push | null {
  const cx = clamp(x, r.x, r.x + r.w);
  const cy = clamp(y, r.y, r.y + r.h);
  const dx = x - cx;
  const dy = y - cy;
  const d2 = dx * dx + dy * dy;
  if (d2 >= radius * radius) return null;
  if (d2 > 0) {
    const d = Math.sqrt(d2);
    const nx = dx / d;
    const ny = dy / d;
    const push = radius - d;
    return { x: x + nx * push, y: y + ny * push, nx, ny };
  }
  const left = x - r.x;
  const right = r.x + r.w - x;
  const top = y - r.y;
  const bottom = r.y + r.h - y;
  switch (Math.min(Math.min(left, right), Math.min(top, bottom))) {
    case left:
      return { x: r.x - radius, y, nx: -1, ny: 0 };
    case right:
      return { x: r.x + r.w + radius, y, nx: 1, ny: 0 };
    case top:
      return { x, y: r.y - radius, nx: 0, ny: -1 };
    default:
      return { x, y: r.y + r.h + radius, nx: 0, ny: 1 };
  }
}

/**
 * game.StepMovement: advances a body by dt seconds under a move input and
 * returns the new body (b is not modified). In order: the wish is scaled to
 * length ≤ 1; the velocity turns toward wish·MAX_SPEED by at most ACCEL·dt,
 * or with no wish slows by FRICTION·dt; the displacement is split into
 * substeps of at most PLAYER_RADIUS/2, each followed by up to 4 passes that
 * push the circle out of walls and remove the velocity into them (sliding);
 * finally the centre is clamped into the arena. See game/movement.go.
 */
export function stepMovement(b: MoveBody, moveX: number, moveY: number, dt: number, m: MoveMap): MoveBody {
  let { x, y, vx, vy } = b;
  // 1. wish
  const l = hypot(moveX, moveY);
  if (l > 1) {
    moveX = moveX / l;
    moveY = moveY / l;
  }
  // 2. velocity
  if (moveX !== 0 || moveY !== 0) {
    const dx = moveX * MAX_SPEED - vx;
    const dy = moveY * MAX_SPEED - vy;
    const d = hypot(dx, dy);
    const maxD = ACCEL * dt;
    if (d <= maxD) {
      vx = moveX * MAX_SPEED;
      vy = moveY * MAX_SPEED;
    } else {
      vx += dx * (maxD / d);
      vy += dy * (maxD / d);
    }
  } else {
    const s = hypot(vx, vy);
    const drop = FRICTION * dt;
    if (s <= drop) {
      vx = 0;
      vy = 0;
    } else {
      vx *= (s - drop) / s;
      vy *= (s - drop) / s;
    }
  }
  // 3. position in substeps, 4. collision after each. On amd64 Go's int()
  // of NaN, ±Inf or anything from 2⁶³ up is math.MinInt64, which the n < 1
  // check turns into 1; the same here.
  let n = Math.ceil((hypot(vx, vy) * dt) / MAX_SUBSTEP);
  if (!(n >= 1 && n < 2 ** 63)) n = 1;
  const sub = dt / n;
  for (let i = 0; i < n; i++) {
    x += vx * sub;
    y += vy * sub;
    for (let pass = 0; pass < RESOLVE_PASSES; pass++) {
      let pushed = false;
      for (const w of m.walls) {
        const p = pushOutOfRect(x, y, PLAYER_RADIUS, w);
        if (!p) continue;
        pushed = true;
        x = p.x;
        y = p.y;
        const vn = vx * p.nx + vy * p.ny;
        if (vn < 0) {
          vx -= vn * p.nx;
          vy -= vn * p.ny;
        }
      }
      if (!pushed) break;
    }
  }
  // 5. arena bounds
  if (x < PLAYER_RADIUS) {
    x = PLAYER_RADIUS;
    vx = Math.max(vx, 0);
  } else if (x > m.width - PLAYER_RADIUS) {
    x = m.width - PLAYER_RADIUS;
    vx = Math.min(vx, 0);
  }
  if (y < PLAYER_RADIUS) {
    y = PLAYER_RADIUS;
    vy = Math.max(vy, 0);
  } else if (y > m.height - PLAYER_RADIUS) {
    y = m.height - PLAYER_RADIUS;
    vy = Math.min(vy, 0);
  }
  return { x, y, vx, vy };
}
