import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { respawnText } from "./hud";

describe("respawnText", () => {
  const cases: Array<[number | null, string]> = [
    [null, "Respawning…"],
    [0, "Respawning…"],
    [Number.NaN, "Respawning…"],
    [0.2, "Respawning in 1"],
    [1, "Respawning in 1"],
    [2.01, "Respawning in 3"],
  ];
  for (const [s, want] of cases) it(`${s} → ${want}`, () => assert.equal(respawnText(s), want));
});
