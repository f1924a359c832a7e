package edge

import (
	"bytes"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/canon"
	"github.com/hashgate/hashgate/fingerprint/media"
	"github.com/hashgate/hashgate/internal/testenv"
	"github.com/hashgate/hashgate/match"
)

// TestScanRegions lists a photo as a publisher does (its PDQ and the PDQ of
// its sub-crops, canon.ListCrops) and scans the top-left 90 % of it, an
// off-centre crop no listed crop is near: it matches only with
// Config.Regions on (the upload's bottom-right 90 % is the photo's centre
// 81 %, next to its listed 80 % crop), and the photo itself and a clean
// image are answered as before either way.
func TestScanRegions(t *testing.T) {
	orig, err := os.ReadFile(filepath.Join(testenv.PDQDir(t), "images", "bridge-mods", "aaa-orig.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := media.DecodeBytes(orig, media.Options{})
	if err != nil {
		t.Fatal(err)
	}
	entries := []match.Entry{listedEntry(t, orig, "bridge")}
	for _, h := range canon.ListCrops(img) {
		entries = append(entries, match.Entry{Kind: fingerprint.KindPDQ, PDQ: h, Labels: []string{"bridge"}, Source: "test-list"})
	}
	b := img.Bounds()
	crop := img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(image.Rect(b.Min.X, b.Min.Y, b.Min.X+b.Dx()*9/10, b.Min.Y+b.Dy()*9/10))
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, crop, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		body       []byte
		regionsOn  bool // want a match with regions on
		regionsOff bool // and with them off
	}{
		{"the listed photo", orig, true, true},
		{"its top-left 90 %", buf.Bytes(), true, false},
		{"a clean image", encodeJPEG(t, makeImage(7, 800, 600), 90), false, false},
	}
	for _, on := range []bool{true, false} {
		cfg := testConfig()
		cfg.Regions = on
		e := startEdge(t, cfg)
		e.Load(indexSnapshot(t, 3, entries))
		for _, tt := range tests {
			want := tt.regionsOff
			if on {
				want = tt.regionsOn
			}
			resp, body := do(t, "POST", e.url+"/v1/scan", tt.body, "Content-Type", "image/jpeg")
			if resp.StatusCode != 200 {
				t.Fatalf("regions %v, %s: scan = %d %s", on, tt.name, resp.StatusCode, body)
			}
			if v := decodeVerdict(t, body); v.Match != want || want && !contains(v.Matches[0].Labels, "bridge") {
				t.Errorf("regions %v, %s: verdict %s, want match=%v", on, tt.name, body, want)
			}
		}
	}
}
