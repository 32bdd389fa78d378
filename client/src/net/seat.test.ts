import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SeatStore } from "./seat";

/** A Storage stand-in (sessionStorage's interface, as much as SeatStore uses). */
class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(k: string): string | null {
    return this.items.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    this.items.set(k, v);
  }
  removeItem(k: string): void {
    this.items.delete(k);
  }
}

describe("SeatStore", () => {
  it("keeps the newest token of the match played, for a reload of that match", () => {
    const st = new MemoryStorage();
    const seats = new SeatStore(st);
    assert.equal(seats.token("m1"), "");
    seats.save("m1", "tok-1");
    seats.save("m1", "tok-2");
    assert.equal(seats.token("m1"), "tok-2");
    assert.equal(new SeatStore(st).token("m1"), "tok-2", "a new page (a reload) reads it back");
    assert.equal(seats.token("m2"), "", "another match's token is not offered");
    assert.equal(seats.token(""), "", "quick play asks for a new seat");
    seats.clear();
    assert.equal(seats.token("m1"), "");
  });

  it("survives a storage that refuses (private mode) or holds garbage", () => {
    const broken = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("quota");
      },
      removeItem: () => {
        throw new Error("denied");
      },
    };
    const seats = new SeatStore(broken);
    seats.save("m1", "t");
    assert.equal(seats.token("m1"), "");
    seats.clear();
    const st = new MemoryStorage();
    st.setItem("skirmish.seat", "{not json");
    assert.equal(new SeatStore(st).token("m1"), "");
    st.setItem("skirmish.seat", JSON.stringify({ match: 3, token: null }));
    assert.equal(new SeatStore(st).token(""), "");
    assert.equal(new SeatStore(null).token("m1"), "", "no storage at all");
  });
});
