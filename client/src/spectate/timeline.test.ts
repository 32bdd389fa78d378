import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clock, eventsUrl, Timeline } from "./timeline";

describe("eventsUrl", () => {
  it("is the plain feed when live, a timeshift otherwise", () => {
    assert.equal(eventsUrl("m/1", { live: true, from: 5, speed: 2 }), "/api/matches/m%2F1/events");
    assert.equal(eventsUrl("m1", { live: false, from: 90.7, speed: 0.25 }), "/api/matches/m1/events?from=90&speed=0.25");
  });
});

describe("Timeline", () => {
  it("replays an ended match from its start and never seeks past its end", () => {
    const t = new Timeline(true);
    assert.deepEqual(t.first(), { live: false, from: 0, speed: 1 });
    t.snapshot(0, 30, { from: 0, last: 900, live: false, speed: 1 }, 0);
    assert.equal(t.running, false);
    assert.equal(t.horizon(60_000), 900);
    assert.deepEqual(t.seek(5000, 1000), { live: false, from: 900, speed: 1 });
    assert.deepEqual(t.setSpeed(4, 1000), { live: false, from: 900, speed: 4 });
  });

  it("follows a live match, whose horizon grows at the tick rate", () => {
    const t = new Timeline(false);
    assert.deepEqual(t.first(), { live: true, from: 0, speed: 1 });
    t.snapshot(300, 30, undefined, 1000);
    t.saw(303, 1100);
    assert.equal(t.horizon(1100), 303);
    assert.equal(t.horizon(2100), 333); // a second later, 30 more ticks exist
    assert.deepEqual(t.seek(100, 2100), { live: false, from: 100, speed: 1 });
    assert.equal(t.following, false);
    t.pause();
    assert.deepEqual(t.resume(2200), { live: false, from: 100, speed: 1 });
    assert.deepEqual(t.goLive(), { live: true, from: 0, speed: 1 });
    assert.equal(t.following, true);
  });

  it("ends", () => {
    const t = new Timeline(false);
    t.snapshot(10, 30, undefined, 0);
    t.saw(40, 1000);
    t.end(1000);
    assert.equal(t.ended, true);
    assert.equal(t.horizon(100_000), 40);
  });

  it("reopens a dropped timeshift where the view is", () => {
    const t = new Timeline(true);
    t.snapshot(0, 30, { from: 0, last: 900, live: false, speed: 2 }, 0);
    t.setSpeed(2, 0);
    t.saw(450, 10);
    assert.deepEqual(t.reconnect(), { live: false, from: 450, speed: 2 });
  });
});

describe("Timeline.asReplay", () => {
  it("turns a live view of a match that is over into its replay from the start", () => {
    const t = new Timeline(false);
    assert.deepEqual(t.asReplay(), { live: false, from: 0, speed: 1 });
    assert.equal(t.following, false);
    assert.equal(t.running, false);
  });
});

describe("clock", () => {
  it("shows m:ss", () => {
    assert.equal(clock(0, 30), "0:00");
    assert.equal(clock(30 * 75, 30), "1:15");
  });
});
