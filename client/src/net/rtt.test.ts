import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RttEstimator } from "./rtt";

describe("RttEstimator (RFC 6298 §2)", () => {
  it("is empty before the first sample", () => {
    const e = new RttEstimator();
    assert.equal(e.srttMs, null);
    assert.equal(e.rttvarMs, null);
    assert.equal(e.samples, 0);
  });

  it("seeds SRTT = R and RTTVAR = R/2 from the first sample (§2.2)", () => {
    const e = new RttEstimator();
    e.sample(1.4);
    assert.equal(e.srttMs, 1.4);
    assert.equal(e.rttvarMs, 0.7);
  });

  it("updates RTTVAR with the old SRTT, then SRTT (§2.3: α = 1/8, β = 1/4)", () => {
    // Each row: the sample, then SRTT and RTTVAR after it, worked by hand.
    const rows: Array<[number, number, number]> = [
      [100, 100, 50],
      [300, 125, 87.5], // RTTVAR = 3/4·50 + 1/4·|100−300|; SRTT = 7/8·100 + 1/8·300
      [125, 125, 65.625], // |125−125| = 0
      [61, 117, 65.21875], // RTTVAR = 3/4·65.625 + 1/4·64; SRTT = 7/8·125 + 1/8·61
    ];
    const e = new RttEstimator();
    for (const [r, srtt, rttvar] of rows) {
      e.sample(r);
      assert.equal(e.srttMs, srtt, `SRTT after ${r}`);
      assert.equal(e.rttvarMs, rttvar, `RTTVAR after ${r}`);
    }
    assert.equal(e.samples, rows.length);
  });

  it("ignores impossible samples", () => {
    const e = new RttEstimator();
    for (const r of [-1, Number.NaN, Number.POSITIVE_INFINITY, 60_000]) assert.equal(e.sample(r), false, `sample ${r}`);
    assert.equal(e.srttMs, null);
    assert.equal(e.sample(0), true);
    assert.equal(e.srttMs, 0);
  });

  it("converges on a steady link and forgets on reset", () => {
    const e = new RttEstimator();
    e.sample(170);
    for (let i = 0; i < 80; i++) e.sample(1.4);
    assert.ok(Math.abs((e.srttMs ?? 0) - 1.4) < 0.05, `SRTT ${e.srttMs}`);
    e.reset();
    assert.equal(e.srttMs, null);
  });
});
