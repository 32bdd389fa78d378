// Tiny DOM helpers: find the elements index.html promises, or fail loudly.

/** The element with id, checked to be of type ctor. Throws if index.html and the code disagree. */
export function byId<T extends HTMLElement>(id: string, ctor: new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof ctor)) throw new Error(`index.html: #${id} missing or not a ${ctor.name}`);
  return el;
}

/** Creates an element with a class and text. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = "",
  text = "",
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text) e.textContent = text;
  return e;
}

/** Tone of the status line. */
export type Tone = "info" | "ok" | "warn" | "error";

/** Sets the #status line. */
export function setStatus(text: string, tone: Tone = "info"): void {
  const s = document.getElementById("status");
  if (!s) return;
  s.textContent = text;
  s.dataset["tone"] = tone;
}
