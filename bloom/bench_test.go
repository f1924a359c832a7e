package bloom

import (
	"crypto/hmac"
	"crypto/sha256"
	"runtime"
	"testing"

	"github.com/hashgate/hashgate/internal/testenv"
)

var sizes = []struct {
	name string
	n    int
}{{"1e5", 100_000}, {"1e6", 1_000_000}, {"1e7", 10_000_000}}

// benchRate is the rate each kind is built at: fuse kinds have their own,
// the split-block filter is built at the default rate.
func benchRate(k Kind) float64 {
	if k == KindBinaryFuse8 {
		return 1.0 / 256
	}
	return DefaultFPR
}

var sink bool

// BenchmarkContains looks up random keys (nearly all misses, as for clean
// uploads) in a loaded filter.
func BenchmarkContains(b *testing.B) {
	probes := randomKeys(1<<20, 99)
	for _, s := range sizes {
		keys := randomKeys(s.n, 1)
		for _, kind := range kinds {
			f, err := Build(keys, BuildOptions{Kind: kind, TargetFPR: benchRate(kind)})
			if err != nil {
				b.Fatal(err)
			}
			g := roundTrip(b, f)
			b.Run("kind="+kind.String()+"/n="+s.name, func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				hit := false
				i := 0
				t0 := testenv.ThreadCPU()
				for b.Loop() {
					hit = hit != g.Contains(probes[i&(1<<20-1)])
					i++
				}
				testenv.ReportThreadCPU(b, t0)
				sink = hit
			})
		}
	}
}

// BenchmarkBuild builds from n distinct random keys on one goroutine.
func BenchmarkBuild(b *testing.B) {
	for _, s := range sizes[1:] {
		keys := randomKeys(s.n, 1)
		for _, kind := range kinds {
			b.Run("kind="+kind.String()+"/n="+s.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := Build(keys, BuildOptions{Kind: kind, TargetFPR: benchRate(kind)}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkQueryKeys derives one PDQ hash's query keys.
func BenchmarkQueryKeys(b *testing.B) {
	v := make([]byte, 32)
	for _, l := range []Layout{{}, {Bands: 4, BandBits: 64}, DefaultLayout, {Bands: 8, BandBits: 32, Probes: 1, Mode: ModeOblivious}} {
		k := testKeyer(b, 1, l)
		dst := make([]Key, 0, 512)
		b.Run("layout="+l.String(), func(b *testing.B) {
			for b.Loop() {
				dst = k.QueryKeys(TypePDQ, v, dst[:0])
			}
		})
	}
}

// BenchmarkPRF compares the key PRF with the keyed-hash alternative for one
// 8-byte band: SipHash-2-4 against HMAC-SHA256.
func BenchmarkPRF(b *testing.B) {
	k := sipKey{1, 2}
	var out uint64
	b.Run("siphash24/len=8", func(b *testing.B) {
		m := uint64(0)
		for b.Loop() {
			out ^= k.sum8(m)
			m++
		}
	})
	b.Run("hmac-sha256/len=8", func(b *testing.B) {
		mac := hmac.New(sha256.New, make([]byte, 32))
		var msg [8]byte
		var sum []byte
		for b.Loop() {
			mac.Reset()
			mac.Write(msg[:])
			sum = mac.Sum(sum[:0])
			msg[0]++
		}
	})
	sink = out == 0
}
