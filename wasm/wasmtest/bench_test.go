package wasmtest

import (
	"encoding/binary"
	"math"
	"strconv"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/internal/testenv"
)

// The module's own cost in wazero's compiler, beside the native code: the
// browser adds decoding on top (bench/browser measures that).
func BenchmarkFingerprint(b *testing.B) {
	for _, s := range []struct{ w, h int }{{512, 512}, {4000, 3000}} {
		pix := make([]byte, 4*s.w*s.h)
		for i := range pix {
			pix[i] = byte(i*7 + i/4096)
		}
		name := strconv.Itoa(s.w) + "x" + strconv.Itoa(s.h)
		b.Run("wasm/"+name, func(b *testing.B) {
			m := newModule(b)
			p, err := m.Alloc(pix)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(pix)))
			for b.Loop() {
				code, res, err := m.Call("hg_fingerprint", uint64(p), uint64(len(pix)), uint64(s.w), uint64(s.h))
				if err != nil || code != 0 {
					b.Fatalf("%d %s %v", code, res, err)
				}
			}
		})
		b.Run("native/"+name, func(b *testing.B) {
			b.SetBytes(int64(len(pix)))
			for b.Loop() {
				if _, err := fingerprint.FromRGBA(pix, s.w, s.h); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDigest(b *testing.B) {
	for _, size := range []int{1 << 20, 16 << 20} {
		data := make([]byte, size)
		b.Run("wasm/"+strconv.Itoa(size>>20)+"MiB", func(b *testing.B) {
			m := newModule(b)
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := m.Digest(data, 1<<20); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFramePDQ is hg_frame_pdq on a 1280×720 luma plane (one selected
// frame of a 720p video; the browser adds the decode and the luma step).
func BenchmarkFramePDQ(b *testing.B) {
	const w, h = 1280, 720
	luma := make([]byte, 4*w*h)
	for i := 0; i < len(luma); i += 4 {
		binary.LittleEndian.PutUint32(luma[i:], math.Float32bits(float32((i/4*7+i/4096)%256)))
	}
	m := newModule(b)
	p, err := m.Alloc(luma)
	if err != nil {
		b.Fatal(err)
	}
	testenv.ReportCPU(b, func() {
		// hg_frame_pdq overwrites the plane: put it back each time.
		if !m.m.Memory().Write(p, luma) {
			b.Fatal("write")
		}
		code, res, err := m.Call("hg_frame_pdq", uint64(p), uint64(len(luma)), w, h)
		if err != nil || code != 0 {
			b.Fatalf("%d %s %v", code, res, err)
		}
	})
}
