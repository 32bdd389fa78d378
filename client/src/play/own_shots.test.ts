import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Phase } from "../match/events";
import type { GameMap } from "../match/map";
import type { InputCmd } from "../net/protocol";
import { PROJECTILE_SPEED } from "../net/shot";
import { OwnPlayer } from "./own";

// Your inputs name the shots they fire and say where you saw the others;
// the shots the server will fire are drawn at once (PROTOCOL.md §1.4).

const TICK_RATE = 30;
const STEP = 1000 / TICK_RATE;
const YOU = 4;
const MAP: GameMap = { id: "open", name: "open", width: 2000, height: 1000, walls: [], spawns: [] };

function player(view?: (at: number) => number): { own: OwnPlayer; sent: InputCmd[] } {
  const sent: InputCmd[] = [];
  const own = new OwnPlayer({ tickRate: TICK_RATE, you: YOU, send: (c) => sent.push(c), ...(view ? { viewTime: view } : {}) });
  own.setMap(MAP);
  return { own, sent };
}

function state(tick: number, phase: Phase, ackSeq = 0, alive = true) {
  return { tick, phase, players: [{ id: YOU, x: 500, y: 500, vx: 0, vy: 0, alive, deaths: 0, ackSeq }] };
}

const fire = { moveX: 0, moveY: 0, aim: 0, buttons: 1 };
const idle = { ...fire, buttons: 0 };

/** Runs n input steps from t0 with the intent, one pump per step. */
function steps(own: OwnPlayer, t0: number, n: number, intent = fire): number {
  let t = t0;
  for (let i = 0; i < n; i++) {
    t += STEP;
    own.pump(t, () => intent);
  }
  return t;
}

describe("OwnPlayer shots", () => {
  it("names each shot with its input's seq and sends the view time of its step", () => {
    const { own, sent } = player((at) => 100 + at / STEP - 3.5);
    own.pump(0, () => idle); // starts the clock
    own.snapshot(state(10, "live"), 0);
    steps(own, 0, 2, idle);
    steps(own, 2 * STEP, 1, fire);
    assert.equal(sent.length, 3);
    // Step seq is scheduled at seq·STEP here: its view is 100 + seq − 3.5.
    for (const c of sent) assert.ok(Math.abs((c.viewTime ?? NaN) - (100 + c.seq - 3.5)) < 1e-6, `seq ${c.seq}: view ${c.viewTime}`);
    assert.equal(sent[0]?.shotId, undefined, "no fire, no shot id");
    assert.equal(sent[2]?.shotId, sent[2]?.seq);
  });

  it("sends a view time of 0 without an interpolation yet", () => {
    const { own, sent } = player(() => NaN);
    own.pump(0, () => idle);
    steps(own, 0, 1, idle);
    assert.equal(sent[0]?.viewTime, 0);
  });

  it("draws the shot at once, from the predicted position along the aim", () => {
    const { own } = player();
    own.pump(0, () => idle);
    own.snapshot(state(10, "live"), 0);
    const t = steps(own, 0, 1, fire);
    const drawn = own.shots.frame(t, 0, []);
    assert.equal(drawn.length, 1);
    // One tick of flight from the player (standing at 500, 500).
    assert.ok(Math.abs((drawn[0]?.x ?? NaN) - (500 + PROJECTILE_SPEED / TICK_RATE)) < 1e-6 && drawn[0]?.y === 500);
  });

  it("predicts a shot only when the server's rules fire one: cooldown, phase, alive", () => {
    const held = (phase: Phase, alive = true): number => {
      const { own } = player();
      own.pump(0, () => idle);
      own.snapshot(state(10, phase, 0, alive), 0);
      steps(own, 0, 30, fire); // one second of fire held
      return own.shots.pending.length;
    };
    // 30 ticks, a shot every ticksFor(0.2 s) = 6 ticks (the shots fly 36 ticks, none ended yet).
    assert.equal(held("live"), 5);
    assert.equal(held("waiting"), 5);
    assert.equal(held("countdown"), 0);
    assert.equal(held("ended"), 0);
    assert.equal(held("live", false), 0);
  });
});
