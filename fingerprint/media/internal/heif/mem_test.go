//go:build cgo && !purego && !noheif

package heif

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/hashgate/hashgate/internal/testenv"
)

// TestCMemory measures what libheif and its codecs allocate in C while
// decoding (peak resident memory, reset before the decode, less the Go
// RGBA copy): media's estimate allows 9 bytes a pixel and 16 MiB.
func TestCMemory(t *testing.T) {
	convert, err := exec.LookPath("convert")
	if err != nil {
		t.Fatal("ImageMagick's convert is needed (apt-get install imagemagick)")
	}
	const w, h = 1200, 900
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	for _, format := range []string{"heic", "avif"} {
		p := filepath.Join(t.TempDir(), "x."+format)
		if out, err := exec.Command(convert, "-size", "1200x900", "gradient:red-blue", "-quality", "50", p).CombinedOutput(); err != nil {
			t.Fatalf("convert: %v: %s", err, out)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		hd, err := ReadHeader(b)
		if err != nil || hd.Width != w || hd.Height != h || hd.Format != format {
			t.Fatalf("%s: header %+v, %v", format, hd, err)
		}
		runtime.GC()
		testenv.ResetPeakRSS(t)
		before := testenv.PeakRSS(t)
		img, err := Decode(b, hd)
		if err != nil {
			t.Fatal(err)
		}
		grew := testenv.PeakRSS(t) - before
		c := grew - int64(len(img.Pix))
		px := int64(w * h)
		t.Logf("%s %dx%d: peak grew %.1f MiB, Go RGBA %.1f MiB, so C used about %.1f MiB (%.2f B a pixel)",
			format, w, h, float64(grew)/(1<<20), float64(len(img.Pix))/(1<<20), float64(c)/(1<<20), float64(c)/float64(px))
		if limit := 9*px + 16<<20; c > limit {
			t.Errorf("%s: C used %d bytes, over the %d media's estimate allows", format, c, limit)
		}
	}
}
