// Client-side prediction and server reconciliation of your own player's
// movement (Quake/Source, Gambetta's "Fast-Paced Multiplayer"): every input
// moves the predicted body at once with the server's own step (./movement),
// so controls respond in the frame you press them rather than a round trip
// later; each snapshot re-bases the prediction on the server's state for
// the last input it applied (ackSeq) and replays the inputs it has not
// applied yet. A difference between the two (the server repeated an input
// that arrived late, a dropped input, the wire's 1/8-unit rounding) is
// shown as a visual offset that decays over ~100 ms instead of a jump.
//
// It follows the server's rules (PROTOCOL.md §1.4, game/world.go): one input
// is one step of 1/tickRate; dead players do not move (their inputs are still
// acknowledged); nobody moves once the match has ended; a respawn, the
// countdown's move to the spawns and a death are jumps, shown as such. Ticks
// on which the server repeated an input are in its state by the time it
// arrives; the client cannot know of repeats still to come, so it does not
// guess them, and reconciliation absorbs them.
//
// Pure and clock-free: times are passed in (ms, performance.now()).
import { InputHistory } from "../input/history";
import type { Phase } from "../match/events";
import { MAX_SPEED, stepMovement, type MoveBody, type MoveMap } from "./movement";
import { POS_SCALE, type InputCmd, type SnapshotPlayer } from "./protocol";

/** Tuning for a Predictor. */
export interface PredictorOptions {
  /** Server ticks per second (the welcome's tickRate): one input is one step of 1/tickRate s. */
  tickRate: number;
  /** Your PlayerID (the welcome's `you`). */
  you: number;
  /** A correction decays exponentially and is 95% gone after this long (ms); 0 means 100. */
  smoothingMs?: number;
  /** A correction longer than this (world units) is shown as a jump, not smoothed; 0 means 64 (4 radii). */
  snapDistance?: number;
  /** Unacknowledged inputs kept; 0 means 128 (over 4 s at 30 Hz). */
  capacity?: number;
}

/** What reconciliation reads from a snapshot; a protocol Snapshot is one. */
export interface AuthoritativeState {
  tick: number;
  phase: Phase;
  players: ReadonlyArray<Pick<SnapshotPlayer, "id" | "x" | "y" | "vx" | "vy" | "alive" | "deaths" | "ackSeq">>;
}

/** What one snapshot did to the prediction. */
export interface Reconciliation {
  /** False when the snapshot was ignored: not newer than one already applied, or without you. */
  applied: boolean;
  /** How far the snapshot moved your newest predicted position (world units); 0 when the server agreed. */
  error: number;
  /** The view jumps to the new position: first state, respawn, death, countdown start or a huge error. */
  snapped: boolean;
  /** Unacknowledged inputs replayed on top of the server's state. */
  replayed: number;
}

/** A point in world units. */
export interface Point {
  x: number;
  y: number;
}

const IGNORED: Reconciliation = { applied: false, error: 0, snapped: false, replayed: 0 };
// A server velocity beyond this is not movement the step produces (a broken
// frame): refusing to predict from it also bounds stepMovement's substeps.
const MAX_PLAUSIBLE_SPEED = 10 * MAX_SPEED;
// Offsets smaller than this (world units) are invisible; dropping them stops
// an exponential tail from living forever.
const NEGLIGIBLE = 1e-3;

interface Last {
  tick: number;
  phase: Phase;
  alive: boolean;
  deaths: number;
  ackSeq: number;
}

/**
 * Predicts your player's position. Feed it every input you send (input) and
 * every snapshot (snapshot); draw at render(now). Not shared; one per match.
 */
export class Predictor {
  private readonly history: InputHistory;
  private readonly you: number;
  private readonly dt: number;
  private readonly stepMs: number;
  private readonly tau: number;
  private readonly snapDistance: number;
  private map: MoveMap | null = null;
  private last: Last | null = null;
  private active = false;
  // The newest predicted body and the one a step before it: render()
  // interpolates between them over the tick after stepAt, so your player
  // moves at the display's rate rather than in tick-sized hops.
  private cur: MoveBody | null = null;
  private prev: MoveBody | null = null;
  private stepAt = -Infinity;
  // The visual offset (world units) at offAt; it decays from there.
  private offX = 0;
  private offY = 0;
  private offAt = 0;
  private corrected = 0; // read by corrections (the network overlay)
  private lastCorrected = 0;

  constructor(opts: PredictorOptions) {
    if (!(opts.tickRate > 0)) throw new RangeError(`tickRate must be positive, got ${opts.tickRate}`);
    this.you = opts.you;
    this.dt = 1 / opts.tickRate;
    this.stepMs = 1000 / opts.tickRate;
    this.tau = (opts.smoothingMs || 100) / 3; // e^-3 ≈ 5%
    this.snapDistance = opts.snapDistance || 64;
    this.history = new InputHistory(opts.capacity || 128);
  }

  /**
   * Sets the map to collide with. Until it is set nothing is predicted (a
   * guess without the walls would only be corrected); prediction starts with
   * the next snapshot.
   */
  setMap(map: MoveMap): void {
    this.map = map;
  }

  /** True while your movement is predicted: map known, you alive, match not ended. */
  get predicting(): boolean {
    return this.active;
  }

  /**
   * Mispredictions so far: snapshots that moved the newest predicted position
   * by more than the wire's resolution (1/8 unit) while you were predicted
   * before and after (so deaths, respawns and the first state are not
   * counted), and the size of the last one (world units; 0 before any).
   */
  get corrections(): { count: number; last: number } {
    return { count: this.corrected, last: this.lastCorrected };
  }

  /** The inputs sent but not yet applied by the server, oldest first. Do not modify. */
  pending(): readonly InputCmd[] {
    return this.history.pending();
  }

  /** The newest predicted position (no smoothing): where the server will put you. Null before the first snapshot. */
  get position(): Point | null {
    return this.cur ? { x: this.cur.x, y: this.cur.y } : null;
  }

  /**
   * Records one input about to be sent and steps the prediction with it.
   * atMs is the time of its tick (the pacer's schedule, not the timer's
   * jitter). Returns the input stamped with its sequence number.
   */
  input(intent: Omit<InputCmd, "seq">, atMs: number): InputCmd {
    const cmd = this.history.record(intent);
    if (this.active && this.cur && this.map && finiteInput(cmd)) {
      this.prev = this.cur;
      this.cur = stepMovement(this.cur, cmd.moveX, cmd.moveY, this.dt, this.map);
      this.stepAt = atMs;
    }
    return cmd;
  }

  /** Reconciles with a snapshot that arrived at nowMs. */
  snapshot(s: AuthoritativeState, nowMs: number): Reconciliation {
    const me = s.players.find((p) => p.id === this.you);
    const last = this.last;
    // TCP keeps order, but a replaced or replayed frame must never rewind the prediction.
    if (!me || (last && (s.tick <= last.tick || me.ackSeq < last.ackSeq))) return IGNORED;
    if (![me.x, me.y, me.vx, me.vy].every(Number.isFinite)) return IGNORED;

    const shown = this.render(nowMs);
    const oldCur = this.cur;
    const oldPrev = this.prev;
    const wasActive = this.active;

    this.history.ack(me.ackSeq);
    this.last = { tick: s.tick, phase: s.phase, alive: me.alive, deaths: me.deaths, ackSeq: me.ackSeq };
    this.active = this.map !== null && me.alive && s.phase !== "ended" &&
      Math.hypot(me.vx, me.vy) <= MAX_PLAUSIBLE_SPEED;

    const base: MoveBody = { x: me.x, y: me.y, vx: me.vx, vy: me.vy };
    let prev = base;
    let cur = base;
    let replayed = 0;
    if (this.active && this.map) {
      for (const cmd of this.history.pending()) {
        if (!finiteInput(cmd)) continue;
        prev = cur;
        cur = stepMovement(cur, cmd.moveX, cmd.moveY, this.dt, this.map);
        replayed++;
      }
      // Everything acknowledged: keep the last step's motion for render()'s
      // interpolation, moved by the correction.
      if (replayed === 0 && wasActive && oldCur && oldPrev) {
        prev = { ...oldPrev, x: oldPrev.x + cur.x - oldCur.x, y: oldPrev.y + cur.y - oldCur.y };
      }
    }
    this.prev = prev;
    this.cur = cur;
    const error = oldCur ? Math.hypot(cur.x - oldCur.x, cur.y - oldCur.y) : 0;
    if (wasActive && this.active && error > 1 / POS_SCALE) {
      this.corrected++;
      this.lastCorrected = error;
    }

    // What the offset must be for the view not to move at this instant.
    const now = this.interpolated(nowMs);
    const jumpX = shown ? shown.x - now.x : 0;
    const jumpY = shown ? shown.y - now.y : 0;
    const snapped = !shown || !last ||
      last.alive !== me.alive || // death: fall where you died; respawn: appear at the spawn
      last.deaths !== me.deaths || // died and respawned between two snapshots
      (last.phase === "waiting" && s.phase !== "waiting") || // the countdown moves everyone to a spawn
      Math.hypot(jumpX, jumpY) > this.snapDistance;
    this.setOffset(snapped ? 0 : jumpX, snapped ? 0 : jumpY, nowMs);
    return { applied: true, error, snapped, replayed };
  }

  /**
   * Where to draw your player at nowMs: the prediction (interpolated across
   * the current tick) plus what is left of the last correction; the
   * server's position while not predicting. Null before the first snapshot.
   */
  render(nowMs: number): Point | null {
    if (!this.cur) return null;
    const p = this.interpolated(nowMs);
    const k = this.offsetFactor(nowMs);
    return { x: p.x + this.offX * k, y: p.y + this.offY * k };
  }

  /** The current visual offset (world units) at nowMs: the part of a correction not yet shown. */
  offset(nowMs: number): Point {
    const k = this.offsetFactor(nowMs);
    return { x: this.offX * k, y: this.offY * k };
  }

  private interpolated(nowMs: number): Point {
    const cur = this.cur as MoveBody;
    const prev = this.prev ?? cur;
    if (!this.active) return { x: cur.x, y: cur.y };
    const a = (nowMs - this.stepAt) / this.stepMs;
    if (!(a < 1)) return { x: cur.x, y: cur.y };
    if (a <= 0) return { x: prev.x, y: prev.y };
    return { x: prev.x + (cur.x - prev.x) * a, y: prev.y + (cur.y - prev.y) * a };
  }

  private offsetFactor(nowMs: number): number {
    if (this.offX === 0 && this.offY === 0) return 0;
    return Math.exp(-Math.max(0, nowMs - this.offAt) / this.tau);
  }

  private setOffset(x: number, y: number, nowMs: number): void {
    if (Math.hypot(x, y) < NEGLIGIBLE) x = y = 0;
    this.offX = x;
    this.offY = y;
    this.offAt = nowMs;
  }
}

// The server drops a whole input with a NaN or infinite value (§1.4), so it never moves anyone.
function finiteInput(c: InputCmd): boolean {
  return Number.isFinite(c.moveX) && Number.isFinite(c.moveY) && Number.isFinite(c.aim);
}
