// Rates for the network overlay: per-second figures from the cumulative
// counters the socket, the interpolator and the predictor keep. Pure and
// clock-free: times are passed in (ms).

/**
 * The rate of a cumulative counter over the last windowMs: (newest total −
 * oldest total in the window) / (their time apart). Recorded totals are kept
 * 50 ms apart (the newest always), so memory is bounded by windowMs / 50.
 * Not safe for concurrent use.
 */
export class Rate {
  private samples: Array<[number, number]> = []; // [time ms, total], oldest first

  constructor(private readonly windowMs = 1000) {}

  /** Records the counter's total at time t (ms). A total below the last one (a reset counter) starts over. */
  record(total: number, t: number): void {
    const n = this.samples.length;
    const last = this.samples[n - 1];
    if (last && total < last[1]) this.samples = [];
    // The newest sample is always the latest total; the ones before it are ≥ 50 ms apart.
    const before = this.samples[this.samples.length - 2];
    if (before && t - before[0] < 50) this.samples[this.samples.length - 1] = [t, total];
    else this.samples.push([t, total]);
    // Keep one sample at or before the window's start as the base.
    while (this.samples.length > 2 && (this.samples[1]?.[0] ?? Infinity) <= t - this.windowMs) this.samples.shift();
  }

  /** Events per second over the window; 0 until two totals 200 ms apart were recorded. */
  get perSecond(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last[0] - first[0] < 200) return 0;
    return ((last[1] - first[1]) * 1000) / (last[0] - first[0]);
  }
}

/** The totals a NetMeter turns into rates. */
export interface NetTotals {
  snapshots: number;
  bytesIn: number;
  bytesOut: number;
  corrections: number;
}

/** Per-second rates of a connection's totals over the last second. Not safe for concurrent use. */
export class NetMeter {
  private readonly snapshots = new Rate();
  private readonly bytesIn = new Rate();
  private readonly bytesOut = new Rate();
  private readonly corrections = new Rate();

  /** Records the totals at time t (ms). */
  record(totals: NetTotals, t: number): void {
    this.snapshots.record(totals.snapshots, t);
    this.bytesIn.record(totals.bytesIn, t);
    this.bytesOut.record(totals.bytesOut, t);
    this.corrections.record(totals.corrections, t);
  }

  /** The rates per second. */
  get rates(): NetTotals {
    return {
      snapshots: this.snapshots.perSecond,
      bytesIn: this.bytesIn.perSecond,
      bytesOut: this.bytesOut.perSecond,
      corrections: this.corrections.perSecond,
    };
  }
}
