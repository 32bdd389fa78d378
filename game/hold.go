package game

// Held seats. A human whose connection drops without a leave keeps their
// seat for a while (the runtime decides how long, on its clock, and then
// leaves them as any leave does): the seat stays theirs, so no bot or joiner
// takes it and bot fill counts it, and they keep their id, kills, deaths and
// health. While held they do not act — they stand still (friction brings
// them to rest), keep their aim and fire nothing, whatever inputs arrive —
// and snapshots flag them FlagDisconnected.
//
// A held player can be hit: they stay in the arena where the drop left
// them, so pulling the cable is never a shield against a shot already in
// flight or a fight already lost. A held player who dies does not respawn
// until they are back (a body nobody steers would only die again); their
// countdown goes on from where it stopped.
//
// Holding and resuming are commands of the TickInput like joins and leaves,
// so a journal replays them exactly.

// disconnect holds human id's seat (CommandDisconnect) and emits
// EventDisconnect. Nobody seated, a bot, or a player already held: nothing.
func (w *World) disconnect(id PlayerID) {
	i := w.index(id)
	if i < 0 || w.players[i].bot || w.players[i].held {
		return
	}
	p := &w.players[i]
	p.held = true
	w.neutral(p)
	w.emit(EventDisconnect, id, 0, 0, "")
}

// reconnect gives held player id their seat back (CommandReconnect) and
// emits EventReconnect. Either way, held or not, the player's input starts
// afresh: a new connection numbers its inputs from the start, so ackSeq is
// 0 until its first input is applied, and no Redo reaches back before now.
// Nobody seated or a bot: nothing.
func (w *World) reconnect(id PlayerID) {
	i := w.index(id)
	if i < 0 || w.players[i].bot {
		return
	}
	p := &w.players[i]
	w.neutral(p)
	p.ackSeq, p.last.Seq = 0, 0
	p.redoFloor = w.tick + 1
	if p.held {
		p.held = false
		w.emit(EventReconnect, id, 0, 0, "")
	}
}

// neutral makes p stand still from this tick on, aim kept and trigger
// released, until a new input is applied: the input it had pending is
// dropped and the stale rule's repeat of its last input is used up.
func (w *World) neutral(p *player) {
	p.next, p.hasNext = Input{}, false
	p.last = Input{Seq: p.last.Seq, Aim: p.last.Aim}
	p.stale = w.timers.inputStale
}
