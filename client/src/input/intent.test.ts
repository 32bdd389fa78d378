import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { aimAngle, fireKeyHeld, isGameKey, keyName, moveVector } from "./intent";

const D = Math.SQRT1_2;

describe("moveVector", () => {
  const cases: Array<[string, string[], [number, number]]> = [
    ["nothing held", [], [0, 0]],
    ["W is up (-Y)", ["KeyW"], [0, -1]],
    ["D is right", ["KeyD"], [1, 0]],
    ["arrows work too", ["ArrowDown"], [0, 1]],
    ["diagonal is unit length", ["KeyW", "KeyD"], [D, -D]],
    ["opposites cancel", ["KeyA", "KeyD"], [0, 0]],
    ["same direction twice counts once", ["KeyW", "ArrowUp"], [0, -1]],
    ["other keys ignored", ["KeyQ", "Space"], [0, 0]],
  ];
  for (const [name, held, want] of cases) {
    it(name, () => {
      const [x, y] = moveVector(new Set(held));
      assert.ok(Math.abs(x - want[0]) < 1e-12 && Math.abs(y - want[1]) < 1e-12, `got [${x}, ${y}]`);
    });
  }
});

describe("keys", () => {
  const cases: Array<[string, string, string]> = [
    ["KeyW", "w", "KeyW"],
    ["KeyZ", "w", "KeyZ"], // AZERTY: the physical W key is what counts
    ["", "d", "KeyD"], // no code (synthetic): fall back to key
    ["", "ArrowLeft", "ArrowLeft"],
    ["Space", " ", "Space"],
    ["", " ", "Space"],
  ];
  for (const [code, key, want] of cases) {
    it(`code=${JSON.stringify(code)} key=${JSON.stringify(key)}`, () => assert.equal(keyName(code, key), want));
  }
  it("game keys", () => {
    assert.ok(isGameKey("Space") && isGameKey("ArrowUp") && isGameKey("KeyA"));
    assert.ok(!isGameKey("KeyQ") && !isGameKey("Tab"));
    assert.ok(fireKeyHeld(new Set(["Space"])) && !fireKeyHeld(new Set(["KeyW"])));
  });
});

describe("aimAngle", () => {
  const cases: Array<[string, [number, number, number, number], number]> = [
    ["right", [100, 100, 200, 100], 0],
    ["down is +π/2", [100, 100, 100, 300], Math.PI / 2],
    ["up is -π/2", [100, 100, 100, 0], -Math.PI / 2],
    ["left", [100, 100, 0, 100], Math.PI],
    ["cursor on the player keeps the last aim", [100, 100, 100.2, 100], 1.25],
  ];
  for (const [name, [fx, fy, tx, ty], want] of cases) {
    it(name, () => assert.ok(Math.abs(aimAngle(fx, fy, tx, ty, 1.25) - want) < 1e-12));
  }
});
