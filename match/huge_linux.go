package match

import (
	"syscall"
	"unsafe"
)

// hugePage is the size of a transparent huge page on linux/amd64 and arm64.
const hugePage = 2 << 20

// madvHugepage is MADV_HUGEPAGE, which the syscall package does not name.
const madvHugepage = 14

// adviseHuge asks the kernel to back the whole 2 MiB pages inside s with
// transparent huge pages. A query touches a few thousand random places in
// hundreds of megabytes of tables; with 4 KiB pages nearly each of them also
// misses the TLB, and on a virtual machine a TLB miss walks two page tables.
// Kernels whose THP mode is "madvise" (the common default) only give huge
// pages to memory advised like this, and the Go runtime does not advise its
// heap. It is advice: failure changes nothing but speed. Call it before s is
// first written, so the pages are faulted in huge.
func adviseHuge[T any](s []T) {
	var zero T
	size := uintptr(cap(s)) * unsafe.Sizeof(zero)
	if size < hugePage {
		return
	}
	base := unsafe.Pointer(unsafe.SliceData(s))
	p := uintptr(base)
	lo := (p + hugePage - 1) &^ (hugePage - 1)
	hi := (p + size) &^ (hugePage - 1)
	if hi <= lo {
		return
	}
	_ = syscall.Madvise(unsafe.Slice((*byte)(unsafe.Add(base, lo-p)), hi-lo), madvHugepage)
}
