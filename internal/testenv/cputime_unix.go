//go:build unix

package testenv

import (
	"syscall"
	"testing"
	"time"
)

// ReportCPU runs run in b's loop and adds a cpu-ns/op metric (user+system
// CPU time of the process per iteration). On a shared, busy machine it is
// steadier than wall time, which also counts time spent waiting for a core.
func ReportCPU(b *testing.B, run func()) {
	var before, after syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	n := 0
	for b.Loop() {
		run()
		n++
	}
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := func(r syscall.Rusage) time.Duration {
		return time.Duration(r.Utime.Nano() + r.Stime.Nano())
	}
	if n > 0 {
		b.ReportMetric(float64(cpu(after)-cpu(before))/float64(n), "cpu-ns/op")
	}
}
