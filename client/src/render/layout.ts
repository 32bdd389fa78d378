// Pure geometry for the renderer: fitting the arena into the window and
// picking per-player colours.

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
