import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parseMap, type GameMap } from "../match/map";
import { ACCEL, FRICTION, hypot, MAX_SPEED, PLAYER_RADIUS, stepMovement, type MoveBody } from "./movement";

// The golden vectors game/movement_vectors_test.go generates from the Go
// StepMovement. The path is relative to this file, and equally to its bundle
// (.test-build mirrors src/), so both sit three levels below the repository.
const VECTORS = new URL("../../../game/testdata/movement_vectors.json", import.meta.url);
const TOLERANCE = 1e-9;

interface VectorCase {
  name: string;
  map: string;
  dt: number;
  start: [number, number, number, number];
  steps: Array<[number, number, number, number, number, number]>;
}

interface VectorDoc {
  constants: { playerRadius: number; maxSpeed: number; accel: number; friction: number };
  maps: unknown[];
  cases: VectorCase[];
}

const doc = JSON.parse(readFileSync(VECTORS, "utf8")) as VectorDoc;
const maps = new Map<string, GameMap>(doc.maps.map((m) => {
  const parsed = parseMap(m);
  return [parsed.id, parsed];
}));

function body(v: readonly number[]): MoveBody {
  return { x: v[0] ?? NaN, y: v[1] ?? NaN, vx: v[2] ?? NaN, vy: v[3] ?? NaN };
}

describe("movement constants", () => {
  it("match game/tuning.go (via the vectors)", () => {
    assert.deepEqual(
      { playerRadius: PLAYER_RADIUS, maxSpeed: MAX_SPEED, accel: ACCEL, friction: FRICTION },
      doc.constants,
    );
  });
});

describe("stepMovement matches game.StepMovement", () => {
  it("has a useful number of vectors", () => {
    assert.ok(doc.cases.length >= 400, `only ${doc.cases.length} cases`);
    assert.deepEqual([...maps.keys()].sort(), ["arena", "synthetic"]);
  });

  // One test per generator kind (arena/random, synthetic/corner, ...).
  const groups = new Map<string, VectorCase[]>();
  for (const c of doc.cases) {
    const kind = c.name.slice(0, c.name.lastIndexOf("/"));
    groups.set(kind, [...(groups.get(kind) ?? []), c]);
  }
  for (const [kind, cases] of groups) {
    it(`${kind} (${cases.length} cases)`, () => {
      let steps = 0;
      let exact = 0;
      for (const c of cases) {
        const m = maps.get(c.map);
        assert.ok(m, `${c.name}: unknown map ${c.map}`);
        let b = body(c.start);
        c.steps.forEach((s, k) => {
          const [mx, my, ...want] = s;
          const got = stepMovement(b, mx, my, c.dt, m);
          const gotV = [got.x, got.y, got.vx, got.vy];
          gotV.forEach((v, j) => {
            const w = want[j] as number;
            assert.ok(
              Math.abs(v - w) <= TOLERANCE,
              `${c.name} step ${k}: stepMovement(${JSON.stringify(b)}, ${mx}, ${my}, ${c.dt}) = ` +
                `${JSON.stringify(gotV)}, Go says ${JSON.stringify(want)}`,
            );
          });
          steps++;
          if (gotV.every((v, j) => Object.is(v, want[j]) || v === want[j])) exact++;
          // Each step starts where Go's did, so one difference cannot cascade.
          b = body(want);
        });
      }
      // Informational: on amd64 every step is bit-identical.
      assert.ok(steps > 0);
      if (exact !== steps) console.log(`  ${kind}: ${exact}/${steps} steps bit-exact`);
    });
  }
});

describe("stepMovement", () => {
  const open: GameMap = { id: "open", name: "open", width: 1000, height: 1000, walls: [], spawns: [] };

  it("does not modify its argument", () => {
    const b = { x: 500, y: 500, vx: 10, vy: 0 };
    const got = stepMovement(b, 1, 0, 1 / 30, open);
    assert.deepEqual(b, { x: 500, y: 500, vx: 10, vy: 0 });
    assert.notEqual(got, b);
  });

  it("reaches full speed in 0.13 s and stays there", () => {
    let b: MoveBody = { x: 100, y: 500, vx: 0, vy: 0 };
    for (let i = 0; i < 10; i++) b = stepMovement(b, 1, 0, 1 / 60, open);
    assert.equal(b.vx, MAX_SPEED);
    assert.equal(b.vy, 0);
  });

  it("does not hang on an absurd velocity", () => {
    const got = stepMovement({ x: 500, y: 500, vx: Infinity, vy: 0 }, 0, 0, 1 / 30, open);
    assert.ok(Number.isNaN(got.vx) || got.x === 1000 - PLAYER_RADIUS);
  });
});

describe("hypot (Go's math.Hypot)", () => {
  const cases: Array<[number, number, number]> = [
    [3, 4, 5],
    [-3, 4, 5],
    [0, 0, 0],
    [0, -2, 2],
    [Infinity, NaN, Infinity],
    [NaN, 1, NaN],
    [1e300, 1e300, 1e300 * Math.SQRT2],
  ];
  for (const [p, q, want] of cases) {
    it(`hypot(${p}, ${q})`, () => {
      const got = hypot(p, q);
      if (Number.isNaN(want)) assert.ok(Number.isNaN(got));
      else if (!Number.isFinite(want)) assert.equal(got, want);
      else assert.ok(Math.abs(got - want) <= Math.abs(want) * 1e-15, `got ${got}`);
    });
  }
});
