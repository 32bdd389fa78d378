import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { followed, followHint, pick, PICK_PX } from "./follow";

const players = [
  { id: 3, name: "bot-Ada", x: 100, y: 100 },
  { id: 7, name: "ann", x: 130, y: 100 },
  { id: 9, name: "bot-Ken", x: 2000, y: 1500 },
];

describe("pick", () => {
  const cases: Array<[string, number, number, number, number]> = [
    ["on a player", 101, 99, 1, 3],
    ["the nearer of two", 120, 100, 1, 7],
    ["within PICK_PX on screen", 100, 100 + PICK_PX - 1, 1, 3],
    ["just beyond it", 100, 100 + PICK_PX + 1, 1, 0],
    ["nobody within reach", 500, 500, 1, 0],
    ["reach grows as the overview shrinks the map", 2000 + 50, 1500, 0.4, 9],
    ["but not at full size", 2000 + 50, 1500, 1, 0],
  ];
  for (const [what, x, y, scale, want] of cases) it(what, () => assert.equal(pick(players, x, y, scale), want));
  it("nobody to pick", () => assert.equal(pick([], 0, 0, 1), 0));
});

describe("followed", () => {
  it("finds the followed player in the frame", () => assert.equal(followed(players, 7)?.name, "ann"));
  it("is null when not following or when the player left", () => {
    assert.equal(followed(players, 0), null);
    assert.equal(followed(players, 42), null);
  });
});

describe("followHint", () => {
  it("says how to follow, and whom it follows", () => {
    assert.equal(followHint(null), "click a player to follow");
    assert.equal(followHint(players[1] ?? null), "following ann · Esc: overview");
  });
});
