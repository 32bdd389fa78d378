package game

// rng is splitmix64: tiny, fast, statistically fine for gameplay, and its
// whole state is one uint64 that the world hash covers. math/rand is avoided
// so that nothing outside the World can perturb the sequence.
type rng struct{ s uint64 }

func newRNG(seed int64) rng { return rng{s: uint64(seed)} }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float returns a value in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// intn returns a value in [0, n); n must be positive.
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// signed returns a value in [-1, 1).
func (r *rng) signed() float64 { return 2*r.float() - 1 }
