// Reconnecting after a dropped connection (PROTOCOL.md §1.9): the server
// holds the seat for the welcome's reconnectMs, and the client tries to take
// it back with its resume token on a backoff schedule until then. Pure and
// clock-injected: the timers are the page's setTimeout, the clock and the
// random draw are passed in, so the schedule is tested with mocked timers.

/** The first retry comes within this long of the drop (ms). */
export const FIRST_RETRY_MS = 250;
/** Retries are at most this far apart (ms). */
export const MAX_RETRY_MS = 2000;

/**
 * How long reconnect attempt n (from 0) waits, given u, a uniform random
 * number in [0, 1): a step that starts at FIRST_RETRY_MS and doubles up to
 * MAX_RETRY_MS, of which a random point in the upper half is taken ("equal
 * jitter": the clients a proxy restart dropped together do not come back in
 * one burst, and none comes back much sooner than the step). The Go load
 * tool uses the same schedule (cmd/skirmish resumeBackoff).
 */
export function reconnectDelay(n: number, u: number): number {
  const step = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(Math.max(n, 0), 8));
  return step / 2 + u * (step / 2);
}

/**
 * Whether a close is a drop the server holds the seat for (PROTOCOL.md
 * §1.9): no close frame at all (1006: a reset, a cut, a lost network), or the
 * server's ping timeout (4004) or too-slow close (4008). Every other close is
 * final: a leave, the match over, the server stopping, the seat taken over
 * by another tab (4007), a refused resume (4006).
 */
export function isDrop(code: number): boolean {
  return code === 1006 || code === 4004 || code === 4008;
}

/** What a Reconnector drives. */
export interface ReconnectOptions {
  /** How long the server holds the seat after the drop (the welcome's reconnectMs). */
  windowMs: number;
  /** Opens a connection now: attempt n, from 0. Report its end with failed(), or stop() once resumed. */
  attempt(n: number): void;
  /** The window has passed (or will before the next try): the seat is gone. */
  giveUp(): void;
  /** The clock (ms); default performance.now. */
  now?: () => number;
  /** A uniform random number in [0, 1); default Math.random. */
  random?: () => number;
}

/** Retries a dropped connection on the reconnectDelay schedule until the window has passed. One per drop. */
export class Reconnector {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private n = 0;
  private deadline = 0;
  private done = false;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly opts: ReconnectOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.random = opts.random ?? Math.random;
  }

  /** How many attempts were made. */
  get attempts(): number {
    return this.n;
  }

  /** The connection dropped now: schedule the first attempt. */
  start(): void {
    this.deadline = this.now() + this.opts.windowMs;
    this.schedule();
  }

  /** The last attempt's connection ended without a resume: schedule the next, or give up. */
  failed(): void {
    if (!this.done) this.schedule();
  }

  /** Resumed, or the view is gone: no more attempts. */
  stop(): void {
    this.done = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer !== undefined) return; // one attempt pending at a time
    const wait = reconnectDelay(this.n, this.random());
    if (this.now() + wait > this.deadline) {
      this.stop();
      this.opts.giveUp();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.done) this.opts.attempt(this.n++);
    }, wait);
  }
}
