package release

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

func checkB64(t *testing.T, s string) {
	t.Helper()
	want, err := base64.StdEncoding.Strict().DecodeString(s)
	got, ok := b64Decode(s)
	if ok != (err == nil) {
		t.Fatalf("b64Decode(%q): ok %v, encoding/base64 error %v", s, ok, err)
	}
	if ok && !bytes.Equal(got, want) {
		t.Fatalf("b64Decode(%q) = %x, encoding/base64 %x", s, got, want)
	}
}

// TestB64 holds b64Encode and b64Decode to encoding/base64's StdEncoding
// (Strict for decoding), on every length up to 64 and on hand-picked
// malformed inputs.
func TestB64(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 64 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		enc := b64Encode(b)
		if want := base64.StdEncoding.EncodeToString(b); enc != want {
			t.Fatalf("b64Encode(%x) = %q, want %q", b, enc, want)
		}
		checkB64(t, enc)
		if got, ok := b64Decode(enc); !ok || !bytes.Equal(got, b) {
			t.Fatalf("round trip of %x failed", b)
		}
	}
	for _, s := range []string{
		"", "\n", "\r\n", "QQ==", "QR==", "QUI=", "QUJ=", "QUJD", "Q===", "QQ=", "QQ", "Q", "=QQ=", "QQ==QQ==",
		"QQ==\n", "QQ=\n=", "Q\nQ==", "QUJD\r\nQUJD", "QUJD QUJD", "QUJD\tQUJD", "QU-D", "QU_D", "QUJD=",
		"QQ==\x00", "====", "QUJDQQ", "QUJD\n\n\n", "\x80\x80\x80\x80", "QQ\r==",
	} {
		checkB64(t, s)
	}
}

// FuzzB64Decode is differential: b64Decode against encoding/base64.
func FuzzB64Decode(f *testing.F) {
	for _, s := range []string{"", "QQ==", "QUI=", "QUJD", "QQ=\n=", "QR==", "QUJ="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkB64(t, s) })
}
