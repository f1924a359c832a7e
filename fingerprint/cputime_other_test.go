//go:build !unix

package fingerprint

import "testing"

func reportCPU(b *testing.B, run func()) {
	for b.Loop() {
		run()
	}
}
