package video_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/hashgate/hashgate/fingerprint/video"
)

// HashFile fingerprints a video with one PDQ per second; WriteVPDQ prints
// the frames as Meta's vpdq-hash-video does.
func ExampleHashFile() {
	res, err := video.HashFile(context.Background(),
		"../../../shared/testdata/vpdq/videos/test-padded-dimensions.mp4", video.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%dx%d at %g fps: %d frames hashed, every %d-th\n", res.Width, res.Height, res.FPS, len(res.Frames), res.FrameMod)
	_ = video.WriteVPDQ(os.Stdout, res.Frames[:2])
	// Output:
	// 1080x1080 at 30 fps: 5 frames hashed, every 30-th
	// 0,100,e6cf059c4c6696362cc9d6663cd9c263714169d98327399993363d9c3d9cc666,0.000
	// 30,100,e6ce87364c64149ce6c31ccc537368c9b3cbc363098d9333bd9c93361d366ccc,1.000
}

// Compare gives the query and target match percentages of two videos'
// frames under python-threatexchange's rule.
func ExampleCompare() {
	lines := "0,100,e6cf059c4c6696362cc9d6663cd9c263714169d98327399993363d9c3d9cc666,0.000\n" +
		"30,100,e6ce87364c64149ce6c31ccc537368c9b3cbc363098d9333bd9c93361d366ccc,1.000\n" +
		"60,20,0000000000000000000000000000000000000000000000000000000000000000,2.000\n"
	query, err := video.ReadVPDQ(strings.NewReader(lines), 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	m := video.Compare(query, query[:1], video.DefaultRule)
	fmt.Printf("query %.2f %%, target %.2f %% (%d and %d frames of quality ≥ 50)\n",
		m.QueryPercent, m.TargetPercent, m.QueryFrames, m.TargetFrames)
	// Output:
	// query 50.00 %, target 100.00 % (2 and 1 frames of quality ≥ 50)
}
