package video_test

import (
	"testing"

	"github.com/hashgate/hashgate/fingerprint/video"
)

func TestContainer(t *testing.T) {
	for _, c := range []struct {
		head string
		want string
	}{
		{"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "mp4"},
		{"\x00\x00\x00\x14ftypqt  ", "mp4"},
		{"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "heif"},
		{"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", "heif"},
		{"\x00\x00\x00\x18ftypavis\x00\x00\x00\x00avismsf1", "mp4"},
		{"\x00\x00\x01\x00moov\x00\x00", "mp4"},
		{"\x1a\x45\xdf\xa3\x9f\x42\x86\x81", "matroska"},
		{"GIF89a\x10\x00", "gif"},
		{"PK\x03\x04\x14\x00", ""},
		{"\xff\xd8\xff\xe0", ""},
		{"", ""},
		{"\x00\x00\x00", ""},
	} {
		if got := video.Container([]byte(c.head)); got != c.want {
			t.Errorf("Container(%q) = %q, want %q", c.head, got, c.want)
		}
	}
}
