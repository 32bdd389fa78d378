// The heads-up display, drawn in screen space (CSS pixels) over the arena:
// match timer and phase, phase banner, scoreboard, kill feed, ping with the
// network overlay's key, and the overlay itself while it is on.
import { formatClock } from "../lobby/api";
import { rankScoreboard } from "../match/model";
import { hudLayout, panelAlpha, playerColor, TIMER_W, type HudLayout, type Rect } from "./layout";
import { playerLabel } from "./label";
import { drawNetOverlay, formatMs } from "./netoverlay";
import type { View } from "./view";

const FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif";
const PANEL = "rgba(10,13,20,0.72)";
const TEXT = "#e2e8f0";
const MUTED = "#94a3b8";

/**
 * Draws the HUD for view on a cssW×cssH canvas (the context's transform is CSS
 * px). players are where the live players are on screen: a panel over one is
 * drawn faded so nobody hides under the HUD.
 */
export function drawHud(
  ctx: CanvasRenderingContext2D,
  view: View,
  cssW: number,
  cssH: number,
  nowMs: number,
  players: readonly Rect[] = [],
): void {
  ctx.save();
  const clock = view.phase === "live" ? formatClock(view.timeLeft) || "–:––" : "";
  const layout = hudLayout(cssW, clock ? 54 : 30);
  drawTimer(ctx, view, clock, layout, players);
  drawScoreboard(ctx, view, layout, players);
  drawKillFeed(ctx, view, layout, players);
  drawBanner(ctx, view, cssW, cssH, nowMs);
  drawCorner(ctx, view, cssW, cssH);
  if (view.net) drawNetOverlay(ctx, view.net, cssW, cssH, players);
  ctx.restore();
}

function panel(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number): void {
  ctx.fillStyle = PANEL;
  ctx.beginPath();
  ctx.roundRect(x, y, w, h, 8);
  ctx.fill();
}

function phaseLabel(view: View): string {
  switch (view.phase) {
    case "waiting":
      return "WARM-UP";
    case "countdown":
      return "GET READY";
    case "live":
      return view.scoreLimit > 0 ? `FIRST TO ${view.scoreLimit}` : "LIVE";
    case "ended":
      return "MATCH OVER";
  }
}

function drawTimer(ctx: CanvasRenderingContext2D, view: View, clock: string, l: HudLayout, players: readonly Rect[]): void {
  const w = TIMER_W;
  const x = l.timerX;
  const h = clock ? 54 : 30;
  ctx.globalAlpha = panelAlpha({ x, y: 10, w, h }, players);
  panel(ctx, x, 10, w, h);
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  ctx.fillStyle = MUTED;
  ctx.font = `700 11px ${FONT}`;
  ctx.fillText(view.label ? `${view.label} · ${phaseLabel(view)}` : phaseLabel(view), x + w / 2, 19);
  if (clock) {
    ctx.fillStyle = view.timeLeft !== null && view.timeLeft < 30 ? "#fca5a5" : TEXT;
    ctx.font = `700 24px ${FONT}`;
    ctx.fillText(clock, x + w / 2, 34);
  }
  ctx.globalAlpha = 1;
}

function drawScoreboard(ctx: CanvasRenderingContext2D, view: View, l: HudLayout, players: readonly Rect[]): void {
  const rows = rankScoreboard(view.scores).slice(0, 12);
  if (rows.length === 0) return;
  const w = l.boardW;
  const rowH = 22;
  const x = l.boardX;
  const y = 10;
  const h = 30 + rows.length * rowH;
  ctx.globalAlpha = panelAlpha({ x, y, w, h }, players);
  panel(ctx, x, y, w, h);
  ctx.textBaseline = "middle";
  ctx.font = `700 11px ${FONT}`;
  ctx.fillStyle = MUTED;
  ctx.textAlign = "left";
  ctx.fillText("PLAYER", x + 12, y + 16);
  ctx.textAlign = "right";
  ctx.fillText("K", x + w - 44, y + 16);
  ctx.fillText("D", x + w - 14, y + 16);
  rows.forEach((p, i) => {
    const ry = y + 30 + i * rowH + rowH / 2;
    if (p.id === view.you) {
      ctx.fillStyle = "rgba(255,255,255,0.08)";
      ctx.fillRect(x + 4, ry - rowH / 2 + 1, w - 8, rowH - 2);
    }
    ctx.fillStyle = playerColor(p.id, 58);
    ctx.beginPath();
    ctx.arc(x + 16, ry, 5, 0, Math.PI * 2);
    ctx.fill();
    ctx.font = `${p.id === view.you ? 700 : 500} 13px ${FONT}`;
    ctx.textAlign = "left";
    ctx.fillStyle = p.alive ? TEXT : MUTED;
    ctx.fillText(clip(ctx, playerLabel(p), w - 90), x + 28, ry);
    ctx.textAlign = "right";
    ctx.fillStyle = TEXT;
    ctx.fillText(String(p.kills), x + w - 44, ry);
    ctx.fillStyle = MUTED;
    ctx.fillText(String(p.deaths), x + w - 14, ry);
  });
  ctx.globalAlpha = 1;
}

function drawKillFeed(ctx: CanvasRenderingContext2D, view: View, l: HudLayout, players: readonly Rect[]): void {
  ctx.font = `600 13px ${FONT}`;
  ctx.textBaseline = "middle";
  ctx.textAlign = "left";
  let y = l.feedY;
  for (const k of view.killFeed) {
    const killer = k.killer === 0 ? "☠" : k.killerName;
    const mid = "  ▸  ";
    const w = ctx.measureText(killer + mid + k.victimName).width + 20;
    ctx.globalAlpha = k.alpha * panelAlpha({ x: 12, y: y - 12, w, h: 24 }, players);
    panel(ctx, 12, y - 12, w, 24);
    let x = 22;
    ctx.fillStyle = k.killer === 0 ? MUTED : playerColor(k.killer, 68);
    ctx.fillText(killer, x, y);
    x += ctx.measureText(killer).width;
    ctx.fillStyle = MUTED;
    ctx.fillText(mid, x, y);
    x += ctx.measureText(mid).width;
    ctx.fillStyle = playerColor(k.victim, 68);
    ctx.fillText(k.victimName, x, y);
    y += 28;
  }
  ctx.globalAlpha = 1;
}

function drawBanner(ctx: CanvasRenderingContext2D, view: View, cssW: number, cssH: number, nowMs: number): void {
  let title = "";
  let sub = "";
  if (view.ended) {
    return; // the page's overlay shows the result and the final scoreboard
  } else if (view.notice) {
    // The picture is frozen: say so rather than show a countdown that stopped.
    sub = view.notice;
  } else if (view.phase === "countdown") {
    title = view.timeLeft !== null ? String(Math.max(1, Math.ceil(view.timeLeft))) : "Get ready";
    sub = "Match starting";
  } else if (view.phase === "waiting") {
    sub = "Waiting for players…";
  } else if (view.you !== 0) {
    const me = view.players.find((p) => p.id === view.you);
    if (me && !me.alive) {
      title = "You died";
      sub = respawnText(view.respawnIn);
    }
  }
  if (!title && !sub) return;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  const cy = cssH * 0.3;
  if (title) {
    const pulse = view.phase === "countdown" ? 1 + 0.06 * Math.sin(nowMs / 80) : 1;
    ctx.font = `800 ${Math.round(44 * pulse)}px ${FONT}`;
    ctx.lineWidth = 6;
    ctx.strokeStyle = "rgba(0,0,0,0.6)";
    ctx.strokeText(title, cssW / 2, cy);
    ctx.fillStyle = "#f8fafc";
    ctx.fillText(title, cssW / 2, cy);
  }
  if (sub) {
    ctx.font = `600 16px ${FONT}`;
    ctx.lineWidth = 4;
    ctx.strokeStyle = "rgba(0,0,0,0.6)";
    const sy = title ? cy + 40 : cy;
    ctx.strokeText(sub, cssW / 2, sy);
    ctx.fillStyle = "#cbd5e1";
    ctx.fillText(sub, cssW / 2, sy);
  }
}

/** The line under "You died": a whole-second countdown when the wait is known. */
export function respawnText(seconds: number | null): string {
  if (seconds === null || !(seconds > 0)) return "Respawning…";
  return `Respawning in ${Math.ceil(seconds)}`;
}

function drawCorner(ctx: CanvasRenderingContext2D, view: View, cssW: number, cssH: number): void {
  const text = cornerText(view.pingMs, view.netHint ?? "");
  if (!text) return;
  ctx.font = `600 12px ${FONT}`;
  ctx.textAlign = "right";
  ctx.textBaseline = "bottom";
  const ms = view.pingMs ?? 0;
  ctx.fillStyle = view.pingMs === null ? MUTED : ms < 80 ? "#4ade80" : ms < 160 ? "#facc15" : "#f87171";
  ctx.fillText(text, cssW - 14, cssH - 10);
}

/** The bottom-right corner's line: the ping (one decimal under 10 ms) and the overlay's key. */
export function cornerText(pingMs: number | null, hint: string): string {
  const ping = pingMs === null ? "" : `ping ${formatMs(pingMs)}`;
  return [ping, hint].filter((s) => s !== "").join(" · ");
}

/** Shortens text with an ellipsis to fit maxW pixels in the current font. */
function clip(ctx: CanvasRenderingContext2D, text: string, maxW: number): string {
  if (ctx.measureText(text).width <= maxW) return text;
  let s = text;
  while (s.length > 1 && ctx.measureText(`${s}…`).width > maxW) s = s.slice(0, -1);
  return `${s}…`;
}
