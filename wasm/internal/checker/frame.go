package checker

import (
	"strconv"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/internal/wire"
)

// maxFramePixels bounds one video frame: 8K UHD.
const maxFramePixels = 7680 * 4320

// FramePDQ hashes one decoded video frame as vPDQ does, given the frame's
// w×h float32 luma plane (the host converts the decoded frame to RGB and
// then luma exactly as fingerprint.PDQFullResolution would): PDQ of every
// pixel at the frame's own size, no 512×512 step. It overwrites luma and
// writes {"pdq","quality"}. The conversion stays in the host because the
// module's size budget has no room for it.
func (c *Checker) FramePDQ(luma []float32, w, h int) Code {
	if w <= 0 || h <= 0 || w > maxFramePixels/h {
		return c.fail(CodeImage, "checker: frame size "+strconv.Itoa(w)+"x"+strconv.Itoa(h)+" out of range")
	}
	hs, q, scratch, err := fingerprint.PDQFromLuma(luma, w, h, c.lumaScratch)
	c.lumaScratch = scratch
	if err != nil {
		return c.fail(CodeImage, "checker: "+err.Error())
	}
	j := wire.NewObject(c.out)
	j.Str("pdq", hs.String())
	j.Int("quality", int64(q))
	return c.ok(j.Done())
}
