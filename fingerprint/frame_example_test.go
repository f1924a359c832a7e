package fingerprint_test

import (
	"fmt"
	"image"

	"github.com/hashgate/hashgate/fingerprint"
)

// A video frame's luma plane, hashed at its own size as vPDQ does; the
// scratch space returned is reused for the next frame.
func ExamplePDQFromLuma() {
	const w, h = 320, 180
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	luma := make([]float32, w*h)
	for y := range h {
		for x := range w {
			v := byte((x*x/w + 3*y) % 256)
			p := img.Pix[img.PixOffset(x, y):]
			p[0], p[1], p[2], p[3] = v, v, v, 255
			luma[y*w+x] = float32(v) // a grey frame: luma is the grey level
		}
	}
	var scratch []float32
	hash, quality, scratch, err := fingerprint.PDQFromLuma(luma, w, h, scratch)
	if err != nil {
		fmt.Println(err)
		return
	}
	full, fullQuality, _ := fingerprint.PDQFullResolution(img)
	fmt.Println(hash == full, quality == fullQuality, len(scratch) == w*h)
	// Output: true true true
}
