package fingerprint_test

import (
	"fmt"
	"io"
	"strings"

	"github.com/hashgate/hashgate/fingerprint"
)

// A browser hands over RGBA pixels from createImageBitmap; the same call
// runs in the wasm module and on the edge.
func ExampleFromRGBA() {
	const w, h = 640, 480
	pix := make([]byte, 4*w*h)
	for y := range h {
		for x := range w {
			p := pix[4*(y*w+x):]
			p[0], p[1], p[2], p[3] = byte(x*x/w), byte(y), byte((x+y)/5), 255
		}
	}
	f, err := fingerprint.FromRGBA(pix, w, h)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Width, f.Height, f.PDQQuality)
	fmt.Println(f.PDQ)
	fmt.Println(f.PHash)
	// Output:
	// 640 480 100
	// a27e53106eed65a0976b6852ba96e54fabc4480dae64d42f13f624689eb59c59
	// 8d2a232affaa362a
}

func ExamplePDQHash_Distance() {
	a, _ := fingerprint.ParsePDQ("d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")
	b, _ := fingerprint.ParsePDQ("d8f8f0cee0f4a84f0e370a22038f67f0b36e2ed596621e1d33e6339c4e9c9b22")
	fmt.Println(a.Distance(b))
	_, err := fingerprint.ParsePDQ("d8f8")
	fmt.Println(err)
	// Output:
	// 4
	// fingerprint: malformed pdq hash: want 64 hex digits, got 4
}

func ExampleNewDigester() {
	d := fingerprint.NewDigester()
	if _, err := io.Copy(d, strings.NewReader("abc")); err != nil {
		fmt.Println(err)
		return
	}
	sha, md5 := d.Sum()
	fmt.Println(sha)
	fmt.Println(md5)
	// Output:
	// ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
	// 900150983cd24fb0d6963f7d28e17f72
}

// Every kind has one number, one list name and one raw value length.
func ExampleKinds() {
	for _, k := range fingerprint.Kinds() {
		fmt.Println(uint8(k), k, k.ValueLen())
	}
	// Output:
	// 1 pdq 32
	// 2 phash 8
	// 3 sha256 32
	// 4 md5 16
	// 5 dhash 8
	// 6 ahash 8
	// 7 vpdq 0
}
