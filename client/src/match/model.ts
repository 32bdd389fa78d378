// The discrete side of a match as the client sees it: who is who, the phase
// and its timer, the kill feed, the final result. Fed by MatchEvents from
// either wire and by the scores in each authoritative state. Pure: local time
// is passed in (ms) for the kill feed's fade and the phase timer.
import type { EndReason, MatchEvent, Phase, ScoreRow } from "./events";

/** A kill as the feed shows it; names are captured when it happens. */
export interface KillFeedEntry {
  killer: number; // 0: the world
  victim: number;
  killerName: string;
  victimName: string;
  at: number; // local ms
}

/** The result of an ended match. */
export interface EndInfo {
  winner: number; // 0: none
  winnerName: string;
  reason: EndReason;
  scoreboard: ScoreRow[]; // ranked
}

/** A player's score as a state carries it. */
export interface Score {
  id: number;
  kills: number;
  deaths: number;
}

/** Sorts scoreboard rows: most kills first, then fewest deaths, then lowest id (stable for ties). */
export function rankScoreboard<T extends Score>(rows: readonly T[]): T[] {
  return rows.slice().sort((a, b) => b.kills - a.kills || a.deaths - b.deaths || a.id - b.id);
}

/** Human text for an end reason. */
export function endReasonText(r: EndReason): string {
  switch (r) {
    case "time_limit":
      return "Time limit reached";
    case "score_limit":
      return "Score limit reached";
    case "shutdown":
      return "Server shutting down";
    case "abandoned":
      return "No players left";
    case "admin":
      return "Ended by the server's host";
    default:
      return "Match over";
  }
}

/** Mutable model of one match; one per view, not shared. */
export class MatchModel {
  phase: Phase = "waiting";
  scoreLimit = 0;
  ended: EndInfo | null = null;
  private readonly names = new Map<number, { name: string; bot: boolean }>();
  private scores: Score[] = [];
  private feed: KillFeedEntry[] = [];
  private timer: { seconds: number; at: number } | null = null;

  /** feedSize: kills kept in the feed; feedTtlMs: how long one stays (it fades over the last second). */
  constructor(
    private readonly feedSize = 5,
    private readonly feedTtlMs = 6000,
  ) {}

  /** Replaces the roster (welcome, feed snapshot). */
  setRoster(entries: ReadonlyArray<{ id: number; name: string; bot: boolean }>): void {
    this.names.clear();
    for (const e of entries) this.names.set(e.id, { name: e.name, bot: e.bot });
  }

  /** Records a player's name (feed states carry names; also fixes up a missed join). */
  learn(id: number, name: string, bot: boolean): void {
    this.names.set(id, { name, bot });
  }

  /** A player's display name. */
  name(id: number): string {
    if (id === 0) return "the world";
    return this.names.get(id)?.name ?? `player ${id}`;
  }

  /** Whether a player is a bot (false when unknown). */
  isBot(id: number): boolean {
    return this.names.get(id)?.bot ?? false;
  }

  /**
   * Records the latest authoritative scores (the scoreboard, and the final
   * one on the player wire). A state of the whole match (the spectators')
   * replaces every row; with partial, a state that holds only some players
   * (the player wire holds those of your interest: PROTOCOL.md §1.10)
   * updates theirs and keeps the others, which the roster, join, leave,
   * kill and score events keep up to date.
   */
  setScores(scores: readonly Score[], partial = false): void {
    if (!partial) {
      this.scores = scores.map((s) => ({ id: s.id, kills: s.kills, deaths: s.deaths }));
      return;
    }
    for (const s of scores) {
      const row = this.scores.find((x) => x.id === s.id);
      if (row) {
        row.kills = s.kills;
        row.deaths = s.deaths;
      } else this.scores.push({ id: s.id, kills: s.kills, deaths: s.deaths });
    }
  }

  /** Every seated player's latest known score, in no particular order. */
  scoreRows(): readonly Score[] {
    return this.scores;
  }

  /** Sets the phase timer: seconds left as of local time nowMs; 0 means open-ended. */
  setTimeLeft(seconds: number, nowMs: number): void {
    this.timer = seconds > 0 ? { seconds, at: nowMs } : null;
  }

  /** Seconds left in the phase at nowMs, or null when open-ended. */
  timeLeft(nowMs: number): number | null {
    if (!this.timer) return null;
    return Math.max(0, this.timer.seconds - (nowMs - this.timer.at) / 1000);
  }

  /** Applies one discrete event that happened at local time nowMs. */
  apply(e: MatchEvent, nowMs: number): void {
    switch (e.kind) {
      case "join":
        this.names.set(e.player, { name: e.name, bot: e.bot });
        if (!this.scores.some((x) => x.id === e.player)) this.scores.push({ id: e.player, kills: 0, deaths: 0 });
        break;
      case "leave":
        this.names.delete(e.player);
        this.scores = this.scores.filter((x) => x.id !== e.player);
        break;
      case "kill": {
        this.feed.push({
          killer: e.killer,
          victim: e.victim,
          killerName: this.name(e.killer),
          victimName: this.name(e.victim),
          at: nowMs,
        });
        if (this.feed.length > this.feedSize) this.feed.splice(0, this.feed.length - this.feedSize);
        // The player wire has no event for deaths: count it here, or an `end`
        // in the same tick as the last kill (score limit) would rank the final
        // scoreboard on the previous snapshot's deaths. The next snapshot's
        // scores replace this count, so it is never doubled.
        const v = this.scores.find((x) => x.id === e.victim);
        if (v) v.deaths++;
        break;
      }
      case "respawn":
      case "disconnect": // a held seat shows in the states' flags
      case "reconnect":
        break;
      case "phase":
        this.phase = e.phase;
        if (e.timeLeft !== undefined) this.setTimeLeft(e.timeLeft, nowMs);
        break;
      case "score": {
        const s = this.scores.find((x) => x.id === e.player);
        if (s) s.kills = e.kills;
        break;
      }
      case "end":
        this.phase = "ended";
        this.ended = {
          winner: e.winner,
          winnerName: e.winner === 0 ? "" : this.name(e.winner),
          reason: e.reason,
          scoreboard: rankScoreboard(
            e.scoreboard ?? this.scores.map((s) => ({ ...s, name: this.name(s.id) })),
          ),
        };
        break;
    }
  }

  /** The kill feed at nowMs, newest last, each with an opacity for its fade-out. */
  killFeed(nowMs: number): Array<KillFeedEntry & { alpha: number }> {
    this.feed = this.feed.filter((k) => nowMs - k.at < this.feedTtlMs);
    return this.feed.map((k) => ({ ...k, alpha: Math.min(1, Math.max(0, (this.feedTtlMs - (nowMs - k.at)) / 1000)) }));
  }
}
