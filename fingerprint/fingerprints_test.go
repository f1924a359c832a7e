package fingerprint

import (
	"errors"
	"image"
	"image/color"
	"math/rand/v2"
	"slices"
	"testing"
)

// testImage is a deterministic photo-like RGBA image: smooth gradients,
// a few shapes and noise, so PDQ has real structure to hash.
func testImage(w, h int, seed uint64) *image.NRGBA {
	rng := rand.New(rand.NewPCG(seed, 1))
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	cx, cy, r := rng.IntN(w), rng.IntN(h), 1+rng.IntN(max(w, h)/2+1)
	for y := range h {
		for x := range w {
			p := m.Pix[y*m.Stride+4*x:]
			v := 255 * x / w
			if (x-cx)*(x-cx)+(y-cy)*(y-cy) < r*r {
				v = 255 - v
			}
			p[0] = uint8(v)
			p[1] = uint8(255 * y / h)
			p[2] = uint8((v + 255*y/h + rng.IntN(16)) / 2)
			p[3] = 0xff
		}
	}
	return m
}

func TestFromRGBAErrors(t *testing.T) {
	tests := []struct {
		name string
		pix  []byte
		w, h int
	}{
		{"zero width", make([]byte, 16), 0, 4},
		{"negative height", make([]byte, 16), 2, -2},
		{"short buffer", make([]byte, 4*10*10-1), 10, 10},
		{"empty buffer", nil, 1, 1},
		{"overflowing size", make([]byte, 16), 1 << 40, 1 << 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromRGBA(tt.pix, tt.w, tt.h)
			if !errors.Is(err, ErrInvalidImage) {
				t.Fatalf("got %v, want ErrInvalidImage", err)
			}
		})
	}
	if _, err := FromImage(nil); !errors.Is(err, ErrInvalidImage) {
		t.Fatalf("FromImage(nil): %v", err)
	}
}

// TestFromRGBAMatchesFromImage: the same pixels give the same fingerprints
// whatever image type carries them, at sizes on both sides of 512.
func TestFromRGBAMatchesFromImage(t *testing.T) {
	for _, sz := range []image.Point{{3, 3}, {5, 7}, {64, 64}, {300, 200}, {512, 512}, {513, 100}, {1000, 700}} {
		src := testImage(sz.X, sz.Y, uint64(sz.X))
		want, err := FromRGBA(src.Pix, sz.X, sz.Y)
		if err != nil {
			t.Fatal(err)
		}
		if want.Width != sz.X || want.Height != sz.Y {
			t.Errorf("%v: size %dx%d", sz, want.Width, want.Height)
		}
		rgba := image.NewRGBA(src.Rect)
		copy(rgba.Pix, src.Pix)
		// A sub-image with a non-zero origin and a wider stride.
		big := image.NewNRGBA(image.Rect(-3, -5, sz.X+4, sz.Y+2))
		for y := range sz.Y {
			for x := range sz.X {
				big.Set(x, y, src.At(x, y))
			}
		}
		sub := big.SubImage(image.Rect(0, 0, sz.X, sz.Y))
		for name, img := range map[string]image.Image{"NRGBA": src, "RGBA": rgba, "sub-image": sub} {
			got, err := FromImage(img)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%v %s: FromImage %+v != FromRGBA %+v", sz, name, got, want)
			}
		}
	}
}

// TestGreyPath: an all-grey RGBA buffer takes the reference's grey path,
// the same as *image.Gray, and one coloured pixel switches it off.
func TestGreyPath(t *testing.T) {
	w, h := 200, 150
	g := image.NewGray(image.Rect(0, 0, w, h))
	src := testImage(w, h, 7)
	for i := range g.Pix {
		g.Pix[i] = src.Pix[4*i]
	}
	fg, err := FromImage(g)
	if err != nil {
		t.Fatal(err)
	}
	rgba := ToNRGBA(g)
	fr, err := FromRGBA(rgba.Pix, w, h)
	if err != nil {
		t.Fatal(err)
	}
	if fg != fr {
		t.Fatalf("grey image: FromImage %v != FromRGBA %v", fg.PDQ, fr.PDQ)
	}
	if !rgbaAllGrey(rgba.Pix) {
		t.Fatal("grey pixels not detected")
	}
	rgba.Pix[4*(w*h-1)+2]++
	if rgbaAllGrey(rgba.Pix) {
		t.Fatal("a coloured last pixel was missed")
	}
}

// TestCanonicalSampling checks the nearest-neighbour step against the
// reference's formula evaluated in float64: column ⌊x·W/512⌋.
func TestCanonicalSampling(t *testing.T) {
	for _, sz := range []image.Point{{513, 40}, {40, 513}, {4032, 3024}, {1023, 1025}, {700, 512}} {
		src := image.NewNRGBA(image.Rect(0, 0, sz.X, sz.Y))
		for y := range sz.Y {
			for x := range sz.X {
				p := src.Pix[y*src.Stride+4*x:]
				p[0], p[1], p[2], p[3] = uint8(x), uint8(x>>8), uint8(y), uint8(y>>8)
			}
		}
		c := canonicalNRGBA(src)
		if c.Rect.Dx() != CanonicalSide || c.Rect.Dy() != CanonicalSide {
			t.Fatalf("%v: canonical size %v", sz, c.Rect)
		}
		for y := range CanonicalSide {
			sy := int(float64(y) * float64(sz.Y) / CanonicalSide)
			for x := range CanonicalSide {
				sx := int(float64(x) * float64(sz.X) / CanonicalSide)
				p := c.Pix[y*c.Stride+4*x:]
				if gx, gy := int(p[0])|int(p[1])<<8, int(p[2])|int(p[3])<<8; gx != sx || gy != sy {
					t.Fatalf("%v: (%d,%d) sampled (%d,%d), want (%d,%d)", sz, x, y, gx, gy, sx, sy)
				}
			}
		}
		if s := sampleImage(src); !slices.Equal(s.Pix, ToNRGBA(c).Pix) && sz.X > 0 {
			// sampleImage forces alpha to opaque; compare colour only.
			for i := 0; i < len(s.Pix); i += 4 {
				if !slices.Equal(s.Pix[i:i+3], c.Pix[i:i+3]) {
					t.Fatalf("%v: sampleImage differs from canonicalNRGBA at %d", sz, i/4)
				}
			}
		}
	}
}

// slowBox is the obvious box filter the running-sum version must equal in
// window placement (values agree to float32 rounding).
func slowBox(in []float32, w int) []float32 {
	half := (w + 2) / 2
	out := make([]float32, len(in))
	for i := range in {
		lo, hi := i-(w-half), i+(half-1)
		var sum float64
		n := 0
		for k := max(lo, 0); k <= min(hi, len(in)-1); k++ {
			sum += float64(in[k])
			n++
		}
		out[i] = float32(sum / float64(n))
	}
	return out
}

func TestBox1DAgainstSlow(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 5, 17, 64, 200, 512} {
		for _, w := range []int{1, 2, 3, 4, 7, 8, n} {
			if w > n {
				continue
			}
			in := make([]float32, n)
			for i := range in {
				in[i] = float32(rng.IntN(256))
			}
			got := make([]float32, n)
			box1D(in, got, n, 1, w)
			want := slowBox(in, w)
			for i := range got {
				if d := got[i] - want[i]; d > 1e-3 || d < -1e-3 {
					t.Fatalf("n=%d w=%d: out[%d] = %v, want %v", n, w, i, got[i], want[i])
				}
			}
		}
	}
}

// boxRow and box1DAt are box1D, bit for bit (the sampled second pass and
// the row pass written for bounds-check elimination).
func TestBoxRowAndAtMatchBox1D(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 2, 5, 17, 64, 65, 200, 720, 1280} {
		for _, w := range []int{1, 2, 3, 4, 7, 8, 10, jaroszWindow(n, 64), n} {
			if w > n {
				continue
			}
			in := make([]float32, n)
			for i := range in {
				in[i] = float32(rng.IntN(256)) * 0.37
			}
			want := make([]float32, n)
			box1D(in, want, n, 1, w)
			got := make([]float32, n+3)
			boxRow(in, got, w)
			if !slices.Equal(got[:n], want) {
				t.Fatalf("n=%d w=%d: boxRow differs from box1D", n, w)
			}
			var at [64]int
			for o := range at {
				at[o] = int((float64(o) + 0.5) * float64(n) / 64)
			}
			sampled := make([]float32, 64*2)
			box1DAt(in, 1, n, w, &at, sampled, 2)
			for o := range at {
				if sampled[2*o] != want[at[o]] {
					t.Fatalf("n=%d w=%d: box1DAt output %d (at %d) = %v, want %v", n, w, o, at[o], sampled[2*o], want[at[o]])
				}
			}
		}
	}
}

func TestJaroszWindow(t *testing.T) {
	for _, tt := range []struct{ in, want int }{{64, 1}, {128, 1}, {129, 2}, {512, 4}, {513, 5}, {1024, 8}, {5, 1}} {
		if got := jaroszWindow(tt.in, 64); got != tt.want {
			t.Errorf("jaroszWindow(%d) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// TestPDQBitsMedian: bit k is set exactly for values above the 128th
// smallest, checked by counting rather than sorting.
func TestPDQBitsMedian(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 50 {
		var b [256]float32
		for i := range b {
			b[i] = float32(rng.IntN(40)) // many ties
		}
		h := pdqBits(&b)
		for k, x := range b {
			below := 0
			for _, y := range b {
				if y < x {
					below++
				}
			}
			// x is above the lower median iff at least 128 values are < x
			// or ... counted directly: rank of the lower median is 127.
			above := below >= 128
			if h.Bit(k) != above {
				t.Fatalf("bit %d (value %v, %d below) = %v", k, x, below, h.Bit(k))
			}
		}
	}
}

func TestPDQTooSmall(t *testing.T) {
	for _, sz := range []image.Point{{1, 1}, {4, 100}, {100, 4}} {
		f, err := FromImage(testImage(sz.X, sz.Y, 1))
		if err != nil {
			t.Fatal(err)
		}
		if f.PDQ != (PDQHash{}) || f.PDQQuality != 0 {
			t.Errorf("%v: got %v q%d, want zero hash and quality 0", sz, f.PDQ, f.PDQQuality)
		}
	}
	f, err := FromImage(testImage(5, 5, 1))
	if err != nil {
		t.Fatal(err)
	}
	if f.PDQ == (PDQHash{}) {
		t.Error("5x5: zero hash")
	}
}

// TestDihedralFromTransformedPixels: hashing a rotated or flipped copy of
// the pixels gives the corresponding dihedral hash. At 64x64 the sampling
// is symmetric, so only float rounding separates them. (dihedral.tsv holds
// the exact check against the reference.)
func TestDihedralFromTransformedPixels(t *testing.T) {
	const n = 64
	src := image.NewNRGBA(image.Rect(0, 0, n, n))
	for y := range n {
		for x := range n {
			v := uint8((x*x + 3*y*x/2 + 40*y) % 256)
			src.SetNRGBA(x, y, color.NRGBA{v, uint8(4 * y), uint8(x * 3), 255})
		}
	}
	f, err := FromImage(src)
	if err != nil {
		t.Fatal(err)
	}
	transforms := []func(x, y, n int) (int, int){
		1: func(x, y, n int) (int, int) { return n - 1 - y, x }, // rotate 90 counter-clockwise
		2: func(x, y, n int) (int, int) { return n - 1 - x, n - 1 - y },
		3: func(x, y, n int) (int, int) { return y, n - 1 - x }, // rotate 90 clockwise
		4: func(x, y, n int) (int, int) { return x, n - 1 - y },
		5: func(x, y, n int) (int, int) { return n - 1 - x, y },
		6: func(x, y, n int) (int, int) { return y, x },
		7: func(x, y, n int) (int, int) { return n - 1 - y, n - 1 - x },
	}
	for v := 1; v < 8; v++ {
		dst := image.NewNRGBA(src.Rect)
		for y := range n {
			for x := range n {
				sx, sy := transforms[v](x, y, n)
				dst.Set(x, y, src.NRGBAAt(sx, sy))
			}
		}
		g, err := FromImage(dst)
		if err != nil {
			t.Fatal(err)
		}
		if d := g.PDQ.Distance(f.PDQDihedral[v]); d > 4 {
			t.Errorf("variant %d: hash of transformed pixels at distance %d", v, d)
		}
	}
}

// TestBoxColsMatchesBox1D: the cache-friendly column pass gives exactly the
// same floats as the reference's strided one.
func TestBoxColsMatchesBox1D(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for _, sz := range []image.Point{{1, 1}, {3, 7}, {64, 64}, {129, 300}, {512, 512}} {
		rows, cols := sz.Y, sz.X
		in := make([]float32, rows*cols)
		for i := range in {
			in[i] = float32(rng.IntN(256)) * 0.37
		}
		for _, w := range []int{1, 2, 3, jaroszWindow(rows, 64), rows} {
			if w > rows {
				continue
			}
			want := make([]float32, rows*cols)
			for j := range cols {
				box1D(in[j:], want[j:], rows, cols, w)
			}
			got := make([]float32, rows*cols)
			boxCols(in, got, rows, cols, w, make([]float32, cols))
			if !slices.Equal(got, want) {
				t.Fatalf("%dx%d w=%d: boxCols differs from box1D", cols, rows, w)
			}
		}
	}
}

// TestPDQFullResolution: at or under 512 there is no canonical step, so
// full-resolution PDQ is the canonical PDQ; above it, it is close but is
// computed from every pixel.
func TestPDQFullResolution(t *testing.T) {
	small := testImage(400, 300, 2)
	f, err := FromImage(small)
	if err != nil {
		t.Fatal(err)
	}
	h, q, err := PDQFullResolution(small)
	if err != nil || h != f.PDQ || q != f.PDQQuality {
		t.Fatalf("400x300: %v q%d vs canonical %v q%d (%v)", h, q, f.PDQ, f.PDQQuality, err)
	}
	big := testImage(1500, 1000, 2)
	f, err = FromImage(big)
	if err != nil {
		t.Fatal(err)
	}
	h, _, err = PDQFullResolution(big)
	if err != nil {
		t.Fatal(err)
	}
	if d := h.Distance(f.PDQ); d > 40 {
		t.Fatalf("1500x1000: full resolution %d bits from canonical", d)
	}
	if _, _, err := PDQFullResolution(nil); !errors.Is(err, ErrInvalidImage) {
		t.Fatal(err)
	}
}
