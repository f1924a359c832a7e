package video

import (
	"bytes"
	"io"
	"os"
)

// Container names the container the first bytes of a file show — "mp4"
// (ISO BMFF and QuickTime: MP4, MOV, 3GP), "matroska" (also WebM), "gif",
// or "heif" for an ISO BMFF still image (HEIC, AVIF: an image, not a
// video) — or "" for anything else. It looks at bytes, not names, so an
// upload cannot pass as a video by its extension or Content-Type alone.
// 16 bytes are enough; GIF here is any GIF, animated or not.
func Container(head []byte) string {
	switch {
	case len(head) >= 12 && bytes.Equal(head[4:8], []byte("ftyp")) && isHEIFBrand(head[8:12]):
		return "heif"
	case len(head) >= 12 && bytes.Equal(head[4:8], []byte("ftyp")):
		return "mp4"
	case len(head) >= 8 && isQuickTimeAtom(head[4:8]):
		return "mp4" // old QuickTime files start with moov, mdat, wide, free or skip
	case len(head) >= 4 && bytes.Equal(head[:4], []byte{0x1a, 0x45, 0xdf, 0xa3}):
		return "matroska"
	case len(head) >= 6 && (bytes.Equal(head[:6], []byte("GIF87a")) || bytes.Equal(head[:6], []byte("GIF89a"))):
		return "gif"
	}
	return ""
}

// isHEIFBrand: the major brands of HEIF still images (image sequences,
// msf1, hevc, avis, stay videos).
func isHEIFBrand(b []byte) bool {
	switch string(b) {
	case "mif1", "heic", "heix", "heim", "heis", "avif":
		return true
	}
	return false
}

func isQuickTimeAtom(t []byte) bool {
	for _, a := range []string{"moov", "mdat", "wide", "free", "skip"} {
		if string(t) == a {
			return true
		}
	}
	return false
}

// FileContainer is Container of the file at path.
func FileContainer(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 16)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return "", err
	}
	return Container(head[:n]), nil
}
