// Entity interpolation (the Source engine's cl_interp idea): remote entities
// are drawn slightly in the past, between two snapshots that have already
// arrived, so motion stays smooth even though snapshots arrive at 10–20 Hz
// with jitter; the delay adapts to the network the client sees. Pure and
// clock-free: every method takes the local time (ms, performance.now() in
// the browser) so tests drive it with fake time.

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
 * Maps server time onto local time, and measures how arrivals jitter.
 *
 * Each frame's arrival gives a sample of (local arrival − server time of its
 * tick): the one-way delay plus the unknown difference of the two clocks.
 * Network delay only ever makes a sample later than the least one-way
 * delay, so the estimate is the samples' lower envelope: it follows a lower
 * sample at once and otherwise rises by leakPerMs of every elapsed ms. The
 * leak lets it follow a client clock that runs faster than the server's
 * (skew; crystals differ by tens of ppm, the leak is 2000 ppm) and a path that
 * got longer; it is small enough that the estimate stays within a few ms of
 * the least delay (the drift test bounds it over 30 simulated minutes at
 * ±500 ppm). It is the idea of NTP's clock filter (RFC 5905 §10: of recent
 * samples, the one with the least delay is the most accurate) applied to
 * one-way samples, which carry no round trip to halve. Samples that stay more than resyncMs above the estimate for 2 s (a much
 * longer path) reset it; one late burst (a stalled tab) does not.
 *
 * jitterMs is RFC 3550 §6.4.1's interarrival jitter of the same arrivals:
 * J += (|D(i−1,i)| − J)/16, where D is the difference of two consecutive
 * frames' spacing on arrival and at the server.
 *
 * Pure and clock-free; times are ms. Not safe for concurrent use.
 */
export class ServerClock {
  private offset: number | null = null;
  private at = 0; // local time of the last sample
  private lastSample = 0;
  private jitter = 0;
  private highSince: number | null = null; // local time since when every sample was far above
  private highMin = Infinity;

  /**
   * resyncMs: samples this far above the estimate for 2 s reset it.
   * leakPerMs: how fast the estimate rises without a lower sample (ms per ms).
   */
  constructor(
    private readonly resyncMs = 1000,
    private readonly leakPerMs = 0.002,
  ) {}

  /** Records that the state of server time serverMs arrived at local time localMs. */
  observe(serverMs: number, localMs: number): void {
    const sample = localMs - serverMs;
    if (this.offset === null) {
      this.offset = sample;
      this.at = localMs;
      this.lastSample = sample;
      return;
    }
    // RFC 3550 §6.4.1: D(i−1,i) = (R_i − R_{i−1}) − (S_i − S_{i−1}) = sample_i − sample_{i−1}.
    this.jitter += (Math.abs(sample - this.lastSample) - this.jitter) / 16;
    this.lastSample = sample;
    this.offset += Math.max(0, localMs - this.at) * this.leakPerMs;
    this.at = localMs;
    if (sample - this.offset > this.resyncMs) {
      if (this.highSince === null) this.highSince = localMs;
      this.highMin = Math.min(this.highMin, sample);
      if (localMs - this.highSince >= 2000) this.offset = this.highMin;
      else return;
    }
    this.highSince = null;
    this.highMin = Infinity;
    this.offset = Math.min(this.offset, sample);
  }

  /** True once a sample has been observed. */
  get synced(): boolean {
    return this.offset !== null;
  }

  /**
   * The estimated current server time (ms) at local time localMs: the server
   * time of a frame that would arrive now with the least delay seen.
   */
  serverTime(localMs: number): number {
    return this.offset === null ? 0 : localMs - this.offset;
  }

  /** How late a frame of server time serverMs arriving at localMs is, past the least delay (ms, ≥ 0). */
  lateness(serverMs: number, localMs: number): number {
    return Math.max(0, localMs - serverMs - (this.offset ?? localMs - serverMs));
  }

  /** RFC 3550 §6.4.1 interarrival jitter of the observed arrivals (ms). */
  get jitterMs(): number {
    return this.jitter;
  }

  /** Forgets everything (a new match, a fresh feed snapshot). */
  reset(): void {
    this.offset = null;
    this.jitter = 0;
    this.highSince = null;
    this.highMin = Infinity;
  }
}

/** Tuning for an Interpolator. Zero (or omitted) values take the defaults given. */
export interface InterpolatorOptions {
  /** Server ticks per second; turns ticks into server time. */
  tickRate: number;
  /** Expected frames per second; seeds the interval estimate until frames arrive. */
  frameRate: number;
  /** Frames kept; 0 means 32. */
  capacity?: number;
  /**
   * Longest extrapolation past the newest frame (ms); 0 means 250, Source's
   * cl_extrapolate_amount. Past it entities hold still.
   */
  maxExtrapolateMs?: number;
  /** A move faster than this (units/s) between two frames is a teleport, not motion; 0 means 2000. */
  teleportSpeed?: number;
  /**
   * How fast a correction is blended out (units/s) at most, on top of the
   * entity's own motion; 0 means 200 (below a player's top speed of 260, so
   * a blend never more than doubles a frame's step).
   */
  maxCorrectionSpeed?: number;
}

/** A frame stamped with its server time (ms), as interpolateFrames and extrapolate take it. */
export interface Stamped<P extends Body, Q extends Body> {
  t: number; // server time, ms
  frame: Frame<P, Q>;
}

// How the delay's jitter margin forgets: it holds its peak this long, then
// shrinks this fast. Slow on purpose: a stall that came once comes again
// (netsim's --stall 200ms/3s; a Wi-Fi scan every few seconds), and a delay
// that shrinks between two stalls only to grow at each is what stutters.
const MARGIN_HOLD_MS = 10_000;
const MARGIN_SHRINK_PER_MS = 0.01; // 10 ms of delay per second
// Lateness beyond this is not jitter to buffer for but an outage to ride out.
const MAX_MARGIN_MS = 500;
// The render clock runs at most this much slower (to grow the delay) or
// faster (to shrink it) than real time, and answers an error of e ms by a
// rate change of e/SLEW_TAU_MS within those bounds. A 10% slower run is
// hard to see; shrinking is gentler still.
const MIN_RATE = 0.9;
const MAX_RATE = 1.05;
const SLEW_TAU_MS = 1000;
// An error past this is not slewed away but jumped: the tab was hidden,
// the clock was reset.
const RESYNC_MS = 1000;
// A correction decays by e every CORRECTION_TAU_MS (and at most
// maxCorrectionSpeed); one longer than SNAP_DISTANCE is shown as a jump.
const CORRECTION_TAU_MS = 80;
const SNAP_DISTANCE = 64;

interface Shown {
  x: number; // where the buffer put it (no correction)
  y: number;
  alive: boolean;
  offX: number; // correction still drawn on top
  offY: number;
}

/**
 * A snapshot buffer that answers "where is everything at local time now",
 * drawing remote entities a little in the past (Valve's "Source Multiplayer
 * Networking": cl_interp; Gaffer on Games, "Snapshot Interpolation").
 *
 * The delay adapts: two frame intervals plus a jitter margin, the highest
 * lateness of recent arrivals (ServerClock.lateness), held for 10 s and then
 * shrunk by 10 ms a second, so a delay that grew for a stall covers the next
 * one. It is reached by slewing the render clock (drawn server time runs
 * 0.9–1.05× real time) and never by stepping it, so nothing on screen jumps
 * when the delay or the clock estimate changes. When the buffer runs dry
 * anyway (the first stall, before the delay grew) entities are extrapolated
 * along their velocity for up to 250 ms (Source's cl_extrapolate_amount),
 * and when the real frames arrive the difference is blended out at a capped
 * speed instead of jumped (the visual smoothing of Fiedler's "State
 * Synchronization").
 *
 * Pure: every method takes the local time (ms, performance.now() in the
 * browser), so tests drive it with fake time. Not safe for concurrent use.
 */
export class Interpolator<P extends Body, Q extends Body> {
  readonly clock = new ServerClock();
  private frames: Array<Stamped<P, Q>> = [];
  private intervalMs: number;
  private readonly msPerTick: number;
  private readonly capacity: number;
  private readonly maxExtrapolate: number;
  private readonly teleportSpeed: number;
  private readonly maxCorrection: number;
  private peak = 0; // jitter margin (ms) and since when it is held
  private peakAt = 0;
  private render: number | null = null; // the drawn server time and the local time it was drawn at
  private renderAt = 0;
  private pushed = false; // frames arrived since the last sample
  private shown = new Map<number, Shown>();
  private shownQ = new Map<number, Shown>();

  constructor(opts: InterpolatorOptions) {
    if (!(opts.tickRate > 0) || !(opts.frameRate > 0)) throw new RangeError("tickRate and frameRate must be positive");
    this.msPerTick = 1000 / opts.tickRate;
    this.intervalMs = 1000 / opts.frameRate;
    this.capacity = opts.capacity || 32;
    this.maxExtrapolate = opts.maxExtrapolateMs || 250;
    this.teleportSpeed = opts.teleportSpeed || 2000;
    this.maxCorrection = opts.maxCorrectionSpeed || 200;
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
    const late = Math.min(this.clock.lateness(t, localMs), MAX_MARGIN_MS);
    if (late >= this.margin(localMs)) {
      this.peak = late;
      this.peakAt = localMs;
    }
    this.frames.push({ t, frame });
    this.pushed = true;
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

  /** The jitter margin at local time localMs (ms): the peak lateness, held, then shrinking. */
  private margin(localMs: number): number {
    const over = localMs - this.peakAt - MARGIN_HOLD_MS;
    return over <= 0 ? this.peak : Math.max(0, this.peak - over * MARGIN_SHRINK_PER_MS);
  }

  /** The delay the render clock steers toward at local time localMs (ms): two intervals plus the jitter margin. */
  targetDelay(localMs: number): number {
    return 2 * this.intervalMs + this.margin(localMs);
  }

  /**
   * How far in the past entities are drawn (ms), as of the last sample: the
   * estimated server time minus the drawn one. Before the first sample, the
   * delay it will start with.
   */
  get delay(): number {
    if (this.render === null) return this.targetDelay(this.peakAt);
    return this.clock.serverTime(this.renderAt) - this.render;
  }

  /**
   * The server time (ms) to draw at local time localMs: the render clock,
   * advanced by the local time elapsed at a rate slewed toward the target
   * delay. Monotonic, except for a jump of over a second (a hidden tab).
   */
  renderTime(localMs: number): number {
    const target = this.clock.serverTime(localMs) - this.targetDelay(localMs);
    if (this.render === null) {
      this.render = target;
    } else {
      const dt = Math.max(0, localMs - this.renderAt);
      const err = target - (this.render + dt);
      if (Math.abs(err) > RESYNC_MS) this.render = target;
      else this.render += dt * Math.min(MAX_RATE, Math.max(MIN_RATE, 1 + err / SLEW_TAU_MS));
    }
    this.renderAt = Math.max(this.renderAt, localMs);
    return this.render;
  }

  /**
   * The server time (ms) drawn at local time localMs, as far as the last
   * sample tells: its render time moved on at real time, the render clock
   * itself left alone (reading it does not advance it). It is what a player
   * looking at the screen at localMs saw the others at: an input's view time
   * (PROTOCOL.md §1.4 viewTime, in ticks once divided by the tick length).
   * Null before the first sample.
   */
  renderedAt(localMs: number): number | null {
    return this.render === null ? null : this.render + (localMs - this.renderAt);
  }

  /** What to draw at local time localMs, or null before the first frame. */
  sample(localMs: number): Sampled<P, Q> | null {
    if (this.frames.length === 0) return null;
    const before = this.render;
    const dt = Math.max(0, localMs - this.renderAt);
    const rt = this.renderTime(localMs);
    const raw = this.at(rt);
    // Frames that arrived since the last sample may say the entities were
    // elsewhere at the time drawn then (an extrapolation that guessed
    // wrong): carry the difference over as a correction to blend out.
    const redraw = this.pushed && before !== null ? this.at(before) : null;
    this.pushed = false;
    return {
      players: this.smooth(raw.players, redraw?.players, this.shown, dt),
      projectiles: this.smooth(raw.projectiles, redraw?.projectiles, this.shownQ, dt),
      renderTime: rt,
      extrapolatedMs: raw.extrapolatedMs,
    };
  }

  /** The buffer's state at server time rt: interpolated, or extrapolated (capped) past the newest frame. */
  private at(rt: number): { players: P[]; projectiles: Q[]; extrapolatedMs: number } {
    const frames = this.frames;
    const first = frames[0] as Stamped<P, Q>;
    const last = frames[frames.length - 1] as Stamped<P, Q>;
    if (rt <= first.t) return { ...copyFrame(first.frame), extrapolatedMs: 0 };
    if (rt >= last.t) {
      const prev = frames[frames.length - 2];
      const ahead = Math.min(rt - last.t, this.maxExtrapolate);
      return { ...extrapolate(last, prev, ahead, this.teleportSpeed), extrapolatedMs: ahead };
    }
    let i = frames.length - 2;
    while (i > 0 && (frames[i]?.t ?? -Infinity) > rt) i--;
    const a = frames[i] as Stamped<P, Q>;
    const b = frames[i + 1] as Stamped<P, Q>;
    return { ...interpolateFrames(a, b, (rt - a.t) / (b.t - a.t), this.teleportSpeed), extrapolatedMs: 0 };
  }

  /**
   * Adds each entity's remaining correction to where the buffer puts it,
   * after folding in how far the newly arrived frames moved it at the
   * previous frame's time (redraw), and decays the corrections over dt ms.
   */
  private smooth<T extends Body>(now: T[], redraw: T[] | undefined, shown: Map<number, Shown>, dt: number): T[] {
    const again = redraw ? byId(redraw) : null;
    const decay = Math.exp(-dt / CORRECTION_TAU_MS);
    const cap = (this.maxCorrection * dt) / 1000;
    const next = new Map<number, Shown>();
    const out = now.map((e) => {
      const old = shown.get(e.id);
      let offX = 0;
      let offY = 0;
      if (old && old.alive === e.alive) {
        offX = old.offX;
        offY = old.offY;
        const r = again?.get(e.id);
        if (r && r.alive === old.alive) {
          offX += old.x - r.x;
          offY += old.y - r.y;
        }
        if (Math.hypot(offX, offY) > SNAP_DISTANCE) offX = offY = 0;
        // Decay, but never faster than the capped speed.
        const len = Math.hypot(offX, offY);
        const keep = len > 0 ? Math.max(len * decay, len - cap) / len : 0;
        offX *= keep;
        offY *= keep;
        if (Math.hypot(offX, offY) < 1e-3) offX = offY = 0;
      }
      next.set(e.id, { x: e.x, y: e.y, alive: e.alive, offX, offY });
      return offX === 0 && offY === 0 ? e : { ...e, x: e.x + offX, y: e.y + offY };
    });
    shown.clear();
    for (const [k, v] of next) shown.set(k, v);
    return out;
  }

  /** Forgets all frames, the clock and the delay (a new match, a fresh feed snapshot). */
  reset(): void {
    this.frames = [];
    this.render = null;
    this.renderAt = 0;
    this.peak = 0;
    this.peakAt = 0;
    this.pushed = false;
    this.shown.clear();
    this.shownQ.clear();
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

