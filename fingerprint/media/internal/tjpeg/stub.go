//go:build !cgo || purego

package tjpeg

import "image"

// Available reports whether this build decodes JPEG with libjpeg-turbo.
const Available = false

// Version names the JPEG decoder of this build.
const Version = "image/jpeg (pure Go)"

// ReadHeader always fails in this build.
func ReadHeader([]byte) (Header, error) { return Header{}, ErrUnavailable }

// Decode always fails in this build.
func Decode([]byte, Header, int) (image.Image, error) { return nil, ErrUnavailable }
