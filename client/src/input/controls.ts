// Keyboard and mouse, turned into the move/aim/fire of an input. Listens on
// window so keys work without clicking the canvas first (and in automation).
import { Button, type InputCmd } from "../net/protocol";
import { aimAngle, fireKeyHeld, isGameKey, keyName, moveVector } from "./intent";

/** Live input state; attach() starts listening, detach() stops. */
export class Controls {
  private readonly held = new Set<string>();
  private mouseDown = false;
  private cursor: [number, number] | null = null;
  private aim = 0;
  private readonly ac = new AbortController();

  constructor(private readonly surface: HTMLElement) {
    const opts = { signal: this.ac.signal };
    window.addEventListener("keydown", (e) => this.key(e, true), opts);
    window.addEventListener("keyup", (e) => this.key(e, false), opts);
    // Keys released while the window had no focus never send keyup: forget them.
    window.addEventListener("blur", () => this.release(), opts);
    window.addEventListener("mousemove", (e) => (this.cursor = [e.clientX, e.clientY]), opts);
    surface.addEventListener("mousedown", (e) => {
      if (e.button === 0) this.mouseDown = true;
      this.cursor = [e.clientX, e.clientY];
    }, opts);
    window.addEventListener("mouseup", (e) => {
      if (e.button === 0) this.mouseDown = false;
    }, opts);
    surface.addEventListener("contextmenu", (e) => e.preventDefault(), opts);
  }

  /** Stops listening. */
  detach(): void {
    this.ac.abort();
    this.release();
  }

  /**
   * The current intent. origin is your player's position on the page (client
   * px) so the aim points from it to the cursor; null keeps the last aim.
   */
  sample(origin: [number, number] | null): Omit<InputCmd, "seq"> {
    if (origin && this.cursor) this.aim = aimAngle(origin[0], origin[1], this.cursor[0], this.cursor[1], this.aim);
    const [moveX, moveY] = moveVector(this.held);
    const fire = this.mouseDown || fireKeyHeld(this.held);
    return { moveX, moveY, aim: this.aim, buttons: fire ? Button.Fire : 0 };
  }

  /** The move vector of the keys held right now (unit length or zero), without sampling an input. */
  move(): { moveX: number; moveY: number } {
    const [moveX, moveY] = moveVector(this.held);
    return { moveX, moveY };
  }

  /**
   * The aim from origin (client px) to the cursor right now, without
   * changing what the next sample sends: the game view draws your barrel
   * with it every frame instead of waiting for the next tick's input.
   */
  aimFrom(origin: [number, number] | null): number {
    if (!origin || !this.cursor) return this.aim;
    return aimAngle(origin[0], origin[1], this.cursor[0], this.cursor[1], this.aim);
  }

  private key(e: KeyboardEvent, down: boolean): void {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) return;
    const name = keyName(e.code, e.key);
    if (!isGameKey(name)) return;
    // Leave browser shortcuts alone; a release always counts so no key sticks.
    if (down && (e.ctrlKey || e.metaKey || e.altKey)) return;
    e.preventDefault(); // no page scrolling on arrows and space
    if (down) this.held.add(name);
    else this.held.delete(name);
  }

  private release(): void {
    this.held.clear();
    this.mouseDown = false;
  }
}
