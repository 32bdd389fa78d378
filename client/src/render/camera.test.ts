import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { aimAngle } from "../input/intent";
import {
  Camera, clampCentre, CUT_DISTANCE, FIT_MARGIN, FOLLOW_LAG_MS, follows, followScale, followView, VIEW_H, VIEW_W, viewBox, visibleRect,
  type MapSize, type WorldRect,
} from "./camera";
import { fitArena, toScreen, toWorld, type Fit } from "./layout";

const ARENA: MapSize = { width: 1600, height: 1000 };
const LARGE: MapSize = { width: 3200, height: 2000 }; // crossroads
const MAX_SPEED = 260; // game.MaxSpeed, units/s

/** Where world point (x, y) is on the canvas. */
const screen = (f: Fit, x: number, y: number) => toScreen(f, x, y);

/** Runs a camera over frames every stepMs from t0 to t1, the focus at where(t). Returns the last fit. */
function run(cam: Camera, map: MapSize, w: number, h: number, t0: number, t1: number, stepMs: number,
  where: (t: number) => { x: number; y: number }): Fit {
  let fit = cam.frame(map, w, h, where(t0), t0).fit;
  for (let i = 1; t0 + i * stepMs <= t1 + 1e-6; i++) fit = cam.frame(map, w, h, where(t0 + i * stepMs), t0 + i * stepMs).fit;
  return fit;
}

function inside(a: WorldRect, b: WorldRect, eps = 1e-6): boolean {
  return a.x >= b.x - eps && a.y >= b.y - eps && a.x + a.w <= b.x + b.w + eps && a.y + a.h <= b.y + b.h + eps;
}

describe("follows", () => {
  const cases: Array<[MapSize, boolean]> = [
    [ARENA, false],
    [{ width: 800, height: 600 }, false],
    [{ width: 1601, height: 1000 }, true],
    [{ width: 1600, height: 1001 }, true],
    [LARGE, true],
  ];
  for (const [m, want] of cases) it(`${m.width}×${m.height} → ${want}`, () => assert.equal(follows(m), want));
});

describe("the arena keeps its whole-map view", () => {
  for (const [w, h] of [[1280, 800], [1920, 1080], [500, 900]] as const) {
    it(`at ${w}×${h}, wherever the focus is`, () => {
      const cam = new Camera();
      const want = fitArena(w, h, ARENA.width, ARENA.height, FIT_MARGIN);
      for (const [x, y, t] of [[100, 100, 0], [1500, 900, 16], [800, 500, 32], [800, 500, 5000]] as const) {
        const shot = cam.frame(ARENA, w, h, { x, y }, t);
        assert.equal(shot.following, false);
        assert.deepEqual(shot.fit, want);
        assert.deepEqual(visibleRect(shot.fit, w, h, ARENA), { x: 0, y: 0, w: 1600, h: 1000 });
      }
    });
  }
  it("and a large map is shown whole with nothing to follow", () => {
    const shot = new Camera().frame(LARGE, 1280, 800, null, 0);
    assert.equal(shot.following, false);
    assert.deepEqual(shot.fit, fitArena(1280, 800, LARGE.width, LARGE.height, FIT_MARGIN));
  });
});

describe("the follow camera", () => {
  it("zooms so the window shows at most the view box, whatever its shape", () => {
    const cases: Array<[number, number, number, number, number]> = [
      // cssW, cssH → scale, shown w, shown h
      [1280, 800, 0.8, 1600, 1000],
      [1920, 1080, 1.2, 1600, 900],
      [800, 1200, 1.2, 800 / 1.2, 1000],
      [3200, 2000, 2, 1600, 1000],
    ];
    for (const [w, h, scale, sw, sh] of cases) {
      assert.equal(followScale(w, h), scale, `${w}×${h}`);
      const f = new Camera().frame(LARGE, w, h, { x: 1600, y: 1000 }, 0).fit;
      const r = visibleRect(f, w, h, LARGE);
      assert.ok(Math.abs(r.w - sw) < 1e-9 && Math.abs(r.h - sh) < 1e-9, `${w}×${h} shows ${r.w}×${r.h}`);
      assert.ok(r.w <= VIEW_W && r.h <= VIEW_H);
    }
  });

  it("declares the size it shows, rounded up: the server's interest covers the window", () => {
    const cases: Array<[number, number, number, number]> = [
      [1280, 800, 1600, 1000],
      [1920, 1080, 1600, 900],
      [800, 1200, 667, 1000], // 666.67 rounded up
      [1366, 768, 1600, 900], // 899.6 rounded up
    ];
    for (const [w, h, vw, vh] of cases) {
      const v = followView(w, h);
      assert.deepEqual(v, { w: vw, h: vh }, `${w}×${h}`);
      const r = visibleRect(new Camera().frame(LARGE, w, h, { x: 1600, y: 1000 }, 0).fit, w, h, LARGE);
      assert.ok(r.w <= v.w && r.h <= v.h && v.w <= VIEW_W && v.h <= VIEW_H, `${w}×${h}: shows ${r.w}×${r.h}, declares ${v.w}×${v.h}`);
    }
  });

  it("puts the focus at the centre of the canvas", () => {
    const shot = new Camera().frame(LARGE, 1280, 800, { x: 1700, y: 1100 }, 0);
    assert.equal(shot.following, true);
    assert.deepEqual(screen(shot.fit, 1700, 1100), [640, 400]);
    assert.deepEqual(visibleRect(shot.fit, 1280, 800, LARGE), { x: 900, y: 600, w: 1600, h: 1000 });
  });

  it("follows a running player a little behind, and settles on it when it stops", () => {
    const cam = new Camera();
    const run1s = (t: number) => ({ x: 1000 + (MAX_SPEED * Math.min(t, 1000)) / 1000, y: 1000 });
    let fit = run(cam, LARGE, 1280, 800, 0, 1000, 1000 / 60, run1s);
    const lag = (640 - screen(fit, run1s(1000).x, 1000)[0]) / fit.scale; // units the centre is behind
    const bound = (MAX_SPEED * FOLLOW_LAG_MS) / 1000;
    assert.ok(lag < 0 && Math.abs(-lag - bound) < 0.01, `the focus runs ${-lag} units ahead, want ${bound}`);
    fit = run(cam, LARGE, 1280, 800, 1000 + 1000 / 60, 2000, 1000 / 60, run1s);
    const [sx, sy] = screen(fit, 1260, 1000);
    assert.ok(Math.abs(sx - 640) < 0.01 && Math.abs(sy - 400) < 1e-9, `stopped player drawn at (${sx}, ${sy})`);
  });

  it("moves the same at any frame rate", () => {
    const where = (t: number) => ({ x: 1000 + (MAX_SPEED * t) / 1000, y: 1000 - (MAX_SPEED * t) / 2000 });
    const centre = (fps: number) => {
      const f = run(new Camera(), LARGE, 1280, 800, 0, 600, 1000 / fps, where);
      return toWorld(f, 640, 400);
    };
    const [x30, y30] = centre(30);
    const [x150, y150] = centre(150);
    assert.ok(Math.hypot(x30 - x150, y30 - y150) < 1e-6, `30 fps (${x30}, ${y30}) vs 150 fps (${x150}, ${y150})`);
  });

  it("gives the same transform for the same frame time", () => {
    const cam = new Camera();
    run(cam, LARGE, 1280, 800, 0, 500, 16, (t) => ({ x: 1000 + t, y: 1000 }));
    const a = cam.frame(LARGE, 1280, 800, { x: 1600, y: 1000 }, 516).fit;
    const b = cam.frame(LARGE, 1280, 800, { x: 1600, y: 1000 }, 516).fit;
    assert.deepEqual(a, b);
  });

  it("cuts to a focus that jumps (a respawn) and after a long gap", () => {
    const cam = new Camera();
    cam.frame(LARGE, 1280, 800, { x: 1000, y: 1000 }, 0);
    const centre = (f: Fit) => toWorld(f, 640, 400).map((v) => Math.round(v * 1e6) / 1e6);
    let f = cam.frame(LARGE, 1280, 800, { x: 1000 + CUT_DISTANCE + 1, y: 1000 }, 16).fit;
    assert.deepEqual(centre(f), [1000 + CUT_DISTANCE + 1, 1000]);
    f = cam.frame(LARGE, 1280, 800, { x: 1500, y: 1100 }, 16 + 600).fit; // 200 units, but 600 ms later
    assert.deepEqual(centre(f), [1500, 1100]);
    f = cam.frame(LARGE, 1280, 800, { x: 1600, y: 1100 }, 16 + 616).fit; // 100 units in one frame: panned
    const [cx] = toWorld(f, 640, 400);
    assert.ok(cx > 1500 && cx < 1600, `centre ${cx}`);
  });

  it("stops at the map's edges", () => {
    const cases: Array<[number, number, WorldRect]> = [
      [0, 0, { x: 0, y: 0, w: 1600, h: 1000 }],
      [120, 1890, { x: 0, y: 1000, w: 1600, h: 1000 }],
      [3200, 2000, { x: 1600, y: 1000, w: 1600, h: 1000 }],
      [1700, 300, { x: 900, y: 0, w: 1600, h: 1000 }],
    ];
    for (const [x, y, want] of cases) {
      const f = new Camera().frame(LARGE, 1280, 800, { x, y }, 0).fit;
      assert.deepEqual(visibleRect(f, 1280, 800, LARGE), want, `focus (${x}, ${y})`);
      const [sx, sy] = screen(f, x, y);
      assert.ok(sx >= 0 && sx <= 1280 && sy >= 0 && sy <= 800, `focus drawn off the canvas at (${sx}, ${sy})`);
    }
  });

  it("keeps inside the map while the focus runs along an edge", () => {
    const cam = new Camera();
    const f = run(cam, LARGE, 1280, 800, 0, 3000, 16, (t) => ({ x: 100 + t, y: 40 }));
    const r = visibleRect(f, 1280, 800, LARGE);
    assert.equal(r.y, 0);
    assert.ok(r.x > 0 && r.x + r.w < LARGE.width);
  });

  it("centres a map narrower than the view on that axis", () => {
    const wide: MapSize = { width: 4000, height: 700 };
    const f = new Camera().frame(wide, 1280, 800, { x: 2000, y: 50 }, 0).fit;
    assert.deepEqual(toWorld(f, 640, 400), [2000, 350]);
    assert.deepEqual(visibleRect(f, 1280, 800, wide), { x: 1200, y: 0, w: 1600, h: 700 });
  });

  it("stays inside the map when the window grows", () => {
    const cam = new Camera();
    cam.frame(LARGE, 640, 400, { x: 3100, y: 1950 }, 0); // a small window: the view is 1600×1000 too
    const f = cam.frame(LARGE, 2560, 1000, { x: 3100, y: 1950 }, 16).fit; // now 1600×625
    const r = visibleRect(f, 2560, 1000, LARGE);
    assert.ok(r.x + r.w <= LARGE.width + 1e-9 && r.y + r.h <= LARGE.height + 1e-9 && r.x >= 0 && r.y >= 0);
    assert.equal(clampCentre(5000, 1600, 3200), 2400);
    assert.equal(clampCentre(-5, 1600, 3200), 800);
    assert.equal(clampCentre(10, 4000, 3200), 1600);
  });
});

describe("viewBox", () => {
  it("holds every window's view of a focus", () => {
    const windows = [[1280, 800], [1920, 1080], [800, 1200], [2560, 600], [320, 240], [3840, 2160]] as const;
    for (let x = 0; x <= LARGE.width; x += 160) {
      for (let y = 0; y <= LARGE.height; y += 125) {
        const box = viewBox({ x, y }, LARGE);
        assert.ok(box.w <= VIEW_W && box.h <= VIEW_H);
        for (const [w, h] of windows) {
          const f = new Camera().frame(LARGE, w, h, { x, y }, 0).fit;
          const r = visibleRect(f, w, h, LARGE);
          assert.ok(inside(r, box), `${w}×${h} at (${x}, ${y}): view ${JSON.stringify(r)} outside ${JSON.stringify(box)}`);
        }
      }
    }
  });
  it("is the whole arena", () => {
    assert.deepEqual(viewBox({ x: 100, y: 900 }, ARENA), { x: 0, y: 0, w: 1600, h: 1000 });
  });
});

describe("aiming through the camera", () => {
  it("screen → world → screen is the identity, following or not", () => {
    const fits = [
      new Camera().frame(LARGE, 1280, 800, { x: 2222.5, y: 1333.25 }, 0).fit,
      new Camera().frame(ARENA, 1280, 800, { x: 400, y: 300 }, 0).fit,
      new Camera().frame(LARGE, 731, 517, null, 0).fit,
    ];
    for (const f of fits) {
      for (const [x, y] of [[0, 0], [123.25, 456.5], [3199, 1999], [-10, 2050]] as const) {
        const [sx, sy] = toScreen(f, x, y);
        const [wx, wy] = toWorld(f, sx, sy);
        assert.ok(Math.abs(wx - x) < 1e-9 && Math.abs(wy - y) < 1e-9, `(${x}, ${y}) came back as (${wx}, ${wy})`);
      }
    }
  });
  it("the aim from your player on screen to the cursor points at the world point under the cursor", () => {
    const cam = new Camera();
    // Mid-run, so the camera lags: your player is not at the canvas centre.
    const f = run(cam, LARGE, 1280, 800, 0, 300, 16, (t) => ({ x: 1400 + t * 0.26, y: 1000 }));
    const me = { x: 1400 + 300 * 0.26, y: 1000 };
    const [px, py] = toScreen(f, me.x, me.y);
    for (const [cx, cy] of [[1000, 200], [10, 790], [640, 400], [px + 1, py]] as const) {
      const [wx, wy] = toWorld(f, cx, cy);
      const aim = aimAngle(px, py, cx, cy, 0);
      const want = Math.atan2(wy - me.y, wx - me.x);
      assert.ok(Math.abs(Math.atan2(Math.sin(aim - want), Math.cos(aim - want))) < 1e-9, `cursor (${cx}, ${cy}): aim ${aim}, want ${want}`);
    }
  });
});
