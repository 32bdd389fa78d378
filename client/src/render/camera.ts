// The camera: which part of the world the canvas shows, and how large.
//
// The rule (docs/ARCHITECTURE.md "The camera", relied on by the server's
// interest management):
//
// - A map no larger than the view box (VIEW_W × VIEW_H world units, the
//   arena's size) is shown whole, fitted into the canvas with FIT_MARGIN px
//   to spare: the arena looks as it always has. So is any map when there is
//   nothing to follow (a spectator's overview, a player before its first
//   snapshot).
// - A larger map is followed: the zoom is the smallest at which the canvas
//   shows at most VIEW_W world units across and VIEW_H down, whatever the
//   window (scale = max(cssW / VIEW_W, cssH / VIEW_H) CSS px per unit), so a
//   bigger window shows the same world larger, never more of it; the
//   centre follows the focus (your player as drawn: predicted and smoothed)
//   through a first-order lag of FOLLOW_LAG_MS, and stays where the view
//   keeps inside the map (clamped at the edges; on an axis where the map is
//   smaller than the view it is centred). A focus that jumps (a respawn) or
//   a frame after a long gap is cut to, not panned to.
//
// Pure and clock-free (times are passed in), so it is tested without a page.
import { fitArena, type Fit } from "./layout";

/** The most of the world a view shows across (world units): the arena's width. */
export const VIEW_W = 1600;
/** The most of the world a view shows down (world units): the arena's height. */
export const VIEW_H = 1000;
/** CSS px kept free around a whole-map view. */
export const FIT_MARGIN = 12;
/**
 * Time constant (ms) of the follow camera's lag: after a change of
 * direction the centre closes 63% of the distance to the focus in this
 * time. At full speed (game.MaxSpeed, 260 units/s) the focus runs at most
 * FOLLOW_LAG_MS × 0.26 ≈ 21 units ahead of the centre.
 */
export const FOLLOW_LAG_MS = 80;
/** A focus this far (world units) from the centre is cut to at once: a respawn, not a run. */
export const CUT_DISTANCE = 300;
/** A frame this long (ms) after the previous one cuts to the focus (a tab that was hidden). */
export const CUT_GAP_MS = 500;

/** A rectangle in world units; x,y is its top-left corner. */
export interface WorldRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A point in world units. */
export interface WorldPoint {
  x: number;
  y: number;
}

/** The size of a map, world units. */
export interface MapSize {
  width: number;
  height: number;
}

/** Whether a map is followed rather than shown whole: it is larger than the view box. */
export function follows(map: MapSize): boolean {
  return map.width > VIEW_W || map.height > VIEW_H;
}

/**
 * The follow camera's zoom for a cssW×cssH canvas (CSS px per world unit):
 * the smallest at which the canvas shows no more than VIEW_W × VIEW_H.
 */
export function followScale(cssW: number, cssH: number): number {
  return Math.max(Math.max(1, cssW) / VIEW_W, Math.max(1, cssH) / VIEW_H);
}

/**
 * The world size (units) a cssW×cssH canvas shows while following, before
 * it is cut to the map, rounded up to whole units: what the client declares
 * with the view message (PROTOCOL.md §1.4), so that the server's interest
 * (§1.10) covers no more of the world than the window shows, and no less.
 */
export function followView(cssW: number, cssH: number): { w: number; h: number } {
  const s = followScale(cssW, cssH);
  return { w: Math.ceil(Math.max(1, cssW) / s - 1e-9), h: Math.ceil(Math.max(1, cssH) / s - 1e-9) };
}

/**
 * Where the centre of a view span long goes on a map axis mapLen long so the
 * view stays inside it, for a wished centre c: clamped to [span/2,
 * mapLen − span/2], or the map's middle when the map is the shorter.
 */
export function clampCentre(c: number, span: number, mapLen: number): number {
  if (span >= mapLen) return mapLen / 2;
  return Math.min(Math.max(c, span / 2), mapLen - span / 2);
}

/** The transform that puts world point (cx, cy) at the centre of a cssW×cssH canvas at scale. */
export function centredOn(cx: number, cy: number, scale: number, cssW: number, cssH: number): Fit {
  return { scale, offsetX: cssW / 2 - cx * scale, offsetY: cssH / 2 - cy * scale };
}

/**
 * The world rectangle a cssW×cssH canvas shows through f, cut to the map:
 * the player's view (what the server's interest management must cover).
 */
export function visibleRect(f: Fit, cssW: number, cssH: number, map: MapSize): WorldRect {
  const x0 = Math.max(0, -f.offsetX / f.scale);
  const y0 = Math.max(0, -f.offsetY / f.scale);
  const x1 = Math.min(map.width, (cssW - f.offsetX) / f.scale);
  const y1 = Math.min(map.height, (cssH - f.offsetY) / f.scale);
  return { x: x0, y: y0, w: Math.max(0, x1 - x0), h: Math.max(0, y1 - y0) };
}

/**
 * The view box around a focus: the VIEW_W × VIEW_H rectangle centred on it,
 * moved inside the map as the camera is, cut to the map. Every window's
 * follow view of that focus lies inside it (a window of another shape shows
 * less along one axis), and a map shown whole is inside it too: it is the
 * most a player at focus can see, knowing nothing of its window.
 */
export function viewBox(focus: WorldPoint, map: MapSize): WorldRect {
  const cx = clampCentre(focus.x, VIEW_W, map.width);
  const cy = clampCentre(focus.y, VIEW_H, map.height);
  const x0 = Math.max(0, cx - VIEW_W / 2);
  const y0 = Math.max(0, cy - VIEW_H / 2);
  return { x: x0, y: y0, w: Math.min(map.width, cx + VIEW_W / 2) - x0, h: Math.min(map.height, cy + VIEW_H / 2) - y0 };
}

/** What the camera shows in one frame. */
export interface Shot {
  fit: Fit;
  /** The camera follows a focus (else the whole map is shown). */
  following: boolean;
}

/**
 * The camera of one canvas: turns (map, canvas size, focus, time) into the
 * frame's transform, remembering where it looked last for the follow lag.
 * Calling frame twice with the same time gives the same transform, so a
 * view can ask for it before drawing (to aim from where it will draw your
 * player) and the renderer again when it draws. Not safe to share.
 */
export class Camera {
  private cx = 0;
  private cy = 0;
  private tx = 0; // the previous frame's target centre
  private ty = 0;
  private lastMs = 0;
  private tracking = false; // the fields hold a followed centre

  /** The transform for the frame at nowMs; focus null shows the whole map. */
  frame(map: MapSize, cssW: number, cssH: number, focus: WorldPoint | null, nowMs: number): Shot {
    if (!focus || !follows(map)) {
      this.tracking = false;
      return { fit: fitArena(cssW, cssH, map.width, map.height, FIT_MARGIN), following: false };
    }
    const scale = followScale(cssW, cssH);
    const spanX = cssW / scale;
    const spanY = cssH / scale;
    const tx = clampCentre(focus.x, spanX, map.width);
    const ty = clampCentre(focus.y, spanY, map.height);
    const dt = nowMs - this.lastMs;
    if (!this.tracking || dt > CUT_GAP_MS || Math.hypot(tx - this.cx, ty - this.cy) > CUT_DISTANCE) {
      this.cx = tx;
      this.cy = ty;
    } else if (dt > 0) {
      // The lag's exact solution for a target moving evenly from the last
      // frame's to this one's, so the camera moves the same at any frame
      // rate: a focus running at v stays v·FOLLOW_LAG_MS ahead.
      const e = Math.exp(-dt / FOLLOW_LAG_MS);
      const lagX = ((tx - this.tx) / dt) * FOLLOW_LAG_MS;
      const lagY = ((ty - this.ty) / dt) * FOLLOW_LAG_MS;
      this.cx = tx - lagX + (this.cx - this.tx + lagX) * e;
      this.cy = ty - lagY + (this.cy - this.ty + lagY) * e;
    }
    if (!this.tracking || dt >= 0) {
      this.lastMs = nowMs;
      this.tx = tx;
      this.ty = ty;
    }
    this.tracking = true;
    // A resized canvas changes the spans: stay inside the map.
    this.cx = clampCentre(this.cx, spanX, map.width);
    this.cy = clampCentre(this.cy, spanY, map.height);
    return { fit: centredOn(this.cx, this.cy, scale, cssW, cssH), following: true };
  }
}
