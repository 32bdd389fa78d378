// Your own player's input path, pure and clock-free so it is tested with
// simulated timers: a steered fixed-step input clock (input/pacer) turns
// timer and frame callbacks into one input per server tick, each input is
// predicted at once (net/prediction) and sent, each snapshot reconciles the
// prediction and steers the input clock by the server's advice
// (PROTOCOL.md §1.4), and every frame draws the prediction blended at the
// frame's own time. The play view (./session) wires it to the socket, the
// keyboard and the frames.
import { FixedStepPacer } from "../input/pacer";
import { Predictor, type AuthoritativeState, type Move, type Point, type Reconciliation } from "../net/prediction";
import type { InputCmd, SnapshotPlayer } from "../net/protocol";
import type { MoveMap } from "../net/movement";

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
  private started = false;

  constructor(private readonly opts: OwnPlayerOptions) {
    this.predictor = new Predictor({ tickRate: opts.tickRate, you: opts.you });
    this.pacer = new FixedStepPacer(1000 / opts.tickRate, opts.maxCatchUp ?? 4);
  }

  /** Sets the map; prediction starts with the next snapshot (Predictor.setMap). */
  setMap(map: MoveMap): void {
    this.predictor.setMap(map);
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
      this.opts.send(this.predictor.input(intent, newest - (n - 1 - i) * step));
    }
    this.predictor.setStepMs(step);
    return n;
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
