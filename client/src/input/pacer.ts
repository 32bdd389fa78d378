// A fixed-step pacer: turns an irregular stream of timer callbacks into
// exactly one step per server tick, like the server's own accumulator loop.
// Pure and clock-free: the caller passes the time (performance.now()).

/**
 * Counts the fixed steps due since the last call. Browsers fire setInterval
 * late, early and in bursts; the accumulator absorbs that so over any stretch
 * of time the number of steps equals elapsed / stepMs. After a long stall
 * (a background tab) it runs at most maxCatchUp steps and drops the rest:
 * the server applies one input per tick and keeps only a few queued, so a
 * burst of stale inputs would only be thrown away there.
 */
export class FixedStepPacer {
  private acc = 0;
  private last: number | null = null;
  private dropped = 0;

  /** stepMs: one server tick (1000 / tickRate). maxCatchUp: most steps one call returns. */
  constructor(
    readonly stepMs: number,
    private readonly maxCatchUp = 4,
  ) {
    if (!(stepMs > 0)) throw new RangeError(`stepMs must be positive, got ${stepMs}`);
    if (!(maxCatchUp >= 1)) throw new RangeError(`maxCatchUp must be at least 1, got ${maxCatchUp}`);
  }

  /** Returns how many steps are due at time nowMs (0 on the first call, which starts the clock). */
  advance(nowMs: number): number {
    if (this.last === null) {
      this.last = nowMs;
      return 0;
    }
    // A clock that went backwards (should not happen with performance.now) counts as no time.
    this.acc += Math.max(0, nowMs - this.last);
    this.last = nowMs;
    // The epsilon keeps a timer that fires exactly on tick boundaries from
    // losing a step to floating-point rounding (1000/30 is not representable).
    let steps = Math.floor((this.acc + 1e-6) / this.stepMs);
    this.acc = Math.max(0, this.acc - steps * this.stepMs);
    if (steps > this.maxCatchUp) {
      this.dropped += steps - this.maxCatchUp;
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

  /** Steps skipped by the catch-up cap since construction. */
  get droppedSteps(): number {
    return this.dropped;
  }

  /** Restarts timing at the next advance. */
  reset(): void {
    this.acc = 0;
    this.last = null;
  }
}
