package fingerprint

import (
	"image"

	"github.com/corona10/goimagehash/etcs"
	"github.com/corona10/goimagehash/transforms"
)

// hash64s computes pHash, dHash and aHash exactly as goimagehash v1.1.0's
// PerceptionHash, DifferenceHash and AverageHash do on c: the bilinear
// resize and grey conversion are resize.go, the DCT and statistics are
// goimagehash's own transforms and etcs subpackages. The root goimagehash
// package is not imported because it pulls in fmt, encoding/gob and
// reflect, which the wasm module must not carry; a test holds the two
// equal.
//
// The three resizes are done together (bilinearGrays), reading c once;
// grey says c has R = G = B everywhere.
func hash64s(c *image.NRGBA, grey bool) (p, d, a Hash64) {
	g := bilinearGrays(c, hashSizes, grey && opaque(c))
	return pHash(g[0]), dHash(g[1]), aHash(g[2])
}

// hashSizes are the sizes pHash, dHash and aHash resize to.
var hashSizes = []image.Point{{64, 64}, {9, 8}, {8, 8}}

// pHash, dHash and aHash take the grey plane of c resized to 64×64, 9×8
// and 8×8 respectively.
func pHash(pixels []float64) Hash64 {
	transforms.DCT2DFast64(&pixels)
	flat := transforms.FlattenPixelsFast64(pixels, 8, 8)
	median := etcs.MedianOfPixelsFast64(flat)
	var h Hash64
	for i, v := range flat {
		if v > median {
			h |= 1 << (63 - i)
		}
	}
	return h
}

func dHash(pixels []float64) Hash64 {
	var h Hash64
	i := 0
	for y := range 8 {
		row := pixels[9*y : 9*y+9]
		for x := range 8 {
			if row[x] < row[x+1] {
				h |= 1 << (63 - i)
			}
			i++
		}
	}
	return h
}

func aHash(pixels []float64) Hash64 {
	mean := etcs.MeanOfPixels(pixels)
	var h Hash64
	for i, v := range pixels {
		if v > mean {
			h |= 1 << (63 - i)
		}
	}
	return h
}
