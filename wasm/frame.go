//go:build wasip1

package main

import "unsafe"

// hg_frame_pdq hashes one decoded video frame of w×h pixels with vPDQ's
// PDQ (every pixel, no 512×512 step). The buffer holds the frame's luma as
// w·h little-endian float32s (see checker.FramePDQ); it is overwritten.
// The result is {"pdq","quality"}.
//
//go:wasmexport hg_frame_pdq
func hgFramePDQ(p unsafe.Pointer, n uint32, w, h int32) int32 {
	b, ok := buf(p, n)
	if !ok || w <= 0 || h <= 0 || uint64(n) < 4*uint64(w)*uint64(h) || uintptr(p)%4 != 0 {
		return argErr()
	}
	luma := unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/4)
	return code(state.FramePDQ(luma, int(w), int(h)))
}
