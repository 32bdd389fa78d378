import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValidationError } from "../validate";
import { Series, formatRate, parseHistory, parseSample, type Sample } from "./series";

const sample = (t: number, extra: Partial<Sample> = {}): Sample => ({
  t, matches: 1, humans: 2, bots: 3, held: 0, spectators: 4, ticks: 30, tickP50: 0.25, tickP99: 1.5, bytesOut: 1200, ...extra,
});

describe("parseSample", () => {
  it("reads the stream's sample", () => {
    const wire = `{"t":1700000000000,"matches":1,"humans":2,"bots":3,"held":0,"spectators":4,"ticks":30,"tickP50":0.25,"tickP99":1.5,"bytesOut":1200}`;
    assert.deepEqual(parseSample(JSON.parse(wire)), sample(1700000000000));
  });
  it("names a missing or bad field", () => {
    assert.throws(() => parseSample({ ...sample(1), humans: -1 }), ValidationError);
    assert.throws(() => parseSample({ ...sample(1), tickP99: "x" }), /sample.tickP99/);
    const { bots: _, ...noBots } = sample(1);
    assert.throws(() => parseSample(noBots), /sample.bots/);
    assert.throws(() => parseSample([]), ValidationError);
    assert.throws(() => parseHistory({}), ValidationError);
  });
});

describe("Series", () => {
  it("keeps the newest samples in order and ignores repeats", () => {
    const s = new Series(3);
    s.reset([sample(1000), sample(2000)]);
    s.push(sample(2000)); // repeated
    s.push(sample(1500)); // older
    s.push(sample(3000, { humans: 7 }));
    s.push(sample(4000));
    assert.deepEqual(s.columns(["humans"]), [[2, 3, 4], [2, 7, 2]]);
    assert.equal(s.latest()?.t, 4000);
  });
  it("reset keeps only the last of a long history", () => {
    const s = new Series(2);
    s.reset([sample(1000), sample(2000), sample(3000)]);
    assert.deepEqual(s.columns([])[0], [2, 3]);
  });
});

describe("formatRate", () => {
  const cases: Array<[number, string]> = [[0, "0 B/s"], [512, "512 B/s"], [1500, "1.5 KB/s"], [2_345_678, "2.3 MB/s"], [-3, "0 B/s"]];
  for (const [n, want] of cases) it(`${n}`, () => assert.equal(formatRate(n), want));
});
