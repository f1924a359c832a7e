package fingerprint

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestLowerMedian holds the quickselect to the slow obvious answer, the
// 128th value after sorting, on shapes that trouble partitioning.
func TestLowerMedian(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	gen := map[string]func(i int) float32{
		"random":     func(int) float32 { return rng.Float32()*2 - 1 },
		"few values": func(int) float32 { return float32(rng.IntN(3)) },
		"all equal":  func(int) float32 { return 4 },
		"ascending":  func(i int) float32 { return float32(i) },
		"descending": func(i int) float32 { return float32(-i) },
		"organ pipe": func(i int) float32 { return float32(min(i, 255-i)) },
		"signed zeros": func(i int) float32 {
			if i%2 == 0 {
				return 0
			}
			return float32(math.Copysign(0, -1))
		},
	}
	for name, f := range gen {
		for trial := range 50 {
			var v [256]float32
			for i := range v {
				v[i] = f(i)
			}
			sorted := v
			slices.Sort(sorted[:])
			if got := lowerMedian(v); got != sorted[127] {
				t.Fatalf("%s trial %d: lowerMedian %v, sorted[127] %v", name, trial, got, sorted[127])
			}
		}
	}
}
