import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FixedStepPacer } from "./pacer";

/** Drives a pacer with timer callbacks at the given times; returns the steps each produced. */
function drive(p: FixedStepPacer, times: number[]): number[] {
  return times.map((t) => p.advance(t));
}

describe("FixedStepPacer", () => {
  const step = 1000 / 30;

  it("first call starts the clock and sends nothing", () => {
    assert.equal(new FixedStepPacer(step).advance(12345), 0);
  });

  it("exactly one step per tick with a punctual timer", () => {
    const p = new FixedStepPacer(step);
    const times = Array.from({ length: 301 }, (_, i) => 5000 + i * step);
    const steps = drive(p, times);
    assert.equal(steps[0], 0);
    // Floating-point accumulation may shift a step by one call, never add or lose one.
    assert.equal(steps.reduce((a, b) => a + b, 0), 300);
    assert.ok(steps.every((n) => n <= 2), "no bursts");
  });

  it("one step per tick under a jittery timer (early, late, bursty)", () => {
    const p = new FixedStepPacer(step);
    // Deterministic jitter: callbacks every ~16 ms (twice per tick) ±7 ms.
    let t = 0;
    let total = 0;
    p.advance(t);
    let seed = 42;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      t += 16.6 + ((seed / 2 ** 31) * 14 - 7);
      total += p.advance(t);
    }
    // Steps due so far = floor(elapsed / step), exactly.
    assert.equal(total, Math.floor(t / step));
    assert.equal(p.droppedSteps, 0);
  });

  const stalls: Array<[string, number, number, number]> = [
    // name, stall (ms), want steps from the call after the stall, want dropped
    ["shorter than the cap", 3 * step + 1, 3, 0],
    ["exactly the cap", 4 * step + 1, 4, 0],
    ["a background tab's 1 s", 1000 + 1, 4, 26],
  ];
  for (const [name, stall, want, dropped] of stalls) {
    it(`catch-up after a stall ${name}`, () => {
      const p = new FixedStepPacer(step, 4);
      p.advance(0);
      assert.equal(p.advance(stall), want);
      assert.equal(p.droppedSteps, dropped);
      // And it is back to one per tick afterwards.
      assert.equal(p.advance(stall + step), 1);
    });
  }

  it("lagMs dates each step on the tick schedule, not the timer's", () => {
    const p = new FixedStepPacer(10);
    p.advance(1000);
    for (const t of [1013, 1016, 1031.5, 1040, 1062.25]) {
      const n = p.advance(t);
      const due = t - p.lagMs; // the newest step's scheduled time
      if (n > 0) assert.ok(Math.abs((due - 1000) / 10 - Math.round((due - 1000) / 10)) < 1e-9, `step at ${due}`);
      assert.ok(p.lagMs >= 0 && p.lagMs < 10);
    }
    assert.ok(Math.abs(p.lagMs - 2.25) < 1e-9);
  });

  it("counts time earlier than the latest seen as none (timer and frame clocks mixed)", () => {
    const p = new FixedStepPacer(10);
    p.advance(100);
    assert.equal(p.advance(50), 0);
    assert.equal(p.advance(60), 0);
    assert.equal(p.advance(110), 1);
  });

  it("reset restarts timing", () => {
    const p = new FixedStepPacer(10);
    p.advance(0);
    p.advance(5);
    p.reset();
    assert.equal(p.advance(1000), 0);
    assert.equal(p.advance(1010), 1);
  });

  it("reports the steps the catch-up cap dropped in each call", () => {
    const p = new FixedStepPacer(10, 4);
    p.advance(0);
    assert.equal(p.advance(75), 4);
    assert.equal(p.droppedNowSteps, 3);
    assert.equal(p.advance(85), 1);
    assert.equal(p.droppedNowSteps, 0);
    assert.equal(p.droppedSteps, 3);
  });

  it("says when the next step falls due", () => {
    const p = new FixedStepPacer(10);
    assert.equal(p.nextDueAt, null);
    p.advance(100);
    assert.equal(p.nextDueAt, 110);
    p.advance(113);
    assert.ok(Math.abs((p.nextDueAt ?? 0) - 120) < 1e-9);
  });

  it("steers the input clock by the server's advice, eased in and bounded", () => {
    const p = new FixedStepPacer(step);
    p.advance(0);
    p.steer(30); // inputs arrive 30 ms earlier than needed: run slower
    let t = 0;
    let prevStep = p.currentStepMs;
    for (let i = 0; i < 600; i++) {
      t += 1000 / 60;
      p.advance(t);
      // Eased in: the step length never changes by more than 0.1 % a frame.
      assert.ok(Math.abs(p.currentStepMs - prevStep) <= step * 0.001 + 1e-9);
      prevStep = p.currentStepMs;
    }
    assert.ok(Math.abs(p.steering - 30 / 2000) < 1e-9, `rate ${p.steering}`);
    p.steer(-1000); // far too late: as fast as allowed, no more
    for (let i = 0; i < 600; i++) p.advance((t += 1000 / 60));
    assert.ok(Math.abs(p.steering + 0.05) < 1e-9, `rate ${p.steering}`);
    p.steer(Number.NaN); // ignored
    p.advance((t += 1000 / 60));
    assert.ok(Math.abs(p.steering + 0.05) < 1e-9);
  });

  it("runs exactly as many steps as the steered clock says, without drift", () => {
    const p = new FixedStepPacer(step);
    p.advance(0);
    p.steer(40);
    let t = 0;
    let total = 0;
    let expected = 0; // steps by integrating 1 / step over time
    for (let i = 0; i < 60 * 20; i++) {
      t += 1000 / 60;
      total += p.advance(t);
      expected += 1000 / 60 / p.currentStepMs;
      if (i === 60 * 5) p.steer(0); // the slack is gone: back to the server's rate
    }
    assert.ok(Math.abs(total - expected) <= 1, `${total} steps, ${expected.toFixed(2)} expected`);
    assert.ok(Math.abs(p.steering) < 1e-9, "back to the server's rate");
  });

  it("rejects nonsense configuration", () => {
    assert.throws(() => new FixedStepPacer(0), RangeError);
    assert.throws(() => new FixedStepPacer(10, 0), RangeError);
  });
});
