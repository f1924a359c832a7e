//go:build cgo && !purego

package tjpeg

/*
#cgo LDFLAGS: -lturbojpeg
#include <stdlib.h>
#include <turbojpeg.h>
#include <jconfig.h>

// The decoder is strict (a warning such as a truncated file is an error)
// and refuses progressive files with an unreasonable number of scans.
static const int hg_flags = TJFLAG_ACCURATEDCT | TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS;

static int hg_header(tjhandle h, const unsigned char *b, unsigned long n,
                     int *w, int *ht, int *samp, int *cs) {
	return tjDecompressHeader3(h, b, n, w, ht, samp, cs);
}

// hg_planes decodes to caller-owned planes: the plane pointers are passed
// one by one so no Go memory holds a pointer C reads.
static int hg_planes(tjhandle h, const unsigned char *b, unsigned long n,
                     unsigned char *y, unsigned char *u, unsigned char *v,
                     int sy, int sc, int w, int ht) {
	unsigned char *planes[3] = {y, u, v};
	int strides[3] = {sy, sc, sc};
	return tjDecompressToYUVPlanes(h, b, n, planes, w, strides, ht, hg_flags);
}
*/
import "C"

import (
	"errors"
	"image"
	"unsafe"
)

// Available reports whether this build decodes JPEG with libjpeg-turbo.
const Available = true

// Version names the JPEG decoder of this build (the headers it was
// compiled against).
var Version = "libjpeg-turbo " + versionString(int(C.LIBJPEG_TURBO_VERSION_NUMBER)) + " (cgo)"

func versionString(n int) string {
	return itoa(n/1000000) + "." + itoa(n/1000%1000) + "." + itoa(n%1000)
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

type handle struct{ h C.tjhandle }

func newHandle() (handle, error) {
	h := C.tjInitDecompress()
	if h == nil {
		return handle{}, errors.New("tjpeg: " + C.GoString(C.tjGetErrorStr2(nil)))
	}
	return handle{h}, nil
}

func (h handle) err() error { return errors.New("tjpeg: " + C.GoString(C.tjGetErrorStr2(h.h))) }
func (h handle) close()     { C.tjDestroy(h.h) }

// ReadHeader reads b's header with libjpeg-turbo.
func ReadHeader(b []byte) (Header, error) {
	if len(b) == 0 {
		return Header{}, errors.New("tjpeg: empty input")
	}
	h, err := newHandle()
	if err != nil {
		return Header{}, err
	}
	defer h.close()
	var w, ht, samp, cs C.int
	if C.hg_header(h.h, (*C.uchar)(unsafe.Pointer(&b[0])), C.ulong(len(b)), &w, &ht, &samp, &cs) != 0 {
		// An unusual sampling makes the header unreadable to TurboJPEG
		// although libjpeg decodes it; the caller falls back.
		return Header{}, h.err()
	}
	hd := Header{Width: int(w), Height: int(ht), Color: int(cs)}
	hd.Gray = samp == C.TJSAMP_GRAY
	switch samp {
	case C.TJSAMP_444, C.TJSAMP_GRAY:
		hd.Ratio = int(image.YCbCrSubsampleRatio444)
	case C.TJSAMP_422:
		hd.Ratio = int(image.YCbCrSubsampleRatio422)
	case C.TJSAMP_420:
		hd.Ratio = int(image.YCbCrSubsampleRatio420)
	case C.TJSAMP_440:
		hd.Ratio = int(image.YCbCrSubsampleRatio440)
	case C.TJSAMP_411:
		hd.Ratio = int(image.YCbCrSubsampleRatio411)
	default:
		return hd, nil
	}
	hd.Planar = cs == C.TJCS_YCbCr || (cs == C.TJCS_GRAY && hd.Gray)
	return hd, nil
}

// Decode decodes b, whose header is hd (ReadHeader's, Planar), at 1/scale
// (1, 2, 4 or 8) to an *image.YCbCr, or an *image.Gray for a grey JPEG,
// of ScaledSize. The planes are Go memory (PlaneBytes); libjpeg's own
// memory is freed before Decode returns.
func Decode(b []byte, hd Header, scale int) (image.Image, error) {
	if !hd.Planar || len(b) == 0 {
		return nil, errors.New("tjpeg: not decodable to planes")
	}
	switch scale {
	case 1, 2, 4, 8:
	default:
		return nil, errors.New("tjpeg: scale must be 1, 2, 4 or 8")
	}
	w, ht := ScaledSize(hd.Width, hd.Height, scale)
	yd, cd := planeDims(w, ht, hd.Ratio, hd.Gray)
	ny, nc := yd.X*yd.Y, cd.X*cd.Y
	buf := make([]byte, ny+2*nc)
	h, err := newHandle()
	if err != nil {
		return nil, err
	}
	defer h.close()
	var u, v *C.uchar
	if nc > 0 {
		u, v = (*C.uchar)(unsafe.Pointer(&buf[ny])), (*C.uchar)(unsafe.Pointer(&buf[ny+nc]))
	}
	if C.hg_planes(h.h, (*C.uchar)(unsafe.Pointer(&b[0])), C.ulong(len(b)),
		(*C.uchar)(unsafe.Pointer(&buf[0])), u, v, C.int(yd.X), C.int(cd.X), C.int(w), C.int(ht)) != 0 {
		return nil, h.err()
	}
	r := image.Rect(0, 0, w, ht)
	if hd.Gray {
		return &image.Gray{Pix: buf[:ny], Stride: yd.X, Rect: r}, nil
	}
	return &image.YCbCr{
		Y: buf[:ny], Cb: buf[ny : ny+nc], Cr: buf[ny+nc:],
		YStride: yd.X, CStride: cd.X, SubsampleRatio: image.YCbCrSubsampleRatio(hd.Ratio), Rect: r,
	}, nil
}
