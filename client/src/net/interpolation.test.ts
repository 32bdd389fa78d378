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
import {
  circlePath,
  motionStats,
  simulate,
  zigzagPath,
  type DrawnFrame,
  type LinkOptions,
  type Path,
  type SimClient,
} from "./simlink";

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

  it("ignores one late burst (a stalled tab) but follows a path that stays 1 s longer for 2 s", () => {
    const c = new ServerClock(1000);
    c.observe(0, 100);
    c.observe(50, 5150); // arrived 5 s late: the tab was in the background...
    c.observe(100, 5151); // ...and so did the rest of the burst
    c.observe(150, 5152);
    c.observe(5100, 5200); // then arrivals are on time again
    near(c.serverTime(5200), 5100, 0.5);
    // Now every arrival is 2 s later than before, for good.
    for (let t = 5150; t <= 8000; t += 50) c.observe(t, t + 2100);
    near(c.serverTime(8000 + 2100), 8000, 1);
  });

  it("measures RFC 3550 interarrival jitter", () => {
    const c = new ServerClock();
    c.observe(0, 30);
    c.observe(50, 120); // spacing 90 on arrival for 50 at the server: |D| = 40
    near(c.jitterMs, 40 / 16, 1e-9);
    c.observe(100, 130); // |D| = |10 − 50| = 40
    near(c.jitterMs, 40 / 16 + (40 - 40 / 16) / 16, 1e-9);
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

  it("extrapolates at most 250 ms (Source's cl_extrapolate_amount) when snapshots stop", () => {
    const ip = new Interpolator<P, Body>({ tickRate, frameRate: 10 });
    for (let tick = 0; tick <= 30; tick += 3) ip.push(frame(tick, tick * 10, { vx: 300, vy: 0 }), arrival(tick));
    // Starved for 2 s: render time is far past the newest frame (tick 30, x = 300).
    const s = ip.sample(arrival(30) + 2000);
    assert.ok(s);
    near(s.extrapolatedMs, 250, 1e-6, "extrapolated ms");
    near(s.players[0]?.x, 300 + 300 * 0.25, 1e-6, "x capped at 250 ms ahead");
  });

  it("blends a wrong extrapolation out at a capped speed instead of jumping", () => {
    const ip = new Interpolator<P, Body>({ tickRate, frameRate: 10 });
    // Running +x at 150 u/s, snapshots every 100 ms, 20 ms latency.
    const xAt = (tick: number) => Math.min(tick, 28) * 5; // stops dead at tick 28 (x = 140)
    for (let tick = 0; tick <= 27; tick += 3) ip.push(frame(tick, xAt(tick), { vx: 150, vy: 0 }), arrival(tick));
    const frameMs = 1000 / 60;
    let last: number | undefined;
    let maxStep = 0;
    let pushed = 30;
    for (let now = arrival(27); now < arrival(27) + 1500; now += frameMs) {
      // A stall holds everything after tick 27 until 400 ms later; the
      // frames then show the player stopped at x = 140.
      while (pushed <= 60 && arrival(27) + 400 <= now && arrival(pushed) <= now) {
        ip.push(frame(pushed, xAt(pushed), { vx: 0, vy: 0 }), arrival(27) + 400);
        pushed += 3;
      }
      const x = ip.sample(now)?.players[0]?.x;
      assert.ok(x !== undefined);
      if (last !== undefined) maxStep = Math.max(maxStep, Math.abs(x - last));
      last = x;
    }
    // The extrapolation ran past 140; the blend back never moves faster
    // than the player ran (150 u/s) plus the cap (200 u/s).
    assert.ok(maxStep <= ((150 + 200) * frameMs) / 1000 + 1e-6, `largest step ${maxStep.toFixed(2)}`);
    near(last, 140, 1e-3, "settles where the player stopped");
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

// ---- on a simulated network (issue 6) -------------------------------------

interface Remote extends Body {
  vx: number;
  vy: number;
}

/** A client with one Interpolator drawing one remote player; delays[i] is the delay after frame i. */
function remoteClient(ip: Interpolator<Remote, Body>, delays: number[] = []): SimClient {
  return {
    snapshot(tick, p, localMs) {
      ip.push({ tick, players: [{ id: 7, aim: 0, alive: true, ...p }], projectiles: [] }, localMs);
    },
    frame(localMs) {
      const s = ip.sample(localMs);
      delays.push(ip.delay);
      const p = s?.players[0];
      return s && p ? { x: p.x, y: p.y, renderTime: s.renderTime } : null;
    },
  };
}

interface Run {
  frames: DrawnFrame[];
  delays: number[]; // after each drawn frame
  ip: Interpolator<Remote, Body>;
}

function run(link: LinkOptions, opts: { seconds?: number; path?: Path; skewPpm?: number } = {}): Run {
  const ip = new Interpolator<Remote, Body>({ tickRate: 30, frameRate: 20 });
  const delays: number[] = [];
  const frames = simulate({
    tickRate: 30, snapshotRate: 20, durationMs: (opts.seconds ?? 60) * 1000, link,
    path: opts.path ?? circlePath(260), skewPpm: opts.skewPpm ?? 0,
  }, remoteClient(ip, delays));
  return { frames, delays: delays.slice(delays.length - frames.length), ip };
}

/** The delays of frames drawn between fromS and toS seconds (true time). */
function delaysBetween(r: Run, fromS: number, toS: number): number[] {
  return r.delays.filter((_, i) => {
    const t = r.frames[i]?.trueMs ?? -1;
    return t >= fromS * 1000 && t <= toS * 1000;
  });
}

const STALLS = { durationMs: 200, periodMs: 3000 }; // netsim --stall 200ms/3s
const NETWORKS: Array<[string, LinkOptions]> = [
  ["loopback", { delayMs: 0.7, jitterMs: 0.3 }],
  ["150 ms RTT ± 30 ms", { delayMs: 75, jitterMs: 15, seed: 2 }],
  ["150 ms RTT ± 60 ms", { delayMs: 75, jitterMs: 30, seed: 3 }],
  ["150 ms RTT ± 30 ms, 200 ms stalls every 3 s", { delayMs: 75, jitterMs: 15, stall: STALLS, seed: 4 }],
  ["150 ms RTT ± 60 ms, 200 ms stalls every 3 s", { delayMs: 75, jitterMs: 30, stall: STALLS, seed: 5 }],
];

describe("Interpolator on a simulated network: the delay adapts and changes smoothly", () => {
  for (const [name, link] of NETWORKS) {
    it(`slews, never steps: drawn server time runs 0.9–1.05× the client's clock (${name})`, () => {
      const st = motionStats(run(link).frames, 1000);
      assert.ok(st.minRate >= 0.9 - 1e-9 && st.maxRate <= 1.05 + 1e-9,
        `render clock rate ${st.minRate.toFixed(3)}–${st.maxRate.toFixed(3)}`);
    });
  }

  // [network, least and greatest delay (ms) once settled]: two 50 ms
  // intervals plus the spread of the arrivals (0, ±15 → 30, ±30 → 60 ms).
  const cases: Array<[string, LinkOptions, number, number]> = [
    ["loopback", { delayMs: 0.7, jitterMs: 0.3 }, 95, 110],
    ["150 ms RTT ± 30 ms", { delayMs: 75, jitterMs: 15, seed: 2 }, 100 + 15, 100 + 45],
    ["150 ms RTT ± 60 ms", { delayMs: 75, jitterMs: 30, seed: 3 }, 100 + 30, 100 + 90],
  ];
  for (const [name, link, lo, hi] of cases) {
    it(`settles at two intervals plus the jitter (${name}: ${lo}–${hi} ms)`, () => {
      const d = delaysBetween(run(link, { seconds: 30 }), 5, 30);
      const min = Math.min(...d);
      const max = Math.max(...d);
      assert.ok(min >= lo && max <= hi, `delay ${min.toFixed(1)}–${max.toFixed(1)} ms, want ${lo}–${hi}`);
    });
  }

  it("grows the delay past 200 ms stalls within one stall period and shrinks it slowly once they stop", () => {
    const r = run({ delayMs: 75, jitterMs: 15, stall: { ...STALLS, untilMs: 30_000 }, seed: 6 }, { seconds: 90 });
    const covering = Math.min(...delaysBetween(r, 6, 30));
    assert.ok(covering >= 250, `delay between stalls ${covering.toFixed(1)} ms, want ≥ 250 (a stall plus an interval)`);
    const held = Math.min(...delaysBetween(r, 30, 38));
    assert.ok(held >= 250, `delay just after the last stall ${held.toFixed(1)} ms: it should still cover one`);
    const after = Math.max(...delaysBetween(r, 85, 90));
    assert.ok(after <= 150, `delay a minute after the last stall ${after.toFixed(1)} ms, want ≤ 150`);
  });

  for (const skewPpm of [-500, 0, 500]) {
    it(`keeps its estimate of the server's clock within 15 ms, without drift, over a 30-minute match (skew ${skewPpm} ppm, ±30 ms jitter, stalls)`, () => {
      const link: LinkOptions = { delayMs: 75, jitterMs: 30, stall: STALLS, seed: 8 };
      const ip = new Interpolator<Remote, Body>({ tickRate: 30, frameRate: 20 });
      const inner = remoteClient(ip);
      const rate = 1 + skewPpm / 1e6;
      const least = 75 - 30; // the least one-way delay: the estimate's zero
      const early: number[] = [];
      const late: number[] = [];
      let lo = Infinity;
      let hi = -Infinity;
      simulate({ tickRate: 30, snapshotRate: 20, durationMs: 30 * 60_000, link, skewPpm, localEpochMs: 10_000, path: circlePath(260) }, {
        snapshot: inner.snapshot,
        frame(localMs) {
          const out = inner.frame(localMs);
          const trueMs = (localMs - 10_000) / rate;
          if (trueMs < 5000) return out;
          // The estimate against the server's clock less the least delay.
          const err = ip.clock.serverTime(localMs) - (trueMs - least);
          lo = Math.min(lo, err);
          hi = Math.max(hi, err);
          if (trueMs < 5 * 60_000) early.push(err);
          else if (trueMs > 25 * 60_000) late.push(err);
          return out;
        },
      });
      const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
      assert.ok(lo >= -15 && hi <= 1, `estimate − (server time − least delay): ${lo.toFixed(2)} to ${hi.toFixed(2)} ms, want −15 to +1`);
      const drift = mean(late) - mean(early);
      assert.ok(Math.abs(drift) < 1, `mean error ${mean(early).toFixed(2)} ms in the first 5 minutes, ${mean(late).toFixed(2)} in the last: drift ${drift.toFixed(2)}`);
    });
  }
});

describe("Interpolator on a simulated network: remote players under stalls", () => {
  // Issue 6's budget for remote players moving at speed: fewer than 2% of
  // frames frozen and no jump over 3× the median per-frame step. The
  // simulation has no frame-time noise, so it holds the code to less.
  const paths: Array<[string, Path]> = [["circling", circlePath(260)], ["zigzagging", zigzagPath(260)]];
  for (const [name, link] of NETWORKS) {
    for (const [how, path] of paths) {
      it(`${how} at 260 u/s: no frozen frame, no jump over 2× the median step (${name})`, () => {
        const st = motionStats(run(link, { path }).frames, 1000);
        assert.equal(st.frozen, 0, `${st.frozen} of ${st.frames} frames frozen`);
        assert.ok(st.maxJumpRatio <= 2, `largest step ${st.maxJumpRatio.toFixed(2)}× the median (${st.medianStep.toFixed(2)} u)`);
      });
    }
  }
});
