// The spectator timeline (PROTOCOL.md §2, "Timeshift and replays"): where
// the view is in the match, what is available, and which events URL shows
// it. Seeking, pausing and changing speed all reopen the feed at the tick
// shown, as a timeshift stream the server re-simulates; "Live" goes back to
// the match's own (possibly delayed) feed. Pure and clock-free: times are
// passed in (ms, performance.now()).

/** The speeds a timeshift stream may play at (the server takes 0.25 to 8). */
export const SPEEDS = [0.25, 0.5, 1, 2, 4, 8] as const;

/** What a timeshift snapshot says about its stream. */
export interface TimelineInfo {
  from: number;
  last: number; // the match's last tick (ended), or live − delay when the stream started
  live: boolean;
  speed: number;
}

/** The feed to open: the match's own (live) or a timeshift from a tick. */
export interface FeedRequest {
  live: boolean;
  from: number;
  speed: number;
}

/** The events URL for a request. */
export function eventsUrl(match: string, r: FeedRequest): string {
  const base = `/api/matches/${encodeURIComponent(match)}/events`;
  if (r.live) return base;
  return `${base}?from=${Math.max(0, Math.floor(r.from))}&speed=${r.speed}`;
}

/** The timeline of one spectator view. */
export class Timeline {
  /** The tick shown (the newest event's). */
  tick = 0;
  /** Ticks per second, from the snapshot. */
  tickRate = 30;
  speed = 1;
  paused = false;
  /** Following the match's own feed (not a timeshift). */
  following: boolean;
  /** The match is running (a live match can go Live). */
  running: boolean;
  ended = false;
  private known = 0; // the newest tick known to exist, at knownAt
  private knownAt = 0;

  /** replay: an ended match, watched from its start; else the live feed. */
  constructor(replay: boolean) {
    this.following = !replay;
    this.running = !replay;
  }

  /** The match turned out to be over (its live feed is gone): play it from its start. */
  asReplay(): FeedRequest {
    this.following = false;
    this.running = false;
    this.tick = 0;
    return { live: false, from: 0, speed: this.speed };
  }

  /** The first request of the view. */
  first(): FeedRequest {
    return { live: this.following, from: 0, speed: this.speed };
  }

  /** A snapshot arrived: the stream's start, and what it says of the match. */
  snapshot(tick: number, tickRate: number, info: TimelineInfo | undefined, now: number): void {
    this.tick = tick;
    this.tickRate = tickRate;
    if (info) {
      this.running = info.live;
      this.learn(info.last, now);
    }
    this.learn(tick, now);
  }

  /** An event of tick arrived. */
  saw(tick: number, now: number): void {
    this.tick = Math.max(this.tick, tick);
    this.learn(tick, now);
  }

  /** The match's end arrived on the stream. */
  end(now: number): void {
    this.ended = true;
    this.running = false;
    this.learn(this.tick, now);
  }

  private learn(tick: number, now: number): void {
    if (tick >= this.horizon(now)) {
      this.known = tick;
      this.knownAt = now;
    }
  }

  /**
   * The newest tick there is to show at now: a running match's grows at
   * the tick rate (the server holds back what is newer than its delay, so
   * a seek past it starts at it); an ended one's is its last.
   */
  horizon(now: number): number {
    if (!this.running) return this.known;
    return this.known + Math.max(0, Math.floor(((now - this.knownAt) * this.tickRate) / 1000));
  }

  /** Seek to tick: a timeshift from there at the current speed. */
  seek(tick: number, now: number): FeedRequest {
    const to = Math.max(0, Math.min(Math.floor(tick), this.horizon(now)));
    this.tick = to;
    this.paused = false;
    this.following = false;
    return { live: false, from: to, speed: this.speed };
  }

  /** Pause: the caller closes the feed; the view stays at the tick shown. */
  pause(): void {
    this.paused = true;
  }

  /** Play on from the tick shown. */
  resume(now: number): FeedRequest {
    return this.seek(this.tick, now);
  }

  /** Play at speed from the tick shown (a live feed plays at 1×: it becomes a timeshift). */
  setSpeed(speed: number, now: number): FeedRequest {
    this.speed = speed;
    return this.seek(this.tick, now);
  }

  /** Back to the match's own feed, as live as the server's delay allows. */
  goLive(): FeedRequest {
    this.following = true;
    this.paused = false;
    this.speed = 1;
    return { live: true, from: 0, speed: 1 };
  }

  /** After a dropped timeshift stream: reopen where the view is (a live feed resumes by itself). */
  reconnect(): FeedRequest {
    return { live: this.following, from: this.tick, speed: this.speed };
  }
}

/** m:ss of a tick count at tickRate. */
export function clock(ticks: number, tickRate: number): string {
  const s = Math.max(0, Math.floor(ticks / Math.max(tickRate, 1)));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
