package video_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashgate/hashgate/fingerprint/video"
)

// FuzzReadVPDQ: the parser never panics, and whatever it accepts writes
// back to lines it reads again to the same frames.
func FuzzReadVPDQ(f *testing.F) {
	f.Add([]byte("0,100,e6cf059c4c6696362cc9d6663cd9c263714169d98327399993363d9c3d9cc666,0.000\n"))
	f.Add([]byte("30,7,E6CE87364C64149CE6C31CCC537368C9B3CBC363098D9333BD9C93361D366CCC,1.000\r\n\n"))
	f.Add([]byte("1,2,3,4\n,,,\n-1,0,00,0"))
	if paths, _ := filepath.Glob("../../../shared/testdata/vpdq/expected-here-1fps/*.txt"); len(paths) > 0 {
		if b, err := os.ReadFile(paths[0]); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		frames, err := video.ReadVPDQ(bytes.NewReader(b), 1000)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := video.WriteVPDQ(&out, frames); err != nil {
			t.Fatal(err)
		}
		again, err := video.ReadVPDQ(&out, 1000)
		if err != nil {
			t.Fatalf("written lines do not parse: %v\n%s", err, out.String())
		}
		if len(again) != len(frames) {
			t.Fatalf("%d frames, %d after a round trip", len(frames), len(again))
		}
		for i := range frames {
			a, b := frames[i], again[i]
			if a.Number != b.Number || a.Quality != b.Quality || a.PDQ != b.PDQ ||
				video.FormatTimestamp(a.Timestamp) != video.FormatTimestamp(b.Timestamp) {
				t.Fatalf("frame %d: %+v, after a round trip %+v", i, a, b)
			}
		}
	})
}

// FuzzParseProbe: ffprobe's report parser never panics and never returns
// a negative size or frame rate.
func FuzzParseProbe(f *testing.F) {
	f.Add([]byte(`{"streams":[{"index":0,"codec_name":"h264","codec_type":"video","pix_fmt":"yuv420p","width":1080,"height":1080,"r_frame_rate":"30/1","avg_frame_rate":"30/1","duration":"5.000000","nb_frames":"150","side_data_list":[{"side_data_type":"Display Matrix","rotation":-90}]},{"codec_type":"audio"}],"format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"5.000000"}}`))
	f.Add([]byte(`{"streams":[],"format":{}}`))
	f.Add([]byte(`{"streams":[{"codec_type":"video","avg_frame_rate":"0/0","r_frame_rate":"-1/0","duration":"N/A","tags":{"rotate":"90"}}]}`))
	f.Add([]byte(`[1,2`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := video.ParseProbe(b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "video: ") {
				t.Fatalf("error %q does not name the package", err)
			}
			return
		}
		s := p.Stream
		if s.Width < 0 || s.Height < 0 || s.FPS() < 0 || p.Duration < 0 || s.Duration < 0 || p.VideoStreams < 0 {
			t.Fatalf("negative values in %+v", p)
		}
	})
}
