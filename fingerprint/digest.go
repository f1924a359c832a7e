package fingerprint

import (
	"crypto/md5"
	"crypto/sha256"
	"hash"
	"io"
)

// Digester streams bytes into SHA-256 and MD5 at once, so a file is read
// only once. It is an io.Writer; the zero value is not ready, use
// NewDigester.
type Digester struct {
	sha, md hash.Hash
	n       int64
}

// NewDigester returns a Digester with nothing written.
func NewDigester() *Digester { return &Digester{sha: sha256.New(), md: md5.New()} }

// Write adds p to both digests. It never fails.
func (d *Digester) Write(p []byte) (int, error) {
	d.sha.Write(p)
	d.md.Write(p)
	d.n += int64(len(p))
	return len(p), nil
}

// Len is the number of bytes written so far.
func (d *Digester) Len() int64 { return d.n }

// Sum returns the digests of everything written so far; more may be
// written afterwards.
func (d *Digester) Sum() (SHA256Digest, MD5Digest) {
	var s SHA256Digest
	var m MD5Digest
	d.sha.Sum(s[:0])
	d.md.Sum(m[:0])
	return s, m
}

// Digest returns the SHA-256 and MD5 of b.
func Digest(b []byte) (SHA256Digest, MD5Digest) {
	return sha256.Sum256(b), md5.Sum(b)
}

// DigestReader streams r to its end and returns its digests and length.
func DigestReader(r io.Reader) (SHA256Digest, MD5Digest, int64, error) {
	d := NewDigester()
	n, err := io.Copy(d, r)
	s, m := d.Sum()
	return s, m, n, err
}
