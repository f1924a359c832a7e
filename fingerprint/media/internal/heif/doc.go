// Package heif decodes HEIF images, HEIC (HEVC) and AVIF (AV1), through
// libheif (cgo, Debian's libheif-dev, which decodes HEVC with libde265 and
// AV1 with dav1d or libaom). It reads the header first, so a caller can
// refuse an image by its size before any pixel is decoded, and applies the
// file's rotation and mirroring (irot, imir) as viewers do.
//
// Builds without cgo, and with the purego or noheif tags, get a stub whose
// Available is false: package media then refuses HEIF files as
// unsupported. It imports no hashgate package.
package heif
