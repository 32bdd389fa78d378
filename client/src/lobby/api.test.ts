import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeListError, formatClock, parseMatchList, shortMatchId } from "./api";

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

describe("shortMatchId", () => {
  it("keeps a UUID's first group", () => assert.equal(shortMatchId("3cce0795-9c8f-4460-876f-eaad74de67e6"), "3cce0795"));
  it("keeps a short id whole", () => assert.equal(shortMatchId("m1"), "m1"));
});

describe("describeListError", () => {
  it("says the server is unreachable for a network failure", () =>
    assert.equal(describeListError(new TypeError("Failed to fetch")), "Cannot reach the server"));
  it("keeps the detail of other failures", () =>
    assert.equal(describeListError(new Error("match list: HTTP 503")), "Could not load the match list (match list: HTTP 503)"));
});
