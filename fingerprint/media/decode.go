package media

import (
	"bytes"
	"errors"
	"image"
	"image/draw"
	"io"
	"strconv"

	// The formats media accepts. TIFF is deliberately absent.
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/webp"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/canon"
	"github.com/hashgate/hashgate/fingerprint/media/internal/heif"
	"github.com/hashgate/hashgate/fingerprint/media/internal/tjpeg"
)

// Errors callers branch on with errors.Is. Every error media returns for bad
// input wraps exactly one of them.
var (
	// ErrTooLarge: the header declares more pixels than Options.MaxPixels,
	// a decode costlier than Options.MaxDecodeBytes, or the file is
	// longer than Options.MaxBytes.
	ErrTooLarge = errors.New("media: image too large")
	// ErrUnsupportedFormat: not JPEG, PNG, GIF, WebP or BMP (TIFF included).
	ErrUnsupportedFormat = errors.New("media: unsupported image format")
	// ErrCorrupt: a supported format whose data does not decode.
	ErrCorrupt = errors.New("media: corrupt image")
)

// Defaults for the zero Options.
const (
	DefaultMaxPixels = 64_000_000 // 64 MP, e.g. 8000x8000
	DefaultMaxBytes  = 256 << 20  // 256 MiB of encoded file
)

// Options bound what Decode will do. The zero value uses the defaults.
type Options struct {
	// MaxPixels is the largest width·height accepted; zero or negative
	// means DefaultMaxPixels. It is checked against the header before any
	// pixel memory is allocated.
	MaxPixels int
	// MaxBytes is the longest encoded input accepted from a reader; zero
	// or negative means DefaultMaxBytes.
	MaxBytes int64
	// MaxDecodeBytes, when positive, refuses (ErrTooLarge) a file whose
	// decode EstimateCost puts above it, before any pixel memory is
	// allocated. Pixels alone do not bound memory: a progressive JPEG
	// keeps 4 bytes of coefficients a sample, a 16-bit PNG 8 bytes a pixel.
	MaxDecodeBytes int64
	// IgnoreOrientation leaves a JPEG's pixels as stored, as Meta's
	// reference hasher does. The canonical pipeline applies orientation,
	// because browsers do; this exists to compare with the reference.
	IgnoreOrientation bool
	// Robust fills Fingerprints.Robust: the robust hashes of package
	// fingerprint/canon (the trimmed picture). The edge sets it. Its cost
	// (about 1 MB more for a trimmed picture) is not in EstimateCost.
	Robust bool
}

func (o Options) maxPixels() int64 {
	if o.MaxPixels <= 0 {
		return DefaultMaxPixels
	}
	return int64(o.MaxPixels)
}

func (o Options) maxBytes() int64 {
	if o.MaxBytes <= 0 {
		return DefaultMaxBytes
	}
	return o.MaxBytes
}

// Error is the typed error media returns; Err is one of the sentinels.
type Error struct {
	Err    error  // ErrTooLarge, ErrUnsupportedFormat or ErrCorrupt
	Format string // "jpeg", "png", ... when known
	Detail string
}

func (e *Error) Error() string {
	s := e.Err.Error()
	if e.Format != "" {
		s += " (" + e.Format + ")"
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Decode reads an encoded image from r and returns it upright. See
// DecodeBytes.
func Decode(r io.Reader, o Options) (image.Image, error) {
	b, err := readAll(r, o.maxBytes())
	if err != nil {
		return nil, err
	}
	return DecodeBytes(b, o)
}

// DecodeBytes decodes an encoded image held in memory: header first, pixel
// limit, then the pixels, then EXIF orientation for JPEG. An image with an
// orientation other than 1 comes back as a new *image.NRGBA.
func DecodeBytes(b []byte, o Options) (image.Image, error) {
	img, _, err := decode(b, o)
	return img, err
}

func decode(b []byte, o Options) (image.Image, string, error) {
	c, plan, err := estimate(b, o, false)
	if err != nil {
		return nil, c.Format, err
	}
	img, err := decodePixels(b, c, plan)
	if err != nil {
		return nil, c.Format, err
	}
	if c.Format == "jpeg" && !o.IgnoreOrientation {
		if orient := JPEGOrientation(b); orient > 1 {
			img = Orient(img, orient)
		}
	}
	return img, c.Format, nil
}

// decodePixels decodes b, whose header estimate read as c, with the
// decoder it chose, and checks the pixels against the header: at full
// size, or at 1/c.Scale for a scaled JPEG decode.
func decodePixels(b []byte, c Cost, plan jpegPlan) (image.Image, error) {
	var img image.Image
	var err error
	format := c.Format
	switch {
	case plan.heif != nil:
		img, err = decodeHEIF(b, *plan.heif)
	case plan.turbo:
		img, err = decodeTurbo(b, plan)
	default:
		img, format, err = image.Decode(bytes.NewReader(b))
		if err != nil {
			err = &Error{Err: ErrCorrupt, Format: format, Detail: err.Error()}
		}
	}
	if err != nil {
		return nil, err
	}
	if format == "gif" {
		img = gifCanvas(img, c.Width, c.Height)
	}
	w, h := c.Width, c.Height
	if plan.turbo {
		w, h = tjpeg.ScaledSize(w, h, plan.scale)
	}
	if sz := img.Bounds().Size(); sz.X != w || sz.Y != h {
		// A decoder that disagrees with its own header is not trusted.
		return nil, &Error{Err: ErrCorrupt, Format: format, Detail: "header says " + dims(w, h) + ", pixels are " + dims(sz.X, sz.Y)}
	}
	return img, nil
}

// gifCanvas places a GIF's first frame on its logical screen, as a browser
// shows it: a frame may cover only part of the screen, and the rest is
// transparent (black once alpha is ignored). A frame that reaches outside
// the screen is left alone and fails the size check.
func gifCanvas(frame image.Image, w, h int) image.Image {
	screen := image.Rect(0, 0, w, h)
	fb := frame.Bounds()
	if fb == screen || !fb.In(screen) {
		return frame
	}
	canvas := image.NewNRGBA(screen)
	draw.Draw(canvas, fb, frame, fb.Min, draw.Src)
	return canvas
}

func unsupported(b []byte) error {
	detail := "not JPEG, PNG, GIF, WebP or BMP"
	if heif.Available {
		detail = "not JPEG, PNG, GIF, WebP, BMP, HEIC or AVIF"
	}
	if bytes.HasPrefix(b, []byte("II*\x00")) || bytes.HasPrefix(b, []byte("MM\x00*")) {
		detail = "TIFF is not accepted"
	}
	return &Error{Err: ErrUnsupportedFormat, Detail: detail}
}

// readAll reads r to its end, refusing more than max bytes.
func readAll(r io.Reader, max int64) ([]byte, error) {
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, max+1))
	if err != nil {
		return nil, errors.Join(errors.New("media: reading input"), err)
	}
	if n > max {
		return nil, &Error{Err: ErrTooLarge, Detail: "input is over " + strconv.FormatInt(max, 10) + " bytes"}
	}
	return buf.Bytes(), nil
}

// FingerprintBytes fingerprints an encoded image held in memory: digests of
// b, then the canonical pipeline on the decoded, upright pixels.
func FingerprintBytes(b []byte, o Options) (fingerprint.Fingerprints, error) {
	f, _, _, err := FingerprintCanonical(b, o)
	return f, err
}

// FingerprintCanonical is FingerprintBytes that also returns the canonical
// image it hashed and whether it took the grey path
// (fingerprint.FromImageCanonical), so that further hashes of the same
// pixels (Regions) need no second decode.
func FingerprintCanonical(b []byte, o Options) (fingerprint.Fingerprints, *image.NRGBA, bool, error) {
	fail := func(err error) (fingerprint.Fingerprints, *image.NRGBA, bool, error) {
		return fingerprint.Fingerprints{}, nil, false, err
	}
	c, plan, err := estimate(b, o, true)
	if err != nil {
		return fail(err)
	}
	img, err := decodePixels(b, c, plan)
	if err != nil {
		return fail(err)
	}
	orient := 1
	if c.Format == "jpeg" && !o.IgnoreOrientation {
		orient = JPEGOrientation(b)
	}
	var f fingerprint.Fingerprints
	var canonical *image.NRGBA
	var grey bool
	if c.Scale > 1 {
		// A JPEG decoded at 1/Scale: the canonical grid is sampled from
		// it through the orientation; the image is the upright original's
		// size.
		f, canonical, grey, err = fingerprint.FromImageCanonical(sampleGrid(img, c.Width, c.Height, c.Scale, orient))
		if orient >= 5 {
			f.Width, f.Height = c.Height, c.Width
		} else {
			f.Width, f.Height = c.Width, c.Height
		}
	} else {
		if orient > 1 {
			img = Orient(img, orient)
		}
		f, canonical, grey, err = fingerprint.FromImageCanonical(img)
	}
	if err != nil {
		return fail(&Error{Err: ErrCorrupt, Detail: err.Error()})
	}
	f.SHA256, f.MD5 = fingerprint.Digest(b)
	if o.Robust {
		f.Robust = canon.Robust(canonical, grey)
		// A picture turned a few degrees on a flat canvas, or turned and
		// cropped back, turned back (edge only: the wasm module does not
		// carry it).
		if f.Robust[1].Name == "" {
			f.Robust[1] = Derotate(canonical, grey, f.Width, f.Height)
		}
		// Or a picture pasted on a textured canvas (a flat one Trim has
		// cut already, most often to the same rectangle).
		if f.Robust[1].Name == "" {
			if fr := Frame(canonical, grey); fr.Rect != f.Robust[0].Rect {
				f.Robust[1] = fr
			}
		}
	}
	return f, canonical, grey, nil
}

// FingerprintReader reads r to its end (at most Options.MaxBytes) and
// fingerprints it as FingerprintBytes does.
func FingerprintReader(r io.Reader, o Options) (fingerprint.Fingerprints, error) {
	b, err := readAll(r, o.maxBytes())
	if err != nil {
		return fingerprint.Fingerprints{}, err
	}
	return FingerprintBytes(b, o)
}

func dims(w, h int) string { return strconv.Itoa(w) + "x" + strconv.Itoa(h) }
