import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Interpolator, type Body } from "./interpolation";

// An input's view time (PROTOCOL.md §1.4) is the interpolation's render time
// when it was sampled: Interpolator.renderedAt reads it without disturbing
// the render clock.

type E = Body;
const frame = (tick: number) => ({ tick, players: [] as E[], projectiles: [] as E[] });

describe("Interpolator.renderedAt", () => {
  it("is null before the first sample", () => {
    const it = new Interpolator<E, E>({ tickRate: 30, frameRate: 20 });
    it.push(frame(30), 1000);
    assert.equal(it.renderedAt(1000), null);
  });

  it("is the render time drawn, moved on at real time, and reading it changes nothing", () => {
    const a = new Interpolator<E, E>({ tickRate: 30, frameRate: 20 });
    const b = new Interpolator<E, E>({ tickRate: 30, frameRate: 20 });
    for (const i of [a, b]) {
      for (let k = 0; k < 20; k++) i.push(frame(30 + 1.5 * k - ((1.5 * k) % 1)), 1000 + 50 * k);
    }
    const drawn = a.sample(2000)?.renderTime as number;
    b.sample(2000);
    assert.ok(drawn > 0);
    assert.equal(a.renderedAt(2000), drawn);
    assert.equal(a.renderedAt(2010), drawn + 10);
    // The interpolator drawing the player's frames behaves as if nobody asked.
    for (let t = 2016; t < 2200; t += 16) a.renderedAt(t + 3);
    assert.equal(a.sample(2200)?.renderTime, b.sample(2200)?.renderTime);
  });
});
