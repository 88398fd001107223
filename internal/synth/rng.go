package synth

// rng is SplitMix64 (Steele, Lea, Flood 2014). The generator owns it rather
// than using math/rand so that a seed yields the same warehouse with every
// Go release, not only with the toolchain that produced it.
type rng struct{ state uint64 }

func newRNG(seed int64) *rng { return &rng{state: uint64(seed)} }

func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// IntN returns a uniform value in [0, n); n must be > 0. Rejection sampling
// removes the modulo bias.
func (r *rng) IntN(n int) int {
	if n <= 0 {
		panic("synth: IntN with n <= 0")
	}
	bound := uint64(n)
	limit := -bound % bound // 2^64 mod n
	for {
		v := r.next()
		if v >= limit {
			return int(v % bound)
		}
	}
}

// Perm returns a random permutation of [0, n).
func (r *rng) Perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	r.Shuffle(n, func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}

// Shuffle is a Fisher-Yates shuffle.
func (r *rng) Shuffle(n int, swap func(i, j int)) {
	for i := n - 1; i > 0; i-- {
		swap(i, r.IntN(i+1))
	}
}
