// The player connection (PROTOCOL.md §1): a binary WebSocket to /ws that says
// hello, decodes what the server streams, pings once a second for the round
// trip time, and reports the close in human words.
//
// A round trip is timed on the page's main thread, so a pong that arrives
// while the page is busy (a frame being drawn, the start-up work after the
// welcome) is timed late by however long the page stayed busy: on loopback
// that was worth 150 ms for the first ping and a few ms for many others.
// Pings are therefore sent at the start of an idle period
// (requestIdleCallback), when the page has nothing queued and the pong of a
// short round trip is handled the moment it arrives, and the first one a
// second after the welcome, past the session's start-up: RFC 6298 seeds its
// estimate with the first sample, so that sample must be a clean one.
import { closeMessage, closeReason } from "./close";
import { Pictures } from "./delta";
import {
  decodeWireMessage,
  encodeHello,
  encodeInput,
  encodePing,
  encodeView,
  ProtocolError,
  snapshotOf,
  type ErrorMsg,
  type Events,
  type InputCmd,
  type Snapshot,
  type Welcome,
} from "./protocol";
import { RttEstimator } from "./rtt";

/** What a GameSocket reports. Called on the page's event loop. */
export interface SocketHandlers {
  welcome(w: Welcome, localMs: number): void;
  snapshot(s: Snapshot, localMs: number): void;
  events(e: Events, localMs: number): void;
  /** A protocol error from the server (the connection may stay open; §1.6). */
  error(e: ErrorMsg): void;
  /**
   * The connection is gone. code and reason are the raw close (reason falls
   * back to the documented text); message is for people; detail is the
   * server's explanation from a join error, or "".
   */
  closed(code: number, reason: string, message: string, detail: string): void;
}

/** The ws(s):// URL of the player endpoint on this page's host. */
export function socketURL(loc: { protocol: string; host: string }): string {
  return `${loc.protocol === "https:" ? "wss:" : "ws:"}//${loc.host}/ws`;
}

const PING_INTERVAL_MS = 1000;
// A due ping waits at most this long for an idle period (a page that is never
// idle still measures, only less exactly).
const PING_IDLE_TIMEOUT_MS = 200;
// The browser queues sends without bound. Inputs past this backlog are dropped
// rather than queued: the server keeps only a few per player and applies one a
// tick, so a stale burst would be discarded there anyway (§1.4).
const MAX_BUFFERED_BYTES = 16 * 1024;

/** One player connection. Not reusable: make a new one to reconnect. */
export class GameSocket {
  private readonly ws: WebSocket;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private cancelPing: (() => void) | null = null; // a due ping waiting for idle time
  private readonly rtt = new RttEstimator();
  private joinError: ErrorMsg | null = null;
  private done = false;
  private inputsDropped = 0;
  private in = 0; // message bytes received and sent
  private out = 0;
  private badFrames = 0;
  // The pictures deltas apply to (PROTOCOL.md §1.5), from the welcome on;
  // the newest one applied is what every input acknowledges.
  private pictures: Pictures | null = null;
  private completes = 0;
  private deltas = 0;

  constructor(
    url: string,
    hello: { name: string; match: string; resume?: string },
    private readonly on: SocketHandlers,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.ws = new WebSocket(url);
    this.ws.binaryType = "arraybuffer";
    this.ws.onopen = () => this.send(encodeHello(hello.name, hello.match, hello.resume ?? ""));
    this.ws.onmessage = (e: MessageEvent) => this.receive(e.data);
    this.ws.onclose = (e: CloseEvent) => this.finish(e.code, e.reason);
    // onerror carries no detail; the close event that always follows reports it.
  }

  /** The smoothed round trip time (ms; SRTT of RFC 6298), or null before the first pong. */
  get rttMs(): number | null {
    return this.rtt.srttMs;
  }

  /** The round trip time's variation (ms; RTTVAR of RFC 6298), or null before the first pong. */
  get rttVarMs(): number | null {
    return this.rtt.rttvarMs;
  }

  /**
   * Message bytes received (binary messages, malformed ones included) and
   * sent so far: the msgpack payloads, without WebSocket, TCP or IP headers.
   */
  get bytes(): { in: number; out: number } {
    return { in: this.in, out: this.out };
  }

  /** Inputs dropped because the socket was backed up. */
  get droppedInputs(): number {
    return this.inputsDropped;
  }

  /** Deltas dropped because the picture they apply to was gone or they did not fit it (a complete snapshot follows). */
  get droppedDeltas(): number {
    return this.pictures?.dropped ?? 0;
  }

  /** Snapshots received whole (type 4) and as deltas applied (type 8), since the welcome. */
  get snapshotKinds(): { complete: number; deltas: number } {
    return { complete: this.completes, deltas: this.deltas };
  }

  /**
   * Sends one input, acknowledging the newest snapshot applied (its
   * ackTick); drops it when the connection is not open or is backed up.
   */
  sendInput(cmd: InputCmd): void {
    if (this.ws.readyState !== WebSocket.OPEN || this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.inputsDropped++;
      return;
    }
    this.send(encodeInput({ ...cmd, ackTick: this.pictures?.acked ?? 0 }));
  }

  /** Tells the server how much of the world this client shows (world units, PROTOCOL.md §1.4). */
  sendView(width: number, height: number): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.send(encodeView(width, height));
  }

  /** Closes the connection normally. The closed handler is not called for a close the page asked for. */
  close(): void {
    if (this.done) return;
    this.done = true;
    this.stopPing();
    this.ws.onclose = null;
    this.ws.onmessage = null;
    this.ws.onopen = null;
    this.ws.close(1000, "bye");
  }

  private send(b: Uint8Array): void {
    this.ws.send(b);
    this.out += b.byteLength;
  }

  private receive(data: unknown): void {
    if (this.done || !(data instanceof ArrayBuffer)) return; // text frames are not part of the protocol
    const t = this.now();
    this.in += data.byteLength;
    let msg;
    try {
      msg = decodeWireMessage(data);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      // One bad frame should not end the game; the log says what was wrong.
      if (this.badFrames++ < 10) console.warn("skirmish: dropping malformed frame:", err.message);
      return;
    }
    switch (msg.type) {
      case "welcome":
        this.pictures = new Pictures(msg.tickRate);
        this.startPing();
        this.on.welcome(msg, t);
        break;
      case "complete":
        // Nothing before the welcome counts (there is none: §1.1).
        if (!this.pictures) break;
        this.completes++;
        this.on.snapshot(snapshotOf(this.pictures.complete(msg.state)), t);
        break;
      case "delta": {
        const w = this.pictures?.delta(msg);
        if (!w) break;
        this.deltas++;
        this.on.snapshot(snapshotOf(w), t);
        break;
      }
      case "events":
        this.on.events(msg, t);
        break;
      case "pong":
        this.rtt.sample(t - msg.t); // the estimator ignores the impossible (a pong to no ping of ours)
        break;
      case "error":
        if (msg.code >= 10) this.joinError = msg; // a close follows (§1.6)
        this.on.error(msg);
        break;
      case "unknown":
        break; // a newer server's message; ignoring it is the forward-compatible thing
    }
  }

  private startPing(): void {
    this.stopPing();
    this.pingTimer = setInterval(() => this.pingWhenIdle(), PING_INTERVAL_MS);
  }

  /**
   * Sends a ping at the start of the page's next idle period, unless one is
   * already waiting (at once where requestIdleCallback is missing: Safari).
   */
  private pingWhenIdle(): void {
    if (this.cancelPing) return;
    const send = () => {
      this.cancelPing = null;
      if (this.ws.readyState === WebSocket.OPEN) this.send(encodePing(this.now()));
    };
    const g = globalThis as { requestIdleCallback?: typeof requestIdleCallback; cancelIdleCallback?: typeof cancelIdleCallback };
    const ric = g.requestIdleCallback;
    const cic = g.cancelIdleCallback;
    if (typeof ric !== "function" || typeof cic !== "function") return send();
    const id = ric(send, { timeout: PING_IDLE_TIMEOUT_MS });
    this.cancelPing = () => cic(id);
  }

  private stopPing(): void {
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
    this.cancelPing?.();
    this.cancelPing = null;
  }

  private finish(code: number, reason: string): void {
    if (this.done) return;
    this.done = true;
    this.stopPing();
    this.on.closed(code, closeReason(code, reason), closeMessage(code, reason), this.joinError?.message ?? "");
  }
}
