// Small validators that narrow decoded data (msgpack arrays, JSON objects) from
// `unknown` to exact types. Everything that crosses the network goes through
// these, so a malformed message fails loudly at the edge with a message that
// names the offending field instead of leaking `undefined` into the renderer.

/** A decoded message that does not have the documented shape. */
export class ValidationError extends Error {
  override name = "ValidationError";
}

function fail(what: string, want: string, got: unknown): never {
  const kind = got === null ? "null" : Array.isArray(got) ? "array" : typeof got;
  throw new ValidationError(`${what}: want ${want}, got ${kind}`);
}

/** A finite number (msgpack int or float, JSON number). */
export function num(v: unknown, what: string): number {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "bigint") return Number(v);
  return fail(what, "a finite number", v);
}

/**
 * An integer (any msgpack integer width) that a number holds exactly. A
 * 64-bit integer beyond 2^53 − 1 arrives rounded, so it is refused rather
 * than silently wrong.
 */
export function int(v: unknown, what: string): number {
  const n = num(v, what);
  if (!Number.isInteger(n)) fail(what, "an integer", v);
  if (!Number.isSafeInteger(n)) throw new ValidationError(`${what}: ${n} is beyond 2^53 − 1, so not exact`);
  return n;
}

/** A non-negative integer. */
export function uint(v: unknown, what: string): number {
  const n = int(v, what);
  if (n < 0) throw new ValidationError(`${what}: want a non-negative integer, got ${n}`);
  return n;
}

/** A string. */
export function str(v: unknown, what: string): string {
  return typeof v === "string" ? v : fail(what, "a string", v);
}

/** A boolean. */
export function bool(v: unknown, what: string): boolean {
  return typeof v === "boolean" ? v : fail(what, "a boolean", v);
}

/** An array of anything (the caller narrows the elements). */
export function arr(v: unknown, what: string): unknown[] {
  return Array.isArray(v) ? v : fail(what, "an array", v);
}

/** A plain object (not null, not an array). */
export function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  return fail(what, "an object", v);
}

/** Maps every element of an array through a narrowing function, naming its index on failure. */
export function each<T>(v: unknown, what: string, f: (el: unknown, what: string) => T): T[] {
  return arr(v, what).map((el, i) => f(el, `${what}[${i}]`));
}

/**
 * A positional array (a msgpack message or element). Elements past the ones
 * read are ignored, so later protocol versions can append fields (the reader
 * vets them with ignoreAfter); a missing element is an error.
 */
export class Tuple {
  private readonly items: unknown[];

  constructor(
    v: unknown,
    private readonly what: string,
  ) {
    this.items = arr(v, what);
  }

  /** The number of elements actually present. */
  get length(): number {
    return this.items.length;
  }

  /** The raw element at i; throws if it is missing. */
  at(i: number, name: string): unknown {
    if (i >= this.items.length) {
      throw new ValidationError(`${this.what}: missing element ${i} (${name}), have ${this.items.length}`);
    }
    return this.items[i];
  }

  num(i: number, name: string): number {
    return num(this.at(i, name), `${this.what}.${name}`);
  }

  int(i: number, name: string): number {
    return int(this.at(i, name), `${this.what}.${name}`);
  }

  uint(i: number, name: string): number {
    return uint(this.at(i, name), `${this.what}.${name}`);
  }

  str(i: number, name: string): string {
    return str(this.at(i, name), `${this.what}.${name}`);
  }

  each<T>(i: number, name: string, f: (el: unknown, what: string) => T): T[] {
    return each(this.at(i, name), `${this.what}.${name}`, f);
  }

  /**
   * Passes every element after the first `known` (the ones a later version
   * appended) to `check`, with its name for errors, for the rules that bound
   * even ignored elements.
   */
  ignoreAfter(known: number, check: (el: unknown, what: string) => void): void {
    for (let i = known; i < this.items.length; i++) check(this.items[i], `${this.what}[${i}]`);
  }
}

/** Field readers for a JSON object, naming the field on failure. */
export class Fields {
  private readonly o: Record<string, unknown>;

  constructor(
    v: unknown,
    private readonly what: string,
  ) {
    this.o = obj(v, what);
  }

  private get(key: string): unknown {
    if (!(key in this.o)) throw new ValidationError(`${this.what}: missing field "${key}"`);
    return this.o[key];
  }

  num(key: string): number {
    return num(this.get(key), `${this.what}.${key}`);
  }

  int(key: string): number {
    return int(this.get(key), `${this.what}.${key}`);
  }

  uint(key: string): number {
    return uint(this.get(key), `${this.what}.${key}`);
  }

  str(key: string): string {
    return str(this.get(key), `${this.what}.${key}`);
  }

  bool(key: string): boolean {
    return bool(this.get(key), `${this.what}.${key}`);
  }

  each<T>(key: string, f: (el: unknown, what: string) => T): T[] {
    return each(this.get(key), `${this.what}.${key}`, f);
  }
}
