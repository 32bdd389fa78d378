import { decode, encode } from "@msgpack/msgpack";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  angleFromWire,
  angleToWire,
  decodeServerMessage,
  dequantize,
  encodeHello,
  encodeInput,
  encodePing,
  encodeView,
  ProtocolError,
} from "./protocol";

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function bytes(h: string): Uint8Array {
  const clean = h.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

describe("encode (client → server)", () => {
  it("hello is [1, version, trimmed name, match]", () => {
    assert.deepEqual(decode(encodeHello("  ada  ", "m-1")), [1, 1, "ada", "m-1"]);
    // fixarray(4) 01 01 fixstr"ada" fixstr""
    assert.equal(hex(encodeHello("ada", "")), "94" + "01" + "01" + "a3616461" + "a0");
  });

  it("input matches the PROTOCOL.md example bytes", () => {
    // PROTOCOL.md §1.4: seq=7, moveX=1, moveY=0, aim=0.5, fire, viewTime=3.5, shotId=7,
    // ackTick=300. Whole floats go out in integer form (allowed: "any integer or float
    // form where a float is expected").
    const got = encodeInput({ seq: 7, moveX: 1, moveY: 0, aim: 0.5, buttons: 1, viewTime: 3.5, shotId: 7, ackTick: 300 });
    assert.equal(hex(got), "99" + "03" + "07" + "01" + "00" + "cb3fe0000000000000" + "01" + "cb400c000000000000" + "07" + "cd012c");
    assert.deepEqual(decode(got), [3, 7, 1, 0, 0.5, 1, 3.5, 7, 300]);
  });

  it("input keeps fractional moves as floats and seq as u32; no view, shot or ack is 0", () => {
    const d = Math.SQRT1_2;
    const got = decode(encodeInput({ seq: 2 ** 32 - 1, moveX: -d, moveY: d, aim: -3, buttons: 0 }));
    assert.deepEqual(got, [3, 4294967295, -d, d, -3, 0, 0, 0, 0]);
  });

  it("view carries the world size shown", () => {
    assert.deepEqual(decode(encodeView(1633.5, 1000)), [11, 1633.5, 1000]);
  });

  it("ping carries the client clock", () => {
    assert.deepEqual(decode(encodePing(1234.5)), [5, 1234.5]);
  });
});

describe("dequantization", () => {
  const cases: Array<[string, number, number]> = [
    ["zero", 0, 0],
    ["whole unit", 8, 1],
    ["eighth", 1, 0.125],
    ["negative", -12, -1.5],
    ["arena far side", 12800, 1600],
  ];
  for (const [name, wire, want] of cases) {
    it(`pos/vel ${name}`, () => assert.equal(dequantize(wire), want));
  }

  const angles: Array<[string, number, number]> = [
    ["+X", 0, 0],
    ["+Y (down)", 16384, Math.PI / 2],
    ["-X", 32768, Math.PI],
    ["-Y (up)", 49152, (3 * Math.PI) / 2],
  ];
  for (const [name, wire, want] of angles) {
    it(`angle ${name}`, () => assert.ok(Math.abs(angleFromWire(wire) - want) < 1e-12));
  }

  it("angle round trip stays within one wire step", () => {
    for (let a = -7; a < 7; a += 0.37) {
      const back = angleFromWire(angleToWire(a));
      const diff = Math.abs(Math.atan2(Math.sin(back - a), Math.cos(back - a)));
      assert.ok(diff <= Math.PI / 65536 + 1e-12, `angle ${a}: back ${back}`);
    }
    assert.equal(angleToWire(-Math.PI / 2), 49152);
    assert.equal(angleToWire(2 * Math.PI - 1e-9), 0);
  });
});

describe("decode (server → client)", () => {
  it("welcome with roster", () => {
    const frame = encode([2, 1, "9f0c-uuid", "m-42", 3, 30, 20, "arena", [
      [1, "bot-ann", 5, 2, 1],
      [3, "ada", 1, 0, 0],
    ]]);
    assert.deepEqual(decodeServerMessage(frame), {
      type: "welcome",
      version: 1,
      player: "9f0c-uuid",
      match: "m-42",
      you: 3,
      tickRate: 30,
      snapshotRate: 20,
      map: "arena",
      roster: [
        { id: 1, name: "bot-ann", bot: true, kills: 2, deaths: 1 },
        { id: 3, name: "ada", bot: false, kills: 0, deaths: 0 },
      ],
    });
  });

  it("snapshot is dequantized", () => {
    const frame = encode([4, 900, 2, 4500, 20,
      [
        //id  x     y    vx    vy   aim    hp  flags k  d  resp ack  slack skipped awaited
        [1, 800, -16, 1600, -800, 16384, 100, 0b111, 4, 1, 0, 0, 0, 0, 0],
        [3, 4, 8, 0, 0, 0, 35, 0b000, 0, 2, 45, 812, -12, 3, 2],
      ],
      [[17, 1, 808, 8, 4800, -4800, 42], [18, 3, 0, 0, 0, 0]],
    ]);
    const m = decodeServerMessage(frame);
    assert.equal(m.type, "snapshot");
    if (m.type !== "snapshot") return;
    assert.equal(m.tick, 900);
    assert.equal(m.phase, "live");
    assert.equal(m.phaseTicksLeft, 4500);
    assert.equal(m.scoreLimit, 20);
    assert.deepEqual(m.players[0], {
      id: 1, x: 100, y: -2, vx: 200, vy: -100, aim: Math.PI / 2, hp: 100,
      alive: true, protected: true, bot: true, kills: 4, deaths: 1, respawnTicks: 0, ackSeq: 0,
      inputSlack: 0, inputsSkipped: 0, inputsAwaited: 0,
    });
    assert.deepEqual(m.players[1], {
      id: 3, x: 0.5, y: 1, vx: 0, vy: 0, aim: 0, hp: 35,
      alive: false, protected: false, bot: false, kills: 0, deaths: 2, respawnTicks: 45, ackSeq: 812,
      inputSlack: -12, inputsSkipped: 3, inputsAwaited: 2,
    });
    assert.deepEqual(m.projectiles, [
      { id: 17, owner: 1, x: 101, y: 1, vx: 600, vy: -600, shotId: 42 },
      // shotId came later in version 1: a projectile without it names no shot.
      { id: 18, owner: 3, x: 0, y: 0, vx: 0, vy: 0, shotId: 0 },
    ]);
  });

  it("snapshot accepts wider integer forms and floats where the server may send them", () => {
    // tick as uint32 (ce), x as int16 (d1): decoders accept any integer form.
    const m = decodeServerMessage(bytes(
      "97 04 ce00010000 00 00 00" +
      "91 9c 01 d1ff00 00 00 00 00 64 01 00 00 00 00" +
      "90",
    ));
    assert.equal(m.type, "snapshot");
    if (m.type !== "snapshot") return;
    assert.equal(m.tick, 65536);
    assert.equal(m.players[0]?.x, -32);
  });

  it("events of every kind", () => {
    const frame = encode([6, 77, [
      [1, 5, 0, 1, "bot-zed"],
      [2, 4, 0, 0, ""],
      [3, 2, 5, 0, ""],
      [3, 2, 0, 0, ""],
      [4, 2, 0, 0, ""],
      [5, 0, 0, 3, ""],
      [6, 5, 0, 7, ""],
      [7, 5, 0, 2, ""],
      [99, 1, 2, 3, "from the future"],
    ]]);
    assert.deepEqual(decodeServerMessage(frame), {
      type: "events",
      tick: 77,
      events: [
        { kind: "join", player: 5, name: "bot-zed", bot: true },
        { kind: "leave", player: 4 },
        { kind: "kill", victim: 2, killer: 5 },
        { kind: "kill", victim: 2, killer: 0 },
        { kind: "respawn", player: 2 },
        { kind: "phase", phase: "ended" },
        { kind: "score", player: 5, kills: 7 },
        { kind: "end", winner: 5, reason: "score_limit" },
      ],
    });
  });

  it("pong and error", () => {
    assert.deepEqual(decodeServerMessage(encode([7, 1500.25, 88])), { type: "pong", t: 1500.25, tick: 88 });
    // t sent back as an integer is still a float field.
    assert.deepEqual(decodeServerMessage(encode([7, 1500, 88])), { type: "pong", t: 1500, tick: 88 });
    assert.deepEqual(decodeServerMessage(encode([9, 13, "match_full", "every seat holds a human"])), {
      type: "error", code: 13, reason: "match_full", message: "every seat holds a human",
    });
  });

  it("ignores extra trailing elements", () => {
    assert.deepEqual(decodeServerMessage(encode([7, 1, 2, "v2 field", [1, 2]])), { type: "pong", t: 1, tick: 2 });
    const m = decodeServerMessage(encode([4, 1, 0, 0, 0, [[1, 0, 0, 0, 0, 0, 100, 1, 0, 0, 0, 0, 5, 1, 0, "extra"]], [], "x"]));
    assert.equal(m.type === "snapshot" && m.players.length, 1);
    assert.equal(m.type === "snapshot" && m.players[0]?.inputSlack, 5);
  });

  it("ignores a trailing value of any msgpack type (issue 5: a timestamp extension of length 7)", () => {
    const frame = bytes("94 07 cb 3f f8 00 00 00 00 00 00 00 c7 07 ff 00 00 00 00 00 00 00");
    assert.deepEqual(decodeServerMessage(frame), { type: "pong", t: 1.5, tick: 0 });
  });

  it("reports unknown message types without failing", () => {
    assert.deepEqual(decodeServerMessage(encode([42, "whatever"])), { type: "unknown", code: 42 });
  });

  const bad: Array<[string, Uint8Array]> = [
    ["not msgpack", bytes("c1")],
    ["truncated msgpack", bytes("93 07 cb 3ff0")],
    ["not an array", encode({ type: 7 })],
    ["empty array", encode([])],
    ["type not an integer", encode(["pong", 1, 2])],
    ["negative type", encode([-7, 1, 2])],
    ["missing element", encode([7, 1])],
    ["string where uint", encode([7, 1, "2"])],
    ["float where uint", encode([7, 1, 2.5])],
    ["welcome zero tick rate", encode([2, 1, "p", "m", 1, 0, 20, "arena", []])],
    ["snapshot unknown phase", encode([4, 1, 9, 0, 0, [], []])],
    ["snapshot short player", encode([4, 1, 0, 0, 0, [[1, 0, 0]], []])],
    ["snapshot player not array", encode([4, 1, 0, 0, 0, [7], []])],
    ["snapshot negative health", encode([4, 1, 0, 0, 0, [[1, 0, 0, 0, 0, 0, -1, 1, 0, 0, 0, 0]], []])],
    ["events not array", encode([6, 1, 5])],
    ["event missing name", encode([6, 1, [[1, 2, 0, 0]]])],
    ["phase event out of range", encode([6, 1, [[5, 0, 0, 8, ""]]])],
  ];
  for (const [name, frame] of bad) {
    it(`rejects ${name}`, () => assert.throws(() => decodeServerMessage(frame), ProtocolError));
  }
});
