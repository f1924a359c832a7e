package media_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/hashgate/hashgate/fingerprint/media"
)

func ExampleFingerprintBytes() {
	img := image.NewNRGBA(image.Rect(0, 0, 300, 200))
	for y := range 200 {
		for x := range 300 {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	var file bytes.Buffer
	if err := png.Encode(&file, img); err != nil {
		fmt.Println(err)
		return
	}
	f, err := media.FingerprintBytes(file.Bytes(), media.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Width, f.Height, f.PDQQuality)
	fmt.Println(f.PDQ)
	// Output:
	// 300 200 48
	// ba0cc773ba8cfbd4140b01f7188cc1f3457341f4be0bee233a8cee33c6731a94
}

// A header that declares more pixels than the limit is refused before any
// pixel memory is allocated.
func ExampleDecode_tooLarge() {
	_, err := media.Decode(bytes.NewReader(hugePNGHeader(60000, 60000)), media.Options{})
	fmt.Println(errors.Is(err, media.ErrTooLarge))
	fmt.Println(err)
	// Output:
	// true
	// media: image too large (png): 60000x60000 is over 64000000 pixels
}
