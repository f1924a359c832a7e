package edge

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashgate/hashgate/fingerprint/media"
	"github.com/hashgate/hashgate/match"
)

// TestScanHEIF: HEIC and AVIF uploads are scanned as images (not taken
// for videos by their ftyp box): a re-encode of a listed JPEG matches it,
// and bad files get clear 4xx answers. An edge built without libheif
// answers 415 for every one.
func TestScanHEIF(t *testing.T) {
	dir := filepath.Join("..", "fingerprint", "media", "testdata")
	heic := mustRead(t, filepath.Join(dir, "harbour-640x480.heic"))
	avif := mustRead(t, filepath.Join(dir, "harbour-640x480.avif"))
	listed, err := os.ReadFile(filepath.Join("..", "testdata", "demo", "listed", "harbour.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	e := startEdge(t, testConfig())
	e.Load(indexSnapshot(t, 3, []match.Entry{listedEntry(t, listed, "harbour")}))
	have := strings.HasPrefix(media.HEIFDecoder(), "libheif")

	bomb := append([]byte{}, heic...)
	for i := 0; i+16 <= len(bomb); i++ {
		if string(bomb[i:i+4]) == "ispe" {
			binary.BigEndian.PutUint32(bomb[i+8:], 20000)
			binary.BigEndian.PutUint32(bomb[i+12:], 20000)
		}
	}
	garbage := append(append([]byte{}, heic[:32]...), strings.Repeat("\x5a", 300)...)
	tests := []struct {
		name   string
		body   []byte
		status int
		code   string
	}{
		{"HEIC re-encode of a listed photo", heic, 200, ""},
		{"AVIF re-encode of a listed photo", avif, 200, ""},
		{"truncated HEIC", heic[:len(heic)/2], 422, CodeUnprocessable},
		{"truncated AVIF", avif[:len(avif)/2], 422, CodeUnprocessable},
		{"HEIC declaring 20000x20000", bomb, 413, CodeImageTooLarge},
		{"HEIC ftyp then garbage", garbage, 422, CodeUnprocessable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, "POST", e.url+"/v1/scan", tt.body, "Content-Type", "image/heic")
			if !have {
				wantError(t, resp, body, 415, CodeUnsupportedMedia)
				return
			}
			if tt.status != 200 {
				wantError(t, resp, body, tt.status, tt.code)
				t.Logf("%d %s", resp.StatusCode, body)
				return
			}
			if resp.StatusCode != 200 {
				t.Fatalf("scan = %d %s", resp.StatusCode, body)
			}
			if v := decodeVerdict(t, body); !v.Match || !contains(v.Matches[0].Labels, "harbour") {
				t.Fatalf("verdict %s, want a match on harbour", body)
			}
		})
	}
}
