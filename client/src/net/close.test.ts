import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { closeMessage, closeReason } from "./close";

describe("closeMessage", () => {
  const cases: Array<[number, string, string]> = [
    [1001, "server shutting down", "Server shutting down"],
    [4005, "match over", "Match over"],
    [4002, "", "Match full"],
    [4010, "kicked", "Removed from the match by the server's host"],
    [1006, "", "Connection lost"],
    [4999, "new reason", "Disconnected: new reason"],
    [4999, "", "Disconnected (code 4999)"],
  ];
  for (const [code, reason, want] of cases) it(`${code} ${reason}`, () => assert.equal(closeMessage(code, reason), want));
});

describe("closeReason", () => {
  it("prefers the server's text", () => assert.equal(closeReason(1001, "draining"), "draining"));
  it("falls back to the documented text", () => assert.equal(closeReason(4005, ""), "match over"));
  it("knows the kick", () => assert.equal(closeReason(4010, ""), "kicked"));
  it("is empty for an undocumented code without text", () => assert.equal(closeReason(1006, ""), ""));
});
