package bloom

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

func testKeyer(t testing.TB, seed byte, l Layout) *Keyer {
	var rk [32]byte
	for i := range rk {
		rk[i] = seed + byte(i)
	}
	k, err := NewKeyer(rk, l)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestParseLayout(t *testing.T) {
	good := []struct {
		s string
		l Layout
	}{
		{"exact", Layout{}},
		{"4x64", Layout{Bands: 4, BandBits: 64}},
		{"4x64+p1", Layout{Bands: 4, BandBits: 64, Probes: 1}},
		{"2x128", Layout{Bands: 2, BandBits: 128}},
		{"1x256", Layout{Bands: 1, BandBits: 256}},
		{"8x32/oblivious", Layout{Bands: 8, BandBits: 32, Mode: ModeOblivious}},
		{"8x32+p1/oblivious", Layout{Bands: 8, BandBits: 32, Probes: 1, Mode: ModeOblivious}},
		{"exact/oblivious", Layout{Mode: ModeOblivious}},
	}
	for _, g := range good {
		l, err := ParseLayout(g.s)
		if err != nil || l != g.l {
			t.Errorf("ParseLayout(%q) = %+v, %v; want %+v", g.s, l, err, g.l)
		}
		if l.String() != g.s {
			t.Errorf("String() = %q, want %q", l.String(), g.s)
		}
	}
	bad := []string{
		"", "8x32", "8x32+p1", "16x16", // open mode, bands under 64 bits
		"4x65", "3x64", "4x64+p2", "4x064", "04x64", "4X64", "4x", "x64", "exact+p1",
		"4x64/open", "4x64/oblivious+p1", " 4x64", "4x64 ", "5x51", "256x1/oblivious",
	}
	for _, s := range bad {
		if l, err := ParseLayout(s); !errors.Is(err, ErrLayout) {
			t.Errorf("ParseLayout(%q) = %+v, %v; want ErrLayout", s, l, err)
		}
	}
}

func TestNewKeyerRefusesShortOpenBands(t *testing.T) {
	_, err := NewKeyer([32]byte{}, Layout{Bands: 8, BandBits: 32})
	if !errors.Is(err, ErrLayout) {
		t.Fatalf("open 8x32: %v, want ErrLayout", err)
	}
}

func randomPDQ(r *rand.Rand) []byte {
	b := make([]byte, 32)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// flip returns v with d distinct random bits flipped.
func flip(r *rand.Rand, v []byte, d int) []byte {
	out := slices.Clone(v)
	for _, bit := range r.Perm(8 * len(v))[:d] {
		out[bit/8] ^= 1 << (bit % 8)
	}
	return out
}

func shareKey(a, b []Key) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// TestPigeonhole: a copy within the layout's guaranteed distance always
// shares a key with the original; insert keys are among query keys.
func TestPigeonhole(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, l := range []Layout{
		{},
		{Bands: 4, BandBits: 64},
		{Bands: 4, BandBits: 64, Probes: 1},
		{Bands: 2, BandBits: 128, Probes: 1},
		{Bands: 8, BandBits: 32, Probes: 1, Mode: ModeOblivious},
	} {
		k := testKeyer(t, 1, l)
		for range 300 {
			v := randomPDQ(r)
			ins := k.InsertKeys(TypePDQ, v, nil)
			q := k.QueryKeys(TypePDQ, v, nil)
			if len(q) != l.QueryKeysPerPDQ() {
				t.Fatalf("%v: %d query keys, want %d", l, len(q), l.QueryKeysPerPDQ())
			}
			for _, x := range ins {
				if !slices.Contains(q, x) {
					t.Fatalf("%v: an insert key is not among the query keys", l)
				}
			}
			for d := 0; d <= l.PigeonholeDistance(); d++ {
				if !shareKey(ins, k.QueryKeys(TypePDQ, flip(r, v, d), nil)) {
					t.Fatalf("%v: a copy at distance %d shares no key", l, d)
				}
			}
		}
	}
}

// TestPigeonholeIsTight: just past the guarantee, the worst case (one
// more flip than a band absorbs in every band) shares no key.
func TestPigeonholeIsTight(t *testing.T) {
	for _, l := range []Layout{{Bands: 4, BandBits: 64}, {Bands: 4, BandBits: 64, Probes: 1}} {
		k := testKeyer(t, 1, l)
		v := randomPDQ(rand.New(rand.NewPCG(3, 4)))
		w := slices.Clone(v)
		for b := range l.Bands {
			for j := range 1 + l.Probes {
				w[b*8] ^= 1 << j
			}
		}
		if shareKey(k.InsertKeys(TypePDQ, v, nil), k.QueryKeys(TypePDQ, w, nil)) {
			t.Errorf("%v: %d flips, %d per band, still share a key", l, l.PigeonholeDistance()+1, 1+l.Probes)
		}
	}
}

func TestExactTypes(t *testing.T) {
	k := testKeyer(t, 1, DefaultLayout)
	for _, ty := range []Type{TypePHash, TypeSHA256, TypeMD5} {
		v := make([]byte, ty.ValueLen())
		ins := k.InsertKeys(ty, v, nil)
		q := k.QueryKeys(ty, v, nil)
		if len(ins) != 1 || !slices.Equal(ins, q) {
			t.Errorf("type %d: insert %v query %v, want one equal key", ty, ins, q)
		}
		if v[0] ^= 1; slices.Equal(k.InsertKeys(ty, v, nil), ins) {
			t.Errorf("type %d: a different value gave the same key", ty)
		}
	}
	// The same bytes under different types give different keys.
	v := make([]byte, 32)
	if slices.Equal(k.InsertKeys(TypeSHA256, v, nil), testKeyer(t, 1, Layout{}).InsertKeys(TypePDQ, v, nil)) {
		t.Error("sha256 and pdq keys of the same bytes collide")
	}
}

func TestMalformedValuesGiveNoKeys(t *testing.T) {
	k := testKeyer(t, 1, DefaultLayout)
	dst := []Key{7}
	for _, c := range []struct {
		t Type
		n int
	}{{TypePDQ, 31}, {TypePDQ, 33}, {TypePHash, 16}, {TypeMD5, 32}, {0, 8}, {5, 8}, {255, 32}} {
		if got := k.QueryKeys(c.t, make([]byte, c.n), dst); !slices.Equal(got, dst) {
			t.Errorf("type %d with %d bytes gave keys %v", c.t, c.n, got)
		}
	}
}

// TestEpochsShareNothing: the same list under two release keys gives
// disjoint keys and filters whose bits overlap only as independent random
// filters do.
func TestEpochsShareNothing(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	k1, k2 := testKeyer(t, 1, DefaultLayout), testKeyer(t, 2, DefaultLayout)
	if k1.KeyID() == k2.KeyID() {
		t.Fatal("two release keys share a key id")
	}
	var a, b []Key
	for range 20000 {
		v := randomPDQ(r)
		a = k1.InsertKeys(TypePDQ, v, a)
		b = k2.InsertKeys(TypePDQ, v, b)
	}
	set := map[Key]bool{}
	for _, x := range a {
		set[x] = true
	}
	for _, x := range b {
		if set[x] {
			t.Fatal("a key appears under both release keys")
		}
	}
	fa, _ := Build(a, BuildOptions{Kind: KindSplitBlock, TargetFPR: 1e-3})
	fb, _ := Build(b, BuildOptions{Kind: KindSplitBlock, TargetFPR: 1e-3})
	ba, bb := fa.(*SplitBlock).body, fb.(*SplitBlock).body
	var onesA, onesB, both int
	for i := range ba {
		for j := range 8 {
			x, y := ba[i]>>j&1, bb[i]>>j&1
			onesA += int(x)
			onesB += int(y)
			both += int(x & y)
		}
	}
	total := float64(8 * len(ba))
	expect := float64(onesA) * float64(onesB) / total
	if d := float64(both) - expect; d > 0.02*expect || d < -0.02*expect {
		t.Errorf("bits set in both epochs' filters: %d, independent filters would share %.0f", both, expect)
	}
	// And a filter of epoch 1 answers epoch 2's keys at its false-positive rate only.
	hits := 0
	for _, x := range b {
		if fa.Contains(x) {
			hits++
		}
	}
	if float64(hits) > 2e-3*float64(len(b)) {
		t.Errorf("epoch-1 filter contains %d of %d epoch-2 keys", hits, len(b))
	}
}

func TestSetIsOr(t *testing.T) {
	base := randomKeys(1000, 20)
	delta1, delta2 := randomKeys(50, 21), randomKeys(5, 22)
	id := [8]byte{3}
	fb, _ := Build(base, BuildOptions{KeyID: id})
	f1, _ := Build(delta1, BuildOptions{KeyID: id, Kind: KindSplitBlock})
	f2, _ := Build(delta2, BuildOptions{KeyID: id, Kind: KindBinaryFuse8, TargetFPR: 0.01})
	s := Set{Base: fb, Deltas: []Filter{f1, f2}}
	for _, ks := range [][]Key{base, delta1, delta2} {
		for _, k := range ks {
			if !s.Contains(k) || !s.ContainsAny([]Key{1, k}) {
				t.Fatal("set misses a key of one of its filters")
			}
		}
	}
	// Without the deltas, their keys are absent but for false positives.
	if n := countHits(Set{Base: fb}, delta1); n > 2 {
		t.Errorf("base alone contains %d of 50 delta keys", n)
	}
	if got := (Set{Base: fb}).Contains(delta1[0]); got != fb.Contains(delta1[0]) {
		t.Error("set of one filter differs from the filter")
	}
	if s.Len() != 1055 || s.SizeBytes() != fb.SizeBytes()+f1.SizeBytes()+f2.SizeBytes() {
		t.Errorf("Len %d SizeBytes %d", s.Len(), s.SizeBytes())
	}
	if err := s.CheckKeyID(id); err != nil {
		t.Error(err)
	}
	if err := s.CheckKeyID([8]byte{4}); !errors.Is(err, ErrFormat) {
		t.Errorf("CheckKeyID with another id: %v", err)
	}
	if (Set{}).Contains(1) {
		t.Error("empty set contains a key")
	}
}

// TestKeyVectors pins key derivation: publisher and clients of every
// version must derive these exact keys (release key 00..1f). The values
// were recorded from this implementation, whose parts are checked on their
// own: SipHash against the paper's vectors, HKDF is the standard library's.
func TestKeyVectors(t *testing.T) {
	var rk [32]byte
	for i := range rk {
		rk[i] = byte(i)
	}
	k, err := NewKeyer(rk, DefaultLayout)
	if err != nil {
		t.Fatal(err)
	}
	v := make([]byte, 32)
	for i := range v {
		v[i] = byte(0xa0 + i)
	}
	got := []Key{}
	got = k.InsertKeys(TypePDQ, v, got)
	got = k.InsertKeys(TypePHash, v[:8], got)
	got = k.InsertKeys(TypeSHA256, v, got)
	got = k.InsertKeys(TypeMD5, v[:16], got)
	id := k.KeyID()
	t.Logf("key id %x keys %#x", id, got)
	if !slices.Equal(got, keyVectors) || id != keyVectorID {
		t.Errorf("keys %#x id %x, want %#x id %x", got, id, keyVectors, keyVectorID)
	}
}

var keyVectorID = [8]byte{0xec, 0x6e, 0x07, 0xfb, 0x4b, 0x97, 0xb7, 0x88}

var keyVectors = []Key{
	0x02ef9d735682a900, 0x582be5809c45695a, 0x77551609b4252f7a, 0x7d0dff8df67cfc6f, // pdq bands
	0x70f4b52fc135f820, 0x3ba9c27dac51f9bf, 0x71f57358a0073b09, // phash, sha256, md5
}

func countHits(s Set, keys []Key) int {
	n := 0
	for _, k := range keys {
		if s.Contains(k) {
			n++
		}
	}
	return n
}
