import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fitArena, playerHue, toScreen } from "./layout";

describe("fitArena", () => {
  it("letterboxes a wide window", () => {
    const f = fitArena(2000, 1000, 1600, 900, 0);
    assert.ok(Math.abs(f.scale - 1000 / 900) < 1e-12);
    assert.deepEqual(toScreen(f, 0, 0).map((v) => Math.round(v)), [111, 0]);
    assert.deepEqual(toScreen(f, 1600, 900).map((v) => Math.round(v)), [1889, 1000]);
  });
  it("pillarboxes a tall window, keeping aspect", () => {
    const f = fitArena(800, 1200, 1600, 900, 0);
    assert.equal(f.scale, 0.5);
    assert.equal(f.offsetX, 0);
    assert.equal(f.offsetY, (1200 - 450) / 2);
  });
  it("keeps the margin", () => {
    const f = fitArena(1632, 932, 1600, 900, 16);
    assert.equal(f.scale, 1);
    assert.deepEqual(toScreen(f, 0, 0), [16, 16]);
  });
  it("survives a zero-size window", () => {
    const f = fitArena(0, 0, 1600, 900);
    assert.ok(Number.isFinite(f.scale) && f.scale > 0);
  });
});

describe("playerHue", () => {
  it("is stable and spreads neighbours apart", () => {
    assert.equal(playerHue(5), playerHue(5));
    for (let id = 1; id < 16; id++) {
      const d = Math.abs(playerHue(id) - playerHue(id + 1));
      assert.ok(Math.min(d, 360 - d) > 60, `ids ${id} and ${id + 1} too close`);
    }
  });
});
