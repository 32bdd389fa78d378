// Your own player's input path, pure and clock-free so it is tested with
// simulated timers: a steered fixed-step input clock (input/pacer) turns
// timer and frame callbacks into one input per server tick, each input is
// predicted at once (net/prediction) and sent, each snapshot reconciles the
// prediction and steers the input clock by the server's advice
// (PROTOCOL.md §1.4), and every frame draws the prediction blended at the
// frame's own time. Every input says where you saw the others (its view
// time, for the server's lag compensation) and each shot it fires is named
// (its shot id, the input's seq) and drawn at once by the server's rules
// (net/shots) until the server's own takes over. The play view (./session)
// wires it to the socket, the keyboard and the frames.
import { FixedStepPacer } from "../input/pacer";
import type { Phase } from "../match/events";
import { Predictor, type AuthoritativeState, type Move, type Point, type Reconciliation } from "../net/prediction";
import { Button, type InputCmd, type SnapshotPlayer } from "../net/protocol";
import type { MoveMap } from "../net/movement";
import { FIRE_COOLDOWN, ticksFor } from "../net/shot";
import { PredictedShots } from "../net/shots";

/** Configuration of an OwnPlayer. */
export interface OwnPlayerOptions {
  /** Server ticks per second (the welcome's tickRate). */
  tickRate: number;
  /** Your PlayerID (the welcome's `you`). */
  you: number;
  /** Sends one input to the server. */
  send(cmd: InputCmd): void;
  /** Most input steps one call runs after a stall; the rest are dropped (default 4). */
  maxCatchUp?: number;
  /**
   * The server time, in ticks, at which the other players were drawn around
   * local time atMs (the interpolation's render time): each input's view
   * time. 0, or absent: none (the server judges your shots against the present).
   */
  viewTime?(atMs: number): number;
}

/** Reads the controls: the intent of one input step. */
export type Sampler = () => Omit<InputCmd, "seq">;

/** A snapshot as the own player reads it: a protocol Snapshot is one. */
export interface OwnState extends AuthoritativeState {
  players: ReadonlyArray<AuthoritativeState["players"][number] & Partial<Pick<SnapshotPlayer, "inputSlack">>>;
}

/** Your player's inputs, prediction and drawing. Not shared; one per match. */
export class OwnPlayer {
  readonly predictor: Predictor;
  readonly pacer: FixedStepPacer;
  /** Your shots, drawn at once (Predicted shots: net/shots). */
  readonly shots: PredictedShots;
  private started = false;
  private phase: Phase | null = null;
  private lastShot: number | null = null; // the seq of the newest shot predicted
  private readonly cooldown: number; // ticks between two shots (game.FireCooldown)

  constructor(private readonly opts: OwnPlayerOptions) {
    this.predictor = new Predictor({ tickRate: opts.tickRate, you: opts.you });
    this.pacer = new FixedStepPacer(1000 / opts.tickRate, opts.maxCatchUp ?? 4);
    this.shots = new PredictedShots({ tickRate: opts.tickRate, you: opts.you });
    this.cooldown = ticksFor(FIRE_COOLDOWN, opts.tickRate);
  }

  /** Sets the map; prediction starts with the next snapshot (Predictor.setMap). */
  setMap(map: MoveMap): void {
    this.predictor.setMap(map);
    this.shots.setMap(map);
  }

  /**
   * Runs the input steps due at nowMs (a timer's performance.now() or a
   * frame's timestamp; the first call starts the clock): each samples the
   * controls, is predicted at its scheduled time and sent. Steps the
   * catch-up cap dropped use up their seqs unsent. Returns how many inputs
   * were sent.
   */
  pump(nowMs: number, sample: Sampler): number {
    if (!this.started) {
      this.started = true;
      this.pacer.advance(nowMs);
      return 0;
    }
    const n = this.pacer.advance(nowMs);
    if (n === 0) return 0;
    this.predictor.skip(this.pacer.droppedNowSteps);
    const step = this.pacer.currentStepMs;
    const newest = nowMs - this.pacer.lagMs;
    // The keys do not change within one call: one sample serves every step.
    const intent = sample();
    for (let i = 0; i < n; i++) {
      const at = newest - (n - 1 - i) * step;
      const cmd: InputCmd = this.predictor.input(intent, at);
      const view = this.opts.viewTime?.(at) ?? 0;
      cmd.viewTime = Number.isFinite(view) && view > 0 ? view : 0;
      if ((cmd.buttons & Button.Fire) !== 0) {
        cmd.shotId = cmd.seq;
        this.predictShot(cmd, at);
      }
      this.opts.send(cmd);
    }
    this.predictor.setStepMs(step);
    return n;
  }

  /**
   * Draws the shot cmd fires if the server will fire it by the rules it
   * knows (game.World.applyInputs): alive (predicting), the phase waiting or
   * live, the cooldown over; from where the step just predicted puts you,
   * along the input's aim. A shot the server refuses after all (its cooldown
   * ran from a shot a stand-in fired) disappears (net/shots).
   */
  private predictShot(cmd: InputCmd, atMs: number): void {
    const at = this.predictor.position;
    if (!at || !this.predictor.predicting || (this.phase !== "waiting" && this.phase !== "live")) return;
    if (this.lastShot !== null && ((cmd.seq - this.lastShot) >>> 0) < this.cooldown) return;
    if (this.shots.fire(cmd.seq, at.x, at.y, cmd.aim, atMs)) this.lastShot = cmd.seq;
  }

  /**
   * Where to draw your player at a frame (nowMs: its timestamp): the steps
   * due by then run first, then the prediction is blended at nowMs, towards
   * live (the keys held now) past the newest step. Null before the first
   * snapshot.
   */
  frame(nowMs: number, sample: Sampler, live: Move): Point | null {
    this.pump(nowMs, sample);
    return this.predictor.render(nowMs, live);
  }

  /** Reconciles with a snapshot that arrived at nowMs and takes its input clock advice. */
  snapshot(s: OwnState, nowMs: number): Reconciliation {
    const r = this.predictor.snapshot(s, nowMs);
    if (r.applied) this.phase = s.phase;
    this.shots.snapshot(s);
    const me = s.players.find((p) => p.id === this.opts.you);
    if (r.applied && me?.inputSlack !== undefined) {
      this.pacer.steer(me.inputSlack);
      this.predictor.setStepMs(this.pacer.currentStepMs);
    }
    return r;
  }

  /**
   * How long after nowMs (ms) the next input step falls due: when a timer
   * should call pump so inputs leave on time even without frames (a
   * background tab).
   */
  nextDueIn(nowMs: number): number {
    return this.pacer.nextDueAt === null ? 0 : Math.max(0, this.pacer.nextDueAt - nowMs);
  }
}
