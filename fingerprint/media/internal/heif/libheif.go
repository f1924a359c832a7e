//go:build cgo && !purego && !noheif

package heif

/*
#cgo LDFLAGS: -lheif
#include <stdlib.h>
#include <string.h>
#include <libheif/heif.h>

// hg_open parses the container (no pixels) and returns the primary
// image's handle, or an error message. maxSide caps width and height
// inside libheif too, before it allocates for a decode.
static struct heif_error hg_fail(const char *msg) {
	struct heif_error e = {heif_error_Decoder_plugin_error, heif_suberror_Unspecified, msg};
	return e;
}

static struct heif_error hg_open(const unsigned char *b, size_t n, int maxSide,
                           struct heif_context **ctx, struct heif_image_handle **h) {
	*ctx = heif_context_alloc();
	if (*ctx == NULL) return hg_fail("out of memory");
	heif_context_set_maximum_image_size_limit(*ctx, maxSide);
	// Tiles are decoded on the calling thread: the edge bounds CPU by
	// its decode slots, one thread each.
	heif_context_set_max_decoding_threads(*ctx, 0);
	struct heif_error err = heif_context_read_from_memory_without_copy(*ctx, b, n, NULL);
	if (err.code != heif_error_Ok) return err;
	return heif_context_get_primary_image_handle(*ctx, h);
}

static void hg_init(void) { heif_init(NULL); }

static void hg_close(struct heif_context *ctx, struct heif_image_handle *h) {
	if (h != NULL) heif_image_handle_release(h);
	if (ctx != NULL) heif_context_free(ctx);
}

// hg_decode decodes the primary image to 8-bit interleaved RGB and copies
// it into out (w*h*4 bytes, RGBA with opaque alpha), so no libheif memory
// outlives the call.
static struct heif_error hg_decode(struct heif_image_handle *h, unsigned char *out, int w, int ht) {
	struct heif_decoding_options *o = heif_decoding_options_alloc();
	if (o == NULL) return hg_fail("out of memory");
	o->ignore_transformations = 0;
	o->convert_hdr_to_8bit = 1;
	o->strict_decoding = 1;
	struct heif_image *img = NULL;
	struct heif_error err = heif_decode_image(h, &img, heif_colorspace_RGB, heif_chroma_interleaved_RGB, o);
	heif_decoding_options_free(o);
	if (err.code != heif_error_Ok) return err;
	const char *msg = NULL;
	if (heif_image_get_width(img, heif_channel_interleaved) != w ||
	    heif_image_get_height(img, heif_channel_interleaved) != ht) {
		msg = "decoded image is not the header's size";
	} else {
		int stride = 0;
		const uint8_t *p = heif_image_get_plane_readonly(img, heif_channel_interleaved, &stride);
		if (p == NULL || stride < 3 * w) {
			msg = "no interleaved RGB plane";
		} else {
			for (int y = 0; y < ht; y++) {
				const uint8_t *row = p + (size_t)y * stride;
				unsigned char *dst = out + (size_t)y * w * 4;
				for (int x = 0; x < w; x++) {
					dst[4*x] = row[3*x];
					dst[4*x+1] = row[3*x+1];
					dst[4*x+2] = row[3*x+2];
					dst[4*x+3] = 255;
				}
			}
		}
	}
	heif_image_release(img);
	if (msg != NULL) return hg_fail(msg);
	return err;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"strings"
	"sync"
	"unsafe"
)

var initOnce sync.Once

// Available reports whether this build decodes HEIF with libheif.
const Available = true

// Version names the HEIF decoder of this build.
var Version = "libheif " + C.GoString(C.heif_get_version()) + " (cgo)"

// maxSide bounds each side inside libheif as well (media checks the
// pixel count first).
const maxSide = 1 << 15

type file struct {
	ctx *C.struct_heif_context
	h   *C.struct_heif_image_handle
}

// open parses b's container. b must stay alive and unchanged until close:
// libheif reads it in place.
func open(b []byte) (file, error) {
	initOnce.Do(func() { C.hg_init() })
	var f file
	if len(b) == 0 {
		return f, errors.New("heif: empty input")
	}
	if err := heifError(C.hg_open((*C.uchar)(unsafe.Pointer(&b[0])), C.size_t(len(b)), maxSide, &f.ctx, &f.h)); err != nil {
		f.close()
		return file{}, err
	}
	return f, nil
}

// heifError turns libheif's error into Go's; its message is static.
func heifError(e C.struct_heif_error) error {
	if e.code == C.heif_error_Ok {
		return nil
	}
	msg := "heif: " + strings.TrimSpace(C.GoString(e.message))
	if e.subcode == C.heif_suberror_Security_limit_exceeded {
		return fmt.Errorf("%w: %s", ErrLimit, msg)
	}
	return errors.New(msg)
}

func (f file) close() { C.hg_close(f.ctx, f.h) }

// ReadHeader parses b's container and returns its primary image's
// displayed size, without decoding pixels.
func ReadHeader(b []byte) (Header, error) {
	format, ok := Sniff(b)
	if !ok {
		return Header{}, errors.New("heif: not a HEIC or AVIF file")
	}
	f, err := open(b)
	if err != nil {
		return Header{}, err
	}
	defer f.close()
	return Header{Format: format, Width: int(C.heif_image_handle_get_width(f.h)), Height: int(C.heif_image_handle_get_height(f.h))}, nil
}

// Decode decodes b's primary image, whose header is h (ReadHeader's), to
// 8-bit RGBA, rotated and mirrored as the file says. libheif's own memory
// (the decoded YCbCr picture and its RGB conversion) is freed before
// Decode returns.
func Decode(b []byte, h Header) (*image.NRGBA, error) {
	if h.Width <= 0 || h.Height <= 0 || h.Width > maxSide || h.Height > maxSide {
		return nil, errors.New("heif: bad size")
	}
	f, err := open(b)
	if err != nil {
		return nil, err
	}
	defer f.close()
	img := image.NewNRGBA(image.Rect(0, 0, h.Width, h.Height))
	if err := heifError(C.hg_decode(f.h, (*C.uchar)(unsafe.Pointer(&img.Pix[0])), C.int(h.Width), C.int(h.Height))); err != nil {
		return nil, err
	}
	return img, nil
}
