package game

import (
	"slices"
	"testing"
)

func TestCompareStandings(t *testing.T) {
	tests := []struct {
		name string
		a, b Standing
		want int // sign
	}{
		{"more kills first", Standing{ID: 2, Kills: 5, Deaths: 9}, Standing{ID: 1, Kills: 4, Deaths: 0}, -1},
		{"then fewer deaths", Standing{ID: 2, Kills: 4, Deaths: 1}, Standing{ID: 1, Kills: 4, Deaths: 2}, -1},
		{"then lower id", Standing{ID: 1, Kills: 4, Deaths: 2}, Standing{ID: 2, Kills: 4, Deaths: 2}, -1},
		{"reversed", Standing{ID: 1, Kills: 0}, Standing{ID: 2, Kills: 1}, 1},
		{"same player", Standing{ID: 3, Kills: 1}, Standing{ID: 3, Kills: 1}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := CompareStandings(tc.a, tc.b)
			if sign(got) != tc.want {
				t.Fatalf("CompareStandings(%+v, %+v) = %d, want sign %d", tc.a, tc.b, got, tc.want)
			}
			if sign(CompareStandings(tc.b, tc.a)) != -tc.want {
				t.Fatalf("not antisymmetric for %+v, %+v", tc.a, tc.b)
			}
		})
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestRankPlayersAndWinner(t *testing.T) {
	ps := []PlayerState{
		{ID: 1, Kills: 2, Deaths: 3},
		{ID: 2, Kills: 5, Deaths: 1},
		{ID: 3, Kills: 5, Deaths: 0},
		{ID: 4, Kills: 2, Deaths: 3},
		{ID: 5},
	}
	if w := Winner(ps); w != 3 {
		t.Fatalf("Winner = %d, want 3 (most kills, fewer deaths)", w)
	}
	RankPlayers(ps)
	var ids []PlayerID
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	if want := []PlayerID{3, 2, 1, 4, 5}; !slices.Equal(ids, want) {
		t.Fatalf("ranked %v, want %v", ids, want)
	}
	if w := Winner([]PlayerState{{ID: 1, Deaths: 2}, {ID: 2}}); w != 0 {
		t.Fatalf("Winner with nobody scoring = %d, want 0", w)
	}
}

// The World announces the winner by the same rule as Winner on its
// snapshot: one rule, one place.
func TestWorldWinnerFollowsTheRanking(t *testing.T) {
	w := newWorld(t, WorldConfig{})
	for range 3 {
		addHuman(t, w, "p")
	}
	for i, s := range []Standing{{Kills: 3, Deaths: 2}, {Kills: 3, Deaths: 1}, {Kills: 1}} {
		p := pl(t, w, PlayerID(i+1))
		p.kills, p.deaths = s.Kills, s.Deaths
	}
	endStep(w, EndShutdown)
	var s Snapshot
	w.Snapshot(&s)
	if w.Winner() != 2 || Winner(s.Players) != w.Winner() {
		t.Fatalf("world winner %d, Winner(snapshot) %d, want 2", w.Winner(), Winner(s.Players))
	}
}

func TestRange(t *testing.T) {
	r := Range{Min: 10, Max: 128}
	for v, want := range map[int]bool{9: false, 10: true, 64: true, 128: true, 129: false} {
		if r.Contains(v) != want {
			t.Errorf("Contains(%d) = %v", v, !want)
		}
	}
	if r.String() != "10 to 128" {
		t.Errorf("String() = %q", r.String())
	}
}
