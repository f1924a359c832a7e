// Package tjpeg decodes JPEG through libjpeg-turbo's TurboJPEG API (cgo,
// Debian's libturbojpeg0-dev) straight to YCbCr planes, at full size or at
// 1/2, 1/4 or 1/8 scale: the inverse DCT then produces fewer pixels, so a
// 12-MP photo is decoded to the size the canonical 512×512 grid needs.
//
// Builds without cgo (CGO_ENABLED=0, the wasm module) or with the purego
// tag get a stub whose Available is false; package media then decodes with
// image/jpeg. It imports no hashgate package.
package tjpeg
