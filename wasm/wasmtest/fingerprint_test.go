package wasmtest

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/draw"
	_ "image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/canon"
)

type fpResult struct {
	Width, Height int
	PDQ           string `json:"pdq"`
	Quality       int    `json:"quality"`
	PHash         string `json:"phash"`
	// The module computes no dHash or aHash (no filter carries them):
	// these must stay empty.
	DHash string `json:"dhash"`
	AHash string `json:"ahash"`
}

// corpusImage is one decoded image of the reference corpus.
type corpusImage struct {
	name string // path under the corpus, e.g. png/misc-images/c.png
	file []byte
	pix  []byte // 8-bit NRGBA, stride 4·w
	w, h int
}

// loadCorpus decodes every PNG of the shared PDQ corpus to NRGBA.
func loadCorpus(t testing.TB) []corpusImage {
	t.Helper()
	root := pdqDir()
	var out []corpusImage
	err := filepath.WalkDir(filepath.Join(root, "png"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".png") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		img, _, err := image.Decode(bytes.NewReader(b))
		if err != nil {
			return err
		}
		var m *image.NRGBA
		if n, ok := img.(*image.NRGBA); ok && n.Stride == 4*n.Rect.Dx() && n.Rect.Min == (image.Point{}) {
			m = n
		} else {
			m = image.NewNRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
			draw.Draw(m, m.Rect, img, img.Bounds().Min, draw.Src)
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, corpusImage{name: filepath.ToSlash(rel), file: b, pix: m.Pix, w: m.Rect.Dx(), h: m.Rect.Dy()})
		return nil
	})
	if err != nil {
		t.Fatalf("reading the PDQ corpus in %s: %v", root, err)
	}
	if len(out) < 30 {
		t.Fatalf("PDQ corpus in %s holds %d PNGs, want the full set", root, len(out))
	}
	return out
}

// expectedPDQ reads expected.tsv's exact rows: file -> (pdq, quality).
func expectedPDQ(t testing.TB) map[string]fpResult {
	t.Helper()
	f, err := os.Open(filepath.Join(pdqDir(), "expected.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]fpResult{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 4 || c[3] != "exact" {
			continue
		}
		var q int
		for _, r := range c[2] {
			q = 10*q + int(r-'0')
		}
		out[c[0]] = fpResult{PDQ: c[1], Quality: q}
	}
	return out
}

// The module's fingerprints of the corpus pixels equal the native
// package's, field for field, and the PDQ reference's exact rows.
func TestFingerprintMatchesNative(t *testing.T) {
	m := newModule(t)
	want := expectedPDQ(t)
	refChecked := 0
	for _, c := range loadCorpus(t) {
		native, err := fingerprint.FromRGBA(c.pix, c.w, c.h)
		if err != nil {
			t.Fatalf("%s: native: %v", c.name, err)
		}
		res, err := m.Fingerprint(c.pix, c.w, c.h)
		if err != nil {
			t.Fatalf("%s: module: %v", c.name, err)
		}
		var got fpResult
		if err := json.Unmarshal(res, &got); err != nil {
			t.Fatalf("%s: result %q: %v", c.name, res, err)
		}
		exp := fpResult{Width: native.Width, Height: native.Height, PDQ: native.PDQ.String(), Quality: native.PDQQuality,
			PHash: native.PHash.String()}
		if got != exp {
			t.Errorf("%s (%dx%d):\nmodule %+v\nnative %+v", c.name, c.w, c.h, got, exp)
		}
		if r, ok := want[c.name]; ok && !strings.Contains(c.name, "/modes/") {
			refChecked++
			if got.PDQ != r.PDQ || got.Quality != r.Quality {
				t.Errorf("%s: module PDQ %s q%d, reference %s q%d", c.name, got.PDQ, got.Quality, r.PDQ, r.Quality)
			}
		}
	}
	if refChecked < 20 {
		t.Errorf("only %d corpus files had reference rows", refChecked)
	}
}

// Digests streamed through the module in chunks equal crypto/sha256 and
// crypto/md5 of the whole input, whatever the chunking.
func TestDigestMatchesNative(t *testing.T) {
	m := newModule(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name        string
		size, chunk int
	}{
		{"empty", 0, 64},
		{"1B", 1, 64},
		{"1000B_chunk7", 1000, 7},
		{"1MiB_chunk64KiB", 1 << 20, 64 << 10},
		{"3MiB+5_chunk1MiB", 3<<20 + 5, 1 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := make([]byte, tc.size)
			for i := range data {
				data[i] = byte(rng.Uint32())
			}
			res, err := m.Digest(data, tc.chunk)
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				SHA256, MD5 string
				Bytes       int
			}
			if err := json.Unmarshal(res, &got); err != nil {
				t.Fatal(err)
			}
			s, d := sha256.Sum256(data), md5.Sum(data)
			if got.SHA256 != hex.EncodeToString(s[:]) || got.MD5 != hex.EncodeToString(d[:]) || got.Bytes != tc.size {
				t.Errorf("module %+v, want sha256 %x md5 %x bytes %d", got, s, d, tc.size)
			}
		})
	}
}

// Pixels the fingerprinter cannot take come back as a status, not a trap.
func TestFingerprintBadInput(t *testing.T) {
	m := newModule(t)
	for _, tc := range []struct {
		name string
		n    int
		w, h int
	}{
		{"short buffer", 4*10*10 - 1, 10, 10},
		{"zero width", 16, 0, 4},
		{"negative height", 16, 2, -2},
		{"huge dims", 16, 1 << 30, 1 << 30},
	} {
		_, err := m.Fingerprint(make([]byte, tc.n), tc.w, tc.h)
		var e *Error
		if !asError(err, &e) || e.Code != CodeImage {
			t.Errorf("%s: got %v, want status %d", tc.name, err, CodeImage)
		}
	}
}

// The module's robust hashes (fingerprint/canon: the trimmed picture)
// equal the native package's on the same pixels, bit for bit: the corpus
// as it is (a few of its photos have borders) and a third of its pictures
// letterboxed in black, as a repost would be.
func TestRobustMatchesNative(t *testing.T) {
	m := newModule(t)
	type robust struct {
		Name     string   `json:"name"`
		Quality  int      `json:"quality"`
		Dihedral []string `json:"dihedral"`
	}
	trimmed := 0
	for i, c := range loadCorpus(t) {
		for _, box := range []bool{false, true} {
			if box && i%3 != 0 {
				continue // a third of them letterboxed keeps the test short
			}
			pix, w, h := c.pix, c.w, c.h
			if box {
				pix, h = letterbox(c.pix, c.w, c.h)
			}
			_, cn, grey, err := fingerprint.FromRGBACanonical(pix, w, h)
			if err != nil {
				t.Fatalf("%s: native: %v", c.name, err)
			}
			var want []robust
			for _, r := range canon.Robust(cn, grey) {
				if r.Name == "" {
					continue
				}
				x := robust{Name: r.Name, Quality: r.Quality}
				for _, d := range r.Dihedral {
					x.Dihedral = append(x.Dihedral, d.String())
				}
				want = append(want, x)
			}
			res, err := m.Fingerprint(pix, w, h)
			if err != nil {
				t.Fatalf("%s: module: %v", c.name, err)
			}
			var got struct {
				Robust []robust `json:"robust"`
			}
			if err := json.Unmarshal(res, &got); err != nil {
				t.Fatalf("%s: result %q: %v", c.name, res, err)
			}
			if !slices.EqualFunc(got.Robust, want, func(a, b robust) bool {
				return a.Name == b.Name && a.Quality == b.Quality && slices.Equal(a.Dihedral, b.Dihedral)
			}) {
				t.Errorf("%s (letterboxed %v):\nmodule %+v\nnative %+v", c.name, box, got.Robust, want)
			}
			trimmed += len(want)
		}
	}
	if trimmed < 10 {
		t.Errorf("only %d robust hashes compared: the letterboxed pictures should be trimmed", trimmed)
	}
}

// letterbox puts w×h NRGBA pixels between black bands of a sixth of h each.
func letterbox(pix []byte, w, h int) ([]byte, int) {
	band := h / 6
	out := make([]byte, 4*w*(h+2*band))
	for i := 3; i < len(out); i += 4 {
		out[i] = 0xff
	}
	copy(out[4*w*band:], pix[:4*w*h])
	return out, h + 2*band
}
