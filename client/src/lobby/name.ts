// Player names as the server accepts them (PROTOCOL.md §1.4): trimmed, at
// most 16 characters (code points), no control or format characters. The
// lobby cleans what was typed so a join is never refused for the name: a
// format character is common in pasted text and inside emoji (the zero width
// joiner of 👨‍👩‍👧), and the refusal would repeat on every Quick play.

/** The most characters (code points) in a name. */
export const MAX_NAME = 16;

// Cc and Cf, the classes the server refuses (Go's unicode.IsControl and Cf).
const FORBIDDEN = /[\p{Cc}\p{Cf}]/gu;
// A UTF-16 surrogate without its partner cannot be sent as UTF-8.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The name to send for what was typed: control and format characters removed,
 * lone surrogates replaced, white space trimmed, cut to MAX_NAME characters.
 * "" lets the server pick its default ("player").
 */
export function cleanName(raw: string): string {
  const s = raw.replace(LONE_SURROGATE, "\uFFFD").replace(FORBIDDEN, "").trim();
  return clipName(s).trim();
}

/** s cut to MAX_NAME characters (code points, so a surrogate pair is never split). */
export function clipName(s: string): string {
  const chars = Array.from(s);
  return chars.length <= MAX_NAME ? s : chars.slice(0, MAX_NAME).join("");
}
