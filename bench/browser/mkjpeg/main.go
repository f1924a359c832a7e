// Command mkjpeg writes the browser benchmark's inputs: a synthetic
// 12-megapixel (4000×3000) photo-like JPEG and a 512×512 one. They are made
// at benchmark time and never committed.
//
// Usage: go run ./bench/browser/mkjpeg OUTDIR
package main

import (
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: mkjpeg OUTDIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "mkjpeg:", err)
		os.Exit(1)
	}
	for _, s := range []struct {
		name string
		w, h int
	}{{"photo-12mp-4000x3000.jpg", 4000, 3000}, {"photo-512x512.jpg", 512, 512}} {
		if err := write(filepath.Join(dir, s.name), scene(s.w, s.h, 42)); err != nil {
			fmt.Fprintln(os.Stderr, "mkjpeg:", err)
			os.Exit(1)
		}
	}
}

func write(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 90}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// scene paints smooth colour waves with fine noise on top, so the JPEG has
// a camera photo's entropy (a few MB at 12 MP) rather than compressing to
// almost nothing.
func scene(w, h int, seed uint64) *image.YCbCr {
	r := rand.New(rand.NewPCG(seed, 1))
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	fx := [3]float64{3 + r.Float64()*4, 2 + r.Float64()*5, 1 + r.Float64()*6}
	for y := range h {
		for x := range w {
			u, v := float64(x)/float64(w), float64(y)/float64(h)
			l := 128 + 60*math.Sin(fx[0]*6.28*u+fx[1]*3*v) + 30*math.Sin(fx[2]*9*u*v) + float64(r.IntN(24)) - 12
			img.Y[img.YOffset(x, y)] = uint8(max(0, min(255, l)))
		}
	}
	for y := 0; y < h/2; y++ {
		for x := 0; x < w/2; x++ {
			u, v := float64(x)/float64(w/2), float64(y)/float64(h/2)
			i := y*img.CStride + x
			img.Cb[i] = uint8(128 + 50*math.Sin(5*u+2*v))
			img.Cr[i] = uint8(128 + 50*math.Cos(3*v-4*u))
		}
	}
	return img
}
