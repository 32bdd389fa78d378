// The game view: one player connection, its inputs, and the arena. Other
// players and projectiles are drawn from interpolated snapshots (a little in
// the past, smooth); your own player is drawn where ./own puts it (the
// present: your inputs applied at once on a steered input clock, reconciled
// with each snapshot's ackSeq, blended at each frame's time), with your
// barrel following the mouse every frame, and so are your shots (drawn at
// once, handed over to the server's). N toggles the network overlay.
//
// The seat outlives the connection (PROTOCOL.md §1.9). When the connection
// drops (no close frame, a ping timeout, too slow) the view stays, shows
// "Reconnecting…" over the game, and reconnects by itself with the last
// welcome's resume token on a backoff schedule (net/reconnect) until the
// server's window has passed; the resumed welcome restarts prediction and
// interpolation from the resumed state. The token is kept in sessionStorage
// (net/seat), so a reload of the tab resumes the seat too; leaving the view
// (Lobby, Play again) closes with 1000, a leave, and forgets it.
import type { Arena } from "../arena";
import { debug, recordFrame, recordReconciliation, resetDebug } from "../debug";
import { setStatus } from "../dom";
import { Controls } from "../input/controls";
import { loadMap, placeholderMap, type GameMap } from "../match/map";
import { endReasonText, MatchModel } from "../match/model";
import { Interpolator, type Body } from "../net/interpolation";
import { NetMeter } from "../net/meter";
import type { Snapshot, SnapshotPlayer, SnapshotProjectile, Welcome } from "../net/protocol";
import { isDrop, Reconnector } from "../net/reconnect";
import { SeatStore } from "../net/seat";
import { GameSocket, socketURL } from "../net/socket";
import { NET_OVERLAY_HINT, NET_OVERLAY_KEY, type NetReadings } from "../render/netoverlay";
import type { View, ViewPlayer } from "../render/view";
import { OwnPlayer } from "./own";

/** Where the session can send the page. */
export interface Navigator {
  lobby(): void;
  quickPlay(): void;
  /** Records the joined match in the URL without starting a new session. */
  joined(matchId: string): void;
}

type Projectile = SnapshotProjectile & Body;

/** Snapshots come 10–60 times a second; this long without one is a stall worth telling the player about. */
const STALL_MS = 1000;

// The overlay stays on from one match to the next until N turns it off.
let netOverlayOn = false;

/** A running game view. stop() tears everything down (socket, timers, listeners). */
export class PlaySession {
  private socket: GameSocket; // the seat's current pipe; replaced on a resume
  private readonly seats = SeatStore.forPage();
  private token = ""; // the newest resume token
  private reconnectMs = 0; // how long the server holds the seat after a drop
  private reconnector: Reconnector | null = null; // while reconnecting
  private droppedAt = 0; // local ms the connection dropped
  private reconnects = 0;
  private fromStorage = false; // the first hello carries a reload's token
  private mapLoaded = false;
  private readonly model = new MatchModel();
  private readonly controls: Controls;
  private interp: Interpolator<SnapshotPlayer, Projectile> | null = null;
  private own: OwnPlayer | null = null;
  private welcome: Welcome | null = null;
  /** The socket welcomed last, and the view declared on it (PROTOCOL.md §1.4; "" before any): "w×h". */
  private viewSocket: GameSocket | null = null;
  private sentView = "";
  private latest: Snapshot | null = null;
  private latestAt = 0; // local ms the latest snapshot arrived
  private closed = false;
  private map: GameMap = placeholderMap("");
  private inputTimer: number | undefined;
  private selfOnScreen: [number, number] | null = null;
  private readonly mapLoad = new AbortController();
  private stopped = false;
  private readonly meter = new NetMeter();
  private snapshotCount = 0;
  private readonly keys = new AbortController();

  constructor(
    private readonly arena: Arena,
    private readonly hello: { name: string; match: string },
    private readonly nav: Navigator,
  ) {
    resetDebug("connecting");
    debug.matchId = hello.match;
    setStatus(hello.match ? `Joining match ${hello.match}…` : "Finding a match…");
    this.controls = new Controls(arena.surface);
    window.addEventListener("keydown", (e) => this.toggleNet(e), { signal: this.keys.signal });
    debug.netOverlay = netOverlayOn;
    arena.show("Connecting…", (now) => this.frame(now));
    const token = this.seats.token(hello.match);
    this.fromStorage = token !== "";
    this.socket = this.open(token);
  }

  /**
   * Opens a connection for the seat: a hello with resume (a token) takes it
   * back, without one asks for a new seat. Only the current socket's
   * callbacks count: one replaced by a resume is done.
   */
  private open(resume: string): GameSocket {
    const s: GameSocket = new GameSocket(socketURL(location), { ...this.hello, resume }, {
      welcome: (w, t) => {
        if (s === this.socket) this.onWelcome(w, t);
      },
      snapshot: (m, t) => {
        if (s === this.socket) this.onSnapshot(m, t);
      },
      events: (e, t) => {
        if (s !== this.socket) return;
        debug.events += e.events.length;
        debug.tick = Math.max(debug.tick, e.tick);
        for (const ev of e.events) {
          this.model.apply(ev, t);
          if (ev.kind === "end") this.showEnd();
        }
      },
      error: (e) => {
        if (e.code < 10) console.warn(`skirmish: server error ${e.code} ${e.reason}: ${e.message}`);
      },
      closed: (code, reason, message, detail) => {
        if (s === this.socket) this.onClosed(code, reason, message, detail);
      },
    });
    return s;
  }

  /** Leaves the match and releases everything. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.reconnector?.stop();
    this.seats.clear(); // a leave: the close 1000 below releases the seat
    this.stopInput();
    this.controls.detach();
    this.keys.abort();
    this.mapLoad.abort();
    this.socket.close();
    this.arena.hide();
  }

  private onWelcome(w: Welcome, now: number): void {
    this.welcome = w;
    this.viewSocket = this.socket; // a view before the welcome would be refused (4 unexpected)
    this.sentView = "";
    this.closed = false;
    this.token = w.resume ?? "";
    this.reconnectMs = w.reconnectMs ?? 0;
    if (this.token) this.seats.save(w.match, this.token);
    const resumed = this.reconnector !== null && this.interp !== null;
    if (this.reconnector) {
      // Resumed: the same seat, a new pipe. Your player's input and
      // prediction start again from the resumed state (the server counts
      // the new pipe's inputs from the start); the others ride out the gap
      // in the interpolator, as a stall (the match's ticks go on).
      this.reconnector.stop();
      this.reconnector = null;
      this.reconnects++;
      Object.assign(debug, { reconnects: this.reconnects, resumeMs: now - this.droppedAt });
      this.arena.hideOverlay();
    }
    Object.assign(debug, { mode: "playing", matchId: w.match, you: w.you });
    this.nav.joined(w.match);
    this.model.setRoster(w.roster);
    this.model.setScores(w.roster);
    if (!resumed || !this.interp) this.interp = new Interpolator({ tickRate: w.tickRate, frameRate: w.snapshotRate });
    const msPerTick = 1000 / w.tickRate;
    const own = new OwnPlayer({
      tickRate: w.tickRate,
      you: w.you,
      send: (cmd) => this.socket.sendInput(cmd),
      // Where you saw the others as you pressed: the server's lag
      // compensation judges your shots there (PROTOCOL.md §1.4 viewTime).
      viewTime: (at) => (this.interp?.renderedAt(at) ?? 0) / msPerTick,
    });
    this.own = own;
    this.arena.setHeading(`Match ${w.match}`);
    setStatus(`Playing in match ${w.match} as ${this.model.name(w.you)}`, "ok");
    if (this.mapLoaded && this.map.id === w.map) {
      own.setMap(this.map);
    } else {
      this.map = placeholderMap(w.map);
      loadMap(w.map, this.mapLoad.signal).then(
        (m) => {
          this.map = m;
          this.mapLoaded = true;
          // Prediction waits for the real walls: guessing without them would only be corrected.
          if (this.own === own) own.setMap(m);
        },
        (err: unknown) => {
          if (!this.stopped) setStatus(`Could not load map "${w.map}": ${String(err)}`, "warn");
        },
      );
    }
    this.startInput(now);
  }

  private onSnapshot(s: Snapshot, now: number): void {
    const w = this.welcome;
    if (!w || !this.interp) return; // nothing is valid before welcome
    this.latest = s;
    this.latestAt = now;
    this.snapshotCount++;
    debug.snapshots++;
    debug.snapshotKinds = { ...this.socket.snapshotKinds, dropped: this.socket.droppedDeltas };
    debug.tick = Math.max(debug.tick, s.tick);
    debug.players = s.players.map((p) => ({
      id: p.id, name: this.model.name(p.id), x: p.x, y: p.y, aim: p.aim, alive: p.alive, kills: p.kills,
    }));
    this.model.phase = s.phase;
    this.model.scoreLimit = s.scoreLimit;
    this.model.setScores(s.players, true); // only the players of your interest (PROTOCOL.md §1.10)
    this.model.setTimeLeft(s.phaseTicksLeft / w.tickRate, now);
    // debug.players stays authoritative (the browser test reads it); predicted is the guess.
    if (this.own) this.reconcile(this.own, s, w.you, now);
    this.interp.push(
      {
        tick: s.tick,
        players: s.players,
        projectiles: s.projectiles.map((q) => ({ ...q, aim: Math.atan2(q.vy, q.vx), alive: true })),
      },
      now,
    );
  }

  /** Reconciles your prediction with s and records how (the play-feel test reads it). */
  private reconcile(own: OwnPlayer, s: Snapshot, you: number, now: number): void {
    const before = own.predictor.position;
    const was = own.predictor.predicting;
    const r = own.snapshot(s, now);
    debug.predicted = own.predictor.position;
    const me = s.players.find((p) => p.id === you);
    if (!r.applied || !me) return;
    recordReconciliation({
      t: now, tick: s.tick, error: r.error, predicting: was && own.predictor.predicting, snapped: r.snapped,
      provisional: r.provisional, server: { x: me.x, y: me.y }, before, after: debug.predicted,
    });
  }

  private onClosed(code: number, reason: string, message: string, detail: string): void {
    if (this.stopped) return;
    if (this.reconnector) {
      // A try to resume ended before its welcome: try again, unless the
      // server said the seat is gone.
      if (code !== 4006) {
        this.reconnector.failed();
        return;
      }
      this.reconnector.stop();
      this.reconnector = null;
    } else if (this.fromStorage && !this.welcome && code === 4006) {
      // A reload's seat was released meanwhile: join the match afresh.
      this.fromStorage = false;
      this.seats.clear();
      this.socket = this.open("");
      return;
    } else if (this.welcome && isDrop(code) && this.token && this.reconnectMs > 0 && !this.model.ended) {
      this.startReconnect();
      return;
    }
    this.end(code, reason, message, detail);
  }

  /** The connection is gone for good: say why over the view (Play again). */
  private end(code: number, reason: string, message: string, detail: string): void {
    this.seats.clear(); // the seat is gone, or played elsewhere (4007)
    Object.assign(debug, { mode: "disconnected", closeCode: code, closeReason: reason });
    this.closed = true;
    this.stopInput();
    if (!this.welcome) this.arena.setHeading(""); // not "Connecting…" under the error
    const ended = this.model.ended;
    if (ended && code === 4005) {
      // The match was removed after its end: the result on screen says it all.
      setStatus(`Match over: ${endReasonText(ended.reason)}`);
      return;
    }
    setStatus(detail ? `${message}: ${detail}` : message, code === 1000 || code === 4005 ? "info" : "error");
    let text = detail || (this.welcome ? "The connection to the match was closed." : "Could not join the match.");
    if (ended) text = [endReasonText(ended.reason), message].filter((t, i, all) => all.indexOf(t) === i).join(" · ");
    this.arena.showOverlay({
      title: ended ? this.endTitle() : message,
      text,
      ...(ended ? { scoreboard: ended.scoreboard, you: debug.you } : {}),
      again: { label: this.welcome ? "Play again" : "Quick play", onClick: () => this.nav.quickPlay() },
    });
  }

  /** The connection dropped: keep the view, stop sending, and try to resume the seat. */
  private startReconnect(): void {
    this.closed = true;
    this.stopInput();
    this.droppedAt = performance.now();
    Object.assign(debug, { mode: "reconnecting" });
    setStatus("Connection lost, reconnecting…", "warn");
    this.reconnector = new Reconnector({
      windowMs: this.reconnectMs,
      attempt: () => {
        this.socket = this.open(this.token);
      },
      giveUp: () => {
        this.reconnector = null;
        this.end(1006, "", "Connection lost", "could not get back into the match in time");
      },
    });
    this.reconnector.start();
  }

  private showEnd(): void {
    const ended = this.model.ended;
    if (!ended) return;
    setStatus(`Match over: ${endReasonText(ended.reason)}`);
    this.arena.showOverlay({
      title: this.endTitle(),
      text: endReasonText(ended.reason),
      scoreboard: ended.scoreboard,
      you: debug.you,
      again: { label: "Play again", onClick: () => this.nav.quickPlay() },
    });
  }

  private endTitle(): string {
    const e = this.model.ended;
    if (!e || e.winner === 0) return "Match over";
    return e.winner === this.welcome?.you ? "You win!" : `${e.winnerName} wins`;
  }

  // ---- input ---------------------------------------------------------------

  private startInput(now: number): void {
    this.own?.pump(now, this.sample);
    this.scheduleInput();
  }

  // Inputs are sent on a timer set for the next step's due time, so they
  // leave on schedule; frames run due steps too (see frame). A timer (not
  // rAF alone) keeps inputs flowing in background tabs, where rAF stops.
  private scheduleInput(): void {
    if (this.stopped || this.closed || !this.own) return;
    const wait = Math.max(1, Math.ceil(this.own.nextDueIn(performance.now())));
    this.inputTimer = window.setTimeout(() => {
      this.inputTimer = undefined;
      this.sendDue(performance.now());
      this.scheduleInput();
    }, wait);
  }

  private stopInput(): void {
    if (this.inputTimer !== undefined) window.clearTimeout(this.inputTimer);
    this.inputTimer = undefined;
  }

  private sendDue(now: number): void {
    const own = this.own;
    if (!own || this.closed) return;
    if (own.pump(now, this.sample) > 0) debug.predicted = own.predictor.position;
  }

  // The intent of an input step: the aim points from where you see yourself.
  private readonly sample = () => this.controls.sample(this.selfOnScreen ?? this.selfFromSnapshot());

  private selfFromSnapshot(): [number, number] | null {
    const me = this.latest?.players.find((p) => p.id === this.welcome?.you);
    return me ? this.arena.renderer.worldToClient(me.x, me.y) : null;
  }

  // ---- drawing -------------------------------------------------------------

  private frame(now: number): View | null {
    const w = this.welcome;
    if (!w) return null; // nothing to show until the server says which match and map
    // Input steps due by this frame run first, so the blend below never
    // waits for the timer (Fiedler's accumulator, driven by the frame).
    this.sendDue(now);
    const sampled = this.interp?.sample(now);
    const named = (p: SnapshotPlayer): ViewPlayer => ({ ...p, name: this.model.name(p.id) });
    const players = sampled ? sampled.players.filter((p) => p.id !== w.you).map(named) : [];
    // The camera follows your player where it is drawn (predicted and
    // smoothed, so the view moves as evenly as your player), placed before
    // anything reads the frame's transform: your aim starts from where
    // your player is about to be drawn.
    const at = this.own?.predictor.render(now, this.controls.move()) ?? null;
    const drawnSelf = at ?? sampled?.players.find((p) => p.id === w.you) ?? null;
    const focus = drawnSelf ? { x: drawnSelf.x, y: drawnSelf.y } : null;
    this.arena.renderer.place(this.map, focus, now);
    this.declareView();
    const self = this.selfView(w.you, at);
    if (self) players.push(self);
    else if (sampled) players.push(...sampled.players.filter((p) => p.id === w.you).map(named));
    const net = this.netReadings(now);
    debug.net = net;
    const view: View = {
      net: netOverlayOn ? net : null,
      netHint: NET_OVERLAY_HINT,
      map: this.map,
      focus,
      players,
      // Your shots are drawn at once and handed over to the server's (net/shots).
      projectiles: this.own ? this.own.shots.frame(now, sampled?.renderTime ?? 0, sampled?.projectiles ?? []) : [],
      scores: this.scoreboard(named),
      you: w.you,
      phase: this.model.phase,
      timeLeft: this.model.timeLeft(now),
      scoreLimit: this.model.scoreLimit,
      killFeed: this.model.killFeed(now),
      pingMs: this.socket.rttMs,
      ended: this.model.ended,
      label: "",
      notice: this.reconnector
        ? "Reconnecting…"
        : !this.closed && this.latest && now - this.latestAt > STALL_MS
          ? "Connection problem, waiting for the server…"
          : "",
      respawnIn: this.respawnIn(w, now),
    };
    this.selfOnScreen = self ? this.arena.renderer.worldToClient(self.x, self.y) : null;
    recordFrame({
      t: now, at: performance.now(), renderTime: sampled?.renderTime ?? 0, players: players.map((p) => ({ id: p.id, x: p.x, y: p.y })),
      view: this.arena.renderer.visible,
    });
    return view;
  }

  // ---- network overlay -----------------------------------------------------

  private toggleNet(e: KeyboardEvent): void {
    if (e.code !== NET_OVERLAY_KEY || e.repeat || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) return;
    netOverlayOn = !netOverlayOn;
    debug.netOverlay = netOverlayOn;
  }

  /** The connection's figures at now; the interpolator's are those of the frame just sampled. */
  private netReadings(now: number): NetReadings {
    const bytes = this.socket.bytes;
    const corrections = this.own?.predictor.corrections ?? { count: 0, last: 0 };
    this.meter.record({ snapshots: this.snapshotCount, bytesIn: bytes.in, bytesOut: bytes.out, corrections: corrections.count }, now);
    const rates = this.meter.rates;
    const interp = this.interp?.clock.synced ? this.interp : null;
    return {
      rttMs: this.socket.rttMs,
      rttVarMs: this.socket.rttVarMs,
      jitterMs: interp ? interp.clock.jitterMs : null,
      snapshotsPerSec: rates.snapshots,
      bytesInPerSec: rates.bytesIn,
      bytesOutPerSec: rates.bytesOut,
      delayMs: interp ? interp.delay : null,
      targetDelayMs: interp ? interp.targetDelay(now) : null,
      correctionsPerSec: rates.corrections,
      lastCorrection: corrections.count > 0 ? corrections.last : null,
      reconnects: this.reconnects,
    };
  }

  /** Seconds until you respawn (counted down locally from the latest snapshot), or null while alive. */
  /**
   * Tells the server how much of the world the window shows, when the
   * camera follows (a large map) and that changed (a resize) or this socket
   * has not been told: the server sends what is within it, plus a margin
   * (PROTOCOL.md §1.10). On a map shown whole there is nothing to say.
   */
  private declareView(): void {
    const r = this.arena.renderer;
    if (this.viewSocket !== this.socket || !r.follows) return;
    const v = r.followView;
    const key = `${v.w}×${v.h}`;
    if (key === this.sentView) return;
    this.sentView = key;
    this.socket.sendView(v.w, v.h);
  }

  /**
   * The scoreboard's rows: every seated player, as the latest snapshot
   * has them, or, for one beyond your interest (not in it: PROTOCOL.md
   * §1.10), with the score the roster and the events keep (drawn alive).
   */
  private scoreboard(named: (p: SnapshotPlayer) => ViewPlayer): ViewPlayer[] {
    const seen = new Map((this.latest?.players ?? []).map((p) => [p.id, p]));
    return this.model.scoreRows().map((r) => {
      const p = seen.get(r.id);
      if (p) return named(p);
      return {
        id: r.id, name: this.model.name(r.id), x: 0, y: 0, aim: 0, hp: 0, alive: true, protected: false,
        bot: this.model.isBot(r.id), kills: r.kills, deaths: r.deaths,
      };
    });
  }

  private respawnIn(w: Welcome, now: number): number | null {
    const me = this.latest?.players.find((p) => p.id === w.you);
    if (!me || me.alive || me.respawnTicks === 0) return null;
    return Math.max(0, me.respawnTicks / w.tickRate - (now - this.latestAt) / 1000);
  }

  /**
   * Your player as of now: the latest authoritative state (health, alive,
   * protection: for you the present, not the interpolated past) drawn at the
   * predicted position at, aiming at the cursor. Null before the first
   * snapshot or prediction.
   */
  private selfView(you: number, at: { x: number; y: number } | null): ViewPlayer | null {
    const me = this.latest?.players.find((p) => p.id === you);
    if (!me || !at) return null;
    // Aim from where you see yourself; the camera is placed for this frame.
    const aim = me.alive ? this.controls.aimFrom(this.arena.renderer.worldToClient(at.x, at.y)) : me.aim;
    return { ...me, name: this.model.name(you), x: at.x, y: at.y, aim };
  }
}
