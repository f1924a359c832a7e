//go:build !cgo || purego || noheif

package heif

import "image"

// Available reports whether this build decodes HEIF with libheif.
const Available = false

// Version names the HEIF decoder of this build.
const Version = "none"

// ReadHeader always fails in this build.
func ReadHeader([]byte) (Header, error) { return Header{}, ErrUnavailable }

// Decode always fails in this build.
func Decode([]byte, Header) (*image.NRGBA, error) { return nil, ErrUnavailable }
