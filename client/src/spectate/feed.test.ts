import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseFeedEvent, type FeedEventName } from "./feed";

const P = `{"id":3,"name":"ada","bot":false,"x":100.5,"y":20,"aim":1.57,"hp":80,"alive":true,"protected":false,"kills":2,"deaths":1,"disconnected":true}`;
const Q = `{"id":9,"owner":3,"x":110.1,"y":20}`;

describe("parseFeedEvent", () => {
  it("snapshot", () => {
    const m = parseFeedEvent("snapshot", `{"match":"m1","map":"arena","tick":120,"tickRate":30,"phase":"live",
      "timeLeft":171.5,"scoreLimit":20,"players":[${P}],"projectiles":[${Q}]}`);
    assert.deepEqual(m, {
      type: "snapshot", match: "m1", map: "arena", tickRate: 30, scoreLimit: 20,
      tick: 120, phase: "live", timeLeft: 171.5,
      players: [{ id: 3, name: "ada", bot: false, x: 100.5, y: 20, aim: 1.57, hp: 80, alive: true, protected: false, kills: 2, deaths: 1, disconnected: true }],
      projectiles: [{ id: 9, owner: 3, x: 110.1, y: 20, aim: 0, alive: true }],
    });
  });

  it("state", () => {
    const m = parseFeedEvent("state", `{"tick":123,"phase":"countdown","timeLeft":2,"players":[],"projectiles":[]}`);
    assert.deepEqual(m, { type: "state", tick: 123, phase: "countdown", timeLeft: 2, players: [], projectiles: [] });
  });

  const events: Array<[FeedEventName, string, unknown]> = [
    ["join", `{"tick":5,"id":4,"name":"bot-x","bot":true}`, { kind: "join", player: 4, name: "bot-x", bot: true }],
    ["leave", `{"tick":5,"id":4}`, { kind: "leave", player: 4 }],
    ["kill", `{"tick":5,"killer":0,"victim":4}`, { kind: "kill", killer: 0, victim: 4 }],
    ["respawn", `{"tick":5,"id":4}`, { kind: "respawn", player: 4 }],
    ["disconnect", `{"tick":5,"id":4}`, { kind: "disconnect", player: 4 }],
    ["reconnect", `{"tick":5,"id":4}`, { kind: "reconnect", player: 4 }],
    ["phase", `{"tick":5,"phase":"ended","timeLeft":10}`, { kind: "phase", phase: "ended", timeLeft: 10 }],
    ["score", `{"tick":5,"id":4,"kills":6}`, { kind: "score", player: 4, kills: 6 }],
    ["end", `{"tick":5,"reason":"time_limit","winner":4,"scoreboard":[{"id":4,"name":"bot-x","kills":6,"deaths":0}]}`,
      { kind: "end", winner: 4, reason: "time_limit", scoreboard: [{ id: 4, name: "bot-x", kills: 6, deaths: 0 }] }],
    ["end", `{"tick":5,"reason":"abandoned","winner":0,"scoreboard":[]}`,
      { kind: "end", winner: 0, reason: "abandoned", scoreboard: [] }],
    ["end", `{"tick":5,"reason":"meteor","winner":0,"scoreboard":[]}`,
      { kind: "end", winner: 0, reason: "unknown", scoreboard: [] }],
  ];
  for (const [name, data, want] of events) {
    it(`${name} event ${data}`, () => assert.deepEqual(parseFeedEvent(name, data), { type: "event", tick: 5, event: want }));
  }

  it("ignores extra fields", () => {
    assert.deepEqual(parseFeedEvent("leave", `{"tick":1,"id":2,"new":"field"}`), {
      type: "event", tick: 1, event: { kind: "leave", player: 2 },
    });
  });

  const bad: Array<[string, FeedEventName, string]> = [
    ["not JSON", "state", "{"],
    ["not an object", "state", "[1]"],
    ["missing tick", "leave", `{"id":2}`],
    ["unknown phase", "phase", `{"tick":1,"phase":"overtime","timeLeft":0}`],
    ["player missing name", "state", `{"tick":1,"phase":"live","timeLeft":0,"players":[{"id":1}],"projectiles":[]}`],
    ["bool as number", "join", `{"tick":1,"id":2,"name":"x","bot":1}`],
    ["zero tick rate", "snapshot", `{"match":"m","map":"a","tick":1,"tickRate":0,"phase":"live","timeLeft":0,"scoreLimit":1,"players":[],"projectiles":[]}`],
  ];
  for (const [name, ev, data] of bad) {
    it(`rejects ${name}`, () => assert.throws(() => parseFeedEvent(ev, data)));
  }
});
