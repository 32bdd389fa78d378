// window.skirmish: a read-only view of the client's state for tests and
// curious players (the end-to-end browser test polls it). Sessions update the
// internal copy on every message; the page only ever sees snapshots of it.
import type { WorldRect } from "./render/camera";
import type { NetReadings } from "./render/netoverlay";

/** A mode of the page. */
export type Mode = "lobby" | "connecting" | "playing" | "reconnecting" | "watching" | "disconnected";

/** A player as the debug view shows it: latest authoritative state, world units. */
export interface DebugPlayer {
  id: number;
  name: string;
  x: number;
  y: number;
  /** Radians, as the server has it (yours: the aim of your newest input it applied). */
  aim: number;
  alive: boolean;
  kills: number;
}

/** One rendered frame of the game view: where each player was drawn. */
export interface DebugFrame {
  t: number; // local time of the frame (ms, performance.now()): its requestAnimationFrame timestamp, what it was drawn for
  at: number; // local time the frame was computed (ms, ≥ t): input handled before it shows in this frame
  renderTime: number; // server time (ms) other players were drawn at; 0 before the first snapshot
  players: Array<{ id: number; x: number; y: number }>; // world units, as drawn (you: predicted and smoothed)
  /** The world rectangle the frame showed, cut to the map (world units); null when not known. */
  view: WorldRect | null;
}

/** What the camera showed in the last drawn frame (render/camera.ts has the rule). */
export interface DebugCamera {
  /** It follows a focus on a map larger than the view box, rather than showing the whole map. */
  following: boolean;
  /** CSS px per world unit. */
  scale: number;
  /** The world rectangle shown, cut to the map (world units): the player's view. */
  view: WorldRect;
}

/** How many rendered frames debug.drawn keeps: 10 s at 60 Hz. */
export const DRAWN_FRAMES = 600;

/** One snapshot as your prediction took it (play/own OwnPlayer.snapshot). */
export interface DebugReconciliation {
  t: number; // local time the snapshot arrived (ms, performance.now())
  tick: number;
  /** How far the snapshot moved your newest predicted position (world units; Reconciliation.error). */
  error: number;
  /** Predicted before and after, so an error is a misprediction (not a death, respawn or the first state). */
  predicting: boolean;
  snapped: boolean; // the view jumped (death, respawn, countdown, a huge error)
  provisional: boolean; // stand-ins still in doubt: the prediction was kept
  server: { x: number; y: number }; // your position in the snapshot (world units)
  before: { x: number; y: number } | null; // your newest predicted position before it and after it
  after: { x: number; y: number } | null;
}

/** How many reconciliations debug.reconciled keeps: a minute of snapshots at 20 Hz. */
export const RECONCILED = 1200;

/** The shape of window.skirmish. */
export interface DebugView {
  mode: Mode;
  matchId: string;
  you: number; // 0 when watching
  tick: number; // latest server tick seen
  players: DebugPlayer[];
  /**
   * Your predicted position (world units; newest input applied, no smoothing;
   * the server's while not predicting); null before the first snapshot.
   */
  predicted: { x: number; y: number } | null;
  snapshots: number; // snapshot messages / feed state events received
  /** Of the snapshots this connection received: complete ones, deltas applied, deltas dropped (PROTOCOL.md §1.10). */
  snapshotKinds: { complete: number; deltas: number; dropped: number };
  events: number; // discrete events received
  closeCode: number;
  closeReason: string;
  /** The network overlay's figures, updated every frame (shown or not); null when not playing. */
  net: NetReadings | null;
  /** The overlay is on. */
  netOverlay: boolean;
  /** Seats resumed after a dropped connection in this view (not counting a reload's). */
  reconnects: number;
  /** ms from the last drop to the welcome that resumed the seat (page clock); null before any. */
  resumeMs: number | null;
  /** The camera of the last drawn frame; null before one is drawn. */
  camera: DebugCamera | null;
  /**
   * The last DRAWN_FRAMES rendered frames of the game view, oldest first: a
   * test measures motion as drawn (frozen frames, jumps) from them. The page
   * reads them through window.skirmish.framesSince, not with every snapshot.
   */
  drawn: DebugFrame[];
  /** The last RECONCILED snapshots your prediction took, oldest first; read through reconciledSince. */
  reconciled: DebugReconciliation[];
}

/** What window.skirmish returns: the view without the logs, and readers for them. */
export type PublicDebugView = Readonly<Omit<DebugView, "drawn" | "reconciled">> & {
  /** Copies of the kept frames drawn after local time t (ms), oldest first. */
  framesSince(t: number): DebugFrame[];
  /** Copies of the kept reconciliations of snapshots that arrived after local time t (ms), oldest first. */
  reconciledSince(t: number): DebugReconciliation[];
  /** Where world point (x, y) is in the viewport (CSS px), as last drawn; null when nothing is. */
  clientXY(x: number, y: number): [number, number] | null;
  /** The world point at viewport position (x, y) (CSS px), as last drawn: clientXY's inverse; null when nothing is drawn. */
  worldXY(x: number, y: number): [number, number] | null;
};

/** Hooks the arena sets for window.skirmish's functions while it draws. */
export const debugHooks: {
  worldToClient: ((x: number, y: number) => [number, number]) | null;
  clientToWorld: ((x: number, y: number) => [number, number]) | null;
} = { worldToClient: null, clientToWorld: null };

function fresh(mode: Mode): DebugView {
  return {
    mode, matchId: "", you: 0, tick: 0, players: [], predicted: null, snapshots: 0,
    snapshotKinds: { complete: 0, deltas: 0, dropped: 0 }, events: 0, closeCode: 0, closeReason: "",
    net: null, netOverlay: false, reconnects: 0, resumeMs: null, camera: null, drawn: [], reconciled: [],
  };
}

/** The mutable state behind window.skirmish. One per page. */
export const debug: DebugView = fresh("lobby");

/** Records one rendered frame, keeping the last DRAWN_FRAMES. */
export function recordFrame(f: DebugFrame): void {
  debug.drawn.push(f);
  if (debug.drawn.length > DRAWN_FRAMES) debug.drawn.splice(0, debug.drawn.length - DRAWN_FRAMES);
}

/** Records how a snapshot reconciled your prediction, keeping the last RECONCILED. */
export function recordReconciliation(r: DebugReconciliation): void {
  debug.reconciled.push(r);
  if (debug.reconciled.length > RECONCILED) debug.reconciled.splice(0, debug.reconciled.length - RECONCILED);
}

/** Starts a new session's counters in mode. */
export function resetDebug(mode: Mode): void {
  Object.assign(debug, fresh(mode));
}

/** Installs window.skirmish as a getter that returns a frozen copy, so the page cannot change the client through it. */
export function installDebug(w: Window): void {
  Object.defineProperty(w, "skirmish", {
    configurable: false,
    enumerable: true,
    get: (): PublicDebugView => {
      const { drawn, reconciled, ...rest } = debug;
      return Object.freeze({
        ...rest,
        players: debug.players.map((p) => Object.freeze({ ...p })),
        predicted: debug.predicted && Object.freeze({ ...debug.predicted }),
        snapshotKinds: Object.freeze({ ...debug.snapshotKinds }),
        net: debug.net && Object.freeze({ ...debug.net }),
        camera: debug.camera && Object.freeze({ ...debug.camera, view: Object.freeze({ ...debug.camera.view }) }),
        framesSince: (t: number): DebugFrame[] =>
          drawn.filter((f) => f.t > t).map((f) => ({ ...f, players: f.players.map((p) => ({ ...p })), view: f.view && { ...f.view } })),
        reconciledSince: (t: number): DebugReconciliation[] =>
          reconciled.filter((r) => r.t > t).map((r) => ({
            ...r, server: { ...r.server }, before: r.before && { ...r.before }, after: r.after && { ...r.after },
          })),
        clientXY: (x: number, y: number): [number, number] | null => debugHooks.worldToClient?.(x, y) ?? null,
        worldXY: (x: number, y: number): [number, number] | null => debugHooks.clientToWorld?.(x, y) ?? null,
      });
    },
  });
}
