// The inputs sent but not yet acknowledged by the server (seq → input).
// Client-side prediction (net/prediction) owns one and replays these on top
// of each authoritative snapshot.
import type { InputCmd } from "../net/protocol";

/** An input with the time its step was scheduled for (ms, the pacer's clock). */
export interface TimedInput extends InputCmd {
  at: number;
}

/** A bounded, seq-ordered buffer of sent inputs. Oldest entries fall off when full. */
export class InputHistory {
  private items: TimedInput[] = [];
  private nextSeq = 1;
  private ackedAt: number | null = null;

  /** capacity: most inputs kept (a few seconds of ticks; prediction never needs more). */
  constructor(private readonly capacity = 128) {
    if (!(capacity >= 1)) throw new RangeError(`capacity must be at least 1, got ${capacity}`);
  }

  /** Stamps the next sequence number on an input scheduled at atMs, records it and returns it. */
  record(input: Omit<InputCmd, "seq">, atMs = 0): TimedInput {
    const cmd: TimedInput = { ...input, seq: this.nextSeq, at: atMs };
    this.nextSeq = next(this.nextSeq);
    this.items.push(cmd);
    if (this.items.length > this.capacity) this.items.shift();
    return cmd;
  }

  /**
   * Uses up n sequence numbers without recording inputs for them: steps the
   * input clock dropped. The server keeps one slot per tick (PROTOCOL.md
   * §1.4), so seqs must keep pace with the clock even when nothing is sent.
   */
  skip(n: number): void {
    for (let i = 0; i < n; i++) this.nextSeq = next(this.nextSeq);
  }

  /** Drops every input the server has consumed (seq ≤ ackSeq). */
  ack(ackSeq: number): void {
    let n = 0;
    while (n < this.items.length && (this.items[n]?.seq ?? Infinity) <= ackSeq) n++;
    if (n > 0) {
      this.ackedAt = this.items[n - 1]?.at ?? this.ackedAt;
      this.items.splice(0, n);
    }
  }

  /** The inputs not yet acknowledged, oldest first. Do not modify. */
  pending(): readonly TimedInput[] {
    return this.items;
  }

  /** The scheduled time of the newest input acknowledged so far, or null. */
  get lastAckedAt(): number | null {
    return this.ackedAt;
  }

  /** The seq the next recorded input gets. */
  get next(): number {
    return this.nextSeq;
  }
}

// u32 on the wire; 0 means "none acked".
function next(seq: number): number {
  return (seq + 1) >>> 0 || 1;
}
