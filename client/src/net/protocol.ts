// The player wire (PROTOCOL.md §1): positional msgpack arrays, encoded and
// decoded with @msgpack/msgpack, narrowed into typed messages and dequantized
// into world units, radians and booleans. Pure: no sockets, no clocks.
import { encode } from "@msgpack/msgpack";
import { END_REASONS, PHASES, type MatchEvent, type Phase } from "../match/events";
import { arr, Tuple, uint, ValidationError } from "../validate";
import { checkIgnorable, decodeFrame } from "./msgpack";

/** The protocol version this client speaks (hello, welcome). */
export const PROTOCOL_VERSION = 1;

/** Message type codes (first element of every message). */
export const MsgType = {
  Hello: 1,
  Welcome: 2,
  Input: 3,
  Snapshot: 4,
  Ping: 5,
  Events: 6,
  Pong: 7,
  Delta: 8,
  Error: 9,
  View: 11,
} as const;

/** Bits of `buttons` in an input. */
export const Button = { Fire: 1 } as const;

/** Bits of a player's `flags` in the roster and snapshots. */
export const Flag = { Alive: 1, Protected: 2, Bot: 4, Disconnected: 8 } as const;

/** pos and vel are world units × 8 on the wire. */
export const POS_SCALE = 8;

const TAU = 2 * Math.PI;

/** Converts a wire `pos` or `vel` to world units. */
export function dequantize(v: number): number {
  return v / POS_SCALE;
}

/** Converts a wire angle (uint16, 65536 per turn) to radians in [0, 2π). */
export function angleFromWire(a: number): number {
  return ((a % 65536) * TAU) / 65536;
}

/** Converts radians to a wire angle (the server's encoding; used by tests). */
export function angleToWire(rad: number): number {
  const turns = rad / TAU - Math.floor(rad / TAU);
  return Math.round(turns * 65536) % 65536;
}

// ---- client → server -------------------------------------------------------

/** One tick's worth of intent (PROTOCOL.md §1.4 `input`). */
export interface InputCmd {
  seq: number; // u32, +1 per input
  moveX: number; // -1..1
  moveY: number; // -1..1
  aim: number; // radians
  buttons: number; // bit 0 fire
  /** Server ticks (fractional): when the other players on screen were, as the input was sampled (lag compensation); 0 or absent: none. */
  viewTime?: number;
  /** u32: the id of the shot this input fires, echoed in its projectile (predicted shots); 0 or absent: none. */
  shotId?: number;
  /** u32: the newest snapshot tick this client has applied, complete or delta (PROTOCOL.md §1.4); 0 or absent: none. */
  ackTick?: number;
}

/**
 * Encodes a hello. The name is trimmed here; the server applies the same
 * rules. A resume token (from an earlier welcome) asks for that seat back
 * (PROTOCOL.md §1.4); without one the hello is the original three elements.
 */
export function encodeHello(name: string, match: string, resume = ""): Uint8Array {
  const hello = [MsgType.Hello, PROTOCOL_VERSION, name.trim(), match];
  if (resume) hello.push(resume);
  return encode(hello);
}

/**
 * Encodes an input, with its view time and shot id (0 when absent). Floats
 * that happen to be whole (moveX = 1) go out as msgpack integers:
 * @msgpack/msgpack picks the form per value, and the protocol accepts any
 * integer form where a float is expected.
 */
export function encodeInput(i: InputCmd): Uint8Array {
  return encode([
    MsgType.Input,
    i.seq >>> 0,
    i.moveX,
    i.moveY,
    i.aim,
    i.buttons >>> 0,
    i.viewTime ?? 0,
    (i.shotId ?? 0) >>> 0,
    (i.ackTick ?? 0) >>> 0,
  ]);
}

/**
 * Encodes a view message: how much of the world this client shows, in world
 * units (PROTOCOL.md §1.4); the server sends the entities in that rectangle
 * around your player, plus a margin.
 */
export function encodeView(width: number, height: number): Uint8Array {
  return encode([MsgType.View, width, height]);
}

/** Encodes a ping carrying the client clock (ms), echoed back in the pong. */
export function encodePing(t: number): Uint8Array {
  return encode([MsgType.Ping, t]);
}

// ---- server → client -------------------------------------------------------

/** One seat in the welcome's roster. */
export interface RosterEntry {
  id: number;
  name: string;
  bot: boolean;
  kills: number;
  deaths: number;
  /** Present (true) only for a player whose seat is held after a dropped connection. */
  disconnected?: true;
}

/** The server's answer to hello. */
export interface Welcome {
  type: "welcome";
  version: number;
  player: string; // session UUID
  match: string;
  you: number;
  tickRate: number;
  snapshotRate: number;
  map: string;
  roster: RosterEntry[];
  /** The token a later hello resumes this seat with (present only when the server sent one). */
  resume?: string;
  /** How long (ms) the seat is held after a drop; present with resume, 0: not held. */
  reconnectMs?: number;
}

/** A player in a snapshot, dequantized. */
export interface SnapshotPlayer {
  id: number;
  x: number;
  y: number;
  vx: number;
  vy: number;
  aim: number; // radians [0, 2π)
  hp: number;
  alive: boolean;
  protected: boolean;
  bot: boolean;
  kills: number;
  deaths: number;
  respawnTicks: number;
  /** The newest input seq the server has consumed for this player: applied, or skipped (PROTOCOL.md §1.5). */
  ackSeq: number;
  /** How many ms earlier than needed this player's inputs arrive (input clock advice; 0: none). */
  inputSlack: number;
  /** How many of this player's inputs the server skipped (arrived after their tick, moved otherwise, not redone); u32. */
  inputsSkipped: number;
  /** How many of this player's newest slots got a stand-in whose input may still arrive: non-zero, the state is provisional. */
  inputsAwaited: number;
  /** Present (true) only while the player's seat is held after a dropped connection: they do not act. */
  disconnected?: true;
}

/** A projectile in a snapshot, dequantized. */
export interface SnapshotProjectile {
  id: number;
  owner: number;
  x: number;
  y: number;
  vx: number;
  vy: number;
  /** The shot id of the input that fired it (PROTOCOL.md §1.4); 0: none. */
  shotId: number;
}

/** The full visible state after a server tick. */
export interface Snapshot {
  type: "snapshot";
  tick: number;
  phase: Phase;
  phaseTicksLeft: number;
  scoreLimit: number;
  players: SnapshotPlayer[];
  projectiles: SnapshotProjectile[];
}

/** A player as the wire carries it: the quantized integers of PROTOCOL.md §1.3 (deltas apply in them). */
export interface WirePlayer {
  id: number;
  x: number; // pos: world units × 8
  y: number;
  vx: number; // vel: world units per second × 8
  vy: number;
  aim: number; // angle: 65536 per turn
  health: number;
  flags: number;
  kills: number;
  deaths: number;
  respawnTicks: number;
  ackSeq: number;
  inputSlack: number;
  inputsSkipped: number;
  inputsAwaited: number;
}

/** A projectile as the wire carries it. */
export interface WireProjectile {
  id: number;
  owner: number;
  x: number;
  y: number;
  vx: number;
  vy: number;
  shotId: number;
}

/** A whole snapshot in wire integers: a client's picture of one tick (net/delta.ts). */
export interface WireState {
  tick: number;
  phase: Phase;
  phaseTicksLeft: number;
  scoreLimit: number;
  players: WirePlayer[]; // sorted by id
  projectiles: WireProjectile[]; // sorted by id
}

/** One entity's changed fields in a delta: the values its mask sends, in the order of its bits (PROTOCOL.md §1.5). */
export interface Change {
  id: number;
  mask: number;
  values: number[];
}

/** A snapshot as a delta against a picture the client acknowledged (type 8, PROTOCOL.md §1.5); applied by net/delta.ts. */
export interface Delta {
  type: "delta";
  tick: number;
  baseTick: number;
  phase: Phase;
  phaseTicksLeft: number;
  scoreLimit: number;
  players: WirePlayer[]; // new to the picture, complete
  playerChanges: Change[];
  playersGone: number[];
  projectiles: WireProjectile[];
  projectileChanges: Change[];
  projectilesGone: number[];
}

/** A complete snapshot in wire integers, as the socket keeps it. */
export interface Complete {
  type: "complete";
  state: WireState;
}

/** The discrete events of one server tick. */
export interface Events {
  type: "events";
  tick: number;
  events: MatchEvent[]; // unknown kinds are skipped
}

/** The answer to a ping. */
export interface Pong {
  type: "pong";
  t: number;
  tick: number;
}

/** A protocol error; codes 10 and up (join and resume refusals) are followed by a close. */
export interface ErrorMsg {
  type: "error";
  code: number;
  reason: string;
  message: string;
}

/** A message type this client does not know (from a newer server); ignore it. */
export interface Unknown {
  type: "unknown";
  code: number;
}

/** Anything the server sends. */
export type ServerMessage = Welcome | Snapshot | Delta | Events | Pong | ErrorMsg | Unknown;

/** Anything the server sends, complete snapshots in wire integers (what a socket keeps to apply deltas to). */
export type WireMessage = Welcome | Complete | Delta | Events | Pong | ErrorMsg | Unknown;

/** A frame that is not a valid server message. */
export class ProtocolError extends Error {
  override name = "ProtocolError";
}

/**
 * Decodes one binary frame. Elements after the ones this version knows, in
 * any array, are ignored whatever their msgpack type (PROTOCOL.md §1.2).
 * Throws ProtocolError when the frame is malformed: by the same rules as the
 * server's decoder (netcode/decode.go), pinned by the shared wire vectors.
 */
export function decodeServerMessage(frame: ArrayBuffer | Uint8Array): ServerMessage {
  const m = decodeWireMessage(frame);
  return m.type === "complete" ? snapshotOf(m.state) : m;
}

/**
 * decodeServerMessage with complete snapshots left in wire integers, the
 * form deltas apply to (net/delta.ts); same rules, same errors.
 */
export function decodeWireMessage(frame: ArrayBuffer | Uint8Array): WireMessage {
  let raw: unknown;
  try {
    raw = decodeFrame(frame);
  } catch (err) {
    throw new ProtocolError(`not msgpack: ${String(err)}`);
  }
  try {
    return decodeMessage(raw);
  } catch (err) {
    if (err instanceof ValidationError) throw new ProtocolError(err.message);
    throw err;
  }
}

function decodeMessage(raw: unknown): WireMessage {
  const m = new Tuple(raw, "message");
  const type = m.uint(0, "type");
  switch (type) {
    case MsgType.Welcome: {
      const w: Welcome = {
        type: "welcome",
        version: m.uint(1, "version"),
        player: m.str(2, "player"),
        match: m.str(3, "match"),
        you: m.uint(4, "you"),
        tickRate: positive(m.uint(5, "tickRate"), "welcome.tickRate"),
        snapshotRate: positive(m.uint(6, "snapshotRate"), "welcome.snapshotRate"),
        map: m.str(7, "map"),
        roster: m.each(8, "roster", decodeRosterEntry),
      };
      // resume and reconnectMs came later in version 1: absent, no token was issued.
      if (m.length > 9) w.resume = m.str(9, "resume");
      if (m.length > 10) w.reconnectMs = within(m.uint(10, "reconnectMs"), 0, 2 ** 32 - 1, "welcome.reconnectMs");
      return known(m, Math.min(m.length, 11), w);
    }
    case MsgType.Snapshot:
      return known(m, 7, {
        type: "complete",
        state: {
          tick: u32(m.uint(1, "tick"), "snapshot.tick"),
          phase: decodePhase(m.uint(2, "phase")),
          phaseTicksLeft: u32(m.uint(3, "phaseTicksLeft"), "snapshot.phaseTicksLeft"),
          scoreLimit: within(m.uint(4, "scoreLimit"), 0, I32_MAX, "snapshot.scoreLimit"),
          players: m.each(5, "players", decodeWirePlayer),
          projectiles: m.each(6, "projectiles", decodeWireProjectile),
        },
      });
    case MsgType.Delta:
      return decodeDelta(m);
    case MsgType.Events: {
      const tick = m.uint(1, "tick");
      const events: MatchEvent[] = [];
      for (const e of m.each(2, "events", decodeEvent)) if (e) events.push(e);
      return known(m, 3, { type: "events", tick, events });
    }
    case MsgType.Pong:
      return known(m, 3, { type: "pong", t: m.num(1, "t"), tick: m.uint(2, "tick") });
    case MsgType.Error:
      return known(m, 4, { type: "error", code: m.uint(1, "code"), reason: m.str(2, "reason"), message: m.str(3, "message") });
    default:
      return { type: "unknown", code: type };
  }
}

/**
 * Returns `value`, read from the first `count` elements of `t`, once the
 * elements after them are checked to be ignorable. The caller reads first, so
 * a missing or wrong field is reported before a bad trailing one, as on the
 * server.
 */
function known<T>(t: Tuple, count: number, value: T): T {
  t.ignoreAfter(count, checkIgnorable);
  return value;
}

function positive(n: number, what: string): number {
  if (n === 0) throw new ValidationError(`${what}: must be positive`);
  return n;
}

function decodePhase(n: number): Phase {
  const p = PHASES[n];
  if (p === undefined) throw new ValidationError(`snapshot.phase: unknown phase ${n}`);
  return p;
}

function decodeRosterEntry(v: unknown, what: string): RosterEntry {
  const t = new Tuple(v, what);
  const flags = t.uint(2, "flags");
  const r: RosterEntry = {
    id: t.uint(0, "id"),
    name: t.str(1, "name"),
    bot: (flags & Flag.Bot) !== 0,
    kills: t.uint(3, "kills"),
    deaths: t.uint(4, "deaths"),
  };
  if (flags & Flag.Disconnected) r.disconnected = true;
  return known(t, 5, r);
}

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;
const U32_MAX = 2 ** 32 - 1;

function u32(n: number, what: string): number {
  return within(n, 0, U32_MAX, what);
}

function decodeWirePlayer(v: unknown, what: string): WirePlayer {
  const t = new Tuple(v, what);
  // inputSlack, inputsSkipped and inputsAwaited came later in version 1: absent means 0.
  const timed = Math.min(t.length, 15);
  const p: WirePlayer = {
    id: within(t.uint(0, "id"), 0, 65535, `${what}.id`),
    x: within(t.int(1, "x"), I32_MIN, I32_MAX, `${what}.x`),
    y: within(t.int(2, "y"), I32_MIN, I32_MAX, `${what}.y`),
    vx: within(t.int(3, "vx"), I32_MIN, I32_MAX, `${what}.vx`),
    vy: within(t.int(4, "vy"), I32_MIN, I32_MAX, `${what}.vy`),
    aim: within(t.uint(5, "aim"), 0, 65535, `${what}.aim`),
    health: within(t.uint(6, "health"), 0, I32_MAX, `${what}.health`),
    flags: within(t.uint(7, "flags"), 0, 255, `${what}.flags`),
    kills: within(t.uint(8, "kills"), 0, I32_MAX, `${what}.kills`),
    deaths: within(t.uint(9, "deaths"), 0, I32_MAX, `${what}.deaths`),
    respawnTicks: within(t.uint(10, "respawnTicks"), 0, I32_MAX, `${what}.respawnTicks`),
    ackSeq: u32(t.uint(11, "ackSeq"), `${what}.ackSeq`),
    inputSlack: timed > 12 ? within(t.int(12, "inputSlack"), I32_MIN, I32_MAX, `${what}.inputSlack`) : 0,
    inputsSkipped: timed > 13 ? u32(t.uint(13, "inputsSkipped"), `${what}.inputsSkipped`) : 0,
    inputsAwaited: timed > 14 ? u32(t.uint(14, "inputsAwaited"), `${what}.inputsAwaited`) : 0,
  };
  return known(t, Math.max(12, timed), p);
}

function within(n: number, lo: number, hi: number, what: string): number {
  if (n < lo || n > hi) throw new ValidationError(`${what}: ${n} is outside ${lo}..${hi}`);
  return n;
}

function decodeWireProjectile(v: unknown, what: string): WireProjectile {
  const t = new Tuple(v, what);
  // shotId came later in version 1: absent means 0.
  const shot = t.length > 6;
  return known(t, shot ? 7 : 6, {
    id: u32(t.uint(0, "id"), `${what}.id`),
    owner: within(t.uint(1, "owner"), 0, 65535, `${what}.owner`),
    x: within(t.int(2, "x"), I32_MIN, I32_MAX, `${what}.x`),
    y: within(t.int(3, "y"), I32_MIN, I32_MAX, `${what}.y`),
    vx: within(t.int(4, "vx"), I32_MIN, I32_MAX, `${what}.vx`),
    vy: within(t.int(5, "vy"), I32_MIN, I32_MAX, `${what}.vy`),
    shotId: shot ? u32(t.uint(6, "shotId"), `${what}.shotId`) : 0,
  });
}

/** A player in world units, radians and booleans. */
export function playerOf(p: WirePlayer): SnapshotPlayer {
  const s: SnapshotPlayer = {
    id: p.id,
    x: dequantize(p.x),
    y: dequantize(p.y),
    vx: dequantize(p.vx),
    vy: dequantize(p.vy),
    aim: angleFromWire(p.aim),
    hp: p.health,
    alive: (p.flags & Flag.Alive) !== 0,
    protected: (p.flags & Flag.Protected) !== 0,
    bot: (p.flags & Flag.Bot) !== 0,
    kills: p.kills,
    deaths: p.deaths,
    respawnTicks: p.respawnTicks,
    ackSeq: p.ackSeq,
    inputSlack: p.inputSlack,
    inputsSkipped: p.inputsSkipped,
    inputsAwaited: p.inputsAwaited,
  };
  if (p.flags & Flag.Disconnected) s.disconnected = true;
  return s;
}

/** A projectile in world units. */
export function projectileOf(p: WireProjectile): SnapshotProjectile {
  return { id: p.id, owner: p.owner, x: dequantize(p.x), y: dequantize(p.y), vx: dequantize(p.vx), vy: dequantize(p.vy), shotId: p.shotId };
}

/** A picture as the application reads it: the snapshot a complete message of the same tick decodes to. */
export function snapshotOf(w: WireState): Snapshot {
  return {
    type: "snapshot",
    tick: w.tick,
    phase: w.phase,
    phaseTicksLeft: w.phaseTicksLeft,
    scoreLimit: w.scoreLimit,
    players: w.players.map(playerOf),
    projectiles: w.projectiles.map(projectileOf),
  };
}

/** The most ticks a delta may span, and the bound of every change value (PROTOCOL.md §1.5). */
export const MAX_DELTA_SPAN = 65535;
export const MAX_CHANGE_VALUE = 2 ** 50;
/** How many fields a player's and a projectile's change entry can name (bits of the mask). */
export const PLAYER_FIELDS = 14;
export const PROJECTILE_FIELDS = 6;

function decodeDelta(m: Tuple): Delta {
  const tick = u32(m.uint(1, "tick"), "delta.tick");
  const baseTick = u32(m.uint(2, "baseTick"), "delta.baseTick");
  if (baseTick >= tick || tick - baseTick > MAX_DELTA_SPAN) {
    throw new ValidationError(`delta.baseTick: ${baseTick} is not 1 to ${MAX_DELTA_SPAN} ticks before ${tick}`);
  }
  return known(m, 12, {
    type: "delta",
    tick,
    baseTick,
    phase: decodePhase(m.uint(3, "phase")),
    phaseTicksLeft: u32(m.uint(4, "phaseTicksLeft"), "delta.phaseTicksLeft"),
    scoreLimit: within(m.uint(5, "scoreLimit"), 0, I32_MAX, "delta.scoreLimit"),
    players: m.each(6, "players", decodeWirePlayer),
    playerChanges: decodeChanges(m.at(7, "playerChanges"), "delta.playerChanges", 65535, PLAYER_FIELDS),
    playersGone: decodeIds(m.at(8, "playersGone"), "delta.playersGone", 65535),
    projectiles: m.each(9, "projectiles", decodeWireProjectile),
    projectileChanges: decodeChanges(m.at(10, "projectileChanges"), "delta.projectileChanges", U32_MAX, PROJECTILE_FIELDS),
    projectilesGone: decodeIds(m.at(11, "projectilesGone"), "delta.projectilesGone", U32_MAX),
  });
}

/** The id a gap leads to from prev: the first entry's gap is its id, later gaps are at least 1; at most limit. */
function nextId(gap: number, prev: number, first: boolean, limit: number, what: string): number {
  if (!first && gap === 0) throw new ValidationError(`${what}: ids must increase`);
  if (gap > limit - prev) throw new ValidationError(`${what}: id beyond ${limit}`);
  return prev + gap;
}

function decodeIds(v: unknown, what: string, limit: number): number[] {
  const ids: number[] = [];
  let id = 0;
  arr(v, what).forEach((el, i) => {
    id = nextId(uint(el, `${what}[${i}]`), id, i === 0, limit, `${what}[${i}]`);
    ids.push(id);
  });
  return ids;
}

function decodeChanges(v: unknown, what: string, limit: number, fields: number): Change[] {
  let id = 0;
  return arr(v, what).map((el, i) => {
    const w = `${what}[${i}]`;
    const t = new Tuple(el, w);
    id = nextId(t.uint(0, "id"), id, i === 0, limit, `${w}.id`);
    const mask = within(t.uint(1, "mask"), 0, 65535, `${w}.mask`);
    if (mask >>> fields !== 0) throw new ValidationError(`${w}.mask: ${mask} names unknown fields`);
    const values: number[] = [];
    for (let f = 0; f < fields; f++) {
      if (mask & (1 << f)) values.push(within(t.int(2 + values.length, "value"), -MAX_CHANGE_VALUE, MAX_CHANGE_VALUE, `${w}.value`));
    }
    return known(t, 2 + values.length, { id, mask, values });
  });
}

/** Decodes one event array; returns null for a kind this client does not know. */
function decodeEvent(v: unknown, what: string): MatchEvent | null {
  const t = new Tuple(v, what);
  const kind = t.uint(0, "kind");
  const player = t.uint(1, "player");
  const other = t.uint(2, "other");
  const value = t.int(3, "value");
  const name = t.str(4, "name");
  t.ignoreAfter(5, checkIgnorable); // unknown kinds too: the server reads every event
  switch (kind) {
    case 1:
      return { kind: "join", player, name, bot: value === 1 };
    case 2:
      return { kind: "leave", player };
    case 3:
      return { kind: "kill", victim: player, killer: other };
    case 4:
      return { kind: "respawn", player };
    case 5: {
      const phase = PHASES[value];
      if (phase === undefined) throw new ValidationError(`${what}: unknown phase ${value}`);
      return { kind: "phase", phase };
    }
    case 6:
      return { kind: "score", player, kills: value };
    case 7:
      return { kind: "end", winner: player, reason: END_REASONS[value] ?? "unknown" };
    case 8:
      return { kind: "disconnect", player };
    case 9:
      return { kind: "reconnect", player };
    default:
      return null;
  }
}
