// The in-game network overlay (issue 6): what the connection is doing, drawn
// over the arena's bottom-right corner, above the ping, while the player
// toggles it on with N (the bottom-left holds the page's toolbar).
// Valve's net_graph is the model: a few live figures, always the same place.
import { panelAlpha, type Rect } from "./layout";

/** The key that shows and hides the overlay (KeyboardEvent.code), and its hint in the HUD. */
export const NET_OVERLAY_KEY = "KeyN";
export const NET_OVERLAY_HINT = "N: network";

/** What the overlay shows. Times in ms, rates per second; null when not known yet. */
export interface NetReadings {
  /** Smoothed round trip time, SRTT of RFC 6298. */
  rttMs: number | null;
  /** Its variation, RTTVAR of RFC 6298. */
  rttVarMs: number | null;
  /** Interarrival jitter of snapshots, RFC 3550 §6.4.1. */
  jitterMs: number | null;
  snapshotsPerSec: number;
  /** Message bytes (msgpack payloads, no WebSocket/TCP/IP headers). */
  bytesInPerSec: number;
  bytesOutPerSec: number;
  /** How far in the past other players are drawn, and where that delay is heading. */
  delayMs: number | null;
  targetDelayMs: number | null;
  /** Mispredictions of your own player per second, and the size of the last one (world units). */
  correctionsPerSec: number;
  lastCorrection: number | null;
  /** Times the connection was re-established (no reconnect exists yet: 0). */
  reconnects: number;
}

/** A duration for people: one decimal under 10 ms, whole ms above; "–" when unknown. */
export function formatMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "–";
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** A byte rate for people: B/s under 1000, else kB/s with one decimal. */
export function formatRate(bytesPerSec: number): string {
  return bytesPerSec < 1000 ? `${Math.round(bytesPerSec)} B/s` : `${(bytesPerSec / 1000).toFixed(1)} kB/s`;
}

/** The overlay's rows, [label, value], in the order drawn. */
export function netLines(r: NetReadings): Array<[string, string]> {
  const rtt = r.rttMs === null ? "–" : `${formatMs(r.rttMs)} ± ${formatMs(r.rttVarMs)}`;
  const delay = r.delayMs === null ? "–" : `${formatMs(r.delayMs)} → ${formatMs(r.targetDelayMs)}`;
  const last = r.lastCorrection === null || r.lastCorrection === 0 ? "" : `, last ${r.lastCorrection.toFixed(1)} u`;
  return [
    ["RTT", rtt],
    ["Jitter", formatMs(r.jitterMs)],
    ["Snapshots", `${r.snapshotsPerSec.toFixed(1)}/s`],
    ["In", formatRate(r.bytesInPerSec)],
    ["Out", formatRate(r.bytesOutPerSec)],
    ["Interp delay", delay],
    ["Corrections", `${r.correctionsPerSec.toFixed(1)}/s${last}`],
    ["Reconnects", String(r.reconnects)],
  ];
}

const FONT = "ui-monospace, 'SF Mono', Menlo, Consolas, monospace";
const ROW_H = 17;
const PAD = 10;
const LABEL_W = 104;
const PANEL_W = 260;

/**
 * Draws the overlay in the bottom-right corner of a cssW×cssH canvas (CSS px),
 * above the HUD's ping line,
 * faded over any of players (screen rectangles) as the HUD's panels are.
 */
export function drawNetOverlay(
  ctx: CanvasRenderingContext2D,
  r: NetReadings,
  cssW: number,
  cssH: number,
  players: readonly Rect[] = [],
): void {
  const rows = netLines(r);
  const w = Math.min(PANEL_W, cssW - 24);
  const h = PAD * 2 + ROW_H * (rows.length + 1);
  const x = cssW - w - 12;
  const y = cssH - h - 32;
  ctx.save();
  ctx.globalAlpha = panelAlpha({ x, y, w, h }, players);
  ctx.fillStyle = "rgba(10,13,20,0.82)";
  ctx.beginPath();
  ctx.roundRect(x, y, w, h, 8);
  ctx.fill();
  ctx.textBaseline = "middle";
  ctx.textAlign = "left";
  ctx.font = `700 11px ${FONT}`;
  ctx.fillStyle = "#94a3b8";
  ctx.fillText("NETWORK · N hides", x + PAD, y + PAD + ROW_H / 2);
  ctx.font = `12px ${FONT}`;
  rows.forEach(([label, value], i) => {
    const ry = y + PAD + ROW_H * (i + 1) + ROW_H / 2;
    ctx.fillStyle = "#94a3b8";
    ctx.fillText(label, x + PAD, ry);
    ctx.fillStyle = "#e2e8f0";
    ctx.fillText(value, x + PAD + LABEL_W, ry);
  });
  ctx.restore();
}
