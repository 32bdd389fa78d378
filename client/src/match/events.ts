// Wire-neutral vocabulary of a match. The player WebSocket (msgpack, numeric
// codes) and the spectator feed (JSON, names) both decode into these types, so
// everything downstream (the match model, the renderer) handles one shape.

/** Where a match is in its life (PROTOCOL.md §1.5 `phase`). */
export type Phase = "waiting" | "countdown" | "live" | "ended";

/** Phase names indexed by their wire number. */
export const PHASES: readonly Phase[] = ["waiting", "countdown", "live", "ended"];

/** Narrows a feed phase string; unknown names are rejected by the caller. */
export function isPhase(s: string): s is Phase {
  return (PHASES as readonly string[]).includes(s);
}

/** Why a match ended (the `end` event). "unknown" keeps newer servers' reasons displayable. */
export type EndReason = "time_limit" | "score_limit" | "shutdown" | "abandoned" | "admin" | "unknown";

/** End reasons indexed by their wire number (1..5). */
export const END_REASONS: readonly EndReason[] = ["unknown", "time_limit", "score_limit", "shutdown", "abandoned", "admin"];

/** A final scoreboard row, as the feed's `end` event carries it. */
export interface ScoreRow {
  id: number;
  name: string;
  kills: number;
  deaths: number;
}

/** One discrete thing that happened in a match. */
export type MatchEvent =
  | { kind: "join"; player: number; name: string; bot: boolean }
  | { kind: "leave"; player: number }
  | { kind: "kill"; victim: number; killer: number } // killer 0: the world
  | { kind: "respawn"; player: number }
  | { kind: "phase"; phase: Phase; timeLeft?: number } // timeLeft (s) only on the feed
  | { kind: "score"; player: number; kills: number }
  | { kind: "end"; winner: number; reason: EndReason; scoreboard?: ScoreRow[] } // scoreboard only on the feed
  | { kind: "disconnect"; player: number } // the player's connection dropped; their seat is held
  | { kind: "reconnect"; player: number }; // a held player is back
