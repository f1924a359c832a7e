package testenv

import (
	"os"
	"testing"
)

// ResetPeakRSS sets the process's peak resident memory (VmHWM) back to its
// current RSS (Linux's clear_refs 5), so that PeakRSS then measures only
// what follows; tests of memory held outside Go's heap (C decoders) use
// the pair.
func ResetPeakRSS(t testing.TB) {
	t.Helper()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Fatalf("resetting VmHWM: %v", err)
	}
}

// PeakRSS is ProcessRSS's peak, failing t where it cannot be read.
func PeakRSS(t testing.TB) int64 {
	t.Helper()
	_, peak := ProcessRSS()
	if peak == 0 {
		t.Fatal("testenv: no VmHWM in /proc/self/status")
	}
	return peak
}
