package synth

import "testing"

func TestRNGMatchesSplitMix64(t *testing.T) {
	// reference outputs of SplitMix64 seeded with 0
	want := []uint64{0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f}
	r := newRNG(0)
	for i, w := range want {
		if got := r.next(); got != w {
			t.Errorf("output %d = %#x, want %#x", i, got, w)
		}
	}
}

func TestRNGIntNRangeAndSpread(t *testing.T) {
	r := newRNG(7)
	counts := make([]int, 6)
	for range 60000 {
		v := r.IntN(6)
		if v < 0 || v >= 6 {
			t.Fatalf("IntN(6) = %d", v)
		}
		counts[v]++
	}
	for i, c := range counts {
		if c < 9000 || c > 11000 {
			t.Errorf("value %d drawn %d times of 60000, want about 10000", i, c)
		}
	}
	p := r.Perm(10)
	seen := map[int]bool{}
	for _, v := range p {
		seen[v] = true
	}
	if len(seen) != 10 {
		t.Errorf("Perm(10) = %v is not a permutation", p)
	}
}
