//go:build !unix

package testenv

import "testing"

// ReportCPU runs run in b's loop; without getrusage it reports wall time only.
func ReportCPU(b *testing.B, run func()) {
	for b.Loop() {
		run()
	}
}
