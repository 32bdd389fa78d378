import { decode, encode } from "@msgpack/msgpack";
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it, mock } from "node:test";
import { GameSocket, socketURL, type SocketHandlers } from "./socket";

/** A hand-written stand-in for the browser's WebSocket: records sends, lets the test play the server. */
class FakeWebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static last: FakeWebSocket | null = null;

  readyState = FakeWebSocket.CONNECTING;
  binaryType = "blob";
  bufferedAmount = 0;
  sent: unknown[] = [];
  closedWith: [number, string] | null = null;
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;

  constructor(readonly url: string) {
    FakeWebSocket.last = this;
  }

  send(b: Uint8Array): void {
    this.sent.push(decode(b));
  }

  close(code: number, reason: string): void {
    this.closedWith = [code, reason];
    this.readyState = FakeWebSocket.CLOSED;
  }

  // ---- the test plays the server ----
  open(): void {
    this.readyState = FakeWebSocket.OPEN;
    this.onopen?.();
  }

  serverSends(msg: unknown[]): void {
    const b = encode(msg);
    this.onmessage?.({ data: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) });
  }

  serverCloses(code: number, reason: string): void {
    this.readyState = FakeWebSocket.CLOSED;
    this.onclose?.({ code, reason });
  }
}

/** The page's idle periods (requestIdleCallback), run when the test says the page is idle. */
class FakeIdle {
  private queue: Array<() => void> = [];
  private next = 1;
  private live = new Map<number, () => void>();
  install(): void {
    const g = globalThis as { requestIdleCallback?: unknown; cancelIdleCallback?: unknown };
    g.requestIdleCallback = (cb: () => void) => {
      const id = this.next++;
      this.live.set(id, cb);
      this.queue.push(() => {
        if (this.live.delete(id)) cb();
      });
      return id;
    };
    g.cancelIdleCallback = (id: number) => void this.live.delete(id);
  }
  uninstall(): void {
    const g = globalThis as { requestIdleCallback?: unknown; cancelIdleCallback?: unknown };
    delete g.requestIdleCallback;
    delete g.cancelIdleCallback;
    this.queue = [];
    this.live.clear();
  }
  run(): void {
    const q = this.queue;
    this.queue = [];
    for (const f of q) f();
  }
}

const idle = new FakeIdle();

interface Recorded {
  welcomes: number;
  snapshots: number[];
  events: number;
  errors: number[];
  closed: Array<[number, string, string, string]>;
}

function handlers(r: Recorded): SocketHandlers {
  return {
    welcome: () => void r.welcomes++,
    snapshot: (s) => void r.snapshots.push(s.tick),
    events: (e) => void (r.events += e.events.length),
    error: (e) => void r.errors.push(e.code),
    closed: (...args) => void r.closed.push(args),
  };
}

const WELCOME = [2, 1, "uuid", "m1", 3, 30, 20, "arena", []];

describe("GameSocket", () => {
  let now = 1000;
  let rec: Recorded;

  beforeEach(() => {
    (globalThis as { WebSocket?: unknown }).WebSocket = FakeWebSocket;
    mock.timers.enable({ apis: ["setInterval"] });
    idle.install();
    now = 1000;
    rec = { welcomes: 0, snapshots: [], events: 0, errors: [], closed: [] };
  });
  afterEach(() => {
    mock.timers.reset();
    idle.uninstall();
    delete (globalThis as { WebSocket?: unknown }).WebSocket;
  });

  function connect(match = ""): FakeWebSocket {
    new GameSocket("ws://h/ws", { name: " ada ", match }, handlers(rec), () => now);
    const ws = FakeWebSocket.last;
    assert.ok(ws);
    return ws;
  }

  it("builds the endpoint URL from the page location", () => {
    assert.equal(socketURL({ protocol: "http:", host: "localhost:8080" }), "ws://localhost:8080/ws");
    assert.equal(socketURL({ protocol: "https:", host: "play.example" }), "wss://play.example/ws");
  });

  it("says hello on open, in binary", () => {
    const ws = connect("m1");
    assert.equal(ws.binaryType, "arraybuffer");
    assert.deepEqual(ws.sent, []);
    ws.open();
    assert.deepEqual(ws.sent, [[1, 1, "ada", "m1"]]);
  });

  it("dispatches server messages and skips malformed and unknown ones", () => {
    const ws = connect();
    ws.open();
    ws.serverSends(WELCOME);
    ws.serverSends([4, 10, 2, 0, 20, [], []]);
    ws.serverSends([4, "not a tick"]); // malformed: dropped, connection kept
    ws.onmessage?.({ data: "text frame" }); // not part of the protocol: ignored
    ws.serverSends([99, "future"]);
    ws.serverSends([6, 11, [[4, 3, 0, 0, ""], [2, 5, 0, 0, ""]]]);
    ws.serverSends([4, 12, 2, 0, 20, [], []]);
    assert.equal(rec.welcomes, 1);
    assert.deepEqual(rec.snapshots, [10, 12]);
    assert.equal(rec.events, 2);
    assert.equal(rec.closed.length, 0);
  });

  it("pings once a second after welcome, each when the page is idle", () => {
    const ws = connect();
    ws.open();
    ws.serverSends(WELCOME);
    const pings = () => ws.sent.filter((m) => Array.isArray(m) && m[0] === 5);
    idle.run();
    assert.deepEqual(pings(), [], "none during the session's start-up");
    now = 2000;
    mock.timers.tick(1000);
    assert.deepEqual(pings(), [], "due, waiting for idle time");
    now = 2004;
    idle.run();
    assert.deepEqual(pings(), [[5, 2004]], "sent when the page is idle");
    now = 3000;
    mock.timers.tick(1000);
    now = 3001;
    idle.run();
    assert.deepEqual(pings(), [[5, 2004], [5, 3001]]);
  });

  it("keeps one ping waiting for idle time, not a backlog", () => {
    const ws = connect();
    ws.open();
    ws.serverSends(WELCOME);
    mock.timers.tick(3000); // three seconds of a page that is never idle
    idle.run();
    assert.equal(ws.sent.filter((m) => Array.isArray(m) && m[0] === 5).length, 1);
  });

  it("reports SRTT and RTTVAR of RFC 6298 from pongs", () => {
    const s = new GameSocket("ws://h/ws", { name: "a", match: "" }, handlers(rec), () => now);
    const ws = FakeWebSocket.last;
    assert.ok(ws);
    ws.open();
    ws.serverSends(WELCOME);
    assert.equal(s.rttMs, null);
    assert.equal(s.rttVarMs, null);
    now = 1100;
    ws.serverSends([7, 1000, 5]);
    assert.equal(s.rttMs, 100, "first sample seeds SRTT = R");
    assert.equal(s.rttVarMs, 50, "and RTTVAR = R/2");
    now = 1300;
    ws.serverSends([7, 1000, 6]); // R' = 300
    assert.equal(s.rttVarMs, 0.75 * 50 + 0.25 * 200, "RTTVAR = 3/4 RTTVAR + 1/4 |SRTT − R'|");
    assert.equal(s.rttMs, 0.875 * 100 + 0.125 * 300, "SRTT = 7/8 SRTT + 1/8 R'");
    now = 1300;
    ws.serverSends([7, 1400, 7]); // negative: a pong to a ping we never sent
    assert.equal(s.rttMs, 125);
  });

  // The reported bug: on loopback (1.4 ms) the HUD read ~170 ms as a match
  // started and still 15 ms eleven seconds later. The first ping went out
  // inside the welcome's task, so its pong waited behind the page's start-up
  // work (the welcome handler, the first frames), and the smoothing carried
  // that one sample for seconds.
  it("measures the network, not the page's start-up work (loopback reads ~1.4 ms, not 15)", () => {
    const rtt = 1.4;
    const s = new GameSocket("ws://h/ws", { name: "a", match: "" }, {
      ...handlers(rec),
      welcome: () => void (now += 150), // the session's start-up keeps the page busy
    }, () => now);
    const ws = FakeWebSocket.last;
    assert.ok(ws);
    // The server answers every ping; the page handles the pong once it is free.
    let handled = 0;
    const serve = () => {
      const pings = ws.sent.filter((m): m is [number, number] => Array.isArray(m) && m[0] === 5);
      for (const [, t] of pings.slice(handled)) {
        now = Math.max(now, t + rtt);
        ws.serverSends([7, t, 1]);
      }
      handled = pings.length;
    };
    ws.open();
    ws.serverSends(WELCOME);
    idle.run();
    serve();
    const readings: number[] = [];
    for (let sec = 1; sec <= 11; sec++) {
      now = 1000 + sec * 1000 + 150;
      mock.timers.tick(1000);
      idle.run();
      serve();
      readings.push(s.rttMs ?? NaN);
    }
    const last = readings[readings.length - 1] ?? NaN;
    assert.ok(Math.abs(last - rtt) < 0.05, `HUD ping after 11 s: ${last.toFixed(1)} ms on a ${rtt} ms link; readings ${readings.map((r) => r.toFixed(1)).join(" ")}`);
    assert.ok(readings.every((r) => Math.abs(r - rtt) < 0.05), `every reading ${readings.map((r) => r.toFixed(1)).join(" ")}`);
  });

  it("counts the message bytes each way", () => {
    const s = new GameSocket("ws://h/ws", { name: "a", match: "" }, handlers(rec), () => now);
    const ws = FakeWebSocket.last;
    assert.ok(ws);
    assert.deepEqual(s.bytes, { in: 0, out: 0 });
    ws.open(); // hello [1, 1, "a", ""]: 94 01 01 a1 61 a0
    assert.deepEqual(s.bytes, { in: 0, out: 6 });
    ws.serverSends(WELCOME);
    const welcome = encode(WELCOME).byteLength;
    ws.serverSends([4, "not a tick"]); // malformed still came over the wire: 92 04 aa + 10
    assert.deepEqual(s.bytes, { in: welcome + 13, out: 6 });
    s.sendInput({ seq: 1, moveX: 0, moveY: 0, aim: 0, buttons: 0 }); // 99 03 01 00 00 00 00 00 00 00
    assert.deepEqual(s.bytes, { in: welcome + 13, out: 16 });
  });

  it("sends inputs only when open and not backed up", () => {
    const s = new GameSocket("ws://h/ws", { name: "a", match: "" }, handlers(rec), () => now);
    const ws = FakeWebSocket.last;
    assert.ok(ws);
    const input = { seq: 1, moveX: 1, moveY: 0, aim: 0.5, buttons: 1 };
    s.sendInput(input); // still connecting
    ws.open();
    s.sendInput(input);
    ws.bufferedAmount = 1 << 20;
    s.sendInput({ ...input, seq: 2 });
    assert.deepEqual(ws.sent.slice(1), [[3, 1, 1, 0, 0.5, 1, 0, 0, 0]]);
    assert.equal(s.droppedInputs, 2);
  });

  it("applies deltas to the snapshots it acknowledged, and acknowledges the newest in every input", () => {
    const xs: number[] = [];
    const s = new GameSocket("ws://h/ws", { name: "a", match: "" }, { ...handlers(rec), snapshot: (m) => void xs.push(m.players[0]?.x ?? NaN) }, () => now);
    const ws = FakeWebSocket.last;
    assert.ok(ws);
    ws.open();
    const input = { seq: 1, moveX: 0, moveY: 0, aim: 0, buttons: 0 };
    const ackOf = () => (ws.sent.at(-1) as number[])[8];
    ws.serverSends(WELCOME); // 30 Hz
    s.sendInput(input);
    assert.equal(ackOf(), 0, "nothing applied yet");
    ws.serverSends([4, 10, 2, 0, 20, [[1, 80, 0, 240, 0, 0, 100, 1, 0, 0, 0, 5]], []]); // x 10 units, vx 30 units/s
    s.sendInput(input);
    assert.equal(ackOf(), 10);
    ws.serverSends([8, 12, 10, 2, 0, 20, [], [[1, 0b1000, 2]], [], [], [], []]); // moved as predicted, ackSeq +2
    s.sendInput(input);
    assert.equal(ackOf(), 12);
    assert.deepEqual(xs, [10, 12], "x advanced by 30 units/s over 2 ticks of 30 Hz");
    ws.serverSends([8, 14, 11, 2, 0, 20, [], [], [], [], [], []]); // against a tick it never had
    s.sendInput(input);
    assert.equal(ackOf(), 0, "a dropped delta asks for a complete snapshot");
    assert.equal(s.droppedDeltas, 1);
    assert.equal(xs.length, 2, "a dropped delta shows nothing");
    s.sendView(1920, 1080);
    assert.deepEqual(ws.sent.at(-1), [11, 1920, 1080]);
  });

  it("explains a refused join with the server's words", () => {
    const ws = connect("gone");
    ws.open();
    ws.serverSends([9, 12, "match_not_found", "no match with id gone"]);
    ws.serverCloses(4001, "match not found");
    assert.deepEqual(rec.errors, [12]);
    assert.deepEqual(rec.closed, [[4001, "match not found", "Match not found", "no match with id gone"]]);
  });

  it("reports a drop without a reason using the documented text", () => {
    const ws = connect();
    ws.open();
    ws.serverSends(WELCOME);
    ws.serverCloses(4008, "");
    assert.deepEqual(rec.closed, [[4008, "too slow", "Connection too slow to keep up", ""]]);
    // Pinging stopped with the connection.
    const before = ws.sent.length;
    mock.timers.tick(5000);
    assert.equal(ws.sent.length, before);
  });

  it("close() is quiet and final", () => {
    const s = new GameSocket("ws://h/ws", { name: "a", match: "" }, handlers(rec), () => now);
    const ws = FakeWebSocket.last;
    assert.ok(ws);
    ws.open();
    ws.serverSends(WELCOME);
    s.close();
    assert.deepEqual(ws.closedWith, [1000, "bye"]);
    ws.onclose?.({ code: 1000, reason: "bye" }); // handlers were detached; nothing reported
    assert.equal(rec.closed.length, 0);
    const before = ws.sent.length;
    mock.timers.tick(3000);
    assert.equal(ws.sent.length, before, "no pings after close");
  });
});
