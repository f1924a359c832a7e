package fingerprint

import (
	"bytes"
	"image"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/corona10/goimagehash/transforms"
	"github.com/nfnt/resize"
)

// TestBilinearEqualsNfntResize holds resize.go to the code it stands in
// for: nfnt/resize's Bilinear Resize (the reference, imported by this test
// only) must give the same premultiplied pixels, and goimagehash's
// Rgb2Gray of that result the same grey plane, for downscales, upscales,
// one-pixel sides, one side unchanged, the unresampled same-size case,
// translucent pixels and opaque grey ones (bilinearGreys' path), each size
// alone and the three together as hash64s asks for them.
func TestBilinearEqualsNfntResize(t *testing.T) {
	srcSizes := []image.Point{{1, 1}, {1, 7}, {7, 1}, {3, 5}, {8, 8}, {9, 8}, {8, 9}, {63, 64}, {64, 64},
		{64, 100}, {100, 37}, {257, 3}, {511, 512}, {512, 512}, {512, 300}, {200, 512}}
	dstSizes := []image.Point{{64, 64}, {9, 8}, {8, 8}}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, ss := range srcSizes {
		for _, alpha := range []string{"opaque", "translucent", "grey"} {
			src := image.NewNRGBA(image.Rect(0, 0, ss.X, ss.Y))
			for i := range src.Pix {
				src.Pix[i] = uint8(rng.Uint32())
				if i%4 == 3 && alpha != "translucent" {
					src.Pix[i] = 0xff
				}
			}
			if alpha == "grey" {
				for i := 0; i < len(src.Pix); i += 4 {
					src.Pix[i+1], src.Pix[i+2] = src.Pix[i], src.Pix[i]
				}
			}
			grey := rgbaAllGrey(src.Pix)
			if (grey && opaque(src)) != (alpha == "grey") {
				t.Fatalf("%v %s: grey and opaque, want %v", ss, alpha, alpha == "grey")
			}
			together := bilinearGrays(src, dstSizes, grey && opaque(src))
			for _, ds := range dstSizes {
				name := strconv.Itoa(ss.X) + "x" + strconv.Itoa(ss.Y) + "-to-" + strconv.Itoa(ds.X) + "x" + strconv.Itoa(ds.Y) + "-" + alpha
				t.Run(name, func(t *testing.T) {
					ref := resize.Resize(uint(ds.X), uint(ds.Y), src, resize.Bilinear)
					if ss != ds {
						got := bilinearRGBA(src, ds.X, ds.Y)
						if !bytes.Equal(got, ref.(*image.RGBA).Pix) {
							t.Fatal("pixels differ from nfnt/resize")
						}
					}
					gray := bilinearGray(src, ds.X, ds.Y)
					refGray := transforms.Rgb2Gray(ref)
					for y, row := range refGray {
						for x, v := range row {
							if gray[y*ds.X+x] != v {
								t.Fatalf("grey at %d,%d: %v, goimagehash %v", x, y, gray[y*ds.X+x], v)
							}
						}
					}
					if !slices.Equal(together[slices.Index(dstSizes, ds)], gray) {
						t.Fatal("resized with the other sizes, the grey plane differs")
					}
				})
			}
		}
	}
}

// TestBilinearWeightsSum: every output's taps carry weight, so no division
// by zero is possible for any size the pipeline resizes from.
func TestBilinearWeightsSum(t *testing.T) {
	for in := 1; in <= CanonicalSide; in++ {
		for _, out := range []int{8, 9, 64} {
			bw := newBilinearWeights(in, out)
			for o := range out {
				sum := 0
				for _, w := range bw.w[o*bw.taps : (o+1)*bw.taps] {
					sum += int(w)
				}
				if sum <= 0 {
					t.Fatalf("%d -> %d, output %d: weights sum to %d", in, out, o, sum)
				}
			}
		}
	}
}
