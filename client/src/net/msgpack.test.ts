import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ExtData } from "@msgpack/msgpack";
import { ValidationError } from "../validate";
import { checkIgnorable, decodeFrame, MAX_IGNORED_DEPTH } from "./msgpack";

// The boundaries of the trailing-element rule are pinned against the server
// by the shared wire vectors (vectors.test.ts); these check what the vectors
// cannot see: allocation, the prototype, and the cost of deep nesting.

function bytes(h: string): Uint8Array {
  const clean = h.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** n nested one-element arrays around nil. */
function nested(n: number): Uint8Array {
  const out = new Uint8Array(n + 1).fill(0x91);
  out[n] = 0xc0;
  return out;
}

describe("decodeFrame", () => {
  it("keeps every extension opaque, timestamps of any length included", () => {
    const v = decodeFrame(bytes("93 c7 07 ff 00000000000000 d6 ff 00000000 d4 05 2a"));
    assert.ok(Array.isArray(v) && v.every((e) => e instanceof ExtData));
    assert.deepEqual(
      (v as ExtData[]).map((e) => [e.type, (e.data as Uint8Array).length]),
      [[-1, 7], [-1, 4], [5, 1]],
    );
  });

  const tooLong: Array<[string, string]> = [
    ["array 32", "dd ffffffff"],
    ["map 32", "df ffffffff"],
    ["str 32", "db ffffffff"],
    ["bin 32", "c6 ffffffff"],
    ["ext 32", "c9 ffffffff 01"],
    ["array 16", "dc 0007 00 00 00"], // seven elements in a six-byte frame
  ];
  for (const [name, h] of tooLong) {
    it(`refuses a declared ${name} length beyond the frame before allocating`, () => {
      assert.throws(() => decodeFrame(bytes(h)), /Max length exceeded/);
    });
  }

  it("never writes a map key onto a prototype", () => {
    // {"__proto__": {"polluted": 1}} and {"constructor": {"prototype": {"polluted": 1}}}
    const v = decodeFrame(bytes(
      "92 81 a9 5f5f70726f746f5f5f 81 a8 706f6c6c75746564 01" +
      "   81 ab 636f6e7374727563746f72 81 a9 70726f746f74797065 81 a8 706f6c6c75746564 01",
    ));
    assert.ok(Array.isArray(v));
    for (const m of v) assert.equal(Object.getPrototypeOf(m), Object.prototype);
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe("checkIgnorable", () => {
  it(`accepts nesting ${MAX_IGNORED_DEPTH} levels below the element and refuses one more`, () => {
    checkIgnorable(decodeFrame(nested(MAX_IGNORED_DEPTH)), "x");
    assert.throws(() => checkIgnorable(decodeFrame(nested(MAX_IGNORED_DEPTH + 1)), "x"), ValidationError);
  });

  it("stops walking at the bound, so a frame of deep nesting costs no deep recursion", () => {
    // Far deeper than a JavaScript stack would allow a naive recursive walk.
    const v = decodeFrame(nested(200_000));
    assert.throws(() => checkIgnorable(v, "x"), /nested more than 16 levels/);
  });

  it("counts map keys, and does not let equal keys hide each other", () => {
    const deep = "91".repeat(MAX_IGNORED_DEPTH) + "00"; // 16 arrays around a scalar
    assert.throws(() => checkIgnorable(decodeFrame(bytes(`81 ${deep} 00`)), "key"), ValidationError);
    assert.throws(() => checkIgnorable(decodeFrame(bytes(`82 a1 61 ${deep} a1 61 00`)), "value"), ValidationError);
    checkIgnorable(decodeFrame(bytes(`82 a1 61 ${deep.slice(2)} a1 61 00`)), "shallower");
  });
});
