// Where a tab keeps its seat's resume token (PROTOCOL.md §1.9):
// sessionStorage, which a reload of the tab keeps and closing the tab
// discards — so a reload resumes the seat, and a closed tab's seat is left to
// the server's hold to release. One seat per tab: the newest welcome's token
// of the match being played.

/** The part of the Web Storage API the store uses. */
export interface SeatStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const KEY = "skirmish.seat";

/** The tab's seat token. Storage failures (private mode, quota) just mean no resume after a reload. */
export class SeatStore {
  constructor(private readonly storage: SeatStorage | null) {}

  /** The tab's storage, or null where there is none. */
  static forPage(): SeatStore {
    let s: SeatStorage | null = null;
    try {
      s = window.sessionStorage;
    } catch {
      // sessionStorage can throw when storage is disabled
    }
    return new SeatStore(s);
  }

  /** Remembers the newest token of the seat in match. */
  save(match: string, token: string): void {
    try {
      this.storage?.setItem(KEY, JSON.stringify({ match, token }));
    } catch {
      // best effort
    }
  }

  /** The token to resume match's seat with, or "" (another match, quick play, none kept). */
  token(match: string): string {
    if (!match) return "";
    try {
      const raw = this.storage?.getItem(KEY);
      if (!raw) return "";
      const v = JSON.parse(raw) as { match?: unknown; token?: unknown };
      return v.match === match && typeof v.token === "string" ? v.token : "";
    } catch {
      return "";
    }
  }

  /** Forgets the seat: it was left, or the server no longer holds it. */
  clear(): void {
    try {
      this.storage?.removeItem(KEY);
    } catch {
      // best effort
    }
  }
}
