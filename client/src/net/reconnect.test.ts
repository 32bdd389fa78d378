import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it, mock } from "node:test";
import { FIRST_RETRY_MS, isDrop, MAX_RETRY_MS, reconnectDelay, Reconnector } from "./reconnect";

describe("reconnectDelay", () => {
  it("starts within 250 ms and doubles to 2 s, a random point in the upper half of each step", () => {
    const steps = [250, 500, 1000, 2000, 2000, 2000];
    steps.forEach((step, n) => {
      assert.equal(reconnectDelay(n, 0), step / 2, `attempt ${n}, u = 0`);
      assert.ok(Math.abs(reconnectDelay(n, 0.999999) - step) < 0.01, `attempt ${n}, u → 1`);
      for (const u of [0.1, 0.5, 0.9]) {
        const d = reconnectDelay(n, u);
        assert.ok(d >= step / 2 && d <= step, `attempt ${n}, u = ${u}: ${d} outside [${step / 2}, ${step}]`);
      }
    });
    assert.equal(FIRST_RETRY_MS, 250);
    assert.equal(MAX_RETRY_MS, 2000);
    assert.equal(reconnectDelay(1000, 0.5), 1500, "a huge attempt number stays at the cap");
  });
});

describe("isDrop", () => {
  const cases: Array<[number, boolean]> = [
    [1006, true], // no close frame: a reset, a cut
    [4004, true],
    [4008, true],
    [1000, false],
    [1001, false],
    [4005, false],
    [4006, false],
    [4010, false], // kicked: the seat is gone, never resumed
    [4007, false],
    [1002, false],
  ];
  for (const [code, want] of cases) it(`${code} → ${want}`, () => assert.equal(isDrop(code), want));
});

describe("Reconnector (mocked timers)", () => {
  let clock = 0;
  beforeEach(() => {
    clock = 0;
    mock.timers.enable({ apis: ["setTimeout"] });
  });
  afterEach(() => mock.timers.reset());

  /** Advances the mocked timers and the injected clock together. */
  function tick(ms: number): void {
    clock += ms;
    mock.timers.tick(ms);
  }

  function make(windowMs: number, random: () => number) {
    const attempts: Array<{ n: number; at: number }> = [];
    let gaveUp = -1;
    const r = new Reconnector({
      windowMs,
      attempt: (n) => attempts.push({ n, at: clock }),
      giveUp: () => (gaveUp = clock),
      now: () => clock,
      random,
    });
    return { r, attempts, gaveUp: () => gaveUp };
  }

  it("retries on the schedule until a connection succeeds", () => {
    const { r, attempts, gaveUp } = make(10_000, () => 0.5);
    r.start();
    tick(187);
    assert.equal(attempts.length, 0, "not before the first delay");
    tick(1);
    assert.deepEqual(attempts, [{ n: 0, at: 188 }], "the first retry within 250 ms (187.5 ms at u = 0.5)");
    r.failed();
    tick(375);
    assert.equal(attempts.length, 2);
    r.failed();
    tick(750);
    r.failed();
    tick(1500);
    r.failed();
    tick(1500);
    assert.deepEqual(
      attempts.map((a) => a.n),
      [0, 1, 2, 3, 4],
    );
    const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i]!.at);
    assert.deepEqual(gaps, [375, 750, 1500, 1500], "doubling, capped at 2 s (u = 0.5: three quarters of the step)");
    r.stop();
    tick(60_000);
    assert.equal(attempts.length, 5, "no attempt after stop");
    assert.equal(gaveUp(), -1);
    assert.equal(r.attempts, 5);
  });

  it("jitters: other random draws, other delays", () => {
    const early = make(10_000, () => 0);
    const late = make(10_000, () => 0.99);
    early.r.start();
    late.r.start();
    tick(125);
    assert.equal(early.attempts.length, 1);
    assert.equal(late.attempts.length, 0);
    tick(125);
    assert.equal(late.attempts.length, 1);
  });

  it("gives up once the next try would come after the window", () => {
    const { r, attempts, gaveUp } = make(3_000, () => 1 - 1e-9);
    r.start();
    // Tries at about 250, 750 and 1750 ms; the next 2 s step would end after 3 s.
    for (const step of [250, 500, 1000]) {
      tick(step);
      r.failed();
    }
    assert.equal(attempts.length, 3);
    assert.equal(gaveUp(), 1750, "given up when the third try failed");
    tick(60_000);
    assert.equal(attempts.length, 3, "nothing after giving up");
    r.failed(); // a late report changes nothing
    assert.equal(attempts.length, 3);
  });

  it("gives up at once with no window", () => {
    const { r, attempts, gaveUp } = make(0, () => 0.5);
    r.start();
    assert.equal(gaveUp(), 0);
    tick(5_000);
    assert.equal(attempts.length, 0);
  });
});
