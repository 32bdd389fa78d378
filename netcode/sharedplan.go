package netcode

// Shared plans. On a map within the view box (the arena) every player's
// interest is the whole map, so two players that acknowledged the same
// tick, whose pictures of it were that tick's whole snapshot, get the same
// delta whenever their budgets allow all of it: the same changes against
// the same picture, leaving each with the whole new snapshot. The hub
// plans the first of them in full and hands the others a copy, so the
// per-player work of a full arena is copying a few dozen entries, not a
// diff (BenchmarkHubTick). A player whose picture is not whole (its
// budget held something back) or whose budget would bind is planned in
// full, as on a larger map where each player's view differs.

// sharedPlan is one plan a tick's recipients may share, with the picture
// it gives (the whole snapshot: its entities' ids) and what it costs.
type sharedPlan struct {
	base        uint32 // the baseline's tick; 0: complete
	cost        int    // bytes, as the budget counts them (stream.choose)
	plan        plan
	players     []picEntry
	projectiles []picEntry
}

// planShare is a hub's shared plans of one snapshot tick, reused from
// tick to tick; the hub's encoder owns it.
type planShare struct {
	on    bool // the map is within the view box
	plans []sharedPlan
	n     int // plans[:n] are this tick's
}

// reset starts a tick on a map of mapW × mapH.
func (ps *planShare) reset(mapW, mapH float64) {
	ps.on, ps.n = mapW <= ViewBoxWidth && mapH <= ViewBoxHeight, 0
}

// usable reports whether a recipient with baseline base (nil: none) may
// share a plan: on a whole-map view, against a whole picture or none.
func (ps *planShare) usable(base *sentFrame) bool {
	return ps != nil && ps.on && (base == nil || base.whole)
}

// find returns this tick's shared plan against the baseline of tick base,
// or nil.
func (ps *planShare) find(base uint32) *sharedPlan {
	for i := range ps.plans[:ps.n] {
		if ps.plans[i].base == base {
			return &ps.plans[i]
		}
	}
	return nil
}

// add keeps a copy of plan p, whose frame f is the whole snapshot, for the
// recipients after it.
func (ps *planShare) add(base uint32, cost int, p *plan, f *sentFrame) {
	if ps.find(base) != nil {
		return
	}
	if ps.n == len(ps.plans) {
		ps.plans = append(ps.plans, sharedPlan{})
	}
	sp := &ps.plans[ps.n]
	ps.n++
	sp.base, sp.cost = base, cost
	sp.plan.base, sp.plan.hash = p.base, p.hash
	sp.plan.entries = append(sp.plan.entries[:0], p.entries...)
	sp.players = append(sp.players[:0], f.players...)
	sp.projectiles = append(sp.projectiles[:0], f.projectiles...)
}

// reuse makes sp this stream's plan p for the snapshot of tick, recording
// the whole snapshot as the picture it gives; st.mu held.
func (st *stream) reuse(sp *sharedPlan, tick uint32, p *plan) {
	p.base, p.hash = sp.plan.base, sp.plan.hash
	p.entries = append(p.entries[:0], sp.plan.entries...)
	f := &st.frames[st.next]
	f.tick, f.whole = tick, true
	f.players = append(f.players[:0], sp.players...)
	f.projectiles = append(f.projectiles[:0], sp.projectiles...)
	f.ovPlayers, f.ovProjectiles = f.ovPlayers[:0], f.ovProjectiles[:0]
	st.next = (st.next + 1) % ringSize
	st.prio = st.prio[:0] // nothing waits: it all fit
}
