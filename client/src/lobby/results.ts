// GET /api/matches?state=ended (PROTOCOL.md §3), narrowed: the recent
// results the lobby shows, and the words for one.
import { Fields, each } from "../validate";

/** One player on an ended match's scoreboard, in scoreboard order. */
export interface ResultPlayer {
  id: number;
  name: string;
  kills: number;
  deaths: number;
  bot: boolean;
}

/** One ended match from the server's history. */
export interface EndedMatch {
  id: string;
  map: string;
  startedAt: string; // RFC 3339
  endedAt: string; // RFC 3339
  reason: string; // time_limit, score_limit, shutdown, abandoned, admin
  winner: number; // player id; 0 nobody
  scoreboard: ResultPlayer[];
}

/** Validates the body of GET /api/matches?state=ended. */
export function parseEndedList(v: unknown): EndedMatch[] {
  return each(v, "results", (el, what) => {
    const f = new Fields(el, what);
    return {
      id: f.str("id"),
      map: f.str("map"),
      startedAt: f.str("startedAt"),
      endedAt: f.str("endedAt"),
      reason: f.str("reason"),
      winner: f.uint("winner"),
      scoreboard: f.each("scoreboard", (p, pw) => {
        const g = new Fields(p, pw);
        return { id: g.uint("id"), name: g.str("name"), kills: g.uint("kills"), deaths: g.uint("deaths"), bot: g.bool("bot") };
      }),
    };
  });
}

/** Fetches the newest limit ended matches. */
export async function fetchResults(limit: number, signal?: AbortSignal): Promise<EndedMatch[]> {
  const res = await fetch(`/api/matches?state=ended&limit=${limit}`, { cache: "no-store", ...(signal ? { signal } : {}) });
  if (!res.ok) throw new Error(`results: HTTP ${res.status}`);
  return parseEndedList(await res.json());
}

const REASONS: Record<string, string> = {
  time_limit: "time ran out",
  score_limit: "score limit",
  shutdown: "server restart",
  abandoned: "abandoned",
  admin: "ended by the host",
};

/** "Ann won, 20 kills (score limit)", "No winner (time ran out)". */
export function describeResult(m: EndedMatch): string {
  const why = REASONS[m.reason] ?? m.reason.split("_").join(" ");
  const w = m.scoreboard.find((p) => p.id === m.winner);
  if (m.winner === 0 || !w) return `No winner (${why})`;
  return `${w.name}${w.bot ? " (bot)" : ""} won, ${w.kills} kill${w.kills === 1 ? "" : "s"} (${why})`;
}

/** "just now", "5 min ago", "3 h ago", "2 d ago" for a time before now (ms since 1970). */
export function formatAgo(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const s = Math.max(0, (now - t) / 1000);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}
