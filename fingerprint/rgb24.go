package fingerprint

// FrameHasher computes PDQ of packed RGB24 video frames at their full
// resolution, as Meta's vPDQ reference does for each selected frame: luma
// 0.299·R + 0.587·G + 0.114·B of every pixel (also for grey frames, unlike
// the photo path, because vPDQ always starts from RGB), then PDQ with the
// blur window of the frame's own size — no 512×512 step. It keeps its two
// float planes between calls, so hashing a stream of same-sized frames
// allocates once. A FrameHasher is not safe for concurrent use.
type FrameHasher struct{ luma []float32 }

// PDQRGB24 hashes a width×height RGB24 frame whose rows are stride bytes
// apart (stride ≥ 3·width). Frames with a side under 5 pixels hash to zero
// with quality 0, as in the reference.
func (fh *FrameHasher) PDQRGB24(pix []byte, width, height, stride int) (PDQHash, int, error) {
	if err := checkDims(width, height); err != nil {
		return PDQHash{}, 0, err
	}
	if stride < 3*width || len(pix) < stride*(height-1)+3*width {
		return PDQHash{}, 0, imageError("short RGB24 buffer")
	}
	n := width * height
	if cap(fh.luma) < 2*n {
		fh.luma = make([]float32, 2*n)
	}
	plane, scratch := fh.luma[:n], fh.luma[n:2*n]
	for y := range height {
		row := pix[y*stride : y*stride+3*width]
		out := plane[y*width : y*width+width]
		for x := range out {
			p := row[3*x : 3*x+3 : 3*x+3]
			out[x] = float32(lumaR*float32(p[0])) + float32(lumaG*float32(p[1])) + float32(lumaB*float32(p[2]))
		}
	}
	hs, q := pdqFromLuma(plane, scratch, height, width)
	return hs[0], q, nil
}
