package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/hashgate/hashgate/fingerprint/media"
)

// versionString describes this binary from its build information: the
// module version (a tag when installed with `go install ...@vX.Y.Z`,
// "(devel)" from a checkout), then the VCS stamp `go build` records in a
// git checkout: revision, commit time and whether the tree was modified.
func versionString(bi *debug.BuildInfo, ok bool) string {
	if !ok || bi == nil {
		return "hashgate (no build information)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, when string
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	var b strings.Builder
	b.WriteString("hashgate " + v)
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		b.WriteString(" (" + rev)
		if when != "" {
			b.WriteString(", " + when)
		}
		if dirty {
			b.WriteString(", modified")
		}
		b.WriteString(")")
	}
	b.WriteString(" " + bi.GoVersion)
	return b.String()
}

// printVersion also names, on a second line, the JPEG and HEIC/AVIF
// decoders, which depend on the build (libjpeg-turbo and libheif with cgo,
// image/jpeg and none without).
func printVersion(w io.Writer) {
	fmt.Fprintln(w, versionString(debug.ReadBuildInfo()))
	fmt.Fprintln(w, "JPEG: "+media.JPEGDecoder()+"; HEIC/AVIF: "+media.HEIFDecoder())
}
