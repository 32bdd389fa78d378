import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  extrapolate,
  interpolateFrames,
  Interpolator,
  lerpAngle,
  ServerClock,
  type Body,
  type Frame,
  type Stamped,
} from "./interpolation";

interface P extends Body {
  name: string;
}

const DEG = Math.PI / 180;

function player(id: number, x: number, y: number, extra: Partial<P> = {}): P {
  return { id, x, y, aim: 0, alive: true, name: `p${id}`, ...extra };
}

function stamped(t: number, players: P[], projectiles: Body[] = []): Stamped<P, Body> {
  return { t, frame: { tick: t, players, projectiles } };
}

function near(got: number | undefined, want: number, eps = 1e-9, what = "value"): void {
  assert.ok(got !== undefined && Math.abs(got - want) <= eps, `${what}: got ${got}, want ${want} ± ${eps}`);
}

function angleNear(got: number | undefined, want: number, eps = 1e-9): void {
  assert.ok(got !== undefined, "angle missing");
  const d = Math.atan2(Math.sin(got - want), Math.cos(got - want));
  assert.ok(Math.abs(d) <= eps, `angle: got ${got}, want ${want}`);
}

describe("lerpAngle", () => {
  const cases: Array<[string, number, number, number, number]> = [
    ["plain", 10 * DEG, 30 * DEG, 0.5, 20 * DEG],
    ["wraps forward through 0", 350 * DEG, 10 * DEG, 0.5, 0],
    ["wraps backward through 0", 10 * DEG, 350 * DEG, 0.25, 5 * DEG],
    ["wire range [0, 2π) to negative radians", 359 * DEG, -179 * DEG, 0.5, 270 * DEG],
    ["endpoints", 1, 2, 1, 2],
    ["several turns apart is still the short way", 0.1, 0.3 + 4 * Math.PI, 0.5, 0.2],
  ];
  for (const [name, a, b, t, want] of cases) {
    it(name, () => angleNear(lerpAngle(a, b, t), want, 1e-9));
  }
});

describe("interpolateFrames", () => {
  it("moves linearly between two snapshots", () => {
    const a = stamped(0, [player(1, 0, 0), player(2, 100, 100, { aim: 350 * DEG })]);
    const b = stamped(100, [player(1, 10, -20), player(2, 100, 100, { aim: 10 * DEG })]);
    const got = interpolateFrames(a, b, 0.25);
    near(got.players[0]?.x, 2.5);
    near(got.players[0]?.y, -5);
    angleNear(got.players[1]?.aim, 355 * DEG);
    assert.equal(got.players[0]?.name, "p1", "other fields ride along");
  });

  it("holds a dead → alive change (respawn) instead of sliding across the map", () => {
    const a = stamped(0, [player(1, 50, 50, { alive: false })]);
    const b = stamped(100, [player(1, 900, 500)]);
    const got = interpolateFrames(a, b, 0.9);
    assert.deepEqual(got.players[0], a.frame.players[0]);
  });

  it("holds a teleport faster than teleportSpeed", () => {
    const a = stamped(0, [player(1, 0, 0)]);
    const b = stamped(100, [player(1, 500, 0)]); // 5000 u/s
    assert.equal(interpolateFrames(a, b, 0.5, 2000).players[0]?.x, 0);
    assert.equal(interpolateFrames(a, b, 0.5, 10000).players[0]?.x, 250);
  });

  it("shows joiners where they appear and drops leavers", () => {
    const a = stamped(0, [player(1, 0, 0), player(2, 5, 5)], [{ id: 9, x: 0, y: 0, aim: 0, alive: true }]);
    const b = stamped(100, [player(1, 0, 0), player(3, 7, 7)], [{ id: 10, x: 1, y: 1, aim: 0, alive: true }]);
    const got = interpolateFrames(a, b, 0.5);
    assert.deepEqual(got.players.map((p) => p.id), [1, 3]);
    assert.deepEqual(got.players[1], b.frame.players[1]);
    assert.deepEqual(got.projectiles.map((q) => q.id), [10]);
  });
});

describe("extrapolate", () => {
  it("uses wire velocity when present", () => {
    const last = stamped(100, [player(1, 10, 10, { vx: 100, vy: -50 })]);
    const got = extrapolate(last, undefined, 50);
    near(got.players[0]?.x, 15);
    near(got.players[0]?.y, 7.5);
  });

  it("derives velocity from the last two frames when the wire has none", () => {
    const prev = stamped(0, [], [{ id: 4, x: 0, y: 0, aim: 0, alive: true }]);
    const last = stamped(100, [], [{ id: 4, x: 60, y: 0, aim: 0, alive: true }]);
    near(extrapolate(last, prev, 50).projectiles[0]?.x, 90);
  });

  it("does not move the dead", () => {
    const last = stamped(100, [player(1, 10, 10, { vx: 100, vy: 0, alive: false })]);
    assert.equal(extrapolate(last, undefined, 50).players[0]?.x, 10);
  });
});

describe("ServerClock", () => {
  it("maps server time with constant latency exactly", () => {
    const c = new ServerClock();
    assert.equal(c.synced, false);
    for (let i = 0; i < 20; i++) c.observe(i * 50, 10_000 + i * 50 + 30);
    assert.equal(c.synced, true);
    near(c.serverTime(10_000 + 1000 + 30), 1000);
    near(c.jitterMs, 0);
  });

  it("settles near the early edge of jittery arrivals", () => {
    const c = new ServerClock();
    // Latency 30 ms, plus 0 or 40 ms of jitter alternately.
    for (let i = 0; i < 400; i++) c.observe(i * 50, i * 50 + 30 + (i % 2) * 40);
    const lag = 400 * 50 - c.serverTime(400 * 50); // estimated latency
    assert.ok(lag >= 30 && lag < 50, `estimated latency ${lag}, want between 30 and 50`);
    assert.ok(c.jitterMs > 5, `jitter ${c.jitterMs} should be noticed`);
  });

  it("resynchronises after a long stall", () => {
    const c = new ServerClock(1000);
    c.observe(0, 100);
    c.observe(50, 5150); // arrived 5 s late: the tab was in the background
    near(c.serverTime(5150), 50);
  });
});

describe("Interpolator", () => {
  // 30 Hz ticks, a snapshot every 3 ticks (100 ms), 20 ms one-way latency.
  const tickRate = 30;
  const frame = (tick: number, x: number, extra: Partial<P> = {}): Frame<P, Body> => ({
    tick,
    players: [player(1, x, 0, extra)],
    projectiles: [],
  });
  const arrival = (tick: number) => (tick * 1000) / tickRate + 20;

  it("returns null before the first frame", () => {
    const ip = new Interpolator<P, Body>({ tickRate, frameRate: 10 });
    assert.equal(ip.sample(0), null);
  });

  it("renders two intervals in the past, between the right snapshots", () => {
    const ip = new Interpolator<P, Body>({ tickRate, frameRate: 10 });
    for (let tick = 0; tick <= 30; tick += 3) ip.push(frame(tick, tick * 10), arrival(tick));
    near(ip.interval, 100, 1e-6, "interval");
    near(ip.delay, 200, 1e-6, "delay");
    // Server time now ≈ 1000 ms (tick 30); render time 800 ms = tick 24 → x = 240.
    const s = ip.sample(arrival(30));
    assert.ok(s);
    near(s.renderTime, 800, 1e-6, "render time");
    near(s.players[0]?.x, 240, 1e-6, "x");
    assert.equal(s.extrapolatedMs, 0);
    // 50 ms later: halfway between tick 24 (x=240) and tick 27 (x=270).
    near(ip.sample(arrival(30) + 50)?.players[0]?.x, 255, 1e-6, "x later");
  });

  it("extrapolates at most one interval when snapshots stop", () => {
    const ip = new Interpolator<P, Body>({ tickRate, frameRate: 10 });
    for (let tick = 0; tick <= 30; tick += 3) ip.push(frame(tick, tick * 10, { vx: 300, vy: 0 }), arrival(tick));
    // Starved for 2 s: render time is far past the newest frame (tick 30, x = 300).
    const s = ip.sample(arrival(30) + 2000);
    assert.ok(s);
    near(s.extrapolatedMs, 100, 1e-6, "extrapolated ms");
    near(s.players[0]?.x, 300 + 300 * 0.1, 1e-6, "x capped at one interval ahead");
  });

  it("drops stale and duplicate frames and learns a slower frame rate", () => {
    const ip = new Interpolator<P, Body>({ tickRate, frameRate: 20 });
    for (let tick = 0; tick <= 300; tick += 6) ip.push(frame(tick, tick), arrival(tick));
    ip.push(frame(150, -1), arrival(301)); // out of order: ignored
    ip.push(frame(300, -1), arrival(301)); // duplicate: ignored
    assert.equal(ip.latest()?.players[0]?.x, 300);
    assert.ok(Math.abs(ip.interval - 200) < 10, `interval ${ip.interval} should approach 200`);
  });

  it("never moves render time backwards when the clock estimate is corrected", () => {
    const ip = new Interpolator<P, Body>({ tickRate, frameRate: 10 });
    for (let tick = 0; tick <= 30; tick += 3) ip.push(frame(tick, tick), arrival(tick) + 60);
    const before = ip.renderTime(arrival(30) + 60);
    // An early arrival pulls the offset down sharply...
    ip.push(frame(33, 33), arrival(33) - 20);
    // ...which would move render time back, but it holds.
    assert.ok(ip.renderTime(arrival(30) + 61) >= before);
  });

  it("reset forgets frames", () => {
    const ip = new Interpolator<P, Body>({ tickRate, frameRate: 10 });
    ip.push(frame(3, 1), 100);
    ip.reset();
    assert.equal(ip.sample(200), null);
    assert.equal(ip.clock.synced, false);
  });

  it("keeps a bounded buffer", () => {
    const ip = new Interpolator<P, Body>({ tickRate, frameRate: 10, capacity: 4 });
    for (let tick = 0; tick <= 300; tick += 3) ip.push(frame(tick, tick), arrival(tick));
    // Render time far before the oldest kept frame (tick 291) clamps to it.
    const s = ip.sample(arrival(0));
    assert.equal(s?.players[0]?.x, 291);
  });
});
