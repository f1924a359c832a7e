package video_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/video"
	"github.com/hashgate/hashgate/internal/testenv"
)

// BenchmarkFrameHasher is the Go side's cost per hashed frame: PDQ of a
// full-resolution RGB24 frame. bench/video.sh measures the whole path
// against the reference.
func BenchmarkFrameHasher(b *testing.B) {
	for _, sz := range []struct{ w, h int }{{1280, 720}, {1920, 1080}} {
		b.Run(strconv.Itoa(sz.h)+"p", func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			pix := make([]byte, 3*sz.w*sz.h)
			for i := range pix {
				pix[i] = uint8(rng.IntN(256))
			}
			var fh fingerprint.FrameHasher
			testenv.ReportCPU(b, func() {
				if _, _, err := fh.PDQRGB24(pix, sz.w, sz.h, 3*sz.w); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkHashFile is one sample video end to end (probe, decode, hash);
// cpu-ns/op counts this process only, not FFmpeg's.
func BenchmarkHashFile(b *testing.B) {
	path := filepath.Join(testenv.VPDQDir(b), "videos", "doorknob-hd-no-bar.mp4")
	testenv.ReportCPU(b, func() {
		if _, err := video.HashFile(context.Background(), path, video.Options{}); err != nil {
			b.Fatal(err)
		}
	})
}
