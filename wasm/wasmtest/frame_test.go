package wasmtest

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// framePDQ hashes a w×h luma plane through hg_frame_pdq.
func (m *Module) framePDQ(luma []float32, w, h int) ([]byte, error) {
	b := make([]byte, 4*len(luma))
	for i, v := range luma {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	f := m.m.ExportedFunction("hg_frame_pdq")
	if f == nil {
		return nil, errors.New("wasmtest: module does not export hg_frame_pdq")
	}
	return m.withBuf(b, func(p uint32) (uint64, error) {
		r, err := f.Call(m.ctx, uint64(p), uint64(len(b)), uint64(uint32(int32(w))), uint64(uint32(int32(h))))
		if err != nil {
			return 0, err
		}
		return r[0], nil
	})
}

// A frame the reference hashed, decoded and converted to RGB24 by FFmpeg as
// the reference does, hashed by the module from its luma: the reference's
// hash and quality (expected-here-1fps), bit for bit.
func TestFramePDQMatchesReference(t *testing.T) {
	vpdq := filepath.Join(repoRoot(), "..", "shared", "testdata", "vpdq")
	m := newModule(t)
	for _, tc := range []struct {
		video string
		w, h  int
		frame int // a multiple of 30: a line of expected-here-1fps
	}{
		{"chair-22-sd-sepia-bar", 480, 720, 60},
		{"pattern-hd-no-bar", 720, 1280, 0},
		{"chair-22-sd-grey-bar", 480, 720, 30},
	} {
		t.Run(tc.video, func(t *testing.T) {
			rgb, err := exec.Command("ffmpeg", "-v", "error", "-i", filepath.Join(vpdq, "videos", tc.video+".mp4"),
				"-sws_flags", "area", "-vf", "select=eq(n\\,"+strconv.Itoa(tc.frame)+")", "-vsync", "0", "-frames:v", "1",
				"-f", "rawvideo", "-pix_fmt", "rgb24", "-").Output()
			if err != nil {
				t.Fatalf("ffmpeg: %v", err)
			}
			if len(rgb) != 3*tc.w*tc.h {
				t.Fatalf("ffmpeg gave %d bytes, want %d", len(rgb), 3*tc.w*tc.h)
			}
			luma := make([]float32, tc.w*tc.h)
			grey := true
			for i := range luma {
				r, g, b := rgb[3*i], rgb[3*i+1], rgb[3*i+2]
				grey = grey && r == g && r == b
				luma[i] = float32(float32(0.299)*float32(r)) + float32(float32(0.587)*float32(g)) + float32(float32(0.114)*float32(b))
			}
			if grey {
				for i := range luma {
					luma[i] = float32(rgb[3*i])
				}
			}
			res, err := m.framePDQ(luma, tc.w, tc.h)
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				PDQ     string `json:"pdq"`
				Quality int    `json:"quality"`
			}
			if err := json.Unmarshal(res, &got); err != nil {
				t.Fatalf("result %q: %v", res, err)
			}
			ref, err := os.ReadFile(filepath.Join(vpdq, "expected-here-1fps", tc.video+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			want := strconv.Itoa(tc.frame) + "," + strconv.Itoa(got.Quality) + "," + got.PDQ + ","
			if !strings.Contains(string(ref), "\n"+want) && !strings.HasPrefix(string(ref), want) {
				t.Errorf("frame %d: module pdq %s quality %d is not the reference's line", tc.frame, got.PDQ, got.Quality)
			}
		})
	}
}

// Bad frames are refused with a status, and the module keeps working.
func TestFramePDQBadInput(t *testing.T) {
	m := newModule(t)
	for _, tc := range []struct {
		name string
		n    int // floats in the buffer
		w, h int
		code int32
	}{
		{"zero width", 16, 0, 4, CodeArgument},
		{"buffer shorter than the frame", 15, 4, 4, CodeArgument},
		{"over 8K", 16, 1 << 16, 1 << 16, CodeArgument},
		{"too small for PDQ", 4, 2, 2, CodeOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := m.framePDQ(make([]float32, tc.n), tc.w, tc.h)
			if tc.code == CodeOK {
				if err != nil {
					t.Fatalf("want OK, got %v", err)
				}
				return
			}
			e, ok := err.(*Error)
			if !ok || e.Code != tc.code {
				t.Fatalf("got %v, want code %d", err, tc.code)
			}
		})
	}
	if _, err := m.framePDQ(make([]float32, 64*64), 64, 64); err != nil {
		t.Fatalf("after bad input: %v", err)
	}
}
