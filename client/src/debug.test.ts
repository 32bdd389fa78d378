import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  debug, DRAWN_FRAMES, installDebug, RECONCILED, recordFrame, recordReconciliation, resetDebug,
  type DebugReconciliation, type PublicDebugView,
} from "./debug";

function reconciliation(t: number): DebugReconciliation {
  return {
    t, tick: t, error: 0.1, predicting: true, snapped: false, provisional: false,
    server: { x: 1, y: 2 }, before: { x: 1, y: 2 }, after: null,
  };
}

describe("window.skirmish logs", () => {
  const w = {} as Window & { skirmish: PublicDebugView };
  installDebug(w);

  it("keep the newest frames and reconciliations, and hand out copies of those after t", () => {
    resetDebug("playing");
    for (let t = 1; t <= DRAWN_FRAMES + 5; t++) recordFrame({ t, at: t + 0.5, renderTime: 0, players: [{ id: 1, x: t, y: 0 }], view: null });
    for (let t = 1; t <= RECONCILED + 5; t++) recordReconciliation(reconciliation(t));
    assert.equal(debug.drawn.length, DRAWN_FRAMES);
    assert.equal(debug.reconciled.length, RECONCILED);

    const frames = w.skirmish.framesSince(DRAWN_FRAMES + 3);
    assert.deepEqual(frames.map((f) => f.t), [DRAWN_FRAMES + 4, DRAWN_FRAMES + 5]);
    (frames[0] as { players: Array<{ x: number }> }).players[0]!.x = -1;
    assert.equal(debug.drawn[DRAWN_FRAMES - 2]!.players[0]!.x, DRAWN_FRAMES + 4, "a copy, not the log");

    const rs = w.skirmish.reconciledSince(RECONCILED + 4);
    assert.deepEqual(rs, [reconciliation(RECONCILED + 5)]);
    rs[0]!.server.x = -1;
    assert.equal(debug.reconciled[RECONCILED - 1]!.server.x, 1, "a copy, not the log");
    assert.equal("reconciled" in w.skirmish || "drawn" in w.skirmish, false, "the logs are read through their readers only");
  });
});
