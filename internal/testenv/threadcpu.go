package testenv

import (
	"testing"
	"time"
)

// ReportThreadCPU adds a cpu-ns/op metric to b: the thread's CPU time since
// t0 (a ThreadCPU reading) per iteration. The benchmark must hold its
// thread (runtime.LockOSThread). Where ThreadCPU is not read it adds nothing.
func ReportThreadCPU(b *testing.B, t0 time.Duration) {
	if t := ThreadCPU(); t > 0 && b.N > 0 {
		b.ReportMetric(float64(t-t0)/float64(b.N), "cpu-ns/op")
	}
}
