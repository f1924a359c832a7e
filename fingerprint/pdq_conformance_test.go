package fingerprint_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/media"
	"github.com/hashgate/hashgate/internal/testenv"
)

func fingerprintFile(t *testing.T, path string, o media.Options) fingerprint.Fingerprints {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := media.FingerprintBytes(b, o)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f
}

// TestPDQExpected walks every row of expected.tsv: exact rows (the pixels
// the reference saw) must match hash and quality bit for bit; within10 rows
// (the original files through our own decoders) must land within 10 bits
// when the reference quality is at least 80.
func TestPDQExpected(t *testing.T) {
	dir := testenv.PDQDir(t)
	exact, within := 0, 0
	for _, row := range testenv.ReadTSV(t, filepath.Join(dir, "expected.tsv")) {
		if len(row) != 4 {
			t.Fatalf("expected.tsv: bad row %q", row)
		}
		want, quality := pdqCell(t, row[1]), intCell(t, row[2])
		// The reference ignores EXIF orientation, so these rows compare
		// the stored pixels; TestPDQEXIF checks the upright ones.
		f := fingerprintFile(t, filepath.Join(dir, row[0]), media.Options{IgnoreOrientation: true})
		switch row[3] {
		case "exact":
			exact++
			if f.PDQ != want || f.PDQQuality != quality {
				t.Errorf("%s: got %v q%d, want %v q%d (distance %d)", row[0], f.PDQ, f.PDQQuality, want, quality, f.PDQ.Distance(want))
			}
		case "within10":
			within++
			d := f.PDQ.Distance(want)
			if quality >= 80 && d > 10 {
				t.Errorf("%s: distance %d > 10 (got %v q%d, want %v q%d)", row[0], d, f.PDQ, f.PDQQuality, want, quality)
			}
			t.Logf("%s: distance %d, quality %d (reference %d)", row[0], d, f.PDQQuality, quality)
		default:
			t.Fatalf("expected.tsv: unknown check %q", row[3])
		}
	}
	t.Logf("expected.tsv: checked %d exact and %d within10 rows", exact, within)
	if exact == 0 || within == 0 {
		t.Fatal("expected.tsv: no rows of a kind checked")
	}
}

// TestPDQDihedral checks the eight dihedral hashes of every dihedral.tsv
// row bit for bit, with the quality.
func TestPDQDihedral(t *testing.T) {
	dir := testenv.PDQDir(t)
	n := 0
	for _, row := range testenv.ReadTSV(t, filepath.Join(dir, "dihedral.tsv")) {
		if len(row) != 10 {
			t.Fatalf("dihedral.tsv: bad row %q", row)
		}
		f := fingerprintFile(t, filepath.Join(dir, row[0]), media.Options{})
		for v := range 8 {
			if want := pdqCell(t, row[1+v]); f.PDQDihedral[v] != want {
				t.Errorf("%s variant %d: got %v, want %v (distance %d)", row[0], v, f.PDQDihedral[v], want, f.PDQDihedral[v].Distance(want))
			}
		}
		if q := intCell(t, row[9]); f.PDQQuality != q {
			t.Errorf("%s: quality %d, want %d", row[0], f.PDQQuality, q)
		}
		n++
	}
	t.Logf("dihedral.tsv: checked %d rows (%d hashes)", n, 8*n)
}

// TestPDQEXIF checks that photos stored rotated, with an EXIF orientation
// tag, hash within 10 bits of the reference's hash of their upright pixels.
func TestPDQEXIF(t *testing.T) {
	dir := testenv.PDQDir(t)
	n := 0
	for _, row := range testenv.ReadTSV(t, filepath.Join(dir, "exif.tsv")) {
		if len(row) != 5 {
			t.Fatalf("exif.tsv: bad row %q", row)
		}
		upright, stored := pdqCell(t, row[3]), pdqCell(t, row[2])
		f := fingerprintFile(t, filepath.Join(dir, row[0]), media.Options{})
		if row[1] != "1" && f.PDQ.Distance(stored) < 32 {
			t.Errorf("%s: orientation %s not applied (distance %d to the stored pixels' hash)", row[0], row[1], f.PDQ.Distance(stored))
		}
		d := f.PDQ.Distance(upright)
		if d > 10 {
			t.Errorf("%s (orientation %s): distance %d to upright > 10; to stored pixels %d", row[0], row[1], d, f.PDQ.Distance(stored))
		}
		t.Logf("%s: orientation %s, distance %d to upright", row[0], row[1], d)
		n++
	}
	t.Logf("exif.tsv: checked %d rows", n)
}
