package tjpeg

import "image"

// planeDims are the Y and chroma plane sizes TurboJPEG writes for a w×h
// image (tjPlaneWidth, tjPlaneHeight): luma padded to whole chroma
// samples, chroma rounded up. They are also what image.YCbCr needs for
// the same ratio.
func planeDims(w, h, ratio int, gray bool) (y, c image.Point) {
	if gray {
		return image.Pt(w, h), image.Point{}
	}
	dx, dy := 1, 1
	switch image.YCbCrSubsampleRatio(ratio) {
	case image.YCbCrSubsampleRatio422:
		dx = 2
	case image.YCbCrSubsampleRatio420:
		dx, dy = 2, 2
	case image.YCbCrSubsampleRatio440:
		dy = 2
	case image.YCbCrSubsampleRatio411:
		dx = 4
	}
	pw, ph := (w+dx-1)/dx*dx, (h+dy-1)/dy*dy
	return image.Pt(pw, ph), image.Pt(pw/dx, ph/dy)
}
