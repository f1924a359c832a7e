package video

import (
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
)

// FuzzTrimFrame feeds the frame trimmer arbitrary RGB24 frames of
// arbitrary sizes: it never panics, and it changes at most a frame's hash
// and quality.
func FuzzTrimFrame(f *testing.F) {
	f.Add(uint16(64), uint16(48), []byte{0, 0, 0, 200, 10, 90})
	f.Add(uint16(1280), uint16(720), []byte{0, 0, 0, 0, 0, 0, 255, 255, 255, 12, 200, 7})
	f.Add(uint16(17), uint16(3), []byte{1})
	f.Fuzz(func(t *testing.T, w, h uint16, seed []byte) {
		if w == 0 || h == 0 || int(w)*int(h) > 1<<21 || len(seed) == 0 {
			return
		}
		pix := make([]byte, 3*int(w)*int(h))
		for i := range pix {
			// The seed's bytes, with the outer fifth of each row black:
			// a pillarbox for the trimmer to find.
			if x := i / 3 % int(w); x < int(w)/5 || x >= int(w)-int(w)/5 {
				continue
			}
			pix[i] = seed[(i*7+i/len(seed))%len(seed)]
		}
		var tr trimmer
		var fh fingerprint.FrameHasher
		in := Frame{Number: 3, PDQ: fingerprint.PDQHash{1}, Quality: 7}
		out, err := tr.frame(&fh, pix, int(w), int(h), in)
		if err != nil {
			return
		}
		if out.Number != in.Number || out.Timestamp != in.Timestamp || out.Quality < 0 || out.Quality > 100 {
			t.Fatalf("frame %+v came back %+v", in, out)
		}
	})
}
