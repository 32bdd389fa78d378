import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatMs, formatRate, netLines, type NetReadings } from "./netoverlay";

describe("formatMs", () => {
  const cases: Array<[number | null, string]> = [[null, "–"], [Number.NaN, "–"], [1.44, "1.4 ms"], [9.96, "10.0 ms"], [152.5, "153 ms"]];
  for (const [ms, want] of cases) it(`${ms} → ${want}`, () => assert.equal(formatMs(ms), want));
});

describe("formatRate", () => {
  const cases: Array<[number, string]> = [[0, "0 B/s"], [512.4, "512 B/s"], [5230, "5.2 kB/s"]];
  for (const [r, want] of cases) it(`${r} → ${want}`, () => assert.equal(formatRate(r), want));
});

describe("netLines", () => {
  const base: NetReadings = {
    rttMs: 152.2, rttVarMs: 11.6, jitterMs: 4.12, snapshotsPerSec: 20, bytesInPerSec: 5230, bytesOutPerSec: 940,
    delayMs: 128.4, targetDelayMs: 131, correctionsPerSec: 0.5, lastCorrection: 0.64, reconnects: 0,
  };

  it("shows every figure issue 6 asks for", () => {
    assert.deepEqual(netLines(base), [
      ["RTT", "152 ms ± 12 ms"],
      ["Jitter", "4.1 ms"],
      ["Snapshots", "20.0/s"],
      ["In", "5.2 kB/s"],
      ["Out", "940 B/s"],
      ["Interp delay", "128 ms → 131 ms"],
      ["Corrections", "0.5/s, last 0.6 u"],
      ["Reconnects", "0"],
    ]);
  });

  it("says what is not known yet", () => {
    const lines = new Map(netLines({ ...base, rttMs: null, rttVarMs: null, jitterMs: null, delayMs: null, targetDelayMs: null, lastCorrection: null }));
    assert.equal(lines.get("RTT"), "–");
    assert.equal(lines.get("Jitter"), "–");
    assert.equal(lines.get("Interp delay"), "–");
    assert.equal(lines.get("Corrections"), "0.5/s");
  });
});
