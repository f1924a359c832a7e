package fingerprint

// PDQFromLuma is PDQ of a w×h float32 luma plane (row-major) at its full
// size, as PDQFullResolution computes it after its luma step
// (0.299·R + 0.587·G + 0.114·B in float32, or R when every pixel is grey).
// The browser checker computes that plane from a decoded video frame itself
// and hands it over. It overwrites luma; scratch is working space of w·h
// float32s, grown when short and returned for reuse.
func PDQFromLuma(luma []float32, w, h int, scratch []float32) (PDQHash, int, []float32, error) {
	if err := checkDims(w, h); err != nil {
		return PDQHash{}, 0, scratch, err
	}
	if len(luma) < w*h {
		return PDQHash{}, 0, scratch, imageError("luma plane shorter than its size")
	}
	if cap(scratch) < w*h {
		scratch = make([]float32, w*h)
	}
	scratch = scratch[:w*h]
	hs, q := pdqFromLuma(luma[:w*h], scratch, h, w)
	return hs[0], q, scratch, nil
}
