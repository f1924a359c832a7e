package fingerprint

import (
	"image"

	"github.com/corona10/goimagehash/etcs"
	"github.com/corona10/goimagehash/transforms"
	"github.com/nfnt/resize"
)

// hash64s computes pHash, dHash and aHash exactly as goimagehash v1.1.0's
// PerceptionHash, DifferenceHash and AverageHash do, from the same building
// blocks (nfnt/resize bilinear, its transforms and etcs subpackages). The
// root goimagehash package is not imported because it pulls in fmt,
// encoding/gob and reflect, which the wasm module must not carry; a test
// holds the two equal.
func hash64s(img image.Image) (p, d, a Hash64) {
	return pHash(img), dHash(img), aHash(img)
}

func pHash(img image.Image) Hash64 {
	small := resize.Resize(64, 64, img, resize.Bilinear)
	pixels := make([]float64, 64*64)
	transforms.Rgb2GrayFast(small, &pixels)
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

func dHash(img image.Image) Hash64 {
	pixels := transforms.Rgb2Gray(resize.Resize(9, 8, img, resize.Bilinear))
	var h Hash64
	i := 0
	for _, row := range pixels {
		for j := 0; j+1 < len(row); j++ {
			if row[j] < row[j+1] {
				h |= 1 << (63 - i)
			}
			i++
		}
	}
	return h
}

func aHash(img image.Image) Hash64 {
	pixels := transforms.FlattenPixels(transforms.Rgb2Gray(resize.Resize(8, 8, img, resize.Bilinear)), 8, 8)
	mean := etcs.MeanOfPixels(pixels)
	var h Hash64
	for i, v := range pixels {
		if v > mean {
			h |= 1 << (63 - i)
		}
	}
	return h
}
