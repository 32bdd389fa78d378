// Delta snapshots (PROTOCOL.md §1.5): a delta turns the picture this client
// holds of one tick (its baseline, a tick it acknowledged) into the picture
// of a later tick. Everything is in the wire's integers, so the result is
// the server's to the bit: netcode/delta.go does the same, and both are
// pinned by the delta chains of netcode/testdata/wire_vectors.json. An
// entity the delta does not mention moved as predicted (its position
// advanced by its velocity over the ticks between), one it changes gets the
// residuals of the fields that differ from that prediction. Pure: no
// sockets, no clocks.
import { MAX_DELTA_SPAN, type Change, type Delta, type WirePlayer, type WireProjectile, type WireState } from "./protocol";

/** A delta that does not fit the baseline it names; the picture stays as it was. */
export class DeltaError extends Error {
  override name = "DeltaError";
}

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;
const U32_MAX = 2 ** 32 - 1;

/** Bits of a player's change mask, in the order their values follow it. */
export const PlayerField = {
  X: 0,
  Y: 1,
  Aim: 2,
  AckSeq: 3,
  VX: 4,
  VY: 5,
  InputSlack: 6,
  Health: 7,
  Flags: 8,
  Kills: 9,
  Deaths: 10,
  RespawnTicks: 11,
  InputsSkipped: 12,
  InputsAwaited: 13,
} as const;

/** Bits of a projectile's change mask. */
export const ProjectileField = { X: 0, Y: 1, VX: 2, VY: 3, Owner: 4, ShotId: 5 } as const;

/** a/b rounded to the nearest integer, halves away from zero (b > 0): exact while |a| < 2^49. */
export function divRound(a: number, b: number): number {
  return a < 0 ? -Math.floor((-2 * a + b) / (2 * b)) : Math.floor((2 * a + b) / (2 * b));
}

/** A position advanced by velocity v (wire units) over span ticks at tickRate. */
export function predict(pos: number, v: number, span: number, tickRate: number): number {
  return pos + divRound(v * span, tickRate);
}

/**
 * The picture the delta gives: base (the picture of d.baseTick) changed by
 * d, for a match at tickRate (Hz, from the welcome). base is not modified.
 * Throws DeltaError when d does not fit base.
 */
export function applyDelta(base: WireState, d: Delta, tickRate: number): WireState {
  if (base.tick !== d.baseTick) throw new DeltaError(`delta against tick ${d.baseTick}, baseline is tick ${base.tick}`);
  if (!(tickRate > 0)) throw new DeltaError(`tick rate ${tickRate}`);
  const span = d.tick - d.baseTick;
  if (span < 1 || span > MAX_DELTA_SPAN) throw new DeltaError(`a delta spanning ${span} ticks`);
  return {
    tick: d.tick,
    phase: d.phase,
    phaseTicksLeft: d.phaseTicksLeft,
    scoreLimit: d.scoreLimit,
    players: merge(base.players, d.players, d.playerChanges, d.playersGone, "player", (p, c) =>
      c ? applyPlayer(p, c, span, tickRate) : advance(p, span, tickRate),
    ),
    projectiles: merge(base.projectiles, d.projectiles, d.projectileChanges, d.projectilesGone, "projectile", (p, c) =>
      c ? applyProjectile(p, c, span, tickRate) : advance(p, span, tickRate),
    ),
  };
}

/** The values of a change by field bit (0 where the mask sends none). */
function byField(c: Change, fields: number): number[] {
  const out = new Array<number>(fields).fill(0);
  for (let f = 0, i = 0; f < fields; f++) if (c.mask & (1 << f)) out[f] = c.values[i++] ?? 0;
  return out;
}

function check(ok: boolean, kind: string, id: number): void {
  if (!ok) throw new DeltaError(`${kind} ${id}: a field out of its range`);
}

function i32(n: number): boolean {
  return n >= I32_MIN && n <= I32_MAX;
}

function count(n: number): boolean {
  return n >= 0 && n <= I32_MAX;
}

function u32(n: number): boolean {
  return n >= 0 && n <= U32_MAX;
}

function advance<T extends { id: number; x: number; y: number; vx: number; vy: number }>(p: T, span: number, rate: number): T {
  const x = predict(p.x, p.vx, span, rate);
  const y = predict(p.y, p.vy, span, rate);
  check(i32(x) && i32(y), "entity", p.id);
  return { ...p, x, y };
}

function applyPlayer(b: WirePlayer, c: Change, span: number, rate: number): WirePlayer {
  const v = byField(c, 14);
  const val = (f: number) => v[f] ?? 0;
  const aim = val(PlayerField.Aim);
  const p: WirePlayer = {
    id: b.id,
    x: predict(b.x, b.vx, span, rate) + val(PlayerField.X),
    y: predict(b.y, b.vy, span, rate) + val(PlayerField.Y),
    vx: b.vx + val(PlayerField.VX),
    vy: b.vy + val(PlayerField.VY),
    aim: (((b.aim + aim) % 65536) + 65536) % 65536,
    health: b.health + val(PlayerField.Health),
    flags: c.mask & (1 << PlayerField.Flags) ? val(PlayerField.Flags) : b.flags,
    kills: b.kills + val(PlayerField.Kills),
    deaths: b.deaths + val(PlayerField.Deaths),
    respawnTicks: b.respawnTicks + val(PlayerField.RespawnTicks),
    ackSeq: b.ackSeq + val(PlayerField.AckSeq),
    inputSlack: b.inputSlack + val(PlayerField.InputSlack),
    inputsSkipped: b.inputsSkipped + val(PlayerField.InputsSkipped),
    inputsAwaited: b.inputsAwaited + val(PlayerField.InputsAwaited),
  };
  check(
    i32(p.x) && i32(p.y) && i32(p.vx) && i32(p.vy) && i32(p.inputSlack) && aim >= -32768 && aim <= 32767 &&
      count(p.health) && count(p.kills) && count(p.deaths) && count(p.respawnTicks) &&
      p.flags >= 0 && p.flags <= 255 && u32(p.ackSeq) && u32(p.inputsSkipped) && u32(p.inputsAwaited),
    "player",
    b.id,
  );
  return p;
}

function applyProjectile(b: WireProjectile, c: Change, span: number, rate: number): WireProjectile {
  const v = byField(c, 6);
  const val = (f: number) => v[f] ?? 0;
  const p: WireProjectile = {
    id: b.id,
    owner: c.mask & (1 << ProjectileField.Owner) ? val(ProjectileField.Owner) : b.owner,
    x: predict(b.x, b.vx, span, rate) + val(ProjectileField.X),
    y: predict(b.y, b.vy, span, rate) + val(ProjectileField.Y),
    vx: b.vx + val(ProjectileField.VX),
    vy: b.vy + val(ProjectileField.VY),
    shotId: c.mask & (1 << ProjectileField.ShotId) ? val(ProjectileField.ShotId) : b.shotId,
  };
  check(i32(p.x) && i32(p.y) && i32(p.vx) && i32(p.vy) && p.owner >= 0 && p.owner <= 65535 && u32(p.shotId), "projectile", b.id);
  return p;
}

function increasing(ids: readonly number[]): boolean {
  for (let i = 1; i < ids.length; i++) if ((ids[i] ?? 0) <= (ids[i - 1] ?? 0)) return false;
  return true;
}

/**
 * One kind of entity: the baseline's (sorted), each removed, changed or
 * moved as predicted, merged with the new ones, all in id order.
 */
function merge<T extends { id: number }>(
  base: readonly T[],
  added: readonly T[],
  changes: readonly Change[],
  gone: readonly number[],
  kind: string,
  next: (b: T, c: Change | null) => T,
): T[] {
  if (!increasing(base.map((e) => e.id)) || !increasing(added.map((e) => e.id)) || !increasing(changes.map((c) => c.id)) || !increasing(gone)) {
    throw new DeltaError(`${kind}s out of order (in the delta or the baseline)`);
  }
  const out: T[] = [];
  let ai = 0;
  let ci = 0;
  let gi = 0;
  for (const b of base) {
    while (ai < added.length && (added[ai]?.id ?? 0) < b.id) out.push(added[ai++] as T);
    if (ai < added.length && added[ai]?.id === b.id) throw new DeltaError(`${kind} ${b.id} added but in the baseline`);
    const c = changes[ci];
    const g = gone[gi];
    if ((c && c.id < b.id) || (g !== undefined && g < b.id)) {
      throw new DeltaError(`a ${kind} changed or removed that the baseline does not have`);
    }
    const isGone = g === b.id;
    const isChanged = c?.id === b.id;
    if (isGone && isChanged) throw new DeltaError(`${kind} ${b.id} both changed and removed`);
    if (isGone) {
      gi++;
    } else if (isChanged) {
      out.push(next(b, c));
      ci++;
    } else {
      out.push(next(b, null));
    }
  }
  if (ci < changes.length || gi < gone.length) throw new DeltaError(`a ${kind} changed or removed that the baseline does not have`);
  while (ai < added.length) out.push(added[ai++] as T);
  return out;
}

/** How many pictures a client keeps: the server never deltas against an older one (its ring of 32 snapshots). */
export const PICTURES_KEPT = 32;

/**
 * The pictures a client holds, by tick: the newest PICTURES_KEPT it
 * applied. `acked` is what the next input acknowledges (its ackTick): the
 * newest picture applied, or 0 after a delta that did not apply, which asks
 * the server for a complete snapshot. Not safe to share between connections:
 * a new connection starts with none (the server starts it complete).
 */
export class Pictures {
  private readonly byTick = new Map<number, WireState>();
  private ack = 0;
  private refused = 0;

  constructor(private readonly tickRate: number) {}

  /** The tick the next input acknowledges (0: none). */
  get acked(): number {
    return this.ack;
  }

  /** Deltas dropped because their baseline was missing or they did not fit it. */
  get dropped(): number {
    return this.refused;
  }

  /** Keeps a complete snapshot's picture and returns it. */
  complete(w: WireState): WireState {
    this.keep(w);
    return w;
  }

  /**
   * Applies a delta to the picture its baseTick names and keeps the result,
   * or returns null (and acknowledges nothing until it applies another
   * picture, so the server sends a complete snapshot) when that picture is
   * gone or the delta does not fit it: a dropped frame, never a wrong
   * picture.
   */
  delta(d: Delta): WireState | null {
    const base = this.byTick.get(d.baseTick);
    if (!base) return this.drop();
    let w: WireState;
    try {
      w = applyDelta(base, d, this.tickRate);
    } catch (err) {
      if (err instanceof DeltaError) return this.drop();
      throw err;
    }
    this.keep(w);
    return w;
  }

  private drop(): null {
    this.refused++;
    this.ack = 0;
    return null;
  }

  private keep(w: WireState): void {
    this.byTick.delete(w.tick);
    this.byTick.set(w.tick, w);
    while (this.byTick.size > PICTURES_KEPT) {
      const oldest = this.byTick.keys().next().value as number;
      this.byTick.delete(oldest);
    }
    this.ack = w.tick;
  }
}
