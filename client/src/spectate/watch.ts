// The spectator view: the match drawn from the SSE feed alone (EventSource,
// never a WebSocket), interpolated between `state` events like the game view
// interpolates snapshots. EventSource reconnects by itself and sends
// Last-Event-ID, so a dropped feed resumes where it left off (§2). It shows
// the whole map; on a large map a click on a player follows it (./follow).
// A timeline bar seeks, pauses, changes speed and goes back Live: each
// reopens the feed as a timeshift stream from the tick shown (./timeline);
// #/replay/{id} plays an ended match from its start.
import type { Arena } from "../arena";
import { debug, resetDebug } from "../debug";
import { el, setStatus } from "../dom";
import { loadMap, placeholderMap, type GameMap } from "../match/map";
import { endReasonText, MatchModel } from "../match/model";
import { Interpolator } from "../net/interpolation";
import { follows } from "../render/camera";
import type { View } from "../render/view";
import { FEED_EVENTS, parseFeedEvent, type FeedEventName, type FeedPlayer, type FeedProjectile, type FeedState } from "./feed";
import { followed, followHint, pick } from "./follow";
import { clock, eventsUrl, SPEEDS, Timeline, type FeedRequest } from "./timeline";

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
  private es: EventSource | null = null;
  private model = new MatchModel();
  private readonly timeline: Timeline;
  private readonly bar: TimelineBar;
  private retry = 0; // timer of a dropped timeshift's reopen
  private triedReplay = false; // #/watch of a match that is not running fell back to its replay
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
    private readonly replay: boolean,
  ) {
    resetDebug("connecting");
    debug.matchId = matchId;
    setStatus(`Connecting to match ${matchId}…`);
    arena.show(replay ? `Replay of ${matchId}` : `Watching ${matchId}`, (now) => this.frame(now));
    this.timeline = new Timeline(replay);
    this.bar = new TimelineBar(this.input.signal, {
      seek: (tick) => this.open(this.timeline.seek(tick, performance.now())),
      playPause: () => {
        if (this.timeline.paused) this.open(this.timeline.resume(performance.now()));
        else this.pause();
      },
      speed: (x) => this.open(this.timeline.setSpeed(x, performance.now())),
      live: () => this.open(this.timeline.goLive()),
    });
    this.open(this.timeline.first());
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

  /** Opens the feed r asks for, in place of the one open: the view restarts from its snapshot. */
  private open(r: FeedRequest): void {
    this.close();
    this.arena.hideOverlay();
    this.model = new MatchModel();
    this.interp = null;
    this.latest = null;
    const es = new EventSource(eventsUrl(this.matchId, r));
    this.es = es;
    for (const name of FEED_EVENTS) {
      es.addEventListener(name, (e: MessageEvent<unknown>) => {
        if (es === this.es) this.receive(name, e.data);
      });
    }
    es.onopen = () => {
      this.interrupted = false;
      setStatus(`${this.replay ? "Replay of" : "Watching"} match ${this.matchId}${r.live ? "" : ` at ${r.speed}×`}`, "ok");
    };
    es.onerror = () => {
      if (es === this.es) this.onError();
    };
  }

  private close(): void {
    window.clearTimeout(this.retry);
    this.es?.close();
    this.es = null;
  }

  /** Pause: close the feed; the last picture stays (the interpolator holds its last state). */
  private pause(): void {
    this.timeline.pause();
    this.close();
    setStatus(`Paused at ${clock(this.timeline.tick, this.timeline.tickRate)}`);
  }

  /** Closes the feed and hides the arena. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.input.abort();
    this.close();
    this.bar.remove();
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
    if (msg.type === "snapshot") this.timeline.snapshot(msg.tick, msg.tickRate, msg.timeline, now);
    else this.timeline.saw(msg.tick, now);
    switch (msg.type) {
      case "desync":
        console.warn(`skirmish: the replay desynced from the match at tick ${msg.tick} (${msg.desyncs} so far)`);
        break;
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
    this.close();
    this.timeline.end(performance.now());
    const ended = this.model.ended;
    if (!ended) return;
    const reason = ended.reason === "shutdown" ? "server shutting down" : "match over";
    Object.assign(debug, { mode: "disconnected", closeReason: reason });
    setStatus(`Match ${this.matchId} is over: ${endReasonText(ended.reason)}`);
    this.arena.showOverlay({
      title: ended.winner === 0 ? "Match over" : `${ended.winnerName} wins`,
      text: endReasonText(ended.reason),
      scoreboard: ended.scoreboard,
      again: this.replay
        ? { label: "Watch again", onClick: () => this.open(this.timeline.seek(0, performance.now())) }
        : { label: "Quick play", onClick: () => this.nav.quickPlay() },
    });
  }

  private onError(): void {
    if (this.stopped || this.model.ended || !this.es) return;
    if (this.es.readyState === EventSource.CONNECTING && !this.timeline.following) {
      // A timeshift has no history to resume: reopen it where the view is.
      this.interrupted = true;
      this.close();
      this.retry = window.setTimeout(() => this.open(this.timeline.reconnect()), 2000);
      return;
    }
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
    if (!seen && this.timeline.following && !this.triedReplay) {
      // No running match by that id: perhaps an ended one, which has a replay.
      this.triedReplay = true;
      this.open(this.timeline.asReplay());
      return;
    }
    const message = seen ? "The match feed closed" : this.replay ? `No replay of match ${this.matchId}` : `Match ${this.matchId} not found`;
    Object.assign(debug, { mode: "disconnected", closeReason: seen ? "feed closed" : "match not found" });
    setStatus(message, "error");
    this.arena.showOverlay({
      title: message,
      text: seen ? "The match is no longer running: it ended, or the server restarted." : "It may have ended already.",
    });
  }

  private frame(now: number): View | null {
    this.bar.show(this.timeline, now);
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
      label: this.timeline.following ? "SPECTATING" : this.replay ? "REPLAY" : "TIMESHIFT",
      notice: this.timeline.paused
        ? "Paused"
        : this.interrupted
        ? "Connection lost, reconnecting…"
        : this.latest && now - this.latestAt > STALL_MS
          ? "Connection problem, waiting for the server…"
          : "",
      respawnIn: null,
    };
  }
}

/** What the timeline bar's controls do. */
interface BarActions {
  seek(tick: number): void;
  playPause(): void;
  speed(x: number): void;
  live(): void;
}

/** The timeline bar at the bottom of the arena: play/pause, the slider, the time, speed and Live. */
class TimelineBar {
  private readonly root = el("div", "timeline");
  private readonly play = el("button", "", "❚❚");
  private readonly slider = el("input");
  private readonly time = el("span", "timeline-time");
  private readonly speedSel = el("select");
  private readonly liveBtn = el("button", "", "Live");
  private dragging = false;
  private lastDraw = 0;

  constructor(signal: AbortSignal, act: BarActions) {
    this.play.type = "button";
    this.play.title = "Pause / play";
    this.slider.type = "range";
    this.slider.min = "0";
    this.slider.setAttribute("aria-label", "Match time");
    for (const x of SPEEDS) {
      const o = el("option", "", `${x}×`);
      o.value = String(x);
      this.speedSel.append(o);
    }
    this.speedSel.value = "1";
    this.speedSel.title = "Speed";
    this.liveBtn.type = "button";
    this.liveBtn.title = "Back to the live match";
    this.root.append(this.play, this.slider, this.time, this.speedSel, this.liveBtn);
    document.getElementById("arena")?.append(this.root);
    const opts = { signal };
    this.play.addEventListener("click", () => act.playPause(), opts);
    this.slider.addEventListener("input", () => (this.dragging = true), opts);
    this.slider.addEventListener("change", () => {
      this.dragging = false;
      act.seek(Number(this.slider.value));
    }, opts);
    this.speedSel.addEventListener("change", () => act.speed(Number(this.speedSel.value)), opts);
    this.liveBtn.addEventListener("click", () => act.live(), opts);
  }

  /** Draws t at most ten times a second (the slider is DOM, not canvas). */
  show(t: Timeline, now: number): void {
    if (now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const end = t.horizon(now);
    this.play.textContent = t.paused ? "▶" : "❚❚";
    this.slider.max = String(end);
    if (!this.dragging) this.slider.value = String(t.tick);
    this.time.textContent = `${clock(t.tick, t.tickRate)} / ${clock(end, t.tickRate)}`;
    if (document.activeElement !== this.speedSel) this.speedSel.value = String(t.speed);
    this.liveBtn.hidden = !t.running;
    this.liveBtn.classList.toggle("on", t.following && !t.paused);
  }

  remove(): void {
    this.root.remove();
  }
}
