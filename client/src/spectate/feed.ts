// The spectator feed (PROTOCOL.md §2): one JSON `data:` line per SSE event,
// narrowed into typed messages. Discrete events become the same MatchEvents
// the player wire produces. Pure: the EventSource lives in spectate/view.ts.
import { isPhase, type EndReason, type MatchEvent, type Phase, type ScoreRow } from "../match/events";
import { Fields, ValidationError } from "../validate";
import type { TimelineInfo } from "./timeline";

/** A player in a feed snapshot/state (world units, radians). */
export interface FeedPlayer {
  id: number;
  name: string;
  bot: boolean;
  x: number;
  y: number;
  aim: number;
  hp: number;
  alive: boolean;
  protected: boolean;
  kills: number;
  deaths: number;
  /** The player's seat is held after a dropped connection: they do not act until they are back. */
  disconnected: boolean;
}

/** A projectile in a feed snapshot/state. aim and alive make it an interpolation Body. */
export interface FeedProjectile {
  id: number;
  owner: number;
  x: number;
  y: number;
  aim: number; // always 0: the feed carries no heading
  alive: true;
}

/** The latest state, throttled (`state`) or complete with match facts (`snapshot`). */
export interface FeedState {
  tick: number;
  phase: Phase;
  timeLeft: number; // seconds; 0 when open-ended
  players: FeedPlayer[];
  projectiles: FeedProjectile[];
}

/** A message of the feed. */
export type FeedMessage =
  | ({ type: "snapshot"; match: string; map: string; tickRate: number; scoreLimit: number; timeline?: TimelineInfo } & FeedState)
  | ({ type: "state" } & FeedState)
  | { type: "event"; tick: number; event: MatchEvent }
  /** A replay's state differed from the match's at tick (a server bug, §2); desyncs so far. */
  | { type: "desync"; tick: number; desyncs: number };

/** The SSE event names the feed sends; the view subscribes to exactly these. */
export const FEED_EVENTS = [
  "snapshot", "state", "join", "leave", "kill", "respawn", "phase", "score", "end", "disconnect", "reconnect", "desync",
] as const;

/** One of FEED_EVENTS. */
export type FeedEventName = (typeof FEED_EVENTS)[number];

const END_REASONS: Readonly<Record<string, EndReason>> = {
  time_limit: "time_limit",
  score_limit: "score_limit",
  shutdown: "shutdown",
  abandoned: "abandoned",
  admin: "admin",
};

function phase(f: Fields, key = "phase"): Phase {
  const p = f.str(key);
  if (!isPhase(p)) throw new ValidationError(`${key}: unknown phase "${p}"`);
  return p;
}

function player(v: unknown, what: string): FeedPlayer {
  const f = new Fields(v, what);
  return {
    id: f.uint("id"),
    name: f.str("name"),
    bot: f.bool("bot"),
    x: f.num("x"),
    y: f.num("y"),
    aim: f.num("aim"),
    hp: f.uint("hp"),
    alive: f.bool("alive"),
    protected: f.bool("protected"),
    kills: f.uint("kills"),
    deaths: f.uint("deaths"),
    disconnected: f.bool("disconnected"),
  };
}

function projectile(v: unknown, what: string): FeedProjectile {
  const f = new Fields(v, what);
  return { id: f.uint("id"), owner: f.uint("owner"), x: f.num("x"), y: f.num("y"), aim: 0, alive: true };
}

function scoreRow(v: unknown, what: string): ScoreRow {
  const f = new Fields(v, what);
  return { id: f.uint("id"), name: f.str("name"), kills: f.uint("kills"), deaths: f.uint("deaths") };
}

function state(f: Fields): FeedState {
  return {
    tick: f.uint("tick"),
    phase: phase(f),
    timeLeft: f.num("timeLeft"),
    players: f.each("players", player),
    projectiles: f.each("projectiles", projectile),
  };
}

/**
 * Parses the data of one feed event. Throws ValidationError (or SyntaxError
 * for bad JSON) when it does not match the contract.
 */
export function parseFeedEvent(name: FeedEventName, data: string): FeedMessage {
  const f = new Fields(JSON.parse(data) as unknown, name);
  const tick = f.uint("tick");
  const ev = (event: MatchEvent): FeedMessage => ({ type: "event", tick, event });
  switch (name) {
    case "snapshot": {
      const snap: FeedMessage = {
        type: "snapshot",
        match: f.str("match"),
        map: f.str("map"),
        tickRate: positive(f.uint("tickRate"), "snapshot.tickRate"),
        scoreLimit: f.uint("scoreLimit"),
        ...state(f),
      };
      const raw = (JSON.parse(data) as Record<string, unknown>)["timeline"];
      if (raw !== undefined) snap.timeline = timeline(raw);
      return snap;
    }
    case "desync":
      return { type: "desync", tick, desyncs: f.uint("desyncs") };
    case "state":
      return { type: "state", ...state(f) };
    case "join":
      return ev({ kind: "join", player: f.uint("id"), name: f.str("name"), bot: f.bool("bot") });
    case "leave":
      return ev({ kind: "leave", player: f.uint("id") });
    case "kill":
      return ev({ kind: "kill", killer: f.uint("killer"), victim: f.uint("victim") });
    case "respawn":
      return ev({ kind: "respawn", player: f.uint("id") });
    case "disconnect":
      return ev({ kind: "disconnect", player: f.uint("id") });
    case "reconnect":
      return ev({ kind: "reconnect", player: f.uint("id") });
    case "phase":
      return ev({ kind: "phase", phase: phase(f), timeLeft: f.num("timeLeft") });
    case "score":
      return ev({ kind: "score", player: f.uint("id"), kills: f.uint("kills") });
    case "end":
      return ev({
        kind: "end",
        winner: f.uint("winner"),
        reason: END_REASONS[f.str("reason")] ?? "unknown",
        scoreboard: f.each("scoreboard", scoreRow),
      });
  }
}

function timeline(v: unknown): TimelineInfo {
  const f = new Fields(v, "snapshot.timeline");
  return { from: f.uint("from"), last: f.uint("last"), live: f.bool("live"), speed: f.num("speed") };
}

function positive(n: number, what: string): number {
  if (n === 0) throw new ValidationError(`${what}: must be positive`);
  return n;
}
