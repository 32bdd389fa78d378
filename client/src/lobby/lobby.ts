// The lobby: your name (remembered), Quick play, the running matches
// (GET /api/matches every 2 s) each with Play and Watch, and the recent
// results from the server's history (every 10 s) each with Replay.
import { byId, el, setStatus } from "../dom";
import { describeListError, fetchMatches, formatClock, shortMatchId, type MatchSummary } from "./api";
import { cleanName, clipName, MAX_NAME } from "./name";
import { describeResult, fetchResults, formatAgo, type EndedMatch } from "./results";

const NAME_KEY = "skirmish.name";
const REFRESH_MS = 2000;
// Results change only when a match ends: a slower refresh is plenty.
const RESULTS_MS = 10000;
const RESULTS_SHOWN = 10;

/** Where the lobby can send the page. */
export interface Navigator {
  quickPlay(): void;
  play(matchId: string): void;
  watch(matchId: string): void;
  /** An ended match's replay (#/replay/{id}). */
  replay(matchId: string): void;
}

/** The lobby section. One per page; start() and stop() as the route changes. */
export class Lobby {
  private readonly section = byId("lobby", HTMLElement);
  private readonly nameInput = byId("name", HTMLInputElement);
  private readonly list = byId("matches", HTMLElement);
  private readonly rows = new Map<string, HTMLElement>();
  private timer: number | undefined;
  private inflight: AbortController | null = null;
  private readonly results = byId("results", HTMLElement);
  private resultsTimer: number | undefined;
  private resultsInflight: AbortController | null = null;

  constructor(private readonly nav: Navigator) {
    // maxlength counts UTF-16 units, the server counts characters: allow two
    // units a character (emoji) and cut to MAX_NAME characters as you type.
    this.nameInput.maxLength = 2 * MAX_NAME;
    this.nameInput.value = readName();
    this.nameInput.addEventListener("input", (e) => {
      if (e instanceof InputEvent && e.isComposing) return; // an IME is still building the text
      const v = this.nameInput.value;
      const clipped = clipName(v);
      if (clipped !== v) this.nameInput.value = clipped;
    });
    this.nameInput.addEventListener("change", () => saveName(this.name()));
    byId("quickplay", HTMLButtonElement).addEventListener("click", () => {
      saveName(this.name());
      nav.quickPlay();
    });
    this.nameInput.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        saveName(this.name());
        nav.quickPlay();
      }
    });
    // One listener for every row's buttons, so rows can be rebuilt freely.
    this.list.addEventListener("click", (e) => {
      const btn = e.target instanceof Element ? e.target.closest("button") : null;
      const id = btn?.closest<HTMLElement>("[data-match-id]")?.dataset["matchId"];
      if (!btn || id === undefined) return;
      saveName(this.name());
      if (btn.classList.contains("play")) nav.play(id);
      else if (btn.classList.contains("watch")) nav.watch(id);
    });
    // Replay opens the spectator view on the ended match, which plays it
    // back from its start (the server re-simulates its journal).
    this.results.addEventListener("click", (e) => {
      const btn = e.target instanceof Element ? e.target.closest("button.replay") : null;
      const id = btn?.closest<HTMLElement>("[data-match-id]")?.dataset["matchId"];
      if (btn && id !== undefined) nav.replay(id);
    });
  }

  /**
   * The player's name as typed, cleaned to what the server accepts (see
   * cleanName). Read from the field at the moment it is needed (automation
   * may set .value directly).
   */
  name(): string {
    return cleanName(this.nameInput.value);
  }

  /** Shows the lobby and starts refreshing the match list. */
  start(): void {
    this.section.hidden = false;
    setStatus("Pick a match or press Quick play");
    void this.refresh();
    this.timer = window.setInterval(() => void this.refresh(), REFRESH_MS);
    void this.refreshResults();
    this.resultsTimer = window.setInterval(() => void this.refreshResults(), RESULTS_MS);
    if (!this.nameInput.value) this.nameInput.focus();
  }

  /** Hides the lobby and stops refreshing. */
  stop(): void {
    this.section.hidden = true;
    window.clearInterval(this.timer);
    this.timer = undefined;
    this.inflight?.abort();
    this.inflight = null;
    window.clearInterval(this.resultsTimer);
    this.resultsTimer = undefined;
    this.resultsInflight?.abort();
    this.resultsInflight = null;
  }

  private async refreshResults(): Promise<void> {
    if (this.resultsInflight) return;
    const ac = new AbortController();
    this.resultsInflight = ac;
    try {
      renderResults(this.results, await fetchResults(RESULTS_SHOWN, ac.signal), Date.now());
    } catch {
      if (ac.signal.aborted) return;
      // The history is an extra: say so in its own card, leave the status bar to the matches.
      if (!this.results.querySelector(".match")) showEmpty(this.results, "The match history is not available right now.");
    } finally {
      if (this.resultsInflight === ac) this.resultsInflight = null;
    }
  }

  private async refresh(): Promise<void> {
    if (this.inflight) return; // the last one is still going: a slow server gets no pile-up
    const ac = new AbortController();
    this.inflight = ac;
    try {
      this.render(await fetchMatches(ac.signal));
      if (this.list.dataset["error"]) {
        delete this.list.dataset["error"];
        setStatus("Pick a match or press Quick play");
      }
    } catch (err) {
      if (ac.signal.aborted) return;
      // The rows stay (the server may be back in a moment) but are dimmed:
      // their players and clocks are no longer current.
      this.list.dataset["error"] = "1";
      setStatus(`${describeListError(err)}; retrying…`, "warn");
      if (this.rows.size === 0) this.setEmpty(`${describeListError(err)}.`);
    } finally {
      if (this.inflight === ac) this.inflight = null;
    }
  }

  /** Updates the rows in place (keyed by match id) so a button is never swapped out under a click. */
  private render(matches: MatchSummary[]): void {
    const seen = new Set<string>();
    let prev: Element | null = null;
    for (const m of matches) {
      seen.add(m.id);
      let row = this.rows.get(m.id);
      if (!row) {
        row = newRow(m.id);
        this.rows.set(m.id, row);
      }
      fillRow(row, m);
      const want: Element | null = prev ? prev.nextElementSibling : this.list.firstElementChild;
      if (want !== row) this.list.insertBefore(row, want);
      prev = row;
    }
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) {
        row.remove();
        this.rows.delete(id);
      }
    }
    this.setEmpty(matches.length === 0 ? "No matches running. Quick play starts one." : null);
  }

  /** Shows text in place of an empty list, or removes it (null). */
  private setEmpty(text: string | null): void {
    let empty = this.list.querySelector(".empty");
    if (text === null) {
      empty?.remove();
      return;
    }
    if (!empty) {
      empty = el("p", "empty");
      this.list.append(empty);
    }
    empty.textContent = text;
  }
}

/**
 * Shows the results, newest first. An ended match never changes, so the rows
 * are rebuilt only when the list of matches does (a Replay button is never
 * swapped out under a click); otherwise only the "ago" times move on.
 */
function renderResults(list: HTMLElement, results: EndedMatch[], now: number): void {
  const ids = results.map((m) => m.id).join(" ");
  if (list.dataset["ids"] === ids && results.length > 0) {
    list.querySelectorAll<HTMLElement>(".match-time").forEach((t, i) => {
      const m = results[i];
      if (m) t.textContent = formatAgo(m.endedAt, now);
    });
    return;
  }
  if (results.length === 0) {
    showEmpty(list, "No match has ended here yet.");
    return;
  }
  list.dataset["ids"] = ids;
  list.replaceChildren(
    ...results.map((m) => {
      const row = el("div", "match");
      row.dataset["matchId"] = m.id;
      row.title = `Match ${m.id}`;
      const map = el("span", "match-map");
      map.append(m.map, el("span", "match-id", shortMatchId(m.id)));
      row.append(map, el("span", "match-result", describeResult(m)), el("span", "match-time", formatAgo(m.endedAt, now)),
        el("button", "replay", "Replay"));
      return row;
    }),
  );
}

/** Puts text in place of a card's list. */
function showEmpty(list: HTMLElement, text: string): void {
  delete list.dataset["ids"];
  list.replaceChildren(el("p", "empty", text));
}

function newRow(id: string): HTMLElement {
  const row = el("div", "match");
  row.dataset["matchId"] = id;
  row.append(
    el("span", "match-map"),
    el("span", "match-phase"),
    el("span", "match-players"),
    el("span", "match-time"),
    el("button", "play", "Play"),
    el("button", "watch", "Watch"),
  );
  row.title = `Match ${id}`;
  return row;
}

function fillRow(row: HTMLElement, m: MatchSummary): void {
  const [map, phase, players, time, play] = Array.from(row.children) as HTMLElement[];
  if (!map || !phase || !players || !time || !(play instanceof HTMLButtonElement)) return;
  // Several matches often share a map: the short id tells them apart (and
  // matches the toolbar's "Match …" in the game).
  map.replaceChildren(m.map, el("span", "match-id", shortMatchId(m.id)));
  phase.textContent = m.phase;
  phase.dataset["phase"] = m.phase;
  const bots = m.bots > 0 ? ` + ${m.bots} bot${m.bots === 1 ? "" : "s"}` : "";
  const watchers = m.spectators > 0 ? ` · ${m.spectators} watching` : "";
  players.textContent = `${m.players}${bots} / ${m.maxPlayers}${watchers}`;
  time.textContent = formatClock(m.timeLeft);
  const full = m.players >= m.maxPlayers;
  play.disabled = full || m.phase === "ended";
  play.title = full ? "Every seat holds a human" : m.phase === "ended" ? "This match is over" : "Join this match";
}

function readName(): string {
  try {
    return localStorage.getItem(NAME_KEY) ?? "";
  } catch {
    return ""; // storage disabled (privacy mode): just don't remember
  }
}

function saveName(name: string): void {
  try {
    localStorage.setItem(NAME_KEY, name);
  } catch {
    // storage disabled or full: the name is only a convenience
  }
}
