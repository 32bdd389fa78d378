import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cornerText, respawnText } from "./hud";

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

describe("cornerText", () => {
  const cases: Array<[number | null, string, string]> = [
    [null, "", ""],
    [null, "N: network", "N: network"],
    [1.4, "N: network", "ping 1.4 ms · N: network"],
    [152.4, "", "ping 152 ms"],
  ];
  for (const [ping, hint, want] of cases) it(`${ping} ${hint} → ${want}`, () => assert.equal(cornerText(ping, hint), want));
});
