import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { FEED_EVENTS, parseFeedEvent, type FeedEventName, type FeedMessage } from "./feed";

// The golden vectors spectate/vectors_test.go generates with the Go feed
// encoder (docs/PROTOCOL.md §2). The path is relative to this file, and
// equally to its bundle (.test-build mirrors src/). Each vector is one SSE
// event exactly as the server writes it; `expected` is its data object as
// PROTOCOL.md defines it, which this test maps to the FeedMessage that
// parseFeedEvent must return.
const VECTORS = new URL("../../../spectate/testdata/feed_vectors.json", import.meta.url);

interface FeedVector {
  name: string;
  event: string;
  id: string;
  sse: string;
  expected: Record<string, unknown>;
}

const doc = JSON.parse(readFileSync(VECTORS, "utf8")) as { vectors: FeedVector[] };

/** Splits one SSE event into its fields the way EventSource does (one data line allowed). */
function parseSSE(text: string): { id: string; event: string; data: string } {
  assert.ok(text.endsWith("\n\n"), "an event ends with a blank line");
  const fields = new Map<string, string[]>();
  for (const line of text.slice(0, -2).split("\n")) {
    const colon = line.indexOf(":");
    assert.ok(colon > 0, `field line ${JSON.stringify(line)}`);
    const value = line.slice(colon + 1).replace(/^ /, "");
    fields.set(line.slice(0, colon), [...(fields.get(line.slice(0, colon)) ?? []), value]);
  }
  assert.deepEqual([...fields.keys()].sort(), ["data", "event", "id"]);
  for (const [k, v] of fields) assert.equal(v.length, 1, `exactly one ${k} line`);
  return { id: fields.get("id")![0]!, event: fields.get("event")![0]!, data: fields.get("data")![0]! };
}

function isFeedEvent(s: string): s is FeedEventName {
  return (FEED_EVENTS as readonly string[]).includes(s);
}

type Obj = Record<string, unknown>;

/** The FeedMessage PROTOCOL.md's data object stands for. */
function feedMessage(event: FeedEventName, d: Obj): FeedMessage {
  const state = () => ({
    tick: d.tick,
    phase: d.phase,
    timeLeft: d.timeLeft,
    players: d.players,
    // Projectiles become interpolation bodies: no heading on the feed, always alive.
    projectiles: (d.projectiles as Obj[]).map((q) => ({ ...q, aim: 0, alive: true })),
  });
  const ev = (e: Obj) => ({ type: "event", tick: d.tick, event: e });
  let m: unknown;
  switch (event) {
    case "snapshot":
      m = { type: "snapshot", match: d.match, map: d.map, tickRate: d.tickRate, scoreLimit: d.scoreLimit, ...state() };
      break;
    case "state":
      m = { type: "state", ...state() };
      break;
    case "join":
      m = ev({ kind: "join", player: d.id, name: d.name, bot: d.bot });
      break;
    case "leave":
    case "respawn":
    case "disconnect":
    case "reconnect":
      m = ev({ kind: event, player: d.id });
      break;
    case "kill":
      m = ev({ kind: "kill", killer: d.killer, victim: d.victim });
      break;
    case "phase":
      m = ev({ kind: "phase", phase: d.phase, timeLeft: d.timeLeft });
      break;
    case "score":
      m = ev({ kind: "score", player: d.id, kills: d.kills });
      break;
    case "end":
      m = ev({ kind: "end", winner: d.winner, reason: d.reason, scoreboard: d.scoreboard });
      break;
    case "desync":
      m = { type: "desync", tick: d.tick, desyncs: d.desyncs };
      break;
  }
  return m as FeedMessage;
}

describe("feed vectors (spectate/testdata/feed_vectors.json)", () => {
  it("cover every feed event and every end reason", () => {
    assert.deepEqual([...new Set(doc.vectors.map((v) => v.event))].sort(), [...FEED_EVENTS].sort());
    const reasons = doc.vectors.filter((v) => v.event === "end").map((v) => v.expected.reason);
    assert.deepEqual([...new Set(reasons)].sort(), ["abandoned", "admin", "score_limit", "shutdown", "time_limit"]);
  });

  for (const v of doc.vectors) {
    it(`${v.name} parses with parseFeedEvent`, () => {
      const sse = parseSSE(v.sse);
      assert.equal(sse.id, v.id);
      assert.equal(sse.event, v.event);
      assert.ok(isFeedEvent(sse.event), `the view subscribes to "${sse.event}"`);
      // Values compare exactly: both sides are JSON decimals, parsed to the same doubles.
      assert.deepEqual(parseFeedEvent(sse.event, sse.data), feedMessage(sse.event, v.expected));
    });
  }
});
