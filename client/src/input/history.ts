// The inputs sent but not yet acknowledged by the server (seq → input).
// Client-side prediction (net/prediction) owns one and replays these on top
// of each authoritative snapshot.
import type { InputCmd } from "../net/protocol";

/** A bounded, seq-ordered buffer of sent inputs. Oldest entries fall off when full. */
export class InputHistory {
  private items: InputCmd[] = [];
  private nextSeq = 1;

  /** capacity: most inputs kept (a few seconds of ticks; prediction never needs more). */
  constructor(private readonly capacity = 128) {
    if (!(capacity >= 1)) throw new RangeError(`capacity must be at least 1, got ${capacity}`);
  }

  /** Stamps the next sequence number on an input, records it and returns it. */
  record(input: Omit<InputCmd, "seq">): InputCmd {
    const cmd: InputCmd = { ...input, seq: this.nextSeq };
    this.nextSeq = (this.nextSeq + 1) >>> 0 || 1; // u32 on the wire; 0 means "none acked"
    this.items.push(cmd);
    if (this.items.length > this.capacity) this.items.shift();
    return cmd;
  }

  /** Drops every input the server has applied (seq ≤ ackSeq). */
  ack(ackSeq: number): void {
    let n = 0;
    while (n < this.items.length && (this.items[n]?.seq ?? Infinity) <= ackSeq) n++;
    if (n > 0) this.items.splice(0, n);
  }

  /** The inputs not yet acknowledged, oldest first. Do not modify. */
  pending(): readonly InputCmd[] {
    return this.items;
  }

  /** The seq the next recorded input gets. */
  get next(): number {
    return this.nextSeq;
  }
}
