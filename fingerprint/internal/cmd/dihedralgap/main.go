// Command dihedralgap measures how far a PDQ hash's dihedral variants, as
// one could derive them from the 256-bit hash alone, land from the real
// ones: PDQ re-thresholds each variant's DCT at its own median, so mirroring
// the bits (transposing, and negating the odd-frequency positions) is only
// an approximation. It is the measurement behind oblivious mode's layout,
// which queries the dihedral variants instead of listing derived ones
// (RATIONALE.md).
//
//	go run ./fingerprint/internal/cmd/dihedralgap DIR...
//
// It reads every JPEG and PNG under the folders (PDQ quality >= 50 only)
// and prints the distribution of the distances over the seven variants.
package main

import (
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashgate/hashgate/fingerprint"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: dihedralgap DIR...")
		os.Exit(2)
	}
	var ds []int
	n := 0
	for _, dir := range os.Args[1:] {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			ext := strings.ToLower(filepath.Ext(p))
			if ext != ".jpg" && ext != ".jpeg" && ext != ".png" {
				return nil
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			img, _, err := image.Decode(f)
			f.Close()
			if err != nil {
				return nil // not an image this tool reads
			}
			fp, err := fingerprint.FromImage(img)
			if err != nil || fp.PDQQuality < 50 {
				return nil
			}
			n++
			for v := 1; v < 8; v++ {
				ds = append(ds, derive(fp.PDQDihedral[0], v).Distance(fp.PDQDihedral[v]))
			}
			return nil
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "dihedralgap:", err)
			os.Exit(1)
		}
	}
	if len(ds) == 0 {
		fmt.Fprintln(os.Stderr, "dihedralgap: no image of PDQ quality >= 50 found")
		os.Exit(1)
	}
	slices.Sort(ds)
	q := func(p float64) int { return ds[min(len(ds)-1, int(p*float64(len(ds))))] }
	fmt.Printf("%d images, %d variants: derived vs real distance median %d, p90 %d, p99 %d, max %d\n", n, len(ds), q(0.5), q(0.9), q(0.99), ds[len(ds)-1])
	for _, t := range []int{0, 3, 7, 11, 15} {
		k, _ := slices.BinarySearch(ds, t+1)
		fmt.Printf("  within %2d bits: %5.1f %%\n", t, 100*float64(k)/float64(len(ds)))
	}
}

// derive maps hash h's bits as variant v maps the DCT block (fingerprint's
// pdqDihedral): a transpose for the quarter turns and diagonal flips, and a
// bit inversion where the coefficient is negated.
func derive(h fingerprint.PDQHash, v int) fingerprint.PDQHash {
	var o fingerprint.PDQHash
	for i := range 16 {
		for j := range 16 {
			bit := h.Bit(i*16 + j)
			transpose, neg := false, false
			switch v {
			case 1:
				transpose, neg = true, j&1 == 0
			case 2:
				neg = (i+j)&1 == 1
			case 3:
				transpose, neg = true, i&1 == 0
			case 4:
				neg = i&1 == 0
			case 5:
				neg = j&1 == 0
			case 6:
				transpose = true
			case 7:
				transpose, neg = true, (i+j)&1 == 1
			}
			k := i*16 + j
			if transpose {
				k = j*16 + i
			}
			if bit != neg {
				o.SetBit(k)
			}
		}
	}
	return o
}
