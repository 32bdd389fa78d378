import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { applyDelta } from "./delta";
import {
  decodeServerMessage,
  decodeWireMessage,
  encodeHello,
  encodeInput,
  encodePing,
  encodeView,
  PROTOCOL_VERSION,
  ProtocolError,
  snapshotOf,
  type WireState,
} from "./protocol";

// The golden vectors netcode/vectors_test.go generates with the Go encoder
// (docs/PROTOCOL.md §1). The path is relative to this file, and equally to its
// bundle (.test-build mirrors src/), so both sit three levels below the
// repository. Server→client vectors must decode to `expected` (which is in
// protocol.ts's own shapes); client→server vectors must be what this client's
// encoder sends, byte for byte: `clientHex` when @msgpack/msgpack picks
// another valid form than the Go encoder (whole numbers as integers), else
// `hex`. The Go test decodes both forms, so the server reads what we send.
// `decodeOnly` vectors are hand-written bytes no encoder produces (trailing
// elements of every msgpack type, PROTOCOL.md §1.2): server→client ones must
// decode to `expected` or, when they carry `error`, be refused with a
// ProtocolError; client→server ones are decoded by the Go server only.
const VECTORS = new URL("../../../netcode/testdata/wire_vectors.json", import.meta.url);
const TOLERANCE = 1e-9;

interface WireVector {
  name: string;
  direction: "serverToClient" | "clientToServer";
  hex: string;
  clientHex?: string;
  decodeOnly?: boolean;
  expected?: unknown;
  error?: string;
}

interface DeltaChain {
  name: string;
  tickRate: number;
  steps: Array<{ delta?: string; complete: string; expected: unknown }>;
}

const doc = JSON.parse(readFileSync(VECTORS, "utf8")) as { vectors: WireVector[]; deltaChains: DeltaChain[] };

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function bytes(h: string): Uint8Array {
  assert.match(h, /^(?:[0-9a-f]{2})+$/, "hex string");
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * The first difference between two JSON-like values, numbers within tol,
 * object key sets exact (so a field the client adds or drops is a failure);
 * null when they match.
 */
function diff(path: string, got: unknown, want: unknown, tol: number): string | null {
  if (typeof want === "number") {
    return typeof got === "number" && Math.abs(got - want) <= tol ? null : `${path}: got ${String(got)}, want ${want}`;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) {
      return `${path}: got ${JSON.stringify(got)}, want ${want.length} elements`;
    }
    for (let i = 0; i < want.length; i++) {
      const d = diff(`${path}[${i}]`, got[i], want[i], tol);
      if (d) return d;
    }
    return null;
  }
  if (typeof want === "object" && want !== null) {
    if (typeof got !== "object" || got === null || Array.isArray(got)) return `${path}: got ${JSON.stringify(got)}, want an object`;
    const g = got as Record<string, unknown>;
    const w = want as Record<string, unknown>;
    const keys = (o: object) => Object.keys(o).sort().join(",");
    if (keys(g) !== keys(w)) return `${path}: keys ${keys(g)}, want ${keys(w)}`;
    for (const k of Object.keys(w)) {
      const d = diff(`${path}.${k}`, g[k], w[k], tol);
      if (d) return d;
    }
    return null;
  }
  return Object.is(got, want) ? null : `${path}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`;
}

/** What the client's encoder sends for an expected client→server message. */
function encodeExpected(expected: unknown): Uint8Array {
  const m = expected as { type: string } & Record<string, unknown>;
  switch (m.type) {
    case "hello":
      assert.equal(m.version, PROTOCOL_VERSION, "hello version");
      return encodeHello(m.name as string, m.match as string, (m.resume as string | undefined) ?? "");
    case "input":
      return encodeInput({
        seq: m.seq as number,
        moveX: m.moveX as number,
        moveY: m.moveY as number,
        aim: m.aim as number,
        buttons: m.buttons as number,
        viewTime: m.viewTime as number,
        shotId: m.shotId as number,
        ackTick: m.ackTick as number,
      });
    case "ping":
      return encodePing(m.t as number);
    case "view":
      return encodeView(m.width as number, m.height as number);
    default:
      throw new Error(`unknown client message type ${m.type}`);
  }
}

const toClient = doc.vectors.filter((v) => v.direction === "serverToClient");
const toServer = doc.vectors.filter((v) => v.direction === "clientToServer");
// What this client's encoder must produce; the rest only the server decodes.
const encoded = toServer.filter((v) => !v.decodeOnly);

describe("wire vectors (netcode/testdata/wire_vectors.json)", () => {
  it("cover every message type in both directions", () => {
    const types = (vs: WireVector[]) =>
      [...new Set(vs.filter((v) => !v.error).map((v) => (v.expected as { type: string }).type))].sort();
    assert.deepEqual(types(toClient), ["delta", "error", "events", "pong", "snapshot", "welcome"]);
    assert.deepEqual(types(encoded), ["hello", "input", "ping", "view"]);
    assert.ok(doc.deltaChains.length >= 3, "delta chains");
    assert.equal(toClient.length + toServer.length, doc.vectors.length, "every vector has a known direction");
    assert.ok(encoded.some((v) => v.clientHex !== undefined), "some vector exercises the integer form");
    for (const v of doc.vectors) {
      assert.ok((v.expected === undefined) !== (v.error === undefined), `${v.name}: either expected or error`);
      assert.ok(!v.error || v.decodeOnly, `${v.name}: a refused vector is decode-only`);
    }
    assert.ok(toClient.some((v) => v.decodeOnly && v.error), "some server→client vector is refused");
    assert.ok(toClient.some((v) => v.decodeOnly && !v.error), "some decode-only server→client vector is accepted");
  });
});

describe("server → client vectors decode with protocol.ts", () => {
  for (const v of toClient) {
    if (v.error) {
      it(`${v.name} (refused: ${v.error})`, () => {
        assert.throws(() => decodeServerMessage(bytes(v.hex)), ProtocolError);
      });
      continue;
    }
    it(v.name, () => {
      const got = decodeServerMessage(bytes(v.hex));
      const d = diff("message", got, v.expected, TOLERANCE);
      assert.equal(d, null, `${d}\ndecoded:  ${JSON.stringify(got)}\nexpected: ${JSON.stringify(v.expected)}`);
    });
  }
});

describe("client → server vectors are what protocol.ts sends", () => {
  for (const v of encoded) {
    it(v.name, () => {
      const want = v.clientHex ?? v.hex;
      assert.equal(hex(encodeExpected(v.expected)), want, v.clientHex ? "the client's (integer) form" : "the Go encoder's form");
    });
  }
});

function complete(h: string): WireState {
  const m = decodeWireMessage(bytes(h));
  assert.equal(m.type, "complete");
  return (m as { state: WireState }).state;
}

describe("delta chains apply with net/delta.ts exactly as the Go server computes them", () => {
  for (const ch of doc.deltaChains) {
    it(`${ch.name} (${ch.steps.length} steps at ${ch.tickRate} Hz)`, () => {
      const pictures = new Map<number, WireState>();
      ch.steps.forEach((st, i) => {
        let got: WireState;
        if (st.delta === undefined) {
          got = complete(st.complete);
        } else {
          const d = decodeServerMessage(bytes(st.delta));
          assert.equal(d.type, "delta", `step ${i}`);
          if (d.type !== "delta") return;
          const base = pictures.get(d.baseTick);
          assert.ok(base, `step ${i}: no picture of tick ${d.baseTick}`);
          got = applyDelta(base, d, ch.tickRate);
        }
        assert.deepEqual(got, complete(st.complete), `step ${i}: the picture in wire integers`);
        const dd = diff("snapshot", snapshotOf(got), st.expected, TOLERANCE);
        assert.equal(dd, null, `step ${i}: ${dd}`);
        pictures.set(got.tick, got);
      });
    });
  }
});
