package heif

import "errors"

// ErrUnavailable is returned by every decode of a build without libheif.
var ErrUnavailable = errors.New("heif: libheif is not in this build")

// ErrLimit: libheif refused the file for one of its security limits
// (image size, number of items or tiles).
var ErrLimit = errors.New("heif: over a decoder limit")

// Header is what libheif reads of the primary image before decoding it.
type Header struct {
	Format        string // "heic" or "avif"
	Width, Height int    // as displayed: after rotation
}

// Sniff reports whether b starts like a HEIF file (an ISO BMFF ftyp box
// whose major or a compatible brand is a HEIF image brand) and which:
// "heic" for HEVC brands, "avif" for AV1 ones. It reads at most the ftyp
// box and allocates nothing.
func Sniff(b []byte) (string, bool) {
	if len(b) < 16 || string(b[4:8]) != "ftyp" {
		return "", false
	}
	n := int(b[0])<<24 | int(b[1])<<16 | int(b[2])<<8 | int(b[3])
	if n < 16 || n > len(b) || n > 4096 {
		n = min(len(b), 4096)
	}
	kind := func(brand string) string {
		switch brand {
		case "heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs":
			return "heic"
		case "avif", "avis":
			return "avif"
		}
		return ""
	}
	if k := kind(string(b[8:12])); k != "" {
		return k, true
	}
	// mif1 / msf1 files name the codec among the compatible brands.
	for i := 16; i+4 <= n; i += 4 {
		if k := kind(string(b[i : i+4])); k != "" {
			return k, true
		}
	}
	return "", false
}
