package fingerprint

import (
	"bytes"
	"io"
	"testing"
)

func TestDigester(t *testing.T) {
	tests := []struct{ in, sha, md5 string }{
		// FIPS 180-2 and RFC 1321 test vectors.
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "d41d8cd98f00b204e9800998ecf8427e"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "900150983cd24fb0d6963f7d28e17f72"},
		{"message digest", "f7846f55cf23e14eebeab5b4e1550cad5b509e3348fbc4efa3a1413d393cb650", "f96b697d7cb7938d525a2f31aaf161d0"},
	}
	for _, tt := range tests {
		d := NewDigester()
		// Byte by byte, to exercise streaming.
		for i := range len(tt.in) {
			if n, err := d.Write([]byte{tt.in[i]}); n != 1 || err != nil {
				t.Fatal(n, err)
			}
		}
		s, m := d.Sum()
		if s.String() != tt.sha || m.String() != tt.md5 {
			t.Errorf("%q: got %v %v", tt.in, s, m)
		}
		if d.Len() != int64(len(tt.in)) {
			t.Errorf("%q: Len %d", tt.in, d.Len())
		}
		s2, m2 := Digest([]byte(tt.in))
		s3, m3, n, err := DigestReader(bytes.NewReader([]byte(tt.in)))
		if s2 != s || m2 != m || s3 != s || m3 != m || n != int64(len(tt.in)) || err != nil {
			t.Errorf("%q: Digest/DigestReader disagree", tt.in)
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestDigestReaderError(t *testing.T) {
	if _, _, _, err := DigestReader(failingReader{}); err == nil {
		t.Fatal("read error lost")
	}
}
