import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValidationError } from "../validate";
import { parseMap } from "./map";

describe("parseMap", () => {
  it("accepts the Go game.Map JSON", () => {
    const m = parseMap(JSON.parse(`{"id":"arena","name":"Arena","width":1600,"height":900,
      "walls":[{"x":0,"y":0,"w":1600,"h":20}],"spawns":[{"x":100,"y":100}]}`));
    assert.deepEqual(m, {
      id: "arena", name: "Arena", width: 1600, height: 900,
      walls: [{ x: 0, y: 0, w: 1600, h: 20 }], spawns: [{ x: 100, y: 100 }],
    });
  });

  const bad: Array<[string, unknown]> = [
    ["not an object", []],
    ["missing walls", { id: "a", name: "A", width: 1, height: 1, spawns: [] }],
    ["wall without h", { id: "a", name: "A", width: 1, height: 1, walls: [{ x: 0, y: 0, w: 1 }], spawns: [] }],
    ["string size", { id: "a", name: "A", width: "1", height: 1, walls: [], spawns: [] }],
    ["zero size", { id: "a", name: "A", width: 0, height: 1, walls: [], spawns: [] }],
  ];
  for (const [name, v] of bad) {
    it(`rejects ${name}`, () => assert.throws(() => parseMap(v), ValidationError));
  }
});
