// Client-side prediction and server reconciliation of your own player's
// movement (Quake/Source, Gambetta's "Fast-Paced Multiplayer"): every input
// moves the predicted body at once with the server's own step (./movement),
// so controls respond in the frame you press them rather than a round trip
// later; each snapshot re-bases the prediction on the server's state for
// the newest input slot it consumed (ackSeq) and replays the inputs after it.
//
// Drawing is not stepping (Fiedler, "Fix Your Timestep!"): the predicted
// steps are fixed, one per server tick, on the input pacer's schedule, and
// render() blends between them at the frame's own time, so motion is even at
// any display rate and however the input timer and the frames line up. Step
// n (scheduled at S_n) is shown whole a quarter step after it was decided,
// at S_n + step/4 (Fiedler shows it a whole step later; this runs closer to
// the present), and for the rest of the step, until the next input is
// sampled, the view blends towards a step taken with the keys held right
// now (the live intent), so a key press shows in the next frame or the one
// after. The lookahead (¾ of a step) balances that against how far the view
// runs ahead of the server: issue 6 budgets ≤ 2 frames for a key press and
// ≤ one-way delay + 35 ms ahead (client/src/play/own.test.ts measures both).
//
// A difference between a snapshot and the prediction (an input the server
// skipped, PROTOCOL.md §1.4; the wire's 1/8-unit rounding) is shown as a
// visual offset that shrinks at a bounded speed and then decays (the error
// smoothing of Source and Overwatch) instead of a jump.
//
// It follows the server's rules (PROTOCOL.md §1.4, game/world.go): one input
// is one step of 1/tickRate; dead players do not move (their inputs are still
// acknowledged); nobody moves once the match has ended; a respawn, the
// countdown's move to the spawns and a death are jumps, shown as such.
//
// Pure and clock-free: times are passed in (ms, performance.now() or a
// frame's timestamp).
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
  /** Once a correction is small it decays exponentially, 95% gone after this long (ms); 0 means 100. */
  smoothingMs?: number;
  /** The fastest a correction is taken back (world units/s); 0 means 60, about a unit per frame at 60 Hz. */
  smoothingSpeed?: number;
  /** A correction longer than this (world units) is shown as a jump, not smoothed; 0 means 64 (4 radii). */
  snapDistance?: number;
  /** Unacknowledged inputs kept; 0 means 128 (over 4 s at 30 Hz). */
  capacity?: number;
  /**
   * How far the view runs ahead of Fiedler's "one step behind", in steps
   * (0..1): a step scheduled at S is shown whole at S + (1 − lookahead)
   * steps. Undefined means 0.75.
   */
  lookahead?: number;
}

/** What reconciliation reads from a snapshot; a protocol Snapshot is one. */
export interface AuthoritativeState {
  tick: number;
  phase: Phase;
  players: ReadonlyArray<
    Pick<SnapshotPlayer, "id" | "x" | "y" | "vx" | "vy" | "alive" | "deaths" | "ackSeq"> &
      Partial<Pick<SnapshotPlayer, "inputsAwaited">>
  >;
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
  /**
   * The server stood in for inputs of yours still on their way (inputsAwaited)
   * and may yet redo your movement with them: the snapshot was not
   * reconciled with, the prediction kept.
   */
  provisional: boolean;
}

/** A point in world units. */
export interface Point {
  x: number;
  y: number;
}

/** A move vector: the part of an intent prediction needs. */
export interface Move {
  moveX: number;
  moveY: number;
}

const IGNORED: Reconciliation = { applied: false, error: 0, snapped: false, replayed: 0, provisional: false };
// A provisional state is waited out at most this long (ms): the verdict on
// late inputs comes within a tick of their arrival, so a longer wait means
// they are not coming.
const PROVISIONAL_MS = 500;
// A server velocity beyond this is not movement the step produces (a broken
// frame): refusing to predict from it also bounds stepMovement's substeps.
const MAX_PLAUSIBLE_SPEED = 10 * MAX_SPEED;
// Offsets smaller than this (world units) are invisible; dropping them stops
// an exponential tail from living forever.
const NEGLIGIBLE = 1e-3;
// Predicted steps kept for drawing: the newest and the few before it, for
// frames whose time falls a little behind the newest step.
const KEPT = 4;

interface Last {
  tick: number;
  phase: Phase;
  alive: boolean;
  deaths: number;
  ackSeq: number;
}

/** One predicted step: the body after input seq, scheduled at `at`. */
interface Step {
  seq: number;
  at: number;
  body: MoveBody;
}

/**
 * Predicts your player's position. Feed it every input you send (input),
 * every input step you drop (skip) and every snapshot (snapshot); draw at
 * render(now). Not shared; one per match.
 */
export class Predictor {
  private readonly history: InputHistory;
  private readonly you: number;
  private readonly dt: number;
  private stepMs: number;
  private readonly lead: number;
  private readonly tau: number;
  private readonly speed: number;
  private readonly snapDistance: number;
  private map: MoveMap | null = null;
  private last: Last | null = null;
  private active = false;
  // The newest predicted steps, oldest first (the server's state while not
  // predicting: one entry).
  private steps: Step[] = [];
  private live: Move | null = null;
  // The tentative next step for the live intent, cached per (newest step, live move).
  private tentative: { from: Step; move: Move; body: MoveBody } | null = null;
  // The visual offset (world units) at offAt; it shrinks from there.
  private offX = 0;
  private offY = 0;
  private offAt = 0;
  private provisionalSince: number | null = null;
  private corrected = 0; // read by corrections (the network overlay)
  private lastCorrected = 0;

  constructor(opts: PredictorOptions) {
    if (!(opts.tickRate > 0)) throw new RangeError(`tickRate must be positive, got ${opts.tickRate}`);
    const lookahead = opts.lookahead ?? 0.75;
    if (!(lookahead >= 0 && lookahead <= 1)) throw new RangeError(`lookahead must be within 0..1, got ${lookahead}`);
    this.you = opts.you;
    this.dt = 1 / opts.tickRate;
    this.stepMs = 1000 / opts.tickRate;
    this.lead = lookahead;
    this.tau = (opts.smoothingMs || 100) / 3; // e^-3 ≈ 5%
    this.speed = (opts.smoothingSpeed || 60) / 1000; // units per ms
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

  /**
   * Sets the length of the coming steps (ms): the input pacer's current
   * step, which its steering stretches slightly. Drawing blends over it.
   */
  setStepMs(ms: number): void {
    if (ms > 0 && Number.isFinite(ms)) this.stepMs = ms;
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

  /** The inputs sent but not yet consumed by the server, oldest first. Do not modify. */
  pending(): readonly InputCmd[] {
    return this.history.pending();
  }

  /** The newest predicted position (no smoothing): where the server will put you. Null before the first snapshot. */
  get position(): Point | null {
    const cur = this.steps[this.steps.length - 1];
    return cur ? { x: cur.body.x, y: cur.body.y } : null;
  }

  /**
   * Records one input about to be sent and steps the prediction with it.
   * atMs is the time of its step on the pacer's schedule (not the timer's
   * jitter). Returns the input stamped with its sequence number.
   */
  input(intent: Omit<InputCmd, "seq">, atMs: number): InputCmd {
    const cmd = this.history.record(intent, atMs);
    const cur = this.steps[this.steps.length - 1];
    if (this.active && cur && this.map && finiteInput(cmd)) {
      this.push({ seq: cmd.seq, at: atMs, body: stepMovement(cur.body, cmd.moveX, cmd.moveY, this.dt, this.map) });
    }
    return { seq: cmd.seq, moveX: cmd.moveX, moveY: cmd.moveY, aim: cmd.aim, buttons: cmd.buttons };
  }

  /**
   * Uses up the seqs of n input steps that were never sent (the pacer
   * dropped them after a stall): the server gives their slots stand-ins.
   */
  skip(n: number): void {
    this.history.skip(n);
  }

  /** Reconciles with a snapshot that arrived at nowMs. */
  snapshot(s: AuthoritativeState, nowMs: number): Reconciliation {
    const me = s.players.find((p) => p.id === this.you);
    const last = this.last;
    // TCP keeps order, but a replaced or replayed frame must never rewind the prediction.
    if (!me || (last && (s.tick <= last.tick || me.ackSeq < last.ackSeq))) return IGNORED;
    if (![me.x, me.y, me.vx, me.vy].every(Number.isFinite)) return IGNORED;

    // Stand-ins for inputs of ours still in flight: the server may redo our
    // movement when they arrive, so this state is not the verdict. Keep the
    // prediction (it already holds those inputs) unless life, death or the
    // phase changed, or the verdict is overdue.
    if ((me.inputsAwaited ?? 0) > 0 && last && this.active && me.alive === last.alive &&
      me.deaths === last.deaths && s.phase === last.phase) {
      this.provisionalSince ??= nowMs;
      if (nowMs - this.provisionalSince <= PROVISIONAL_MS) {
        this.history.ack(me.ackSeq);
        this.last = { tick: s.tick, phase: s.phase, alive: me.alive, deaths: me.deaths, ackSeq: me.ackSeq };
        return { applied: true, error: 0, snapped: false, replayed: 0, provisional: true };
      }
    } else {
      this.provisionalSince = null;
    }

    const shown = this.render(nowMs);
    const old = this.steps;
    const oldCur = old[old.length - 1];

    this.history.ack(me.ackSeq);
    this.last = { tick: s.tick, phase: s.phase, alive: me.alive, deaths: me.deaths, ackSeq: me.ackSeq };
    const wasActive = this.active;
    this.active = this.map !== null && me.alive && s.phase !== "ended" &&
      Math.hypot(me.vx, me.vy) <= MAX_PLAUSIBLE_SPEED;

    const pending = this.history.pending();
    const base: Step = {
      seq: me.ackSeq,
      at: pending[0] ? pending[0].at - this.stepMs : (this.history.lastAckedAt ?? nowMs),
      body: { x: me.x, y: me.y, vx: me.vx, vy: me.vy },
    };
    let replayed = 0;
    if (!this.active || !this.map) {
      this.steps = [base];
    } else {
      // The steps before the base keep their motion, moved by the correction,
      // so a frame that falls behind the base still blends smoothly.
      const was = old.find((st) => st.seq === base.seq);
      const older = was ? old.filter((st) => st.seq < base.seq).map((st) => shift(st, base.body, was.body)) : [];
      const steps = [...older, base];
      let cur = base;
      for (const cmd of pending) {
        if (!finiteInput(cmd)) continue;
        cur = { seq: cmd.seq, at: cmd.at, body: stepMovement(cur.body, cmd.moveX, cmd.moveY, this.dt, this.map) };
        steps.push(cur);
        replayed++;
      }
      this.steps = steps.slice(-KEPT);
    }
    this.tentative = null;
    const cur = this.steps[this.steps.length - 1] as Step;
    const error = oldCur ? Math.hypot(cur.body.x - oldCur.body.x, cur.body.y - oldCur.body.y) : 0;
    if (wasActive && this.active && error > 1 / POS_SCALE) {
      this.corrected++;
      this.lastCorrected = error;
    }

    // What the offset must be for the view not to move at this instant.
    const now = this.blended(nowMs);
    const jumpX = shown ? shown.x - now.x : 0;
    const jumpY = shown ? shown.y - now.y : 0;
    const snapped = !shown || !last ||
      last.alive !== me.alive || // death: fall where you died; respawn: appear at the spawn
      last.deaths !== me.deaths || // died and respawned between two snapshots
      (last.phase === "waiting" && s.phase !== "waiting") || // the countdown moves everyone to a spawn
      Math.hypot(jumpX, jumpY) > this.snapDistance;
    this.setOffset(snapped ? 0 : jumpX, snapped ? 0 : jumpY, nowMs);
    return { applied: true, error, snapped, replayed, provisional: false };
  }

  /**
   * Where to draw your player at nowMs: the predicted steps blended at that
   * time (towards a step with the live move, the keys held now, once the
   * newest step is shown whole) plus what is left of the last correction;
   * the server's position while not predicting. live is remembered for
   * later calls (a snapshot's). Null before the first snapshot.
   */
  render(nowMs: number, live?: Move): Point | null {
    if (live && Number.isFinite(live.moveX) && Number.isFinite(live.moveY)) this.live = live;
    if (this.steps.length === 0) return null;
    const p = this.blended(nowMs);
    const o = this.offset(nowMs);
    return { x: p.x + o.x, y: p.y + o.y };
  }

  /** The current visual offset (world units) at nowMs: the part of a correction not yet shown. */
  offset(nowMs: number): Point {
    if (this.offX === 0 && this.offY === 0) return { x: 0, y: 0 };
    const k = this.offsetFactor(nowMs);
    return { x: this.offX * k, y: this.offY * k };
  }

  // The predicted position at nowMs without the offset. Step i is shown
  // whole at shownAt(i) = at_i + step·(1 − lookahead); between two of those
  // times the view blends linearly.
  private blended(nowMs: number): Point {
    const steps = this.steps;
    const cur = steps[steps.length - 1] as Step;
    if (!this.active || !this.map) return { x: cur.body.x, y: cur.body.y };
    const behind = this.stepMs * (1 - this.lead);
    if (nowMs >= cur.at + behind) {
      // Past the newest step: towards the step the live move will take.
      const next = this.tentativeBody(cur);
      const a = Math.min(1, (nowMs - cur.at - behind) / this.stepMs);
      return lerp(cur.body, next, a);
    }
    for (let i = steps.length - 1; i > 0; i--) {
      const to = steps[i] as Step;
      const from = steps[i - 1] as Step;
      // A step blends in over at most one step's time, even after a gap (the
      // first step after prediction starts, or after dropped steps).
      const start = Math.max(from.at, to.at - this.stepMs);
      if (nowMs >= start + behind) {
        const span = to.at - start;
        return lerp(from.body, to.body, span > 0 ? Math.min(1, (nowMs - start - behind) / span) : 1);
      }
      if (nowMs >= from.at + behind) return { x: from.body.x, y: from.body.y };
    }
    const first = steps[0] as Step;
    return { x: first.body.x, y: first.body.y };
  }

  private tentativeBody(cur: Step): MoveBody {
    const move = this.live ?? this.lastMove();
    const t = this.tentative;
    if (t && t.from === cur && t.move.moveX === move.moveX && t.move.moveY === move.moveY) return t.body;
    const body = stepMovement(cur.body, move.moveX, move.moveY, this.dt, this.map as MoveMap);
    this.tentative = { from: cur, move: { moveX: move.moveX, moveY: move.moveY }, body };
    return body;
  }

  // Without a live move, the newest input's: the keys are assumed still held.
  private lastMove(): Move {
    const p = this.history.pending();
    return p[p.length - 1] ?? { moveX: 0, moveY: 0 };
  }

  private push(st: Step): void {
    this.steps.push(st);
    if (this.steps.length > KEPT) this.steps.shift();
  }

  // The share of the offset left at nowMs: it shrinks at most `speed` units
  // per ms while large, then decays exponentially (continuous in speed where
  // the two meet, at speed·tau units).
  private offsetFactor(nowMs: number): number {
    const e0 = Math.hypot(this.offX, this.offY);
    const t = Math.max(0, nowMs - this.offAt);
    const knee = this.speed * this.tau;
    if (e0 > knee) {
      const linear = (e0 - knee) / this.speed;
      if (t <= linear) return (e0 - this.speed * t) / e0;
      return (knee * Math.exp(-(t - linear) / this.tau)) / e0;
    }
    return Math.exp(-t / this.tau);
  }

  private setOffset(x: number, y: number, nowMs: number): void {
    if (Math.hypot(x, y) < NEGLIGIBLE) x = y = 0;
    this.offX = x;
    this.offY = y;
    this.offAt = nowMs;
  }
}

function lerp(a: MoveBody, b: MoveBody, t: number): Point {
  return { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t };
}

// st moved by the correction that took `was` to `now`.
function shift(st: Step, now: MoveBody, was: MoveBody): Step {
  return { ...st, body: { ...st.body, x: st.body.x + now.x - was.x, y: st.body.y + now.y - was.y } };
}

// The server drops a whole input with a NaN or infinite value (§1.4), so it never moves anyone.
function finiteInput(c: InputCmd): boolean {
  return Number.isFinite(c.moveX) && Number.isFinite(c.moveY) && Number.isFinite(c.aim);
}
