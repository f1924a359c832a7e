package fingerprint_test

import (
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corona10/goimagehash"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/media"
	"github.com/hashgate/hashgate/internal/testenv"
)

// TestHash64sEqualGoimagehash holds the pHash family, computed with
// resize.go and goimagehash's subpackages, equal to goimagehash's own
// PerceptionHash, DifferenceHash and AverageHash on the canonical image,
// over every reference image, the demo images and a few synthetic ones
// (translucent ones among them).
func TestHash64sEqualGoimagehash(t *testing.T) {
	dir := testenv.PDQDir(t)
	var paths []string
	for _, root := range []string{filepath.Join(dir, "png"), filepath.Join(dir, "images"), filepath.Join("..", "testdata", "demo")} {
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".md") && !strings.HasSuffix(p, ".go") {
				paths = append(paths, p)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		img, err := media.DecodeBytes(b, media.Options{})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		check(t, p, img)
		n++
	}
	for _, sz := range []image.Point{{1, 1}, {8, 8}, {9, 8}, {64, 64}, {100, 37}, {512, 512}, {2000, 600}} {
		check(t, "synthetic", gradient(sz.X, sz.Y))
		translucent := gradient(sz.X, sz.Y)
		for i := 3; i < len(translucent.Pix); i += 4 {
			translucent.Pix[i] = uint8(i * 13)
		}
		check(t, "synthetic translucent", translucent)
		grey := gradient(sz.X, sz.Y)
		for i := 0; i < len(grey.Pix); i += 4 {
			grey.Pix[i+1], grey.Pix[i+2] = grey.Pix[i], grey.Pix[i]
		}
		check(t, "synthetic grey", grey)
		n += 3
	}
	t.Logf("checked %d images", n)
}

func check(t *testing.T, name string, img image.Image) {
	t.Helper()
	f, err := fingerprint.FromImage(img)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	c := fingerprint.Canonical(img)
	ph, err := goimagehash.PerceptionHash(c)
	if err != nil {
		t.Fatal(err)
	}
	dh, err := goimagehash.DifferenceHash(c)
	if err != nil {
		t.Fatal(err)
	}
	ah, err := goimagehash.AverageHash(c)
	if err != nil {
		t.Fatal(err)
	}
	if uint64(f.PHash) != ph.GetHash() || uint64(f.DHash) != dh.GetHash() || uint64(f.AHash) != ah.GetHash() {
		t.Errorf("%s: got p=%v d=%v a=%v, goimagehash p=%016x d=%016x a=%016x", name, f.PHash, f.DHash, f.AHash, ph.GetHash(), dh.GetHash(), ah.GetHash())
	}
	if b := img.Bounds(); b.Dx() <= fingerprint.CanonicalSide && b.Dy() <= fingerprint.CanonicalSide {
		// At or under 512 the canonical image is the image itself, so
		// goimagehash on the decoded image agrees too.
		if p2, _ := goimagehash.PerceptionHash(fingerprint.ToNRGBA(img)); p2.GetHash() != uint64(f.PHash) {
			t.Errorf("%s: pHash of the image itself differs", name)
		}
	}
}

func gradient(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			p := m.Pix[y*m.Stride+4*x:]
			p[0], p[1], p[2], p[3] = uint8(x*7+y), uint8(y*3), uint8((x*x+y*y)/5), 0xff
		}
	}
	return m
}
