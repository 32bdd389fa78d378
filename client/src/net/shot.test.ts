import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parseMap, type GameMap } from "../match/map";
import {
  FIRE_COOLDOWN,
  PROJECTILE_LIFETIME,
  PROJECTILE_RADIUS,
  PROJECTILE_SPEED,
  spawnShot,
  stepShot,
  ticksFor,
  type Shot,
} from "./shot";

// The golden vectors game/shot_vectors_test.go generates from the Go
// SpawnShot and StepShot. The path is relative to this file, and equally to
// its bundle (.test-build mirrors src/), so both sit three levels below the
// repository.
const VECTORS = new URL("../../../game/testdata/shot_vectors.json", import.meta.url);
const TOLERANCE = 1e-9;

interface Flight {
  name: string;
  map: string;
  dt: number;
  spawn: [number, number, number];
  steps: Array<[number, number, number, number, number, number]>;
}

interface ShotDoc {
  constants: { projectileSpeed: number; projectileRadius: number; projectileLifetime: number; fireCooldown: number };
  maps: unknown[];
  flights: Flight[];
}

const doc = JSON.parse(readFileSync(VECTORS, "utf8")) as ShotDoc;
const maps = new Map<string, GameMap>(doc.maps.map((m) => {
  const parsed = parseMap(m);
  return [parsed.id, parsed];
}));

describe("shot constants", () => {
  it("match game/tuning.go (via the vectors)", () => {
    assert.deepEqual(
      {
        projectileSpeed: PROJECTILE_SPEED, projectileRadius: PROJECTILE_RADIUS,
        projectileLifetime: PROJECTILE_LIFETIME, fireCooldown: FIRE_COOLDOWN,
      },
      doc.constants,
    );
  });
});

describe("spawnShot and stepShot match game.SpawnShot and game.StepShot", () => {
  it("has a useful number of flights", () => {
    assert.ok(doc.flights.length >= 200, `only ${doc.flights.length} flights`);
    assert.deepEqual([...maps.keys()].sort(), ["arena", "synthetic"]);
  });

  // One test per generator kind (arena/random, synthetic/at-wall, ...).
  const groups = new Map<string, Flight[]>();
  for (const f of doc.flights) {
    const kind = f.name.slice(0, f.name.lastIndexOf("/"));
    groups.set(kind, [...(groups.get(kind) ?? []), f]);
  }
  for (const [kind, flights] of groups) {
    it(`${kind} (${flights.length} flights)`, () => {
      for (const f of flights) {
        const m = maps.get(f.map);
        assert.ok(m, `${f.name}: unknown map ${f.map}`);
        let s: Shot = spawnShot(...f.spawn);
        // A flight runs until a wall or the lifetime in ticks, as the World's.
        assert.ok(f.steps.length <= ticksFor(PROJECTILE_LIFETIME, Math.round(1 / f.dt)), `${f.name}: too many steps`);
        f.steps.forEach((want, k) => {
          const got = stepShot(s, f.dt, m);
          const gotV = [got.shot.x, got.shot.y, got.shot.vx, got.shot.vy, got.t, got.wall ? 1 : 0];
          gotV.forEach((v, j) => {
            assert.ok(
              Math.abs(v - (want[j] as number)) <= TOLERANCE,
              `${f.name} step ${k}: stepShot(${JSON.stringify(s)}, ${f.dt}) = ${JSON.stringify(gotV)}, Go says ${JSON.stringify(want)}`,
            );
          });
          // Each step starts where Go's did, so one difference cannot cascade.
          s = { x: want[0], y: want[1], vx: want[2], vy: want[3] };
        });
        const last = f.steps[f.steps.length - 1];
        assert.ok(last, `${f.name}: no steps`);
      }
    });
  }
});

describe("ticksFor (game.ticksFor)", () => {
  it("rounds to whole ticks, at least one", () => {
    assert.equal(ticksFor(1.2, 30), 36);
    assert.equal(ticksFor(0.2, 30), 6);
    assert.equal(ticksFor(0.2, 64), 13);
    assert.equal(ticksFor(0.001, 30), 1);
  });
});
