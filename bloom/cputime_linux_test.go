package bloom

import "syscall"

// threadCPU is the calling thread's CPU time in ns. Benchmarks report it
// per op beside wall time: on a shared machine wall time also counts the
// time other processes held the core.
func threadCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
