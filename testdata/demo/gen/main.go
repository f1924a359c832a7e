// Command gen writes hashgate's demo images: synthetic, seeded scenes (so
// they carry no one's photo and no real extremist content) as JPEGs. The
// listed/ images are what `hashgate demo` puts on its hash list; probe/
// holds files to try against it: a resized, recompressed copy of a listed
// image (a near-duplicate that should match) and a scene that is not
// listed (it should come back clear).
//
// Run from the repository root: go run ./testdata/demo/gen
package main

import (
	"image"
	"image/color"
	"image/jpeg"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"golang.org/x/image/draw"
)

func main() {
	out := filepath.Join("testdata", "demo")
	scenes := []struct {
		path string
		seed uint64
	}{
		{"listed/harbour.jpg", 1},
		{"listed/market.jpg", 2},
		{"listed/station.jpg", 3},
		{"probe/meadow-unlisted.jpg", 4},
	}
	imgs := map[uint64]*image.RGBA{}
	for _, s := range scenes {
		img := scene(640, 480, s.seed)
		imgs[s.seed] = img
		write(filepath.Join(out, s.path), img, 88)
	}
	// The near-duplicate: harbour at 400x300, recompressed harder.
	small := image.NewRGBA(image.Rect(0, 0, 400, 300))
	draw.CatmullRom.Scale(small, small.Rect, imgs[1], imgs[1].Rect, draw.Src, nil)
	write(filepath.Join(out, "probe/harbour-resized-q70.jpg"), small, 70)
}

func write(path string, img image.Image, q int) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		log.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: q}); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

// scene paints a textured landscape-like picture: a sky gradient, rolling
// bands of colour from summed sinusoids, and a scatter of discs and boxes,
// so that PDQ sees plenty of structure (quality well above 50).
func scene(w, h int, seed uint64) *image.RGBA {
	r := rand.New(rand.NewPCG(seed, 0x68617368))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	type wave struct{ fx, fy, ph, amp float64 }
	var waves [6]wave
	for i := range waves {
		waves[i] = wave{r.Float64() * 0.05, r.Float64() * 0.05, r.Float64() * 6.3, 20 + r.Float64()*40}
	}
	base := [3]float64{60 + r.Float64()*120, 60 + r.Float64()*120, 60 + r.Float64()*120}
	for y := range h {
		for x := range w {
			v := 0.0
			for _, wv := range waves {
				v += wv.amp * math.Sin(wv.fx*float64(x)+wv.fy*float64(y)+wv.ph)
			}
			t := float64(y) / float64(h)
			c := [3]float64{}
			for k := range c {
				c[k] = base[k]*(1-t) + (255-base[k])*t*0.5 + v*(0.6+0.2*float64(k))
			}
			img.SetRGBA(x, y, color.RGBA{clamp(c[0]), clamp(c[1]), clamp(c[2]), 255})
		}
	}
	for range 40 {
		cx, cy := r.IntN(w), r.IntN(h)
		rad := 8 + r.IntN(50)
		col := color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
		box := r.IntN(2) == 0
		for y := max(0, cy-rad); y < min(h, cy+rad); y++ {
			for x := max(0, cx-rad); x < min(w, cx+rad); x++ {
				dx, dy := x-cx, y-cy
				if box || dx*dx+dy*dy <= rad*rad {
					img.SetRGBA(x, y, col)
				}
			}
		}
	}
	return img
}

func clamp(v float64) uint8 {
	return uint8(max(0, min(255, math.Round(v))))
}
