// The canvas renderer shared by the game view and the spectator view: the
// arena (floor, walls, players, projectiles) as the camera shows it (the
// whole arena, or the part of a large map around the view's focus), then the
// HUD on top, anchored to the screen. Everything is drawn procedurally; there
// are no image files.
import { Camera, followView, visibleRect, type MapSize, type WorldPoint, type WorldRect } from "./camera";
import { drawHud } from "./hud";
import { playerLabel } from "./label";
import { playerColor, toScreen, toWorld, type Fit, type Rect } from "./layout";
import type { View, ViewPlayer, ViewProjectile } from "./view";

/** Sizes in world units, matching the server's tuning (game/tuning.go). */
const PLAYER_RADIUS = 16;
const PROJECTILE_RADIUS = 4;
const BARREL_LENGTH = 27;
const MAX_HEALTH = 100;

const FLOOR = "#121722";
const GRID = "rgba(255,255,255,0.035)";
const WALL = "#2b3346";
const WALL_EDGE = "#46526e";

/** Draws Views onto one canvas. Not safe to share between canvases. */
export class Renderer {
  private readonly ctx: CanvasRenderingContext2D;
  private fit: Fit = { scale: 1, offsetX: 0, offsetY: 0 };
  private readonly camera = new Camera();
  private cssW = 0;
  private cssH = 0;
  private shown: WorldRect | null = null;
  private following = false;

  constructor(private readonly canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext("2d", { alpha: false });
    if (!ctx) throw new Error("canvas 2d context unavailable");
    this.ctx = ctx;
  }

  /**
   * Sets the camera for the frame at nowMs: the whole map, or, on a map
   * larger than the view box, the part around focus (camera.ts has the
   * rule). draw calls it; a view calls it first when it needs the frame's
   * transform before drawing (your aim starts where your player will be
   * drawn). Calls with the same nowMs give the same transform.
   */
  place(map: MapSize, focus: WorldPoint | null, nowMs: number): void {
    this.resize();
    const shot = this.camera.frame(map, this.cssW, this.cssH, focus, nowMs);
    this.fit = shot.fit;
    this.following = shot.following;
    this.shown = visibleRect(shot.fit, this.cssW, this.cssH, map);
  }

  /** The world rectangle the last placed frame shows, cut to the map; null before any. */
  get visible(): WorldRect | null {
    return this.shown && { ...this.shown };
  }

  /** The camera follows a focus (a large map), rather than showing the whole map. */
  get follows(): boolean {
    return this.following;
  }

  /** The world size the canvas shows while following (camera.ts followView), as of the last placed frame. */
  get followView(): { w: number; h: number } {
    return followView(this.cssW, this.cssH);
  }

  /** CSS px per world unit in the last placed frame. */
  get scale(): number {
    return this.fit.scale;
  }

  /** Where a world point is on the page (client coordinates, as MouseEvent.clientX/Y). */
  worldToClient(x: number, y: number): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    const [sx, sy] = toScreen(this.fit, x, y);
    return [r.left + sx, r.top + sy];
  }

  /** The world point under a page position (client coordinates): worldToClient's inverse. */
  clientToWorld(cx: number, cy: number): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    return toWorld(this.fit, cx - r.left, cy - r.top);
  }

  /** Blanks the canvas (before a session has anything to show). */
  clear(): void {
    this.resize();
    this.ctx.setTransform(1, 0, 0, 1, 0, 0);
    this.ctx.fillStyle = "#07090e";
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  /** Draws one frame at local time nowMs (animations only; positions come from the view). */
  draw(view: View, nowMs: number): void {
    this.place(view.map, view.focus ?? null, nowMs);
    const { ctx } = this;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#07090e";
    ctx.fillRect(0, 0, this.cssW, this.cssH);

    const f = this.fit;
    ctx.save();
    ctx.translate(f.offsetX, f.offsetY);
    ctx.scale(f.scale, f.scale);
    drawFloor(ctx, view);
    for (const p of view.projectiles) drawProjectile(ctx, p);
    for (const p of view.players) if (!p.alive) drawCorpse(ctx, p);
    for (const p of view.players) if (p.alive) drawPlayer(ctx, p, p.id === view.you, nowMs);
    ctx.restore();

    // Labels in screen space so text stays crisp and readable at any zoom.
    ctx.font = "600 12px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    for (const p of view.players) if (p.alive) this.drawLabel(p, p.id === view.you);

    drawHud(ctx, view, this.cssW, this.cssH, nowMs, this.playerRects(view.players));
  }

  /** Where the live players (body and health bar) are on screen, for the HUD to fade over them. */
  private playerRects(players: readonly ViewPlayer[]): Rect[] {
    const r = (PLAYER_RADIUS + 5) * this.fit.scale; // the ring around your own player included
    const rects: Rect[] = [];
    for (const p of players) {
      if (!p.alive) continue;
      const [sx, sy] = toScreen(this.fit, p.x, p.y);
      rects.push({ x: sx - r, y: sy - r - 12, w: 2 * r, h: 2 * r + 12 });
    }
    return rects;
  }

  private resize(): void {
    const dpr = window.devicePixelRatio || 1;
    const w = this.canvas.clientWidth || window.innerWidth;
    const h = this.canvas.clientHeight || window.innerHeight;
    const pw = Math.max(1, Math.round(w * dpr));
    const ph = Math.max(1, Math.round(h * dpr));
    if (this.canvas.width !== pw || this.canvas.height !== ph) {
      this.canvas.width = pw;
      this.canvas.height = ph;
    }
    this.cssW = w;
    this.cssH = h;
  }

  private drawLabel(p: ViewPlayer, you: boolean): void {
    const { ctx } = this;
    const [sx, sy] = toScreen(this.fit, p.x, p.y);
    const top = sy - PLAYER_RADIUS * this.fit.scale - 6;
    // Health bar.
    const bw = 38;
    const frac = Math.max(0, Math.min(1, p.hp / MAX_HEALTH));
    ctx.fillStyle = "rgba(0,0,0,0.55)";
    ctx.fillRect(sx - bw / 2 - 1, top - 5, bw + 2, 6);
    ctx.fillStyle = frac > 0.5 ? "#4ade80" : frac > 0.25 ? "#facc15" : "#f87171";
    ctx.fillRect(sx - bw / 2, top - 4, bw * frac, 4);
    // Name.
    const name = playerLabel(p);
    ctx.lineWidth = 3;
    ctx.strokeStyle = "rgba(0,0,0,0.7)";
    ctx.strokeText(name, sx, top - 8);
    ctx.fillStyle = you ? "#ffffff" : "rgba(226,232,240,0.9)";
    ctx.fillText(name, sx, top - 8);
  }
}

function drawFloor(ctx: CanvasRenderingContext2D, view: View): void {
  const { width, height, walls, spawns } = view.map;
  ctx.fillStyle = FLOOR;
  ctx.fillRect(0, 0, width, height);
  ctx.strokeStyle = GRID;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let x = 80; x < width; x += 80) {
    ctx.moveTo(x, 0);
    ctx.lineTo(x, height);
  }
  for (let y = 80; y < height; y += 80) {
    ctx.moveTo(0, y);
    ctx.lineTo(width, y);
  }
  ctx.stroke();
  ctx.fillStyle = "rgba(148,163,184,0.06)";
  for (const s of spawns) {
    ctx.beginPath();
    ctx.arc(s.x, s.y, PLAYER_RADIUS * 1.4, 0, Math.PI * 2);
    ctx.fill();
  }
  for (const w of walls) {
    ctx.fillStyle = WALL;
    ctx.fillRect(w.x, w.y, w.w, w.h);
    ctx.strokeStyle = WALL_EDGE;
    ctx.lineWidth = 2;
    ctx.strokeRect(w.x + 1, w.y + 1, w.w - 2, w.h - 2);
  }
  ctx.strokeStyle = "rgba(99,102,241,0.35)";
  ctx.lineWidth = 3;
  ctx.strokeRect(0, 0, width, height);
}

function drawProjectile(ctx: CanvasRenderingContext2D, p: ViewProjectile): void {
  ctx.fillStyle = playerColor(p.owner, 70, 0.25);
  ctx.beginPath();
  ctx.arc(p.x, p.y, PROJECTILE_RADIUS * 2.4, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = "#fff7d6";
  ctx.beginPath();
  ctx.arc(p.x, p.y, PROJECTILE_RADIUS, 0, Math.PI * 2);
  ctx.fill();
}

function drawCorpse(ctx: CanvasRenderingContext2D, p: ViewPlayer): void {
  const r = PLAYER_RADIUS * 0.6;
  ctx.strokeStyle = playerColor(p.id, 45, 0.5);
  ctx.lineWidth = 4;
  ctx.beginPath();
  ctx.moveTo(p.x - r, p.y - r);
  ctx.lineTo(p.x + r, p.y + r);
  ctx.moveTo(p.x + r, p.y - r);
  ctx.lineTo(p.x - r, p.y + r);
  ctx.stroke();
}

function drawPlayer(ctx: CanvasRenderingContext2D, p: ViewPlayer, you: boolean, nowMs: number): void {
  if (p.disconnected) {
    // A held seat: the player is there (and can be hit) but nobody steers it.
    ctx.save();
    ctx.globalAlpha = 0.45;
    drawBody(ctx, p, you, nowMs);
    ctx.restore();
    return;
  }
  drawBody(ctx, p, you, nowMs);
}

function drawBody(ctx: CanvasRenderingContext2D, p: ViewPlayer, you: boolean, nowMs: number): void {
  const cos = Math.cos(p.aim);
  const sin = Math.sin(p.aim);
  // Shadow.
  ctx.fillStyle = "rgba(0,0,0,0.35)";
  ctx.beginPath();
  ctx.arc(p.x + 3, p.y + 4, PLAYER_RADIUS, 0, Math.PI * 2);
  ctx.fill();
  // Barrel, under the body so it reads as held.
  ctx.strokeStyle = "#cbd5e1";
  ctx.lineCap = "round";
  ctx.lineWidth = 7;
  ctx.beginPath();
  ctx.moveTo(p.x, p.y);
  ctx.lineTo(p.x + cos * BARREL_LENGTH, p.y + sin * BARREL_LENGTH);
  ctx.stroke();
  ctx.strokeStyle = playerColor(p.id, 30);
  ctx.lineWidth = 3;
  ctx.stroke();
  ctx.lineCap = "butt";
  // Body.
  ctx.fillStyle = playerColor(p.id, 58);
  ctx.beginPath();
  ctx.arc(p.x, p.y, PLAYER_RADIUS, 0, Math.PI * 2);
  ctx.fill();
  ctx.strokeStyle = playerColor(p.id, 28);
  ctx.lineWidth = 3;
  ctx.stroke();
  // A lighter cap toward the aim gives the disc some volume.
  ctx.fillStyle = "rgba(255,255,255,0.18)";
  ctx.beginPath();
  ctx.arc(p.x + cos * 4, p.y + sin * 4, PLAYER_RADIUS * 0.55, 0, Math.PI * 2);
  ctx.fill();
  if (you) {
    ctx.strokeStyle = "rgba(255,255,255,0.9)";
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(p.x, p.y, PLAYER_RADIUS + 5, 0, Math.PI * 2);
    ctx.stroke();
  }
  if (p.protected) {
    // Spawn protection: a rotating, pulsing dashed shield.
    const t = nowMs / 1000;
    ctx.save();
    ctx.strokeStyle = `rgba(125,211,252,${0.45 + 0.35 * Math.sin(t * 10)})`;
    ctx.lineWidth = 3;
    ctx.setLineDash([6, 5]);
    ctx.lineDashOffset = -t * 40;
    ctx.beginPath();
    ctx.arc(p.x, p.y, PLAYER_RADIUS + 9, 0, Math.PI * 2);
    ctx.stroke();
    ctx.restore();
  }
}
