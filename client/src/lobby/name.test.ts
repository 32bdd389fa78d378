import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cleanName, clipName, MAX_NAME } from "./name";

describe("cleanName", () => {
  const cases: Array<[string, string, string]> = [
    ["plain", "ada", "ada"],
    ["trims", "  ada  ", "ada"],
    ["blank is the server's default", "   ", ""],
    ["zero width joiners in emoji", "👨\u200d👩\u200d👧 fam", "👨👩👧 fam"],
    ["bidi override", "a\u202eevil", "aevil"],
    ["controls", "a\tb\u0007c\u0085", "abc"],
    ["byte order mark", "\ufeffada", "ada"],
    ["trims what removal exposes", "\u200b ada \u200b", "ada"],
    ["lone surrogate", "a\ud800b", "a\ufffdb"],
    ["counts code points, not UTF-16 units", "🎮".repeat(20), "🎮".repeat(16)],
    ["cut, then trimmed", "abcdefghijklmno pq", "abcdefghijklmno"],
    ["keeps combining marks and variation selectors", "e\u0301\u2764\ufe0f", "e\u0301\u2764\ufe0f"],
  ];
  for (const [what, raw, want] of cases) {
    it(what, () => assert.equal(cleanName(raw), want));
  }

  it("never yields what the server refuses", () => {
    // Every code point of the BMP plus some astral ones, one at a time between letters.
    for (let cp = 0; cp <= 0x10ffff; cp += cp < 0x10000 ? 1 : 0x3ff) {
      const got = cleanName(`a${String.fromCodePoint(cp)}b`);
      assert.ok(!/[\p{Cc}\p{Cf}]/u.test(got), `U+${cp.toString(16)} left in ${JSON.stringify(got)}`);
      assert.ok(Array.from(got).length <= MAX_NAME);
      assert.equal(got, got.trim());
    }
  });
});

describe("clipName", () => {
  it("leaves short names alone and never splits a pair", () => {
    assert.equal(clipName("ada"), "ada");
    const s = "x" + "😀".repeat(20);
    const got = clipName(s);
    assert.equal(Array.from(got).length, MAX_NAME);
    assert.ok(got.endsWith("😀"));
  });
});
