// window.skirmish: a read-only view of the client's state for tests and
// curious players (the end-to-end browser test polls it). Sessions update the
// internal copy on every message; the page only ever sees snapshots of it.

/** A mode of the page. */
export type Mode = "lobby" | "connecting" | "playing" | "watching" | "disconnected";

/** A player as the debug view shows it: latest authoritative state, world units. */
export interface DebugPlayer {
  id: number;
  name: string;
  x: number;
  y: number;
  alive: boolean;
  kills: number;
}

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
  events: number; // discrete events received
  closeCode: number;
  closeReason: string;
}

function fresh(mode: Mode): DebugView {
  return {
    mode, matchId: "", you: 0, tick: 0, players: [], predicted: null, snapshots: 0, events: 0, closeCode: 0, closeReason: "",
  };
}

/** The mutable state behind window.skirmish. One per page. */
export const debug: DebugView = fresh("lobby");

/** Starts a new session's counters in mode. */
export function resetDebug(mode: Mode): void {
  Object.assign(debug, fresh(mode));
}

/** Installs window.skirmish as a getter that returns a frozen copy, so the page cannot change the client through it. */
export function installDebug(w: Window): void {
  Object.defineProperty(w, "skirmish", {
    configurable: false,
    enumerable: true,
    get: (): Readonly<DebugView> =>
      Object.freeze({
        ...debug,
        players: debug.players.map((p) => Object.freeze({ ...p })),
        predicted: debug.predicted && Object.freeze({ ...debug.predicted }),
      }),
  });
}
