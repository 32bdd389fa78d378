// Arena maps: the JSON the server serves at /assets/maps/{id}.json (the Go
// game.Map struct), narrowed and checked before the renderer trusts it.
import { Fields, ValidationError } from "../validate";

/** An axis-aligned wall; x,y is the top-left corner (world units). */
export interface Wall {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** An arena. */
export interface GameMap {
  id: string;
  name: string;
  width: number;
  height: number;
  walls: Wall[];
  spawns: Array<{ x: number; y: number }>;
}

/** Validates a decoded map file. Throws ValidationError when it is not a usable map. */
export function parseMap(v: unknown): GameMap {
  const f = new Fields(v, "map");
  const m: GameMap = {
    id: f.str("id"),
    name: f.str("name"),
    width: f.num("width"),
    height: f.num("height"),
    walls: f.each("walls", (el, what) => {
      const w = new Fields(el, what);
      return { x: w.num("x"), y: w.num("y"), w: w.num("w"), h: w.num("h") };
    }),
    spawns: f.each("spawns", (el, what) => {
      const p = new Fields(el, what);
      return { x: p.num("x"), y: p.num("y") };
    }),
  };
  if (!(m.width > 0 && m.height > 0)) throw new ValidationError(`map: size ${m.width}×${m.height} is not positive`);
  return m;
}

/** A stand-in used while the real map loads or if it cannot be loaded: an empty arena. */
export function placeholderMap(id: string): GameMap {
  return { id, name: id, width: 1600, height: 1000, walls: [], spawns: [] };
}

/** Fetches and validates /assets/maps/{id}.json. */
export async function loadMap(id: string, signal?: AbortSignal): Promise<GameMap> {
  const res = await fetch(`/assets/maps/${encodeURIComponent(id)}.json`, signal ? { signal } : {});
  if (!res.ok) throw new Error(`map ${id}: HTTP ${res.status}`);
  return parseMap(await res.json());
}
