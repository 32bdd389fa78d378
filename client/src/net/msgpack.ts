// @msgpack/msgpack's decoder set up for the player wire (PROTOCOL.md §1.2).
// Every value the MessagePack spec allows decodes, so that an element this
// client does not read can always be ignored, exactly as the server's decoder
// skips it (netcode/decode.go, valueEnd): what makes a frame malformed is the
// same on both sides (truncation, a declared length beyond the frame, the
// reserved code 0xc1, bytes after the message, an ignored element nested
// more than 16 levels below itself), pinned by the shared golden vectors in
// netcode/testdata/wire_vectors.json. Pure: no sockets, no clocks.
import { Decoder, type DecoderOptions, ExtData, type ExtensionCodecType } from "@msgpack/msgpack";
import { ValidationError } from "../validate";

/**
 * How many levels below itself an ignored element may nest: the element is
 * level 0, so `[[…[]…]]` with 17 brackets is the deepest allowed
 * (netcode/decode.go maxSkipDepth).
 */
export const MAX_IGNORED_DEPTH = 16;

// Extensions stay opaque ExtData, timestamps (type -1) included: the protocol
// uses none, and the library's default codec throws on a timestamp whose
// length is not 4, 8 or 12, which is still a well-formed ext to skip.
const opaqueExtensions: ExtensionCodecType<undefined> = {
  tryToEncode: () => null,
  decode: (data, type) => new ExtData(type, data),
};

// The protocol has no maps, so a map is always inside an ignored element and
// its keys are never read. Not decoding string keys at all also keeps the
// library from refusing the key "__proto__" (and from ever writing it).
const unreadKeys: NonNullable<DecoderOptions["keyDecoder"]> = {
  canBeCached: () => true,
  decode: () => "",
};

/**
 * Decodes one frame into plain values: arrays, numbers, strings, booleans,
 * null, Uint8Array (bin), ExtData (every ext) and, inside ignored elements
 * only, map objects whose property names are opaque (see mapKeys). Integers
 * wider than 32 bits arrive as numbers rounded to nearest (the library's
 * default, useBigInt64 off), as the server's float64 conversion rounds them;
 * validate.ts's int() refuses a rounded one, so an integer field is never
 * silently wrong. Throws the library's DecodeError or RangeError on a
 * malformed frame.
 */
export function decodeFrame(frame: ArrayBuffer | Uint8Array): unknown {
  const bytes = frame instanceof Uint8Array ? frame : new Uint8Array(frame);
  // Every element takes at least one byte, so a declared length beyond the
  // frame is refused before the library allocates for it, as on the server.
  const n = bytes.byteLength;
  return new Decoder({
    extensionCodec: opaqueExtensions,
    keyDecoder: unreadKeys,
    mapKeyConverter: mapKeys(),
    maxStrLength: n,
    maxBinLength: n,
    maxExtLength: n,
    maxArrayLength: n,
    maxMapLength: n,
  }).decode(bytes);
}

/**
 * Checks that an element this client does not read may be ignored: it nests
 * at most MAX_IGNORED_DEPTH levels below itself, keys of maps included.
 * Throws ValidationError naming `what` otherwise.
 */
export function checkIgnorable(v: unknown, what: string): void {
  if (height(v, MAX_IGNORED_DEPTH) > MAX_IGNORED_DEPTH) {
    throw new ValidationError(`${what}: an ignored element nested more than ${MAX_IGNORED_DEPTH} levels deep`);
  }
}

// A map's keys count toward its nesting, but the library turns every key
// into a property name. So each key becomes "<height>:<n>": its height, for
// checkIgnorable, and a counter, so that equal keys do not overwrite each
// other's values (whose heights count too).
function mapKeys(): (key: unknown) => string {
  let n = 0;
  return (key) => `${height(key, MAX_IGNORED_DEPTH)}:${n++}`;
}

/**
 * How many levels v nests below itself, looking at most `limit` levels down:
 * a result above `limit` means deeper than that (the walk stops there, so a
 * frame of 60,000 nested arrays costs no deep recursion).
 */
function height(v: unknown, limit: number): number {
  let h = 0;
  if (Array.isArray(v)) {
    for (const el of v) {
      h = Math.max(h, 1 + (limit > 0 ? height(el, limit - 1) : 0));
      if (h > limit) return h;
    }
  } else if (isMap(v)) {
    for (const [name, value] of Object.entries(v)) {
      h = Math.max(h, 1 + parseInt(name, 10), 1 + (limit > 0 ? height(value, limit - 1) : 0));
      if (h > limit) return h;
    }
  }
  return h;
}

/** A decoded msgpack map: a plain object (ExtData and Uint8Array are not). */
function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}
