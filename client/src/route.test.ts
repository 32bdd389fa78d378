import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseRoute, routeFromQuery, routeHash, type Route } from "./route";

describe("parseRoute", () => {
  const cases: Array<[string, Route]> = [
    ["", { view: "lobby" }],
    ["#", { view: "lobby" }],
    ["#/", { view: "lobby" }],
    ["#/play", { view: "play", match: "" }],
    ["#/play/", { view: "play", match: "" }],
    ["#/play/3f2a-11", { view: "play", match: "3f2a-11" }],
    ["#/watch/3f2a-11", { view: "watch", match: "3f2a-11" }],
    ["#/watch", { view: "lobby" }],
    ["#/replay/3f2a-11", { view: "replay", match: "3f2a-11" }],
    ["#/replay", { view: "lobby" }],
    ["#/play/a%2Fb", { view: "play", match: "a/b" }],
    ["#/play/%E0%A4%A", { view: "lobby" }],
    ["#/play/a/b", { view: "lobby" }],
    ["#/nope", { view: "lobby" }],
  ];
  for (const [hash, want] of cases) it(JSON.stringify(hash), () => assert.deepEqual(parseRoute(hash), want));

  it("round trips", () => {
    for (const r of [{ view: "lobby" }, { view: "play", match: "" }, { view: "play", match: "x y" }, { view: "watch", match: "m/1" }, { view: "replay", match: "m 2" }] as Route[]) {
      assert.deepEqual(parseRoute(routeHash(r)), r);
    }
  });
});

describe("routeFromQuery", () => {
  const cases: Array<[string, Route | null]> = [
    ["", null],
    ["?", null],
    ["?match=", null],
    ["?x=1", null],
    ["?match=3f2a-11", { view: "play", match: "3f2a-11" }],
    ["?x=1&match=a%2Fb", { view: "play", match: "a/b" }],
    ["match=m1", { view: "play", match: "m1" }],
  ];
  for (const [search, want] of cases) it(JSON.stringify(search), () => assert.deepEqual(routeFromQuery(search), want));

  it("is a route the hash keeps", () => {
    const r = routeFromQuery("?match=x y")!;
    assert.deepEqual(parseRoute(routeHash(r)), r);
  });
});
