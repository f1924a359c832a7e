//go:build !unix

package media_test

import "testing"

func reportCPU(b *testing.B, run func()) {
	for b.Loop() {
		run()
	}
}
