package video_test

import (
	"bytes"
	"errors"
	"image"
	"image/color/palette"
	"image/gif"
	"testing"

	"github.com/hashgate/hashgate/fingerprint/video"
)

// gifOf encodes n frames of size w×h with Go's encoder (local colour
// tables, so both table paths are walked).
func gifOf(t testing.TB, n, w, h int) []byte {
	t.Helper()
	g := &gif.GIF{}
	for i := range n {
		p := image.NewPaletted(image.Rect(0, 0, w, h), palette.Plan9)
		for j := range p.Pix {
			p.Pix[j] = uint8(i*7 + j)
		}
		g.Image = append(g.Image, p)
		g.Delay = append(g.Delay, 10)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGIFFrames(t *testing.T) {
	three := gifOf(t, 3, 40, 30)
	one := gifOf(t, 1, 40, 30)
	cases := []struct {
		name string
		b    []byte
		max  int
		want int
		err  error
	}{
		{"one frame", one, 0, 1, nil},
		{"three frames", three, 0, 3, nil},
		{"three frames, counted up to 2", three, 2, 2, nil},
		{"cut in the third frame", three[:len(three)-20], 0, 2, nil},
		{"cut in the header", three[:8], 0, 0, video.ErrMalformed},
		{"cut before any frame ends", one[:len(one)/2], 0, 0, video.ErrMalformed},
		{"not a GIF", []byte("\x89PNG\r\n\x1a\n0000000000000"), 0, 0, video.ErrMalformed},
		{"unknown block", append(append([]byte(nil), one[:len(one)-1]...), 0x99), 0, 1, video.ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, err := video.GIFFrames(bytes.NewReader(c.b), c.max)
			if n != c.want || !errors.Is(err, c.err) {
				t.Fatalf("GIFFrames = %d, %v; want %d, %v", n, err, c.want, c.err)
			}
		})
	}
}

// FuzzGIFFrames: the walk never fails on a GIF Go's decoder reads whole,
// and counts its frames.
func FuzzGIFFrames(f *testing.F) {
	f.Add(gifOf(f, 1, 4, 4))
	f.Add(gifOf(f, 3, 8, 2))
	f.Add([]byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := video.GIFFrames(bytes.NewReader(b), 0)
		if err != nil && !errors.Is(err, video.ErrMalformed) {
			t.Fatalf("error %v is not ErrMalformed", err)
		}
		if len(b) > 1<<16 {
			return
		}
		if g, gerr := gif.DecodeAll(bytes.NewReader(b)); gerr == nil && (err != nil || n != len(g.Image)) {
			t.Fatalf("Go decodes %d frames; GIFFrames = %d, %v", len(g.Image), n, err)
		}
	})
}
