// Pure mapping from held keys and the cursor to an input's move and aim.

/** Keys that move, by KeyboardEvent.code (layout-independent) and by key for arrows. */
const MOVE_KEYS: Readonly<Record<string, readonly [number, number]>> = {
  KeyW: [0, -1],
  KeyA: [-1, 0],
  KeyS: [0, 1],
  KeyD: [1, 0],
  ArrowUp: [0, -1],
  ArrowLeft: [-1, 0],
  ArrowDown: [0, 1],
  ArrowRight: [1, 0],
};

/** Normalizes a KeyboardEvent's code/key into the names MOVE_KEYS and FIRE_KEYS use. */
export function keyName(code: string, key: string): string {
  // The physical key (code) wins, so WASD sits under the left hand on any layout.
  if (code !== "") return code;
  // Synthetic events (automation, some IMEs) may carry only `key`.
  switch (key) {
    case "w": case "W": return "KeyW";
    case "a": case "A": return "KeyA";
    case "s": case "S": return "KeyS";
    case "d": case "D": return "KeyD";
    case " ": case "Spacebar": return "Space";
    default: return key;
  }
}

/** True for keys the game uses, so the page must not scroll on them. */
export function isGameKey(name: string): boolean {
  return name in MOVE_KEYS || name === "Space";
}

/** The move vector for a set of held keys: unit length or zero, +Y down. */
export function moveVector(held: ReadonlySet<string>): [number, number] {
  let x = 0;
  let y = 0;
  // Opposite keys cancel; the same direction on WASD and arrows counts once.
  const seen = new Set<string>();
  for (const k of held) {
    const d = MOVE_KEYS[k];
    if (!d || seen.has(`${d[0]},${d[1]}`)) continue;
    seen.add(`${d[0]},${d[1]}`);
    x += d[0];
    y += d[1];
  }
  const len = Math.hypot(x, y);
  return len === 0 ? [0, 0] : [x / len, y / len];
}

/** True when fire is held: the Space key. (Mouse buttons are tracked separately.) */
export function fireKeyHeld(held: ReadonlySet<string>): boolean {
  return held.has("Space");
}

/** The aim (radians, 0 = +X, π/2 = down) from a point to the cursor, or fallback when they coincide. */
export function aimAngle(fromX: number, fromY: number, toX: number, toY: number, fallback: number): number {
  const dx = toX - fromX;
  const dy = toY - fromY;
  if (Math.hypot(dx, dy) < 1) return fallback;
  return Math.atan2(dy, dx);
}
