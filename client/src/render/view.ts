// The neutral view model: everything one frame of the arena shows. The game
// view and the spectator view each build one per frame; the renderer draws it
// without knowing which wire it came from.
import type { GameMap } from "../match/map";
import type { Phase } from "../match/events";
import type { EndInfo, KillFeedEntry } from "../match/model";
import type { NetReadings } from "./netoverlay";

/** A player to draw (interpolated position). */
export interface ViewPlayer {
  id: number;
  name: string;
  x: number;
  y: number;
  aim: number;
  hp: number;
  alive: boolean;
  protected: boolean;
  bot: boolean;
  kills: number;
  deaths: number;
  /** The player's seat is held after a dropped connection: drawn faded and marked. */
  disconnected?: boolean | undefined;
}

/** A projectile to draw. */
export interface ViewProjectile {
  id: number;
  owner: number;
  x: number;
  y: number;
}

/** One frame. */
export interface View {
  map: GameMap;
  players: ViewPlayer[];
  projectiles: ViewProjectile[];
  /** Authoritative scores for the scoreboard (latest state, not interpolated). */
  scores: ViewPlayer[];
  /** Your player id; 0 when watching. */
  you: number;
  phase: Phase;
  /** Seconds left in the phase; null when open-ended. */
  timeLeft: number | null;
  scoreLimit: number;
  killFeed: Array<KillFeedEntry & { alpha: number }>;
  /** Round trip time (ms); null when unknown or when watching. */
  pingMs: number | null;
  ended: EndInfo | null;
  /** Shown small under the timer, e.g. "SPECTATING". */
  label: string;
  /** A connection problem to show over the arena instead of the phase banner, or "". */
  notice: string;
  /** Seconds until you respawn while you are dead; null when unknown or when watching. */
  respawnIn: number | null;
  /** The network overlay's figures while it is shown; omitted or null hides it. */
  net?: NetReadings | null;
  /** The HUD's hint in the bottom-right corner (e.g. "N: network"); omitted or "" shows none. */
  netHint?: string;
  /**
   * The world point the camera follows on a map larger than the view box
   * (render/camera.ts): your player as drawn, or the player a spectator
   * follows. Omitted or null shows the whole map.
   */
  focus?: { x: number; y: number } | null;
}
