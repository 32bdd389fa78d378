// A simulated network for unit tests of what the client does with time: the
// schedule of the Go network lab (netcode/netsim: delay, uniform jitter, TCP
// order, stall windows) in miniature, a server that sends snapshots on the
// ticks PROTOCOL.md §1.5 names, and a client whose clock runs at its own rate
// (skew). Pure and deterministic (seeded); no timers.

/** What the link does to each message, one direction (netsim's Impairment). */
export interface LinkOptions {
  /** One-way delay (ms). */
  delayMs: number;
  /** Each message's delay varies uniformly within ±jitterMs; order is kept (TCP), so a late message holds back the next. */
  jitterMs: number;
  /**
   * Deliveries due in the last durationMs of every periodMs (from time 0)
   * wait until the period ends (netsim's --stall); untilMs, if set, ends the
   * stalls (true time, ms).
   */
  stall?: { durationMs: number; periodMs: number; untilMs?: number };
  /** Seeds the jitter. */
  seed?: number;
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One direction of a link: turns send times into delivery times (both in true time, ms). */
export class SimLink {
  private lastDue = -Infinity;
  private readonly rand: () => number;

  constructor(private readonly opts: LinkOptions) {
    this.rand = prng(opts.seed ?? 1);
  }

  /** When a message sent at sentMs is delivered. Calls must come in send order. */
  deliver(sentMs: number): number {
    const { delayMs, jitterMs, stall } = this.opts;
    const delay = Math.max(0, delayMs + (2 * this.rand() - 1) * jitterMs);
    let due = Math.max(sentMs + delay, this.lastDue);
    this.lastDue = due;
    if (stall && stall.periodMs > 0 && due >= 0 && !(due >= (stall.untilMs ?? Infinity))) {
      const into = due % stall.periodMs;
      if (into >= stall.periodMs - stall.durationMs) due += stall.periodMs - into;
    }
    return due;
  }

  /** The least one-way delay this link can give (ms). */
  get minDelayMs(): number {
    return Math.max(0, this.opts.delayMs - this.opts.jitterMs);
  }
}

/** The ticks a server at tickRate sends snapshots on at snapshotRate: where ⌊tick·rate/tickRate⌋ steps up (§1.5). */
export function snapshotDue(tick: number, tickRate: number, snapshotRate: number): boolean {
  return tick === 0 || Math.floor((tick * snapshotRate) / tickRate) > Math.floor(((tick - 1) * snapshotRate) / tickRate);
}

/** A remote player's scripted motion: position and velocity at server time t (ms). */
export type Path = (tMs: number) => { x: number; y: number; vx: number; vy: number };

/** Running round a circle of radius r (units) at speed (units/s): always moving, always turning. */
export function circlePath(speed: number, r = 150, cx = 500, cy = 400): Path {
  const w = speed / r; // rad/s
  return (t) => {
    const a = (w * t) / 1000;
    return { x: cx + r * Math.cos(a), y: cy + r * Math.sin(a), vx: -speed * Math.sin(a), vy: speed * Math.cos(a) };
  };
}

/** What a simulated client is: it takes snapshots and draws frames, both at its local clock. */
export interface SimClient {
  /** A snapshot of tick with the remote player at (x, y, vx, vy) arrived at local time localMs. */
  snapshot(tick: number, p: { x: number; y: number; vx: number; vy: number }, localMs: number): void;
  /** Draws a frame at local time localMs; returns where the remote player is drawn, and the server time drawn. */
  frame(localMs: number): { x: number; y: number; renderTime: number } | null;
}

/** A simulated match: the server, the link down to the client, and the client's display. */
export interface Scenario {
  tickRate: number;
  snapshotRate: number;
  durationMs: number;
  link: LinkOptions;
  /** How fast the client's clock runs against the server's, in parts per million (+ = faster). */
  skewPpm?: number;
  /** The client's clock reading when the server's reads 0 (ms). */
  localEpochMs?: number;
  /** Display refresh (Hz); 60 if omitted. */
  displayHz?: number;
  path: Path;
  /** Positions and velocities travel as multiples of 1/8 unit, as on the wire (§1.5); true if omitted. */
  quantize?: boolean;
}

/** One drawn frame. */
export interface DrawnFrame {
  localMs: number; // client clock
  trueMs: number; // server clock at the moment the frame is drawn
  x: number;
  y: number;
  renderTime: number; // server time drawn (ms)
}

/** Runs a scenario against a client: snapshots and frames in true-time order. */
export function simulate(sc: Scenario, client: SimClient): DrawnFrame[] {
  const msPerTick = 1000 / sc.tickRate;
  const rate = 1 + (sc.skewPpm ?? 0) / 1e6;
  const epoch = sc.localEpochMs ?? 10_000;
  const local = (trueMs: number) => epoch + trueMs * rate;
  const link = new SimLink(sc.link);
  const q = (v: number) => (sc.quantize === false ? v : Math.round(v * 8) / 8);
  const arrivals: Array<{ at: number; tick: number }> = [];
  for (let tick = 0; tick * msPerTick <= sc.durationMs; tick++) {
    if (snapshotDue(tick, sc.tickRate, sc.snapshotRate)) arrivals.push({ at: link.deliver(tick * msPerTick), tick });
  }
  const frameMs = 1000 / (sc.displayHz ?? 60);
  const out: DrawnFrame[] = [];
  let next = 0;
  for (let n = 0; ; n++) {
    const localMs = epoch + n * frameMs; // the display runs on the client's clock
    const trueMs = (localMs - epoch) / rate;
    if (trueMs > sc.durationMs) break;
    for (; next < arrivals.length && (arrivals[next]?.at ?? Infinity) <= trueMs; next++) {
      const a = arrivals[next] as { at: number; tick: number };
      const p = sc.path(a.tick * msPerTick);
      client.snapshot(a.tick, { x: q(p.x), y: q(p.y), vx: q(p.vx), vy: q(p.vy) }, local(a.at));
    }
    const d = client.frame(localMs);
    if (d) out.push({ localMs, trueMs, ...d });
  }
  return out;
}

/** How motion looked: the measures of issue 6's play-feel budget, over frames drawn after fromMs (true time). */
export interface MotionStats {
  frames: number;
  /** Frames in which the player did not move at all. */
  frozen: number;
  /** The median distance moved per frame (units). */
  medianStep: number;
  /** The largest distance moved in one frame, as a multiple of the median. */
  maxJumpRatio: number;
  /** The least and greatest rate of the drawn server time against the client's clock. */
  minRate: number;
  maxRate: number;
}

/** Measures frames drawn after fromMs (true time). */
export function motionStats(frames: readonly DrawnFrame[], fromMs = 0): MotionStats {
  const steps: number[] = [];
  let frozen = 0;
  let minRate = Infinity;
  let maxRate = -Infinity;
  for (let i = 1; i < frames.length; i++) {
    const a = frames[i - 1] as DrawnFrame;
    const b = frames[i] as DrawnFrame;
    if (b.trueMs < fromMs) continue;
    const step = Math.hypot(b.x - a.x, b.y - a.y);
    steps.push(step);
    if (step < 1e-9) frozen++;
    const r = (b.renderTime - a.renderTime) / (b.localMs - a.localMs);
    minRate = Math.min(minRate, r);
    maxRate = Math.max(maxRate, r);
  }
  const sorted = steps.slice().sort((p, q) => p - q);
  const medianStep = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const maxStep = sorted[sorted.length - 1] ?? 0;
  return { frames: steps.length, frozen, medianStep, maxJumpRatio: medianStep > 0 ? maxStep / medianStep : 0, minRate, maxRate };
}

/**
 * Running back and forth along x at speed (units/s), legMs at full speed each
 * way, reversing with acceleration accel (units/s², the game's 2000): the
 * bots' motion, whose turns an extrapolation gets wrong.
 */
export function zigzagPath(speed: number, legMs = 1100, accel = 2000, x0 = 200, y = 400): Path {
  const rampMs = ((2 * speed) / accel) * 1000; // +speed to −speed
  const halfMs = legMs + rampMs; // one leg and the turn after it
  // Distance covered (along the leg's direction) t ms into a half period.
  const along = (t: number) => {
    if (t <= legMs) return (speed * t) / 1000;
    const u = (t - legMs) / 1000; // into the turn: v = speed − accel·u
    return (speed * legMs) / 1000 + speed * u - (accel * u * u) / 2;
  };
  const velocity = (t: number) => (t <= legMs ? speed : speed - (accel * (t - legMs)) / 1000);
  const span = along(halfMs); // net distance of a half period (the turn ends where it started: 0 net)
  return (t) => {
    const n = Math.floor(t / halfMs);
    const into = t - n * halfMs;
    const dir = n % 2 === 0 ? 1 : -1;
    // Even half periods go right from x0, odd ones come back.
    const start = n % 2 === 0 ? x0 : x0 + span;
    return { x: start + dir * along(into), y, vx: dir * velocity(into), vy: 0 };
  };
}
