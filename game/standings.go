package game

import (
	"cmp"
	"slices"
)

// Standing is what places a player on the scoreboard.
type Standing struct {
	ID     PlayerID
	Kills  int
	Deaths int
}

// Standing returns the player's scoreboard numbers.
func (p *PlayerState) Standing() Standing {
	return Standing{ID: p.ID, Kills: p.Kills, Deaths: p.Deaths}
}

// CompareStandings is the one ranking rule of the game, used for the winner
// of a match and for every scoreboard: most kills first, then fewest deaths,
// then the lower id (the player who joined first). It returns a negative
// number when a ranks above b, positive when below, and 0 only for the same
// id; it is a comparison function for slices.SortFunc.
func CompareStandings(a, b Standing) int {
	if c := cmp.Compare(b.Kills, a.Kills); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Deaths, b.Deaths); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// RankPlayers sorts players in place into scoreboard order (CompareStandings).
func RankPlayers(players []PlayerState) {
	slices.SortFunc(players, func(a, b PlayerState) int { return CompareStandings(a.Standing(), b.Standing()) })
}

// Winner returns the player an ended match with these players announces as
// its winner: the first by CompareStandings among those with at least one
// kill, or 0 when nobody scored.
func Winner(players []PlayerState) PlayerID {
	return winner(players, (*PlayerState).Standing)
}

// winner applies Winner's rule to any slice of players.
func winner[T any](items []T, standing func(*T) Standing) PlayerID {
	var best Standing
	for i := range items {
		s := standing(&items[i])
		if s.Kills > 0 && (best.ID == 0 || CompareStandings(s, best) < 0) {
			best = s
		}
	}
	return best.ID
}
