import { encode } from "@msgpack/msgpack";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { applyDelta, DeltaError, divRound, Pictures, PICTURES_KEPT, predict } from "./delta";
import { decodeWireMessage, ProtocolError, type Delta, type WireState } from "./protocol";

describe("divRound", () => {
  it("rounds halves away from zero, in integers", () => {
    const cases: Array<[number, number, number]> = [
      [0, 30, 0],
      [15, 30, 1],
      [14, 30, 0],
      [-15, 30, -1],
      [-14, 30, 0],
      [3200, 30, 107], // 106.67
      [-12800, 30, -427], // -426.67
      [2 ** 47 - 1, 1, 2 ** 47 - 1],
      [-(2 ** 47), 128, -(2 ** 40)],
    ];
    for (const [a, b, want] of cases) assert.equal(divRound(a, b) + 0, want, `${a}/${b}`);
  });

  it("predicts a position from its velocity", () => {
    assert.equal(predict(800, 1600, 2, 30), 907);
  });
});

const base: WireState = {
  tick: 10,
  phase: "live",
  phaseTicksLeft: 100,
  scoreLimit: 20,
  players: [
    { id: 1, x: 0, y: 0, vx: 300, vy: 0, aim: 65535, health: 100, flags: 1, kills: 0, deaths: 0, respawnTicks: 0, ackSeq: 5, inputSlack: 0, inputsSkipped: 0, inputsAwaited: 0 },
  ],
  projectiles: [{ id: 4, owner: 1, x: 0, y: 0, vx: -30, vy: 0, shotId: 0 }],
};

function delta(over: Partial<Delta> = {}): Delta {
  return {
    type: "delta",
    tick: 12,
    baseTick: 10,
    phase: "live",
    phaseTicksLeft: 98,
    scoreLimit: 20,
    players: [],
    playerChanges: [],
    playersGone: [],
    projectiles: [],
    projectileChanges: [],
    projectilesGone: [],
    ...over,
  };
}

describe("applyDelta", () => {
  it("moves what it does not mention as predicted and applies residuals and differences", () => {
    const got = applyDelta(base, delta({ playerChanges: [{ id: 1, mask: 0b1101, values: [-1, 2, 3] }] }), 30);
    assert.deepEqual(got.players[0], { ...base.players[0], x: 19, aim: 1, ackSeq: 8 });
    assert.deepEqual(got.projectiles[0], { ...base.projectiles[0], x: -2 });
    assert.equal(base.players[0]?.x, 0, "the baseline is not modified");
  });

  it("adds and removes entities in id order", () => {
    const p = { ...base.players[0]!, id: 0 };
    const got = applyDelta(base, delta({ players: [p], projectilesGone: [4] }), 30);
    assert.deepEqual(got.players.map((x) => x.id), [0, 1]);
    assert.deepEqual(got.projectiles, []);
  });

  const refused: Array<[string, Partial<Delta>]> = [
    ["another baseline", { baseTick: 9 }],
    ["an entity added that the baseline has", { players: [{ ...base.players[0]! }] }],
    ["a change of an entity it does not have", { playerChanges: [{ id: 2, mask: 1, values: [5] }] }],
    ["a removal of an entity it does not have", { projectilesGone: [5] }],
    ["changed and removed", { playersGone: [1], playerChanges: [{ id: 1, mask: 1, values: [1] }] }],
    ["a health below 0", { playerChanges: [{ id: 1, mask: 1 << 7, values: [-101] }] }],
    ["flags beyond a byte", { playerChanges: [{ id: 1, mask: 1 << 8, values: [256] }] }],
    ["an aim step beyond half a turn", { playerChanges: [{ id: 1, mask: 1 << 2, values: [32768] }] }],
    ["an x beyond int32", { playerChanges: [{ id: 1, mask: 1, values: [2 ** 31] }] }],
  ];
  for (const [name, over] of refused) {
    it(`refuses ${name}`, () => {
      assert.throws(() => applyDelta(base, delta(over), 30), DeltaError);
    });
  }
});

describe("Pictures", () => {
  it("acknowledges the newest picture applied, and drops a delta without its baseline", () => {
    const pics = new Pictures(30);
    assert.equal(pics.acked, 0);
    pics.complete(base);
    assert.equal(pics.acked, 10);
    const next = pics.delta(delta());
    assert.equal(next?.tick, 12);
    assert.equal(pics.acked, 12);
    assert.equal(pics.delta(delta({ tick: 14, baseTick: 11 })), null, "no picture of tick 11");
    assert.equal(pics.acked, 0, "asks for a complete snapshot");
    assert.equal(pics.dropped, 1);
    assert.equal(pics.delta(delta({ tick: 15, baseTick: 12, playersGone: [7] })), null, "does not fit");
    assert.equal(pics.dropped, 2);
    assert.equal(pics.delta(delta({ tick: 16, baseTick: 12 }))?.tick, 16, "a picture it still holds");
    assert.equal(pics.acked, 16);
  });

  it(`keeps the newest ${PICTURES_KEPT}`, () => {
    const pics = new Pictures(30);
    for (let t = 1; t <= PICTURES_KEPT + 5; t++) pics.complete({ ...base, tick: t });
    assert.equal(pics.delta(delta({ tick: 100, baseTick: 5 })), null, "tick 5 is gone");
    assert.notEqual(pics.delta(delta({ tick: 101, baseTick: 6 })), null, "tick 6 is kept");
  });
});

// The Go fuzz targets' committed seeds (netcode/testdata/fuzz), read here so
// both decoders start from the same corpus: go test fuzz v1 files, one
// value per line.
const FUZZ = new URL("../../../netcode/testdata/fuzz/", import.meta.url);

/** Unquotes a Go string literal's body (strconv.Quote's escapes) into bytes. */
function goBytes(lit: string): Uint8Array {
  const out: number[] = [];
  const utf8 = new TextEncoder();
  for (let i = 0; i < lit.length; i++) {
    const c = lit[i]!;
    if (c !== "\\") {
      const cp = lit.codePointAt(i)!;
      if (cp > 0xffff) i++;
      out.push(...utf8.encode(String.fromCodePoint(cp)));
      continue;
    }
    const e = lit[++i]!;
    const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92, '"': 34, "'": 39 };
    if (e in simple) {
      out.push(simple[e]!);
    } else if (e === "x") {
      out.push(parseInt(lit.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (e === "u" || e === "U") {
      const n = e === "u" ? 4 : 8;
      out.push(...utf8.encode(String.fromCodePoint(parseInt(lit.slice(i + 1, i + 1 + n), 16))));
      i += n;
    } else {
      out.push(parseInt(lit.slice(i, i + 3), 8)); // octal
      i += 2;
    }
  }
  return Uint8Array.from(out);
}

interface Seed {
  name: string;
  bytes: Uint8Array[];
  rate: number;
}

function seeds(target: string): Seed[] {
  const dir = new URL(`${target}/`, FUZZ);
  return readdirSync(dir).map((name) => {
    const lines = readFileSync(new URL(name, dir), "utf8").split("\n").slice(1);
    const bytes = lines.filter((l) => l.startsWith("[]byte(")).map((l) => goBytes(l.slice(8, -2)));
    const r = lines.find((l) => l.startsWith("uint8("));
    return { name, bytes, rate: r ? parseInt(r.slice(6, -1), 10) : 0 };
  });
}

/** A small deterministic PRNG (mulberry32), so a failure is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Flips, overwrites, inserts, deletes or duplicates a few bytes. */
function mutate(b: Uint8Array, r: () => number): Uint8Array {
  const out = Array.from(b);
  const interesting = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xc0, 0xc1, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd3, 0x90, 0x9f, 0xdc, 0xe0];
  for (let k = 1 + Math.floor(r() * 4); k > 0; k--) {
    const at = Math.floor(r() * (out.length + 1));
    switch (Math.floor(r() * 5)) {
      case 0:
        if (at < out.length) out[at] = out[at]! ^ (1 << Math.floor(r() * 8));
        break;
      case 1:
        if (at < out.length) out[at] = interesting[Math.floor(r() * interesting.length)]!;
        break;
      case 2:
        out.splice(at, 0, Math.floor(r() * 256));
        break;
      case 3:
        out.splice(at, 1 + Math.floor(r() * 3));
        break;
      default:
        out.splice(at, 0, ...out.slice(at, at + 1 + Math.floor(r() * 8)));
    }
  }
  return Uint8Array.from(out);
}

/** Decodes like the socket: a ProtocolError is the only failure a frame may cause. */
function decodeOrNull(b: Uint8Array) {
  try {
    return decodeWireMessage(b);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    return null;
  }
}

function checkPicture(w: WireState): void {
  for (const list of [w.players, w.projectiles] as Array<Array<{ id: number }>>) {
    for (let i = 1; i < list.length; i++) assert.ok(list[i]!.id > list[i - 1]!.id, "ids increase");
  }
  for (const p of w.players) {
    for (const v of [p.x, p.y, p.vx, p.vy, p.inputSlack]) assert.ok(Number.isSafeInteger(v) && v >= -(2 ** 31) && v < 2 ** 31);
    for (const v of [p.health, p.kills, p.deaths, p.respawnTicks]) assert.ok(Number.isSafeInteger(v) && v >= 0 && v < 2 ** 31);
    assert.ok(p.aim >= 0 && p.aim < 65536 && p.flags >= 0 && p.flags < 256);
  }
}

describe("fuzz: the delta decoder and applyDelta on the Go seeds, mutated", () => {
  it("decode the seeds as the Go decoder does (valid-* accepted, invalid-* refused)", () => {
    for (const s of seeds("FuzzDecodeServerMessage")) {
      // An unknown type is an error to Go's decoder and a message to ignore here: both drop it.
      const m = decodeOrNull(s.bytes[0]!);
      const kept = m !== null && m.type !== "unknown";
      if (s.name.startsWith("valid-")) assert.ok(kept, `${s.name} refused`);
      if (s.name.startsWith("invalid-")) assert.ok(!kept, `${s.name} accepted`);
    }
  });

  it("never throw anything but ProtocolError and DeltaError, and give only sorted pictures in range", () => {
    const all = seeds("FuzzApplyDelta");
    assert.ok(all.length >= 5, "the committed seeds");
    let applied = 0;
    for (const [n, s] of all.entries()) {
      const r = rng(n + 1);
      for (let k = 0; k < 400; k++) {
        const [b0, d0] = s.bytes as [Uint8Array, Uint8Array];
        const which = k === 0 ? -1 : Math.floor(r() * 3);
        const b = which === 0 || which === 2 ? mutate(b0, r) : b0;
        const d = which >= 1 ? mutate(d0, r) : d0;
        const bm = decodeOrNull(b);
        const dm = decodeOrNull(d);
        if (bm?.type !== "complete" || dm?.type !== "delta") continue;
        try {
          checkPicture(applyDelta(bm.state, dm, (s.rate % 128) + 1));
          applied++;
        } catch (err) {
          if (!(err instanceof DeltaError)) throw err;
        }
      }
    }
    assert.ok(applied > 20, `only ${applied} mutated deltas applied`);
  });

  it("refuse a delta whose baseTick is not before its tick", () => {
    assert.throws(() => decodeWireMessage(encode([8, 10, 10, 2, 0, 20, [], [], [], [], [], []])), ProtocolError);
  });
});
