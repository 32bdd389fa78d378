import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { playerLabel } from "./label";

describe("playerLabel", () => {
  const cases: Array<[{ name: string; bot: boolean; disconnected?: boolean }, string]> = [
    [{ name: "ada", bot: false }, "ada"],
    [{ name: "bot-Ada", bot: true }, "bot-Ada ·bot"],
    [{ name: "ada", bot: false, disconnected: true }, "ada ·reconnecting"],
    [{ name: "ada", bot: false, disconnected: false }, "ada"],
  ];
  for (const [p, want] of cases) it(want, () => assert.equal(playerLabel(p), want));
});
