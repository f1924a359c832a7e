package wire

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

func checkBase64(t *testing.T, s string) {
	t.Helper()
	want, err := base64.StdEncoding.Strict().DecodeString(s)
	got, ok := Base64Decode(s)
	if ok != (err == nil) {
		t.Fatalf("Base64Decode(%q): ok %v, encoding/base64 error %v", s, ok, err)
	}
	if ok && !bytes.Equal(got, want) {
		t.Fatalf("Base64Decode(%q) = %x, encoding/base64 %x", s, got, want)
	}
}

// TestBase64 holds Base64Encode and Base64Decode to encoding/base64's StdEncoding
// (Strict for decoding), on every length up to 64 and on hand-picked
// malformed inputs.
func TestBase64(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 64 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		enc := Base64Encode(b)
		if want := base64.StdEncoding.EncodeToString(b); enc != want {
			t.Fatalf("Base64Encode(%x) = %q, want %q", b, enc, want)
		}
		checkBase64(t, enc)
		if got, ok := Base64Decode(enc); !ok || !bytes.Equal(got, b) {
			t.Fatalf("round trip of %x failed", b)
		}
	}
	for _, s := range []string{
		"", "\n", "\r\n", "QQ==", "QR==", "QUI=", "QUJ=", "QUJD", "Q===", "QQ=", "QQ", "Q", "=QQ=", "QQ==QQ==",
		"QQ==\n", "QQ=\n=", "Q\nQ==", "QUJD\r\nQUJD", "QUJD QUJD", "QUJD\tQUJD", "QU-D", "QU_D", "QUJD=",
		"QQ==\x00", "====", "QUJDQQ", "QUJD\n\n\n", "\x80\x80\x80\x80", "QQ\r==",
	} {
		checkBase64(t, s)
	}
}

// FuzzBase64Decode is differential: Base64Decode against encoding/base64.
func FuzzBase64Decode(f *testing.F) {
	for _, s := range []string{"", "QQ==", "QUI=", "QUJD", "QQ=\n=", "QR==", "QUJ="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkBase64(t, s) })
}
