import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeResult, formatAgo, parseEndedList, type EndedMatch } from "./results";

const body = `[{"id":"e1","map":"arena","phase":"ended","players":1,"bots":1,"maxPlayers":8,"spectators":0,"timeLeft":0,
  "startedAt":"2026-11-30T12:01:00Z","endedAt":"2026-11-30T12:06:00.5Z","reason":"score_limit","winner":2,
  "scoreboard":[{"id":2,"name":"Ann","kills":20,"deaths":1,"bot":false},{"id":1,"name":"Ivy","kills":1,"deaths":20,"bot":true}]}]`;

describe("parseEndedList", () => {
  it("accepts the documented shape", () => {
    const [m] = parseEndedList(JSON.parse(body));
    assert.deepEqual(m, {
      id: "e1", map: "arena", startedAt: "2026-11-30T12:01:00Z", endedAt: "2026-11-30T12:06:00.5Z", reason: "score_limit", winner: 2,
      scoreboard: [{ id: 2, name: "Ann", kills: 20, deaths: 1, bot: false }, { id: 1, name: "Ivy", kills: 1, deaths: 20, bot: true }],
    });
    assert.deepEqual(parseEndedList([]), []);
  });
  it("rejects a running match's entry and bad rows", () => {
    assert.throws(() => parseEndedList([{ id: "m1", map: "a", phase: "live", players: 0, bots: 0, maxPlayers: 8, spectators: 0, timeLeft: 0 }]));
    assert.throws(() => parseEndedList({}));
    const bad = JSON.parse(body);
    bad[0].scoreboard[0].bot = "no";
    assert.throws(() => parseEndedList(bad));
  });
});

describe("describeResult", () => {
  const m: EndedMatch = parseEndedList(JSON.parse(body))[0]!;
  it("names the winner", () => assert.equal(describeResult(m), "Ann won, 20 kills (score limit)"));
  it("marks a bot winner", () => assert.equal(describeResult({ ...m, winner: 1 }), "Ivy (bot) won, 1 kill (score limit)"));
  it("says when nobody won", () => assert.equal(describeResult({ ...m, winner: 0, reason: "shutdown" }), "No winner (server restart)"));
  it("says the host ended it", () => assert.equal(describeResult({ ...m, winner: 0, reason: "admin" }), "No winner (ended by the host)"));
  it("keeps an unknown reason readable", () => assert.equal(describeResult({ ...m, winner: 0, reason: "power_cut" }), "No winner (power cut)"));
});

describe("formatAgo", () => {
  const now = Date.parse("2026-11-30T12:00:00Z");
  const cases: Array<[string, string]> = [
    ["2026-11-30T11:59:30Z", "just now"], ["2026-11-30T12:00:10Z", "just now"], ["2026-11-30T11:55:00Z", "5 min ago"],
    ["2026-11-30T09:00:00Z", "3 h ago"], ["2026-11-28T11:00:00Z", "2 d ago"], ["nonsense", ""],
  ];
  for (const [iso, want] of cases) it(`${iso} → ${want}`, () => assert.equal(formatAgo(iso, now), want));
});
