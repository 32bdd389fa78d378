import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatClock, parseMatchList } from "./api";

describe("parseMatchList", () => {
  it("accepts the documented shape", () => {
    const got = parseMatchList(JSON.parse(`[{"id":"m1","map":"arena","phase":"live","players":2,"bots":4,
      "maxPlayers":8,"spectators":1,"timeLeft":93.5}]`));
    assert.deepEqual(got, [{ id: "m1", map: "arena", phase: "live", players: 2, bots: 4, maxPlayers: 8, spectators: 1, timeLeft: 93.5 }]);
    assert.deepEqual(parseMatchList([]), []);
  });
  it("rejects a bad row", () => {
    assert.throws(() => parseMatchList([{ id: "m1" }]));
    assert.throws(() => parseMatchList({ matches: [] }));
    assert.throws(() => parseMatchList([{ id: "m1", map: "a", phase: "paused", players: 0, bots: 0, maxPlayers: 8, spectators: 0, timeLeft: 0 }]));
  });
});

describe("formatClock", () => {
  const cases: Array<[number | null, string]> = [[null, ""], [0, ""], [0.2, "0:01"], [59.01, "1:00"], [125, "2:05"], [600, "10:00"]];
  for (const [s, want] of cases) it(`${s} → ${JSON.stringify(want)}`, () => assert.equal(formatClock(s), want));
});
