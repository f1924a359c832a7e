package media_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"

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

// EstimateCost prices a decode from the header alone: a progressive JPEG
// keeps its coefficients, so it costs several times its baseline twin
// (about five times with image/jpeg, twice with libjpeg-turbo, which keeps
// them in 16 bits).
func ExampleEstimateCost() {
	var cost []int64
	for _, name := range []string{"testdata/base420-1024x768.jpg", "testdata/prog444-1024x768.jpg"} {
		b, err := os.ReadFile(name)
		if err != nil {
			fmt.Println(err)
			return
		}
		c, err := media.EstimateCost(b, media.Options{MaxDecodeBytes: 16 << 20})
		fmt.Printf("%s %dx%d: %v\n", c.Format, c.Width, c.Height, err)
		cost = append(cost, c.Bytes)
	}
	fmt.Println("progressive costs more:", cost[1] > cost[0]+cost[0]/2)
	// Output:
	// jpeg 1024x768: <nil>
	// jpeg 1024x768: <nil>
	// progressive costs more: true
}
