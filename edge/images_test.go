package edge

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"
)

// makeImage draws a w×h picture with enough structure for a high PDQ
// quality: two crossing gradients and a few dozen filled shapes, from seed.
func makeImage(seed uint64, w, h int) *image.RGBA {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	c0 := [3]float64{r.Float64() * 255, r.Float64() * 255, r.Float64() * 255}
	c1 := [3]float64{r.Float64() * 255, r.Float64() * 255, r.Float64() * 255}
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			i := img.PixOffset(x, y)
			for k := range 3 {
				img.Pix[i+k] = uint8(c0[k]*fx + c1[k]*(1-fy)*0.5 + 40*fy)
			}
			img.Pix[i+3] = 255
		}
	}
	for range 30 {
		col := color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
		cx, cy := r.IntN(w), r.IntN(h)
		rad := (w + h) / 20 * (1 + r.IntN(3))
		circle := r.IntN(2) == 0
		for y := max(cy-rad, 0); y < min(cy+rad, h); y++ {
			for x := max(cx-rad, 0); x < min(cx+rad, w); x++ {
				if circle && (x-cx)*(x-cx)+(y-cy)*(y-cy) > rad*rad {
					continue
				}
				img.SetRGBA(x, y, col)
			}
		}
	}
	return img
}

// resize scales src to w×h by averaging the source pixels each output pixel
// covers (box filter), as an image editor's downscale would.
func resize(src *image.RGBA, w, h int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	sw, sh := src.Bounds().Dx(), src.Bounds().Dy()
	for y := range h {
		y0, y1 := y*sh/h, max((y+1)*sh/h, y*sh/h+1)
		for x := range w {
			x0, x1 := x*sw/w, max((x+1)*sw/w, x*sw/w+1)
			var sum [4]int
			for sy := y0; sy < y1; sy++ {
				for sx := x0; sx < x1; sx++ {
					i := src.PixOffset(sx, sy)
					for k := range 4 {
						sum[k] += int(src.Pix[i+k])
					}
				}
			}
			n := (y1 - y0) * (x1 - x0)
			i := dst.PixOffset(x, y)
			for k := range 4 {
				dst.Pix[i+k] = uint8(sum[k] / n)
			}
		}
	}
	return dst
}

func encodeJPEG(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngHeader is the start of a PNG that claims w×h pixels: the signature and
// a valid IHDR chunk, nothing more. A decoder that reads the header first
// refuses it without allocating w*h*4 bytes.
func pngHeader(w, h uint32) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 0, 17)
	ihdr = append(ihdr, "IHDR"...)
	ihdr = binary.BigEndian.AppendUint32(ihdr, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8-bit RGBA, deflate, no filter, no interlace
	b = binary.BigEndian.AppendUint32(b, 13)
	b = append(b, ihdr...)
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
	return b
}

func TestPNGHeaderIsValid(t *testing.T) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(pngHeader(60000, 60000)))
	if err != nil || format != "png" || cfg.Width != 60000 || cfg.Height != 60000 {
		t.Fatalf("DecodeConfig = %+v %q %v", cfg, format, err)
	}
}
