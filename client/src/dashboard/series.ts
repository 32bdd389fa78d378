// The dashboard's data, kept pure (no DOM, no clock) so it is tested under
// Node: the samples of the admin stream (docs/ADMIN.md) parsed and kept as
// the columns uPlot draws.
import { ValidationError, num, uint } from "../validate";

/** One sample of the server, as GET /admin/stream sends it. */
export interface Sample {
  t: number; // Unix time, ms
  matches: number;
  humans: number;
  bots: number;
  held: number;
  spectators: number;
  ticks: number;
  tickP50: number; // ms
  tickP99: number; // ms
  bytesOut: number; // bytes per second to players
}

const COUNTS = ["t", "matches", "humans", "bots", "held", "spectators", "ticks"] as const;
const RATES = ["tickP50", "tickP99", "bytesOut"] as const;

/** Parses one sample object; throws ValidationError naming the bad field. */
export function parseSample(v: unknown): Sample {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ValidationError("sample: want an object");
  const o = v as Record<string, unknown>;
  const s = {} as Record<string, number>;
  for (const k of COUNTS) s[k] = uint(o[k], `sample.${k}`);
  for (const k of RATES) s[k] = num(o[k], `sample.${k}`);
  return s as unknown as Sample;
}

/** Parses the stream's `history` event: an array of samples, oldest first. */
export function parseHistory(v: unknown): Sample[] {
  if (!Array.isArray(v)) throw new ValidationError("history: want an array");
  return v.map(parseSample);
}

/** Columns for uPlot: x in seconds, then one array per series. */
export type Columns = [number[], ...number[][]];

/** The samples of the last `keep`, in arrival order. */
export class Series {
  private samples: Sample[] = [];

  constructor(private readonly keep: number) {}

  /** Replaces everything with a history (a reconnected stream sends it anew). */
  reset(history: readonly Sample[]): void {
    this.samples = history.slice(-this.keep);
  }

  /** Adds one sample, dropping the oldest beyond `keep`; an older or repeated time is ignored. */
  push(s: Sample): void {
    const last = this.samples[this.samples.length - 1];
    if (last && s.t <= last.t) return;
    this.samples.push(s);
    if (this.samples.length > this.keep) this.samples.splice(0, this.samples.length - this.keep);
  }

  /** The newest sample, if any. */
  latest(): Sample | undefined {
    return this.samples[this.samples.length - 1];
  }

  /** uPlot columns: time (s) and the named fields. */
  columns(fields: ReadonlyArray<keyof Sample>): Columns {
    const x = this.samples.map((s) => s.t / 1000);
    return [x, ...fields.map((f) => this.samples.map((s) => s[f]))];
  }
}

/** Bytes per second in words: "0 B/s", "512 B/s", "1.5 KB/s", "2.3 MB/s" (decimal units). */
export function formatRate(bytesPerSecond: number): string {
  const units = ["B/s", "KB/s", "MB/s", "GB/s"];
  let v = Math.max(0, bytesPerSecond);
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}
