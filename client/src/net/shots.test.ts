import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { GameMap } from "../match/map";
import { PROJECTILE_SPEED } from "./shot";
import { PredictedShots, type DrawnShot, type ServerShot } from "./shots";

const TICK_RATE = 30;
const STEP = 1000 / TICK_RATE;
const PER_TICK = PROJECTILE_SPEED / TICK_RATE; // units of flight per tick
const YOU = 3;
// Open, with one wall across the lane y = 500 at x = 800.
const MAP: GameMap = {
  id: "t", name: "t", width: 1600, height: 1000, walls: [{ x: 800, y: 400, w: 40, h: 200 }], spawns: [],
};

function shots(): PredictedShots {
  const s = new PredictedShots({ tickRate: TICK_RATE, you: YOU });
  s.setMap(MAP);
  return s;
}

function mine(drawn: DrawnShot[]): DrawnShot[] {
  return drawn.filter((d) => d.owner === YOU);
}

/** The server's projectile for shot id, flown `flown` ticks from (100, 500) along +X. */
function serverShot(id: number, shotId: number, flown: number): ServerShot {
  return { id, owner: YOU, x: 100 + PER_TICK * flown, y: 500, shotId };
}

describe("PredictedShots", () => {
  it("draws a shot at once, a tick of flight out, flying at the server's speed", () => {
    const s = shots();
    assert.ok(s.fire(7, 100, 500, 0, 1000));
    const [a] = mine(s.frame(1000, 0, []));
    assert.ok(a);
    assert.ok(Math.abs(a.x - (100 + PER_TICK)) < 1e-9 && a.y === 500, `at ${a.x},${a.y}`);
    const [b] = mine(s.frame(1000 + 3 * STEP, 0, []));
    assert.ok(b && Math.abs(b.x - (100 + 4 * PER_TICK)) < 1e-9, `three ticks on at ${b?.x}`);
  });

  it("stops where the server's rules stop it: at a wall", () => {
    const s = shots();
    s.fire(7, 100, 500, 0, 0);
    // The wall's face is at 800, the shot's radius 4: it ends at x = 796,
    // after (796 − 100)/PER_TICK ≈ 26.1 ticks of flight.
    const before = mine(s.frame(25 * STEP, 0, []));
    assert.equal(before.length, 1);
    assert.ok((before[0] as DrawnShot).x < 796);
    assert.deepEqual(mine(s.frame(27 * STEP, 0, [])), []);
  });

  it("predicts nothing without a map", () => {
    const s = new PredictedShots({ tickRate: TICK_RATE, you: YOU });
    assert.equal(s.fire(1, 100, 500, 0, 0), false);
    assert.deepEqual(s.frame(0, 0, []), []);
  });

  it("leaves other projectiles, and yours the server fired without your shot id, as they are", () => {
    const s = shots();
    const others: ServerShot[] = [
      { id: 1, owner: 9, x: 10, y: 20, shotId: 5 },
      { id: 2, owner: YOU, x: 30, y: 40, shotId: 0 }, // a stand-in's
    ];
    assert.deepEqual(s.frame(0, 0, others), [{ id: 1, owner: 9, x: 10, y: 20 }, { id: 2, owner: YOU, x: 30, y: 40 }]);
  });

  // Lag compensation caught the shot up through the whole view: the server's
  // projectile shows in the interpolated view exactly where the prediction
  // is, and the handover changes nothing on screen.
  it("hands over to a fully compensated server shot without moving it", () => {
    const s = shots();
    s.fire(7, 100, 500, 0, 0);
    for (let f = 0; f <= 30; f++) {
      const now = f * (1000 / 60);
      const age = 1 + now / STEP;
      // The server's shot shows from 150 ms on (RTT + interpolation delay).
      const server = now >= 150 ? [serverShot(40, 7, age)] : [];
      const drawn = mine(s.frame(now, 0, server));
      assert.equal(drawn.length, 1, `frame ${f}`);
      assert.ok(Math.abs((drawn[0] as DrawnShot).x - (100 + PER_TICK * age)) < 1e-6, `frame ${f}: at ${drawn[0]?.x}`);
    }
    assert.deepEqual(s.pending, [], "handed over");
  });

  // A view older than --max-rewind: the server's shot is behind the
  // prediction by the rewind it did not get. The drawn shot never jumps,
  // never goes backwards, never slows below half speed, and ends on the
  // server's.
  it("blends into a server shot that is behind, without a jump", () => {
    for (const behindTicks of [0.5, 3, 8]) {
      const s = shots();
      s.fire(7, 100, 500, 0, 0);
      const frameMs = 1000 / 60;
      const minStep = (PROJECTILE_SPEED / 2) * (frameMs / 1000) - 1e-9;
      const maxStep = PROJECTILE_SPEED * 2 * (frameMs / 1000);
      let last: number | null = null;
      let handedAt: number | null = null;
      for (let f = 0; f <= 60; f++) {
        const now = f * frameMs;
        const age = 1 + now / STEP;
        const server = now >= 200 ? [serverShot(40, 7, age - behindTicks)] : [];
        const drawn = mine(s.frame(now, 0, server));
        assert.equal(drawn.length, 1, `behind ${behindTicks}, frame ${f}`);
        const x = (drawn[0] as DrawnShot).x;
        if (last !== null) {
          const dx = x - last;
          assert.ok(dx >= minStep && dx <= maxStep, `behind ${behindTicks}, frame ${f}: moved ${dx.toFixed(2)} units`);
        }
        last = x;
        if (handedAt === null && s.pending.length === 0) handedAt = now;
      }
      assert.ok(handedAt !== null, `behind ${behindTicks}: never handed over`);
      assert.ok(Math.abs((last as number) - (100 + PER_TICK * (1 + 60 * frameMs / STEP - behindTicks))) < 1e-6, "ends on the server's shot");
    }
  });

  it("drops the shot when the server's projectile is gone (it hit someone)", () => {
    const s = shots();
    s.fire(7, 100, 500, 0, 0);
    s.frame(100, 0, [serverShot(40, 7, 4)]);
    assert.deepEqual(mine(s.frame(120, 0, [])), []);
    assert.deepEqual(s.pending, []);
  });

  it("drops a shot the server refused once the view reaches its tick", () => {
    const s = shots();
    s.fire(7, 100, 500, 0, 0);
    // Snapshot of tick 500 acks seq 9: seq 7 was slot tick 498.
    s.snapshot({ tick: 500, players: [{ id: 1, ackSeq: 100 }, { id: YOU, ackSeq: 9 }] });
    assert.equal(mine(s.frame(150, 497.5 * STEP, [])).length, 1, "still due");
    assert.deepEqual(mine(s.frame(170, 498 * STEP, [])), [], "due and never came");
  });

  it("keeps a shot until it is acked, but not forever", () => {
    const s = shots();
    s.fire(7, 100, 500, 0, 0);
    assert.equal(mine(s.frame(500, 1e9, [])).length, 1, "no ack yet: the view's time says nothing");
    s.frame(36 * STEP + 2100, 1e9, []);
    assert.deepEqual(s.pending, []);
  });
});
