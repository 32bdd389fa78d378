// Whom a spectator follows. A spectator sees the whole map (the overview:
// spectators receive every entity, so they may); on a map larger than the
// view box (render/camera.ts) a click on a player follows that player with
// the players' own camera rule, and a click on no one, or Escape, goes back
// to the overview. On a map shown whole there is nothing to follow.
// Pure, so it is tested without a page.

/** A player as the spectator's frame has it (world units). */
export interface Followable {
  id: number;
  name: string;
  x: number;
  y: number;
}

/** How near a click (CSS px) must be to a player's centre to pick it: a little more than a body. */
export const PICK_PX = 24;

/**
 * The player a click at world point (x, y) picks: the nearest of players
 * within PICK_PX on screen (at scale CSS px per world unit), or 0 for none.
 */
export function pick(players: readonly Followable[], x: number, y: number, scale: number): number {
  const reach = PICK_PX / Math.max(scale, 1e-6);
  let best = 0;
  let bestD = reach;
  for (const p of players) {
    const d = Math.hypot(p.x - x, p.y - y);
    if (d <= bestD) {
      best = p.id;
      bestD = d;
    }
  }
  return best;
}

/** The followed player in a frame, or null: not following (0), or it has left. */
export function followed<P extends Followable>(players: readonly P[], id: number): P | null {
  if (id === 0) return null;
  return players.find((p) => p.id === id) ?? null;
}

/** The corner hint of a spectator's view on a map it may follow players on. */
export function followHint(target: Followable | null): string {
  return target ? `following ${target.name} · Esc: overview` : "click a player to follow";
}
