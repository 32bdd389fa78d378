// Predicted shots: the shots you fire are drawn at once, flown by the
// server's own rules (./shot: game.SpawnShot and game.StepShot), and handed
// over to the server's projectile when it shows up in the interpolated view,
// matched by the shot id your input named and the server echoes
// (PROTOCOL.md §1.4). Shots travel, so "at once" needs a clock: a shot's step
// is scheduled at `at` on the input pacer's clock, and at local time t it has
// flown 1 + (t − at)/step ticks — exactly where the server's projectile is
// drawn by the interpolator when lag compensation caught it up through the
// whole view (the server's shot has flown R + 1 ticks in the snapshot of its
// fire tick T, R = T − viewTime, and the view runs R ticks behind). So the
// handover is a no-op when the server compensated fully, and otherwise (a
// view older than --max-rewind, a shot fired later than predicted) the
// difference is blended out over a time long enough that the shot never
// appears to slow down by more than half or to go backwards — Overwatch's
// and Source's way of keeping predicted effects and correcting them without
// a pop.
//
// A shot the server never fired (on cooldown by its count, you were already
// dead, the phase did not allow it) disappears once the interpolated view
// reaches the tick it would have been fired on: the ack of its input says
// which (PROTOCOL.md §1.5 ackSeq). Pure and clock-free: times are passed in
// (ms, performance.now() or a frame's timestamp).
import type { MoveMap } from "./movement";
import { PROJECTILE_LIFETIME, PROJECTILE_SPEED, spawnShot, stepShot, ticksFor, type Shot } from "./shot";

/** A projectile as the interpolator draws it: a protocol SnapshotProjectile is one. */
export interface ServerShot {
  id: number;
  owner: number;
  x: number;
  y: number;
  shotId: number;
}

/** A projectile to draw. */
export interface DrawnShot {
  id: number;
  owner: number;
  x: number;
  y: number;
}

/** What a snapshot tells predicted shots: each input's verdict is in its ack. */
export interface AckedState {
  tick: number;
  players: ReadonlyArray<{ id: number; ackSeq: number }>;
}

/** Tuning for PredictedShots. */
export interface PredictedShotsOptions {
  /** Server ticks per second (the welcome's tickRate). */
  tickRate: number;
  /** Your PlayerID (the welcome's `you`). */
  you: number;
  /** The shortest handover blend (ms); 0 means 100. */
  blendMs?: number;
}

interface Predicted {
  id: number; // shot id
  at: number; // the scheduled time of the input step that fired it (ms)
  shot: Shot; // as spawned
  end: number; // ticks of flight until a wall stops it or its lifetime runs out
  firedTick: number | null; // the server tick of its input's slot, once acked
  seenAt: number | null; // when the server's projectile first showed in the view
  blendMs: number;
  fromX: number; // the offset from the server's projectile when it first showed
  fromY: number;
}

// A shot is forgotten this long after its flight would have ended, whatever
// the server said (a lost ack, a match that ended).
const FORGET_MS = 2000;

/**
 * Your shots, drawn at once and handed over to the server's. Feed it every
 * shot you fire (fire), every snapshot (snapshot), and at each frame the
 * projectiles the interpolator drew (frame). Not shared; one per match.
 */
export class PredictedShots {
  private readonly you: number;
  private readonly stepMs: number;
  private readonly dt: number;
  private readonly life: number;
  private readonly minBlend: number;
  private map: MoveMap | null = null;
  private shots: Predicted[] = [];

  constructor(opts: PredictedShotsOptions) {
    if (!(opts.tickRate > 0)) throw new RangeError(`tickRate must be positive, got ${opts.tickRate}`);
    this.you = opts.you;
    this.stepMs = 1000 / opts.tickRate;
    this.dt = 1 / opts.tickRate;
    this.life = ticksFor(PROJECTILE_LIFETIME, opts.tickRate);
    this.minBlend = opts.blendMs || 100;
  }

  /** Sets the map the shots fly through; until then none is predicted. */
  setMap(map: MoveMap): void {
    this.map = map;
  }

  /** The shots in flight that the server has not taken over yet (their ids). */
  get pending(): number[] {
    return this.shots.map((s) => s.id);
  }

  /**
   * Predicts the shot id fired from (x, y) along aim by the input step
   * scheduled at atMs: its whole flight, by the server's rules, until a wall
   * or its lifetime. Returns false (nothing predicted) without a map.
   */
  fire(id: number, x: number, y: number, aim: number, atMs: number): boolean {
    if (!this.map || ![x, y, aim, atMs].every(Number.isFinite)) return false;
    const shot = spawnShot(x, y, aim);
    // The server removes a shot after its lifetime's last sweep: snapshots
    // show it with 1 … life−1 ticks of flight.
    let end = this.life - 1;
    let s = shot;
    for (let k = 0; k < this.life; k++) {
      const step = stepShot(s, this.dt, this.map);
      if (step.wall) {
        end = Math.min(end, k + step.t);
        break;
      }
      s = step.shot;
    }
    this.shots = this.shots.filter((p) => p.id !== id);
    this.shots.push({ id, at: atMs, shot, end, firedTick: null, seenAt: null, blendMs: 0, fromX: 0, fromY: 0 });
    return true;
  }

  /**
   * Learns from a snapshot on which server tick each acknowledged shot's
   * input was applied: slot ackSeq was consumed on the snapshot's tick, one
   * slot per tick before it.
   */
  snapshot(s: AckedState): void {
    const me = s.players.find((p) => p.id === this.you);
    if (!me) return;
    for (const p of this.shots) {
      const behind = (me.ackSeq - p.id) >>> 0; // u32: seqs wrap
      if (p.firedTick === null && behind < 2 ** 31) p.firedTick = s.tick - behind;
    }
  }

  /**
   * What to draw at local time nowMs, given the projectiles the interpolator
   * drew for this frame (drawn) and the server time it drew them at
   * (renderTimeMs): the other projectiles as they are, yours replaced by
   * their prediction until the server's shows, then blended into it. A
   * predicted shot whose server projectile has come and gone, or never came
   * by the tick it was due, is dropped.
   */
  frame(nowMs: number, renderTimeMs: number, drawn: readonly ServerShot[]): DrawnShot[] {
    const mine = new Map<number, ServerShot>();
    for (const q of drawn) if (q.owner === this.you && q.shotId !== 0) mine.set(q.shotId, q);
    const out: DrawnShot[] = [];
    const taken = new Set<number>();
    const kept: Predicted[] = [];
    for (const p of this.shots) {
      const server = mine.get(p.id);
      const age = 1 + (nowMs - p.at) / this.stepMs;
      const at = this.position(p, age);
      if (!server) {
        const gone = p.seenAt !== null || // the server's came and went (a hit, its end)
          (p.firedTick !== null && renderTimeMs >= p.firedTick * this.stepMs) || // due, never came
          nowMs - p.at > this.life * this.stepMs + FORGET_MS;
        if (gone) continue;
        kept.push(p);
        if (at) out.push({ id: -p.id, owner: this.you, x: at.x, y: at.y });
        continue;
      }
      taken.add(server.id);
      if (p.seenAt === null) {
        p.seenAt = nowMs;
        const from = at ?? server;
        p.fromX = from.x - server.x;
        p.fromY = from.y - server.y;
        // Long enough that the blend never takes more than half the shot's
        // speed (smoothstep's steepest slope is 1.5/blend).
        p.blendMs = Math.max(this.minBlend, (3 * Math.hypot(p.fromX, p.fromY) * 1000) / PROJECTILE_SPEED);
      }
      const k = smoothstep((nowMs - p.seenAt) / p.blendMs);
      if (k >= 1) {
        out.push({ id: server.id, owner: server.owner, x: server.x, y: server.y });
        continue; // handed over: the server's is drawn from now on
      }
      kept.push(p);
      out.push({ id: server.id, owner: server.owner, x: server.x + p.fromX * (1 - k), y: server.y + p.fromY * (1 - k) });
    }
    this.shots = kept;
    for (const q of drawn) if (!taken.has(q.id)) out.push({ id: q.id, owner: q.owner, x: q.x, y: q.y });
    return out;
  }

  /** Forgets every shot (a new match, a respawn). */
  clear(): void {
    this.shots = [];
  }

  // Where p is after age ticks of flight (a straight line: it flies
  // unchanged until it ends), or null before it left or after it ended.
  private position(p: Predicted, age: number): { x: number; y: number } | null {
    if (!(age >= 0) || age > p.end) return null;
    return { x: p.shot.x + p.shot.vx * this.dt * age, y: p.shot.y + p.shot.vy * this.dt * age };
  }
}

function smoothstep(t: number): number {
  const c = Math.min(1, Math.max(0, t));
  return c * c * (3 - 2 * c);
}
