package fingerprint_test

import (
	"bufio"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/media"
	"github.com/hashgate/hashgate/internal/testenv"
)

// TestPDQPythonThreatExchange compares with the hashes python-threatexchange
// asserts for its own test images (repo-documented/pytx-resources). That
// implementation hashes every pixel (no 512 step) after decoding with PIL,
// so the yardstick is PDQFullResolution on our decode, within Meta's 10
// bits where quality is at least 80; lower-quality rows are only logged
// (I16.png: see TestPDQPythonI16Clipping).
func TestPDQPythonThreatExchange(t *testing.T) {
	dir := filepath.Join(testenv.PDQDir(t), "repo-documented")
	n := 0
	for _, row := range testenv.ReadTSV(t, filepath.Join(dir, "repo-documented.tsv")) {
		if len(row) < 3 || !strings.HasPrefix(row[0], "pytx-resources/") {
			continue
		}
		want, quality := pdqCell(t, row[1]), intCell(t, row[2])
		b, err := os.ReadFile(filepath.Join(dir, row[0]))
		if err != nil {
			t.Fatal(err)
		}
		img, err := media.DecodeBytes(b, media.Options{})
		if err != nil {
			t.Fatalf("%s: %v", row[0], err)
		}
		h, q, err := fingerprint.PDQFullResolution(img)
		if err != nil {
			t.Fatal(err)
		}
		d := h.Distance(want)
		t.Logf("%s: distance %d, quality %d (python-threatexchange: %d)", row[0], d, q, quality)
		if quality >= 80 && d > 10 {
			t.Errorf("%s: distance %d > 10 to python-threatexchange's hash", row[0], d)
		}
		n++
	}
	if n != 3 {
		t.Fatalf("checked %d pytx-resources rows, want 3", n)
	}
	t.Logf("repo-documented.tsv: checked %d python-threatexchange rows", n)
}

// TestPDQPythonI16Clipping explains the I16.png row: PIL converts 16-bit
// grey to 8-bit by clipping at 255, not by scaling, so the image Python
// hashed is mostly white (hence its quality 36). Hashing those clipped
// pixels reproduces python-threatexchange's hash.
func TestPDQPythonI16Clipping(t *testing.T) {
	dir := filepath.Join(testenv.PDQDir(t), "repo-documented")
	b, err := os.ReadFile(filepath.Join(dir, "pytx-resources", "I16.png"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := media.DecodeBytes(b, media.Options{})
	if err != nil {
		t.Fatal(err)
	}
	g16, ok := img.(*image.Gray16)
	if !ok {
		t.Fatalf("I16.png decoded as %T, want *image.Gray16", img)
	}
	clipped := image.NewGray(g16.Rect)
	for y := g16.Rect.Min.Y; y < g16.Rect.Max.Y; y++ {
		for x := g16.Rect.Min.X; x < g16.Rect.Max.X; x++ {
			clipped.SetGray(x, y, color.Gray{uint8(min(g16.Gray16At(x, y).Y, 255))})
		}
	}
	h, q, err := fingerprint.PDQFullResolution(clipped)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := fingerprint.ParsePDQ("de2ef0e99ecdfc1d248a0eb055f023d1d61e79c3920cbb55d561c02accab1763")
	t.Logf("clipped I16.png: distance %d, quality %d (python-threatexchange: 36)", h.Distance(want), q)
	if h.Distance(want) > 10 {
		t.Errorf("clipped I16.png: distance %d", h.Distance(want))
	}
}

// TestParseReferenceHashLists parses every line of the hash lists the
// reference's own regression tests use: 256-bit lists with ParsePDQ,
// 64-bit lists with ParseHash64, and each value prints back as read.
func TestParseReferenceHashLists(t *testing.T) {
	dir := filepath.Join(testenv.PDQDir(t), "repo-documented", "hashlists")
	files := map[string]int{"haystack.txt": 64, "needles.txt": 64, "long256.dat": 64, "short256.dat": 64, "long64.dat": 16, "short64.dat": 16}
	total := 0
	for name, width := range files {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		s := bufio.NewScanner(f)
		for s.Scan() {
			line := strings.TrimSpace(s.Text())
			if line == "" {
				continue
			}
			// Some lists carry a second column; the hash is the first field.
			hex := strings.Fields(line)[0]
			var back string
			if width == 64 {
				h, err := fingerprint.ParsePDQ(hex)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				back = h.String()
			} else {
				h, err := fingerprint.ParseHash64(hex)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				back = h.String()
			}
			if back != strings.ToLower(hex) {
				t.Fatalf("%s: %q prints back as %q", name, hex, back)
			}
			total++
		}
		f.Close()
		if err := s.Err(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("parsed %d reference hashes", total)
	if total < 2000 {
		t.Fatalf("only %d hashes parsed", total)
	}
}
