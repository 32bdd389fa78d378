// A fixed-step pacer: turns an irregular stream of timer and frame callbacks
// into one step per server tick, like the server's own accumulator loop
// (Fiedler, "Fix Your Timestep!"), on an input clock the server can steer
// (PROTOCOL.md §1.4: inputSlack). Pure and clock-free: the caller passes the
// time (performance.now() or a frame's timestamp).

/** The most the input clock runs slower or faster than the server's ticks while steered. */
export const MAX_STEER = 0.05;
/** Seconds the steering takes to remove a slack: the rate is slack / (this × 1000). */
export const STEER_SECONDS = 2;
/** How fast the rate may change, per second: a change of rate is eased in, never a jump in the motion. */
const SLEW_PER_SECOND = 0.05;

/**
 * Counts the fixed steps due since the last call. Browsers fire timers late,
 * early and in bursts; the accumulator absorbs that so over any stretch of
 * time the number of steps equals elapsed / step. After a long stall (a
 * background tab) it runs at most maxCatchUp steps and reports the rest as
 * dropped: their seqs must still be used up (the server keeps one slot per
 * tick, PROTOCOL.md §1.4), but a burst of stale inputs would only arrive
 * after their ticks.
 *
 * The step is stepMs × (1 + rate): steer() sets where the rate heads, from
 * the server's input clock advice, and the rate moves there gradually, so
 * the inputs arrive just before the server needs them (Overwatch's input
 * clock steering, Tim Ford, GDC 2017).
 */
export class FixedStepPacer {
  private acc = 0;
  private last: number | null = null;
  private dropped = 0;
  private droppedNow = 0;
  private rate = 0;
  private target = 0;

  /** stepMs: one server tick (1000 / tickRate). maxCatchUp: most steps one call returns. */
  constructor(
    readonly stepMs: number,
    private readonly maxCatchUp = 4,
  ) {
    if (!(stepMs > 0)) throw new RangeError(`stepMs must be positive, got ${stepMs}`);
    if (!(maxCatchUp >= 1)) throw new RangeError(`maxCatchUp must be at least 1, got ${maxCatchUp}`);
  }

  /**
   * Returns how many steps to run at time nowMs (0 on the first call, which
   * starts the clock); droppedNow says how many more fell due but were
   * dropped by the catch-up cap. Times earlier than the latest seen count as
   * no time, so timer and frame timestamps can be mixed.
   */
  advance(nowMs: number): number {
    this.droppedNow = 0;
    if (this.last === null) {
      this.last = nowMs;
      return 0;
    }
    const elapsed = Math.max(0, nowMs - this.last);
    if (elapsed === 0) return 0;
    this.last = nowMs;
    this.slew(elapsed);
    this.acc += elapsed;
    const step = this.currentStepMs;
    // The epsilon keeps a timer that fires exactly on step boundaries from
    // losing a step to floating-point rounding (1000/30 is not representable).
    let steps = Math.floor((this.acc + 1e-6) / step);
    this.acc = Math.max(0, this.acc - steps * step);
    if (steps > this.maxCatchUp) {
      this.droppedNow = steps - this.maxCatchUp;
      this.dropped += this.droppedNow;
      steps = this.maxCatchUp;
    }
    return steps;
  }

  /**
   * How long ago (ms) the newest step fell due, as of the last advance: the
   * step's scheduled time is nowMs − lagMs. Prediction times its steps by
   * the schedule rather than by when the timer happened to fire.
   */
  get lagMs(): number {
    return this.acc;
  }

  /** The length of a step now (ms): stepMs stretched by the steering. */
  get currentStepMs(): number {
    return this.stepMs * (1 + this.rate);
  }

  /** When (ms, the callers' clock) the next step falls due, as of the last advance; null before the first. */
  get nextDueAt(): number | null {
    return this.last === null ? null : this.last + Math.max(0, this.currentStepMs - this.acc);
  }

  /** The steering now: the step is stepMs × (1 + rate). */
  get steering(): number {
    return this.rate;
  }

  /** Steps dropped by the catch-up cap in the last advance. */
  get droppedNowSteps(): number {
    return this.droppedNow;
  }

  /** Steps skipped by the catch-up cap since construction. */
  get droppedSteps(): number {
    return this.dropped;
  }

  /**
   * Takes the server's input clock advice (PROTOCOL.md §1.5 inputSlack, ms):
   * positive, inputs arrive that much earlier than needed, so the clock runs
   * slower until they do not; negative, faster. The rate heads for
   * slack / 2000 (the slack is gone in about two seconds, and the server's
   * two-second window cannot make it overshoot), at most ±5 %.
   */
  steer(slackMs: number): void {
    if (!Number.isFinite(slackMs)) return;
    this.target = Math.max(-MAX_STEER, Math.min(MAX_STEER, slackMs / (STEER_SECONDS * 1000)));
  }

  /** Restarts timing at the next advance (the steering is kept). */
  reset(): void {
    this.acc = 0;
    this.last = null;
  }

  private slew(elapsedMs: number): void {
    const most = (SLEW_PER_SECOND * Math.min(elapsedMs, 1000)) / 1000;
    this.rate += Math.max(-most, Math.min(most, this.target - this.rate));
  }
}
