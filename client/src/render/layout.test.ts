import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fitArena, HUD_FADED, hudLayout, overlaps, panelAlpha, playerHue, TIMER_W, toScreen } from "./layout";

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

describe("overlaps", () => {
  const a = { x: 10, y: 10, w: 20, h: 20 };
  const cases: Array<[string, { x: number; y: number; w: number; h: number }, boolean]> = [
    ["inside", { x: 15, y: 15, w: 2, h: 2 }, true],
    ["containing", { x: 0, y: 0, w: 100, h: 100 }, true],
    ["crossing a corner", { x: 25, y: 25, w: 10, h: 10 }, true],
    ["left", { x: 0, y: 10, w: 9, h: 20 }, false],
    ["touching the right edge", { x: 30, y: 10, w: 5, h: 5 }, false],
    ["below", { x: 10, y: 31, w: 20, h: 5 }, false],
    ["beside but lower", { x: 31, y: 40, w: 5, h: 5 }, false],
  ];
  for (const [what, b, want] of cases) {
    it(what, () => {
      assert.equal(overlaps(a, b), want);
      assert.equal(overlaps(b, a), want, "symmetric");
    });
  }
});

describe("panelAlpha", () => {
  const panel = { x: 1000, y: 10, w: 220, h: 120 };
  it("is opaque with nobody under it", () => {
    assert.equal(panelAlpha(panel, []), 1);
    assert.equal(panelAlpha(panel, [{ x: 500, y: 500, w: 30, h: 40 }]), 1);
  });
  it("fades over any player", () => {
    assert.equal(panelAlpha(panel, [{ x: 500, y: 500, w: 30, h: 40 }, { x: 1150, y: 60, w: 30, h: 40 }]), HUD_FADED);
  });
});

describe("hudLayout", () => {
  for (const cssW of [320, 360, 480, 640, 800, 1280, 1920]) {
    it(`keeps the top panels apart and on screen at ${cssW} px`, () => {
      const l = hudLayout(cssW, 54);
      assert.ok(l.timerX >= 12, "timer on screen");
      assert.ok(l.timerX + TIMER_W + 12 <= l.boardX || cssW < TIMER_W + 150 + 36, "timer left of the scoreboard");
      assert.ok(l.boardX + l.boardW <= cssW - 12, "scoreboard on screen");
      assert.ok(l.boardW >= 150 && l.boardW <= 220);
      if (l.timerX < 312) assert.ok(l.feedY - 12 >= 10 + 54, "kill feed below a timer it would run into");
    });
  }
  it("centres the timer and keeps the classic corners on a wide canvas", () => {
    assert.deepEqual(hudLayout(1280, 54), { timerX: 565, boardX: 1048, boardW: 220, feedY: 64 });
  });
  it("moves the kill feed under a short timer by its height", () => {
    assert.equal(hudLayout(480, 30).feedY, 60);
    assert.equal(hudLayout(480, 54).feedY, 84);
  });
});
