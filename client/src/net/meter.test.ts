import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NetMeter, Rate } from "./meter";

describe("Rate", () => {
  it("is 0 until it has 200 ms of history", () => {
    const r = new Rate();
    assert.equal(r.perSecond, 0);
    r.record(0, 0);
    r.record(5, 100);
    assert.equal(r.perSecond, 0);
    r.record(10, 200);
    assert.equal(r.perSecond, 50);
  });

  it("measures over the last second, recorded every frame", () => {
    const r = new Rate();
    // 20 events a second for 3 s, then 10 a second; recorded at 60 Hz.
    let total = 0;
    let next = 0;
    for (let t = 0; t <= 5000; t += 1000 / 60) {
      while (next <= t) {
        total++;
        next += next < 3000 ? 50 : 100;
      }
      r.record(total, t);
      if (t > 1500 && t < 2900) assert.ok(Math.abs(r.perSecond - 20) <= 1.5, `at ${t.toFixed(0)} ms: ${r.perSecond}`);
      if (t > 4200) assert.ok(Math.abs(r.perSecond - 10) <= 1.5, `at ${t.toFixed(0)} ms: ${r.perSecond}`);
    }
  });

  it("starts over when the counter is reset", () => {
    const r = new Rate();
    r.record(1000, 0);
    r.record(2000, 500);
    r.record(0, 600);
    r.record(100, 1000);
    assert.equal(r.perSecond, 250);
  });
});

describe("NetMeter", () => {
  it("rates every total", () => {
    const m = new NetMeter();
    m.record({ snapshots: 0, bytesIn: 0, bytesOut: 0, corrections: 0 }, 0);
    m.record({ snapshots: 20, bytesIn: 4000, bytesOut: 600, corrections: 1 }, 1000);
    assert.deepEqual(m.rates, { snapshots: 20, bytesIn: 4000, bytesOut: 600, corrections: 1 });
  });
});
