// Pure geometry for the renderer: fitting the arena into the window, moving
// between world and screen, and picking per-player colours. (Which part of
// the world is shown is the camera's: ./camera.)

/** How world units map onto the canvas (CSS pixels). */
export interface Fit {
  scale: number; // CSS px per world unit
  offsetX: number; // CSS px of world x = 0
  offsetY: number;
}

/**
 * The largest uniform scale that shows the whole arena inside a viewW×viewH
 * box with margin px on every side, centred: the aspect ratio is kept and the
 * spare space becomes letterbox bars.
 */
export function fitArena(viewW: number, viewH: number, mapW: number, mapH: number, margin = 16): Fit {
  const availW = Math.max(1, viewW - 2 * margin);
  const availH = Math.max(1, viewH - 2 * margin);
  const scale = Math.min(availW / mapW, availH / mapH);
  return {
    scale,
    offsetX: (viewW - mapW * scale) / 2,
    offsetY: (viewH - mapH * scale) / 2,
  };
}

/** Screen position (CSS px) of a world point. */
export function toScreen(f: Fit, x: number, y: number): [number, number] {
  return [f.offsetX + x * f.scale, f.offsetY + y * f.scale];
}

/** The world point at a screen position (CSS px): toScreen's inverse. */
export function toWorld(f: Fit, sx: number, sy: number): [number, number] {
  return [(sx - f.offsetX) / f.scale, (sy - f.offsetY) / f.scale];
}

/**
 * A stable, distinct hue per player id: the golden angle spreads consecutive
 * ids around the colour wheel so neighbours never look alike.
 */
export function playerHue(id: number): number {
  return (id * 137.508 + 200) % 360;
}

/** The player's colour as a CSS colour, at a lightness (%) and opacity. */
export function playerColor(id: number, lightness = 60, alpha = 1): string {
  return `hsl(${playerHue(id).toFixed(1)} 75% ${lightness}% / ${alpha})`;
}

/** A rectangle on the canvas (CSS px), x,y its top-left corner. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Whether two rectangles share any area (touching edges do not count). */
export function overlaps(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** The opacity of a HUD panel over a player, low enough to see the player through it. */
export const HUD_FADED = 0.3;

/**
 * The opacity to draw a HUD panel at: HUD_FADED when it covers any of the
 * players (screen rectangles), else 1. The HUD sits over the arena's corners
 * and top centre, which are spawn points; a player there must stay visible.
 */
export function panelAlpha(panel: Rect, players: readonly Rect[]): number {
  return players.some((p) => overlaps(panel, p)) ? HUD_FADED : 1;
}

/** Width of the HUD's timer panel (CSS px). */
export const TIMER_W = 150;
const HUD_MARGIN = 12;
const BOARD_W = 220;
const BOARD_MIN_W = 150;
// Room a kill feed line needs beside the timer: two long names and the arrow.
const FEED_ROOM = 300;

/** Where the HUD's top panels go (CSS px). */
export interface HudLayout {
  timerX: number; // left edge of the timer panel, TIMER_W wide
  boardX: number; // left edge of the scoreboard
  boardW: number;
  feedY: number; // middle of the kill feed's first line
}

/**
 * Places the timer (top centre), the scoreboard (top right) and the kill feed
 * (top left) on a canvas cssW wide, whose timer panel is timerH tall. On a
 * narrow canvas the scoreboard narrows, the timer moves left of it rather than
 * under it, and the kill feed moves below the timer.
 */
export function hudLayout(cssW: number, timerH: number): HudLayout {
  const m = HUD_MARGIN;
  const boardW = Math.max(BOARD_MIN_W, Math.min(BOARD_W, cssW - TIMER_W - 3 * m));
  const boardX = cssW - boardW - m;
  const timerX = Math.max(m, Math.min(cssW / 2 - TIMER_W / 2, boardX - m - TIMER_W));
  const feedY = timerX < m + FEED_ROOM ? 10 + timerH + 8 + 12 : 64;
  return { timerX, boardX, boardW, feedY };
}
