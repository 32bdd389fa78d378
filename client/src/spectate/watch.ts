// The spectator view: the match drawn from the SSE feed alone (EventSource,
// never a WebSocket), interpolated between `state` events like the game view
// interpolates snapshots. EventSource reconnects by itself and sends
// Last-Event-ID, so a dropped feed resumes where it left off (§2). It shows
// the whole map; on a large map a click on a player follows it (./follow).
import type { Arena } from "../arena";
import { debug, resetDebug } from "../debug";
import { setStatus } from "../dom";
import { loadMap, placeholderMap, type GameMap } from "../match/map";
import { endReasonText, MatchModel } from "../match/model";
import { Interpolator } from "../net/interpolation";
import { follows } from "../render/camera";
import type { View } from "../render/view";
import { FEED_EVENTS, parseFeedEvent, type FeedEventName, type FeedPlayer, type FeedProjectile, type FeedState } from "./feed";
import { followed, followHint, pick } from "./follow";

/** The spectator feed's default state rate (§2); the interpolator learns the real one. */
const FEED_RATE_HZ = 10;

/** States come about 10 times a second; this long without one is a stall worth showing. */
const STALL_MS = 1500;

/** Where the session can send the page. */
export interface Navigator {
  quickPlay(): void;
}

/** A running spectator view. stop() closes the feed and releases everything. */
export class WatchSession {
  private readonly es: EventSource;
  private readonly model = new MatchModel();
  private interp: Interpolator<FeedPlayer, FeedProjectile> | null = null;
  private latest: FeedState | null = null;
  private latestAt = 0; // local ms the latest state arrived
  private map: GameMap = placeholderMap("");
  private mapId = "";
  private mapLoad = new AbortController();
  private stopped = false;
  private badEvents = 0;
  /** The feed dropped and EventSource is reconnecting. */
  private interrupted = false;
  /** The player the camera follows on a large map; 0: the whole map. */
  private following = 0;
  /** The players of the last frame drawn, where a click picks one. */
  private shown: FeedPlayer[] = [];
  private readonly input = new AbortController();

  constructor(
    private readonly arena: Arena,
    private readonly matchId: string,
    private readonly nav: Navigator,
  ) {
    resetDebug("connecting");
    debug.matchId = matchId;
    setStatus(`Connecting to match ${matchId}…`);
    arena.show(`Watching ${matchId}`, (now) => this.frame(now));
    this.es = new EventSource(`/api/matches/${encodeURIComponent(matchId)}/events`);
    for (const name of FEED_EVENTS) {
      this.es.addEventListener(name, (e: MessageEvent<unknown>) => this.receive(name, e.data));
    }
    this.es.onopen = () => {
      this.interrupted = false;
      setStatus(`Watching match ${matchId}`, "ok");
    };
    this.es.onerror = () => this.onError();
    const opts = { signal: this.input.signal };
    arena.surface.addEventListener("click", (e) => this.onClick(e.clientX, e.clientY), opts);
    window.addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.following = 0;
    }, opts);
  }

  /** A click follows the player under it on a large map, or goes back to the overview. */
  private onClick(clientX: number, clientY: number): void {
    if (!follows(this.map)) return;
    const r = this.arena.renderer;
    const [x, y] = r.clientToWorld(clientX, clientY);
    this.following = pick(this.shown, x, y, r.scale);
  }

  /** Closes the feed and hides the arena. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.input.abort();
    this.es.close();
    this.mapLoad.abort();
    this.arena.hide();
  }

  private receive(name: FeedEventName, data: unknown): void {
    if (this.stopped || typeof data !== "string") return;
    const now = performance.now();
    let msg;
    try {
      msg = parseFeedEvent(name, data);
    } catch (err) {
      if (this.badEvents++ < 10) console.warn(`skirmish: dropping malformed ${name} event:`, String(err));
      return;
    }
    // A fresh snapshot is the new baseline; otherwise ticks only move forward.
    debug.tick = msg.type === "snapshot" ? msg.tick : Math.max(debug.tick, msg.tick);
    switch (msg.type) {
      case "snapshot":
        // A fresh start: on first connect, or after a reconnect too late for the history.
        debug.mode = "watching";
        this.model.scoreLimit = msg.scoreLimit;
        this.model.setRoster(msg.players);
        this.interp = new Interpolator({ tickRate: msg.tickRate, frameRate: FEED_RATE_HZ });
        this.useMap(msg.map);
        this.applyState(msg, now);
        break;
      case "state":
        this.applyState(msg, now);
        break;
      case "event":
        debug.events++;
        this.model.apply(msg.event, now);
        if (msg.event.kind === "end") this.onEnd();
        break;
    }
  }

  private applyState(s: FeedState, now: number): void {
    if (!this.interp) return; // a state before any snapshot cannot be placed in time
    this.latest = s;
    this.latestAt = now;
    debug.snapshots++;
    debug.players = s.players.map((p) => ({ id: p.id, name: p.name, x: p.x, y: p.y, aim: p.aim, alive: p.alive, kills: p.kills }));
    for (const p of s.players) this.model.learn(p.id, p.name, p.bot);
    this.model.phase = s.phase;
    this.model.setScores(s.players);
    this.model.setTimeLeft(s.timeLeft, now);
    this.interp.push({ tick: s.tick, players: s.players, projectiles: s.projectiles }, now);
  }

  private useMap(id: string): void {
    if (id === this.mapId) return;
    this.mapId = id;
    this.map = placeholderMap(id);
    this.mapLoad.abort();
    this.mapLoad = new AbortController();
    loadMap(id, this.mapLoad.signal).then(
      (m) => (this.map = m),
      (err: unknown) => {
        if (!this.stopped) setStatus(`Could not load map "${id}": ${String(err)}`, "warn");
      },
    );
  }

  private onEnd(): void {
    // The server closes the feed after `end`; reconnecting would only replay it.
    this.es.close();
    const ended = this.model.ended;
    if (!ended) return;
    const reason = ended.reason === "shutdown" ? "server shutting down" : "match over";
    Object.assign(debug, { mode: "disconnected", closeReason: reason });
    setStatus(`Match ${this.matchId} is over: ${endReasonText(ended.reason)}`);
    this.arena.showOverlay({
      title: ended.winner === 0 ? "Match over" : `${ended.winnerName} wins`,
      text: endReasonText(ended.reason),
      scoreboard: ended.scoreboard,
      again: { label: "Quick play", onClick: () => this.nav.quickPlay() },
    });
  }

  private onError(): void {
    if (this.stopped || this.model.ended) return;
    if (this.es.readyState === EventSource.CONNECTING) {
      // EventSource retries by itself (retry: 2000) with Last-Event-ID.
      this.interrupted = true;
      setStatus(`Feed interrupted, reconnecting to match ${this.matchId}…`, "warn");
      return;
    }
    // CLOSED: the server refused the stream (404 for an unknown match, 503
    // while it shuts down) and the browser gave up. After a drop that is a
    // match that is gone: it ended while we were away or the server restarted.
    this.interrupted = false;
    const seen = debug.snapshots > 0;
    const message = seen ? "The match feed closed" : `Match ${this.matchId} not found`;
    Object.assign(debug, { mode: "disconnected", closeReason: seen ? "feed closed" : "match not found" });
    setStatus(message, "error");
    this.arena.showOverlay({
      title: message,
      text: seen ? "The match is no longer running: it ended, or the server restarted." : "It may have ended already.",
    });
  }

  private frame(now: number): View | null {
    if (!this.interp) return null; // nothing to show before the first snapshot
    const sampled = this.interp?.sample(now);
    const ended = this.model.ended;
    this.shown = sampled ? sampled.players : [];
    const target = followed(this.shown, this.following);
    if (!target) this.following = 0; // left the match
    return {
      map: this.map,
      focus: target && { x: target.x, y: target.y },
      netHint: follows(this.map) ? followHint(target) : "",
      players: this.shown,
      projectiles: sampled ? sampled.projectiles : [],
      scores: this.latest ? this.latest.players : [],
      you: 0,
      phase: this.model.phase,
      timeLeft: this.model.timeLeft(now),
      scoreLimit: this.model.scoreLimit,
      killFeed: this.model.killFeed(now),
      pingMs: null,
      ended,
      label: "SPECTATING",
      notice: this.interrupted
        ? "Connection lost, reconnecting…"
        : this.latest && now - this.latestAt > STALL_MS
          ? "Connection problem, waiting for the server…"
          : "",
      respawnIn: null,
    };
  }
}
