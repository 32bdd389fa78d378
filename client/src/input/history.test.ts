import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InputHistory } from "./history";

const idle = { moveX: 0, moveY: 0, aim: 0, buttons: 0 };

describe("InputHistory", () => {
  it("stamps seq +1 per input starting at 1", () => {
    const h = new InputHistory();
    assert.deepEqual([h.record(idle).seq, h.record(idle).seq, h.record(idle).seq], [1, 2, 3]);
    assert.equal(h.next, 4);
  });

  it("keeps unacknowledged inputs in order and drops acked ones", () => {
    const h = new InputHistory();
    for (let i = 0; i < 5; i++) h.record({ ...idle, aim: i });
    h.ack(3);
    assert.deepEqual(h.pending().map((c) => [c.seq, c.aim]), [[4, 3], [5, 4]]);
    h.ack(2); // an old ack changes nothing
    assert.equal(h.pending().length, 2);
    h.ack(99);
    assert.equal(h.pending().length, 0);
  });

  it("is bounded: the oldest fall off", () => {
    const h = new InputHistory(3);
    for (let i = 0; i < 10; i++) h.record(idle);
    assert.deepEqual(h.pending().map((c) => c.seq), [8, 9, 10]);
  });

  it("skip uses up seqs without recording inputs (steps dropped after a stall)", () => {
    const h = new InputHistory();
    h.record({ moveX: 1, moveY: 0, aim: 0, buttons: 0 }, 10);
    h.skip(3);
    const c = h.record({ moveX: 0, moveY: 1, aim: 0, buttons: 0 }, 150);
    assert.equal(c.seq, 5);
    assert.deepEqual(h.pending().map((p) => p.seq), [1, 5]);
    h.ack(4);
    assert.equal(h.lastAckedAt, 10);
    assert.deepEqual(h.pending().map((p) => [p.seq, p.at]), [[5, 150]]);
  });
});
