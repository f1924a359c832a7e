package media_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/hashgate/hashgate/fingerprint/media"
)

// largeAllocs runs f with the collector off and returns the bytes it
// allocated in objects over 32 KiB (the sizes of pixel buffers). Summing
// them bounds the live peak from above, as nothing is freed while f runs.
func largeAllocs(f func()) int64 {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	runtime.GC()
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	total := int64(b.TotalAlloc - a.TotalAlloc)
	for i := range b.BySize {
		total -= int64(b.BySize[i].Size) * int64(b.BySize[i].Mallocs-a.BySize[i].Mallocs)
	}
	return total
}

// The estimate covers what decoding and fingerprinting really allocate,
// for the layouts that cost most per pixel, and is not wildly above it
// (an estimate that refuses ordinary photos would be useless).
func TestCostCoversDecode(t *testing.T) {
	files, err := filepath.Glob("testdata/*-1024x768.*")
	if err != nil || len(files) < 10 {
		t.Fatalf("worst-case files: %v %v", files, err)
	}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			c, err := media.EstimateCost(b, media.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var ferr error
			got := largeAllocs(func() { _, ferr = media.FingerprintBytes(b, media.Options{}) })
			if ferr != nil {
				t.Fatal(ferr)
			}
			px := int64(c.Width * c.Height)
			t.Logf("%s %dx%d: estimate %.1f B/px, allocated %.1f B/px", c.Format, c.Width, c.Height,
				float64(c.Bytes)/float64(px), float64(got)/float64(px))
			if got > c.Bytes {
				t.Errorf("decode allocated %d bytes, over the estimate %d", got, c.Bytes)
			}
			if c.Bytes > 3*got+8<<20 {
				t.Errorf("estimate %d is over three times what the decode allocated (%d)", c.Bytes, got)
			}
		})
	}
}

// A progressive JPEG costs about five times its baseline twin; the budget
// refuses it before decoding.
func TestMaxDecodeBytes(t *testing.T) {
	prog, _ := os.ReadFile("testdata/prog444-1024x768.jpg")
	base, _ := os.ReadFile("testdata/base420-1024x768.jpg")
	o := media.Options{MaxDecodeBytes: 8 << 20}
	if _, err := media.FingerprintBytes(base, o); err != nil {
		t.Errorf("baseline 4:2:0 under an 8 MiB budget: %v", err)
	}
	var err error
	got := largeAllocs(func() { _, err = media.FingerprintBytes(prog, o) })
	if !errors.Is(err, media.ErrTooLarge) {
		t.Fatalf("progressive 4:4:4 under an 8 MiB budget: %v, want ErrTooLarge", err)
	}
	if got > 1<<20 {
		t.Errorf("refusal allocated %d bytes of large buffers", got)
	}
}

// FuzzEstimateCost: for any input EstimateCost never panics, fails only
// with the sentinels, and when the decode succeeds its large allocations
// stay within the estimate (the decode budget rests on that).
func FuzzEstimateCost(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		o := media.Options{MaxPixels: fuzzMaxPixels}
		c, err := media.EstimateCost(b, o)
		if err != nil {
			if !errors.Is(err, media.ErrTooLarge) && !errors.Is(err, media.ErrUnsupportedFormat) && !errors.Is(err, media.ErrCorrupt) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		var ferr error
		got := largeAllocs(func() { _, ferr = media.FingerprintBytes(b, o) })
		if ferr == nil && got > c.Bytes {
			t.Fatalf("%s %dx%d: decode allocated %d bytes, over the estimate %d", c.Format, c.Width, c.Height, got, c.Bytes)
		}
	})
}
