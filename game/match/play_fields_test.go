package match

import "github.com/skirmish-game/skirmish/game"

// The server's input clock fields of a player (PROTOCOL.md §1.5), apart from
// play_test.go so that the same tests run against code from before them
// (with a copy of this file that returns zeros).
func playSlack(p game.PlayerState) int      { return int(p.InputSlack) }
func playSkipped(p game.PlayerState) uint32 { return p.InputsSkipped }
func playAwaited(p game.PlayerState) uint32 { return p.InputsAwaited }
