// Close codes and join errors (PROTOCOL.md §1.6–1.7) in words a player reads.

/** The documented reason text the server puts in each close frame. */
export const CLOSE_REASONS: Readonly<Record<number, string>> = {
  1000: "bye",
  1001: "server shutting down",
  1003: "binary frames only",
  1007: "not msgpack",
  1008: "too many errors",
  1009: "message too big",
  1011: "internal error",
  4000: "bad hello",
  4001: "match not found",
  4002: "match full",
  4003: "hello timeout",
  4004: "ping timeout",
  4005: "match over",
  4006: "resume refused",
  4007: "replaced",
  4008: "too slow",
  4009: "server busy",
  4010: "kicked",
};

const HUMAN: Readonly<Record<number, string>> = {
  1000: "Disconnected",
  1001: "Server shutting down",
  1003: "Protocol error (text frame)",
  1006: "Connection lost",
  1007: "Protocol error (not msgpack)",
  1008: "Disconnected after too many protocol errors",
  1009: "Protocol error (message too big)",
  1011: "Server error",
  4000: "The server refused this client (bad hello)",
  4001: "Match not found",
  4002: "Match full",
  4003: "Timed out joining the match",
  4004: "Connection timed out",
  4005: "Match over",
  4006: "Your seat is gone",
  4007: "Playing in another tab",
  4008: "Connection too slow to keep up",
  4009: "Server busy, try again",
  4010: "Removed from the match by the server's host",
};

/** The message to show when the connection closed with code (and the server's reason text). */
export function closeMessage(code: number, reason: string): string {
  const human = HUMAN[code];
  if (human) return human;
  if (reason) return `Disconnected: ${reason}`;
  return `Disconnected (code ${code})`;
}

/** The reason to report: the server's, else the documented text for the code. */
export function closeReason(code: number, reason: string): string {
  return reason || CLOSE_REASONS[code] || "";
}
