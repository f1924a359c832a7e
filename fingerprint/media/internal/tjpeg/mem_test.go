//go:build cgo && !purego

package tjpeg

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/hashgate/hashgate/internal/testenv"
)

// TestCMemory measures what libjpeg-turbo allocates in C while decoding
// (the peak resident memory, reset before each decode, less the Go
// planes): a baseline file needs little whatever its size; a progressive
// one keeps 2 bytes of coefficients a sample, at full size whatever the
// scale. media's cost estimate rests on these figures.
func TestCMemory(t *testing.T) {
	convert, err := exec.LookPath("convert")
	if err != nil {
		t.Fatal("ImageMagick's convert is needed (apt-get install imagemagick)")
	}
	dir := t.TempDir()
	const w, h = 3000, 2000
	files := []struct {
		name  string
		args  []string
		coefs bool
	}{
		{"baseline 4:2:0", []string{"-sampling-factor", "2x2"}, false},
		{"progressive 4:4:4", []string{"-interlace", "Plane", "-sampling-factor", "1x1"}, true},
	}
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	for _, f := range files {
		p := filepath.Join(dir, strings.ReplaceAll(f.name, " ", "-")+".jpg")
		args := append([]string{"-size", strconv.Itoa(w) + "x" + strconv.Itoa(h), "gradient:red-blue", "-quality", "90"}, f.args...)
		if out, err := exec.Command(convert, append(args, p)...).CombinedOutput(); err != nil {
			t.Fatalf("convert: %v: %s", err, out)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		hd, err := ReadHeader(b)
		if err != nil || !hd.Planar {
			t.Fatalf("%s: header %+v, %v", f.name, hd, err)
		}
		for _, scale := range []int{1, 4} {
			runtime.GC()
			testenv.ResetPeakRSS(t)
			before := testenv.PeakRSS(t)
			img, err := Decode(b, hd, scale)
			if err != nil {
				t.Fatal(err)
			}
			grew := testenv.PeakRSS(t) - before
			planes := PlaneBytes(hd, scale)
			c := grew - planes
			samples := int64(3 * w * h)
			t.Logf("%s at 1/%d: peak grew %.1f MiB, planes %.1f MiB, so C used about %.1f MiB (%.2f B a sample)",
				f.name, scale, float64(grew)/(1<<20), float64(planes)/(1<<20), float64(c)/(1<<20), float64(c)/float64(samples))
			// The estimate's allowance (media's turboSlack, 2 MiB) and 1 MiB
			// for what the Go runtime itself touches meanwhile.
			limit := int64(3 << 20)
			if f.coefs {
				limit += 2 * samples
			}
			if c > limit {
				t.Errorf("%s at 1/%d: C used %d bytes, over the %d media's estimate assumes", f.name, scale, c, limit)
			}
			if f.coefs && c < samples {
				t.Errorf("%s at 1/%d: C used only %d bytes: the measurement missed the coefficients", f.name, scale, c)
			}
			runtime.KeepAlive(img)
		}
	}
}
