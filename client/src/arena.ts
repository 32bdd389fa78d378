// The arena screen shared by playing and watching: the #game canvas with its
// animation loop, a small toolbar with #back, and the overlay for "match
// over" and "disconnected" (final scoreboard, Play again, Back to lobby).
import { debug, debugHooks } from "./debug";
import { byId, el } from "./dom";
import type { ScoreRow } from "./match/events";
import { Renderer } from "./render/renderer";
import type { View } from "./render/view";

/** What the overlay shows. */
export interface OverlayContent {
  title: string;
  text: string;
  scoreboard?: ScoreRow[]; // ranked
  you?: number;
  /** The second button ("Play again"); omitted hides it. */
  again?: { label: string; onClick: () => void };
}

/** The arena section of the page. One per page; sessions take turns using it. */
export class Arena {
  readonly renderer: Renderer;
  private readonly section = byId("arena", HTMLElement);
  private readonly canvas = byId("game", HTMLCanvasElement);
  private readonly toolbar = byId("toolbar", HTMLElement);
  private readonly heading = byId("arena-title", HTMLElement);
  private readonly back = byId("back", HTMLButtonElement);
  private readonly overlay = byId("overlay", HTMLElement);
  private readonly overlayTitle = byId("overlay-title", HTMLElement);
  private readonly overlayText = byId("overlay-text", HTMLElement);
  private readonly finalBoard = byId("final", HTMLElement);
  private readonly actions = byId("overlay-actions", HTMLElement);
  private readonly again = byId("again", HTMLButtonElement);
  private onAgain: (() => void) | null = null;
  private raf = 0;

  constructor(onBack: () => void) {
    this.renderer = new Renderer(this.canvas);
    this.back.addEventListener("click", onBack);
    this.again.addEventListener("click", () => this.onAgain?.());
  }

  /** The canvas (input listens for mouse buttons on it). */
  get surface(): HTMLCanvasElement {
    return this.canvas;
  }

  /** Shows the arena and draws frame(now) every animation frame until hide(). */
  show(heading: string, frame: (nowMs: number) => View | null): void {
    this.hideOverlay();
    this.heading.textContent = heading;
    this.section.hidden = false;
    this.renderer.clear(); // not the last frame of the previous match
    window.cancelAnimationFrame(this.raf);
    this.unhook();
    const loop = (now: number) => {
      const view = frame(now);
      if (view) {
        const r = this.renderer;
        r.draw(view, now);
        const shown = r.visible;
        if (shown) debug.camera = { following: r.follows, scale: r.scale, view: shown };
        debugHooks.worldToClient = (x, y) => r.worldToClient(x, y);
        debugHooks.clientToWorld = (x, y) => r.clientToWorld(x, y);
      }
      this.raf = window.requestAnimationFrame(loop);
    };
    this.raf = window.requestAnimationFrame(loop);
  }

  /** Sets the toolbar heading. */
  setHeading(text: string): void {
    this.heading.textContent = text;
  }

  /** Stops drawing and hides the arena. */
  hide(): void {
    window.cancelAnimationFrame(this.raf);
    this.unhook();
    this.hideOverlay();
    this.section.hidden = true;
  }

  /** window.skirmish's transforms answer null until the next frame is drawn. */
  private unhook(): void {
    debugHooks.worldToClient = null;
    debugHooks.clientToWorld = null;
  }

  /** Shows the overlay. #back moves into it so "Back to lobby" sits with the message. */
  showOverlay(c: OverlayContent): void {
    this.overlayTitle.textContent = c.title;
    this.overlayText.textContent = c.text;
    this.overlayText.hidden = c.text === "";
    this.finalBoard.replaceChildren();
    if (c.scoreboard && c.scoreboard.length > 0) this.finalBoard.append(scoreTable(c.scoreboard, c.you ?? 0));
    this.onAgain = c.again?.onClick ?? null;
    this.again.hidden = !c.again;
    if (c.again) this.again.textContent = c.again.label;
    this.back.textContent = "Back to lobby";
    this.actions.append(this.back);
    this.overlay.hidden = false;
    (c.again ? this.again : this.back).focus({ preventScroll: true });
  }

  /** Hides the overlay and returns #back to the toolbar. */
  hideOverlay(): void {
    this.overlay.hidden = true;
    this.back.textContent = "← Lobby";
    this.toolbar.prepend(this.back);
  }
}

function scoreTable(rows: ScoreRow[], you: number): HTMLTableElement {
  const table = el("table", "scoreboard");
  const head = table.createTHead().insertRow();
  for (const h of ["#", "Player", "Kills", "Deaths"]) head.append(el("th", "", h));
  const body = table.createTBody();
  rows.forEach((r, i) => {
    const tr = body.insertRow();
    if (r.id === you) tr.className = "you";
    tr.append(el("td", "", String(i + 1)), el("td", "", r.name), el("td", "", String(r.kills)), el("td", "", String(r.deaths)));
  });
  return table;
}
