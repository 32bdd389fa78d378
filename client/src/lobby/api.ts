// GET /api/matches (PROTOCOL.md §3), narrowed.
import { isPhase, type Phase } from "../match/events";
import { Fields, ValidationError, each } from "../validate";

/** One running match as the lobby lists it. */
export interface MatchSummary {
  id: string;
  map: string;
  phase: Phase;
  players: number; // humans
  bots: number;
  maxPlayers: number;
  spectators: number;
  timeLeft: number; // seconds; 0 when open-ended
}

/** Validates the /api/matches body. */
export function parseMatchList(v: unknown): MatchSummary[] {
  return each(v, "matches", (el, what) => {
    const f = new Fields(el, what);
    const phase = f.str("phase");
    if (!isPhase(phase)) throw new ValidationError(`${what}.phase: unknown phase "${phase}"`);
    return {
      id: f.str("id"),
      map: f.str("map"),
      phase,
      players: f.uint("players"),
      bots: f.uint("bots"),
      maxPlayers: f.uint("maxPlayers"),
      spectators: f.uint("spectators"),
      timeLeft: f.num("timeLeft"),
    };
  });
}

/** Fetches the match list. */
export async function fetchMatches(signal?: AbortSignal): Promise<MatchSummary[]> {
  const res = await fetch("/api/matches", { cache: "no-store", ...(signal ? { signal } : {}) });
  if (!res.ok) throw new Error(`match list: HTTP ${res.status}`);
  return parseMatchList(await res.json());
}

/** "2:05" for 125 s; "" when open-ended. */
export function formatClock(seconds: number | null): string {
  if (seconds === null || seconds <= 0) return "";
  const s = Math.ceil(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** The first 8 characters of a match id (a UUID's first group), enough to tell a handful apart. */
export function shortMatchId(id: string): string {
  return Array.from(id).slice(0, 8).join("");
}

/** Words for a failed match list fetch. fetch rejects with a TypeError when the server cannot be reached. */
export function describeListError(err: unknown): string {
  if (err instanceof TypeError) return "Cannot reach the server";
  const detail = err instanceof Error ? err.message : String(err);
  return `Could not load the match list (${detail})`;
}
