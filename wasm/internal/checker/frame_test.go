package checker

import (
	"strings"
	"testing"
)

func TestFramePDQ(t *testing.T) {
	c := New()
	for _, tc := range []struct {
		name string
		n    int
		w, h int
		code Code
	}{
		{"64x64", 64 * 64, 64, 64, OK},
		{"zero height", 64, 64, 0, CodeImage},
		{"over 8K", 1, 7681, 4320, CodeImage},
		{"plane shorter than the frame", 100, 64, 64, CodeImage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			luma := make([]float32, tc.n)
			for i := range luma {
				luma[i] = float32(i % 251)
			}
			got := c.FramePDQ(luma, tc.w, tc.h)
			if got != tc.code {
				t.Fatalf("code %d, want %d (%s)", got, tc.code, c.Result())
			}
			if got == OK && !strings.HasPrefix(string(c.Result()), `{"pdq":"`) {
				t.Errorf("result %s", c.Result())
			}
		})
	}
}
