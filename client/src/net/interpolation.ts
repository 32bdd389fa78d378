// Entity interpolation (the Source engine's cl_interp idea): remote entities
// are drawn slightly in the past, between two snapshots that have already
// arrived, so motion stays smooth even though snapshots arrive at 10–20 Hz
// with jitter. Pure and clock-free: every method takes the local time (ms,
// performance.now() in the browser) so tests drive it with fake time.

/** What the interpolator needs from an entity. Extra fields ride along untouched. */
export interface Body {
  id: number;
  x: number;
  y: number;
  aim: number; // radians
  alive: boolean;
  vx?: number; // world units/s, when the wire carries it (players' wire does; the feed does not)
  vy?: number;
}

/** One authoritative state, keyed by server tick. */
export interface Frame<P extends Body, Q extends Body> {
  tick: number;
  players: P[];
  projectiles: Q[];
}

/** What to draw at a moment. */
export interface Sampled<P extends Body, Q extends Body> {
  players: P[];
  projectiles: Q[];
  /** The server time (ms) that was sampled. */
  renderTime: number;
  /** How far past the newest frame this is (ms); 0 when interpolating. */
  extrapolatedMs: number;
}

const TAU = 2 * Math.PI;

/** Linear interpolation. */
export function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}

/** Interpolates angles along the shorter arc, so 350° → 10° passes through 0°, not 180°. */
export function lerpAngle(a: number, b: number, t: number): number {
  let d = (b - a) % TAU;
  if (d > Math.PI) d -= TAU;
  else if (d < -Math.PI) d += TAU;
  return a + d * t;
}

/**
 * Maps server time onto local time. Each frame's arrival gives a sample of
 * (local arrival − server time of its tick), which is the one-way latency plus
 * an unknown constant; jitter only ever makes a sample larger. The estimate
 * follows early samples quickly and late ones slowly, so it settles near the
 * low edge of the arrivals, and the interpolation delay covers the jitter.
 */
export class ServerClock {
  private offset: number | null = null;
  private dev = 0;

  /** resyncMs: a sample this far from the estimate (a stalled tab, a server hiccup) resets it. */
  constructor(private readonly resyncMs = 1000) {}

  /** Records that the state of server time serverMs arrived at local time localMs. */
  observe(serverMs: number, localMs: number): void {
    const sample = localMs - serverMs;
    if (this.offset === null || Math.abs(sample - this.offset) > this.resyncMs) {
      this.offset = sample;
      this.dev = 0;
      return;
    }
    const d = sample - this.offset;
    this.dev += (Math.abs(d) - this.dev) * 0.1;
    this.offset += d * (d < 0 ? 0.25 : 0.02);
  }

  /** True once a sample has been observed. */
  get synced(): boolean {
    return this.offset !== null;
  }

  /** The estimated current server time (ms) at local time localMs. */
  serverTime(localMs: number): number {
    return localMs - (this.offset ?? localMs);
  }

  /** Mean absolute deviation of arrivals from the estimate (ms): the jitter. */
  get jitterMs(): number {
    return this.dev;
  }

  /** Forgets everything (a new match, a fresh feed snapshot). */
  reset(): void {
    this.offset = null;
    this.dev = 0;
  }
}

/** Tuning for an Interpolator. */
export interface InterpolatorOptions {
  /** Server ticks per second; turns ticks into server time. */
  tickRate: number;
  /** Expected frames per second; seeds the interval estimate until frames arrive. */
  frameRate: number;
  /** Frames kept; 0 means 32. */
  capacity?: number;
  /** Longest extrapolation, in frame intervals; 0 means 1. */
  maxExtrapolateIntervals?: number;
  /** A move faster than this (units/s) between two frames is a teleport, not motion; 0 means 2000. */
  teleportSpeed?: number;
}

/** A frame stamped with its server time (ms), as interpolateFrames and extrapolate take it. */
export interface Stamped<P extends Body, Q extends Body> {
  t: number; // server time, ms
  frame: Frame<P, Q>;
}

/** A snapshot buffer that answers "where is everything at local time now". Not thread-bound; not shared. */
export class Interpolator<P extends Body, Q extends Body> {
  readonly clock = new ServerClock();
  private frames: Array<Stamped<P, Q>> = [];
  private intervalMs: number;
  private lastRender = -Infinity;
  private readonly msPerTick: number;
  private readonly capacity: number;
  private readonly maxExtrapolate: number;
  private readonly teleportSpeed: number;

  constructor(opts: InterpolatorOptions) {
    if (!(opts.tickRate > 0) || !(opts.frameRate > 0)) throw new RangeError("tickRate and frameRate must be positive");
    this.msPerTick = 1000 / opts.tickRate;
    this.intervalMs = 1000 / opts.frameRate;
    this.capacity = opts.capacity || 32;
    this.maxExtrapolate = opts.maxExtrapolateIntervals || 1;
    this.teleportSpeed = opts.teleportSpeed || 2000;
  }

  /** Adds an authoritative frame that arrived at localMs. Frames not newer than the newest are dropped. */
  push(frame: Frame<P, Q>, localMs: number): void {
    const t = frame.tick * this.msPerTick;
    const newest = this.frames[this.frames.length - 1];
    if (newest) {
      if (t <= newest.t) return;
      // Learn the real spacing: the server may coalesce or throttle frames.
      const gap = Math.min(Math.max(t - newest.t, this.msPerTick), 1000);
      this.intervalMs += (gap - this.intervalMs) * 0.1;
    }
    this.clock.observe(t, localMs);
    this.frames.push({ t, frame });
    if (this.frames.length > this.capacity) this.frames.splice(0, this.frames.length - this.capacity);
  }

  /** The newest frame, if any. */
  latest(): Frame<P, Q> | undefined {
    return this.frames[this.frames.length - 1]?.frame;
  }

  /** The estimated time between frames (ms). */
  get interval(): number {
    return this.intervalMs;
  }

  /** How far in the past entities are drawn (ms): two intervals plus a jitter margin. */
  get delay(): number {
    return 2 * this.intervalMs + Math.min(2 * this.clock.jitterMs, 2 * this.intervalMs);
  }

  /** The server time (ms) to draw at local time localMs. Never runs backwards by less than a second. */
  renderTime(localMs: number): number {
    let rt = this.clock.serverTime(localMs) - this.delay;
    if (rt < this.lastRender && this.lastRender - rt < 1000) rt = this.lastRender;
    this.lastRender = rt;
    return rt;
  }

  /** What to draw at local time localMs, or null before the first frame. */
  sample(localMs: number): Sampled<P, Q> | null {
    const frames = this.frames;
    const first = frames[0];
    const last = frames[frames.length - 1];
    if (!first || !last) return null;
    const rt = this.renderTime(localMs);
    if (rt <= first.t) return { ...copyFrame(first.frame), renderTime: rt, extrapolatedMs: 0 };
    if (rt >= last.t) {
      const prev = frames[frames.length - 2];
      const ahead = Math.min(rt - last.t, this.maxExtrapolate * this.intervalMs);
      return { ...extrapolate(last, prev, ahead, this.teleportSpeed), renderTime: rt, extrapolatedMs: ahead };
    }
    let i = frames.length - 2;
    while (i > 0 && (frames[i]?.t ?? -Infinity) > rt) i--;
    const a = frames[i] as Stamped<P, Q>;
    const b = frames[i + 1] as Stamped<P, Q>;
    const alpha = (rt - a.t) / (b.t - a.t);
    return { ...interpolateFrames(a, b, alpha, this.teleportSpeed), renderTime: rt, extrapolatedMs: 0 };
  }

  /** Forgets all frames and the clock (a new match, a fresh feed snapshot). */
  reset(): void {
    this.frames = [];
    this.lastRender = -Infinity;
    this.clock.reset();
  }
}

function copyFrame<P extends Body, Q extends Body>(f: Frame<P, Q>): { players: P[]; projectiles: Q[] } {
  return { players: f.players.slice(), projectiles: f.projectiles.slice() };
}

/** True when an entity's change between two frames is not motion: it died, respawned or teleported. */
function discontinuous(a: Body, b: Body, dtMs: number, teleportSpeed: number): boolean {
  if (a.alive !== b.alive) return true;
  const dist = Math.hypot(b.x - a.x, b.y - a.y);
  return dist > (teleportSpeed * dtMs) / 1000;
}

function byId<T extends Body>(list: T[]): Map<number, T> {
  const m = new Map<number, T>();
  for (const e of list) m.set(e.id, e);
  return m;
}

function blend<T extends Body>(ea: T | undefined, eb: T, alpha: number, dtMs: number, teleportSpeed: number): T {
  // New this frame: it did not exist at a, so show it where it first appeared.
  if (!ea) return eb;
  // Step, don't slide: hold the old state until the new one is reached.
  if (discontinuous(ea, eb, dtMs, teleportSpeed)) return ea;
  const base = alpha < 0.5 ? ea : eb;
  return { ...base, x: lerp(ea.x, eb.x, alpha), y: lerp(ea.y, eb.y, alpha), aim: lerpAngle(ea.aim, eb.aim, alpha) };
}

/**
 * The state a fraction alpha (0..1) of the way from frame a to frame b.
 * Entities only in b appear as they are in b; entities only in a are gone.
 */
export function interpolateFrames<P extends Body, Q extends Body>(
  a: Stamped<P, Q>,
  b: Stamped<P, Q>,
  alpha: number,
  teleportSpeed = 2000,
): { players: P[]; projectiles: Q[] } {
  const dt = b.t - a.t;
  const pa = byId(a.frame.players);
  const qa = byId(a.frame.projectiles);
  return {
    players: b.frame.players.map((eb) => blend(pa.get(eb.id), eb, alpha, dt, teleportSpeed)),
    projectiles: b.frame.projectiles.map((eb) => blend(qa.get(eb.id), eb, alpha, dt, teleportSpeed)),
  };
}

function velocity<T extends Body>(e: T, prev: T | undefined, dtMs: number, teleportSpeed: number): [number, number] {
  if (e.vx !== undefined && e.vy !== undefined) return [e.vx, e.vy];
  if (!prev || dtMs <= 0 || discontinuous(prev, e, dtMs, teleportSpeed)) return [0, 0];
  return [((e.x - prev.x) * 1000) / dtMs, ((e.y - prev.y) * 1000) / dtMs];
}

function push<T extends Body>(e: T, prev: T | undefined, aheadMs: number, dtMs: number, teleportSpeed: number): T {
  if (!e.alive || aheadMs <= 0) return e;
  const [vx, vy] = velocity(e, prev, dtMs, teleportSpeed);
  if (vx === 0 && vy === 0) return e;
  return { ...e, x: e.x + (vx * aheadMs) / 1000, y: e.y + (vy * aheadMs) / 1000 };
}

/**
 * The newest frame moved aheadMs forward along each entity's velocity (from
 * the wire when it has one, else from the last two frames). The caller caps
 * aheadMs: guessing further than an interval costs more than it hides.
 */
export function extrapolate<P extends Body, Q extends Body>(
  last: Stamped<P, Q>,
  prev: Stamped<P, Q> | undefined,
  aheadMs: number,
  teleportSpeed = 2000,
): { players: P[]; projectiles: Q[] } {
  const dt = prev ? last.t - prev.t : 0;
  const pp = byId(prev?.frame.players ?? []);
  const qp = byId(prev?.frame.projectiles ?? []);
  return {
    players: last.frame.players.map((e) => push(e, pp.get(e.id), aheadMs, dt, teleportSpeed)),
    projectiles: last.frame.projectiles.map((e) => push(e, qp.get(e.id), aheadMs, dt, teleportSpeed)),
  };
}

