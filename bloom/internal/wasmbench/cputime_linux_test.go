package wasmbench

import "syscall"

// threadCPU is the calling thread's CPU time in ns (see bloom's benchmarks).
func threadCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
