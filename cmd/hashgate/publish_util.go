package main

import (
	"crypto/md5"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashgate/hashgate/fingerprint/media"
	"github.com/hashgate/hashgate/release"
)

// Helpers shared by the publisher commands (keygen, build, sign, verify,
// inspect, diff, check).

// Key file names inside a keygen directory.
const (
	publisherKeyFile = "publisher.key"
	publisherPubFile = "publisher.pub"
	edgeKeyFile      = "edge.key"
	edgePubFile      = "edge.pub"
)

// newFlags returns a flag set whose --help prints synopsis, description and
// flags to stdout (exit 0), and whose errors go to stderr (exit 2).
func newFlags(name, synopsis, about string, stdout, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: hashgate %s %s\n\n%s\n\nFlags:\n", name, synopsis, strings.TrimSpace(about))
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and maps the outcome to an exit code: -1 means go
// on. --help prints to stdout and exits 0.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) int {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(stdout)
			fs.Usage()
			return 0
		}
		if a == "--" {
			break
		}
	}
	if err := fs.Parse(interleave(fs, args)); err != nil {
		return exitUsage
	}
	return -1
}

// interleave moves flags after positional arguments to the front, so
// "verify DIR --pub KEYS" works like "verify --pub KEYS DIR".
func interleave(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue
		}
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	return append(flags, append([]string{"--"}, pos...)...)
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

// fail prints "hashgate CMD: err" and returns exit code 1.
func fail(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "hashgate %s: %v\n", cmd, err)
	return 1
}

// usageErr prints a usage problem and returns exit code 2.
func usageErr(stderr io.Writer, cmd, msg string) int {
	fmt.Fprintf(stderr, "hashgate %s: %s (see hashgate %s --help)\n", cmd, msg, cmd)
	return exitUsage
}

// keyPath resolves a key argument that may be a keygen directory.
func keyPath(p, fileInDir string) string {
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		return filepath.Join(p, fileInDir)
	}
	return p
}

func loadSigner(p string) (*release.Signer, error) {
	b, err := os.ReadFile(keyPath(p, publisherKeyFile))
	if err != nil {
		return nil, err
	}
	return release.ParseSigner(b)
}

func loadTrust(p string) (release.Trust, error) {
	b, err := os.ReadFile(keyPath(p, publisherPubFile))
	if err != nil {
		return release.Trust{}, err
	}
	return release.ParseTrust(b)
}

func loadPublicKeys(p, fileInDir string) ([]release.PublicKey, error) {
	b, err := os.ReadFile(keyPath(p, fileInDir))
	if err != nil {
		return nil, err
	}
	return release.ParsePublicKeys(b)
}

func loadEdgeKey(p string) (*release.EdgePrivateKey, error) {
	b, err := os.ReadFile(keyPath(p, edgeKeyFile))
	if err != nil {
		return nil, err
	}
	return release.ParseEdgeKey(b)
}

// edgeRecipients loads every --edge-pub file (X-Wing keys only).
func edgeRecipients(paths []string) ([]release.PublicKey, error) {
	var out []release.PublicKey
	for _, p := range paths {
		keys, err := loadPublicKeys(p, edgePubFile)
		if err != nil {
			return nil, err
		}
		n := 0
		for _, k := range keys {
			if k.Alg == release.AlgXWing {
				out = append(out, k)
				n++
			}
		}
		if n == 0 {
			return nil, errors.New(p + " holds no x-wing edge key")
		}
	}
	return out, nil
}

// isTerminal reports whether w is a character device (a terminal), without
// a dependency: progress output is for people, never for pipes and logs.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress draws a one-line progress bar on a terminal, only once the work
// has taken a second, at most ten times a second; elsewhere it is silent.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	on      bool
	label   string
	total   int64
	done    int64
	start   time.Time
	last    time.Time
	printed bool
}

func newProgress(w io.Writer, label string, total int64) *progress {
	now := time.Now()
	return &progress{w: w, on: isTerminal(w), label: label, total: total, start: now}
}

// Add advances the bar by n units.
func (p *progress) Add(n int64) {
	if p == nil || !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	now := time.Now()
	if now.Sub(p.start) < time.Second || now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	p.draw()
}

func (p *progress) draw() {
	const width = 30
	if p.total > 0 {
		frac := float64(p.done) / float64(p.total)
		frac = min(max(frac, 0), 1)
		fill := int(frac * width)
		fmt.Fprintf(p.w, "\r%-14s [%s%s] %3.0f%% %d/%d", p.label, strings.Repeat("=", fill),
			strings.Repeat(" ", width-fill), 100*frac, p.done, p.total)
	} else {
		fmt.Fprintf(p.w, "\r%-14s %d", p.label, p.done)
	}
	p.printed = true
}

// Done finishes the bar's line if one was drawn.
func (p *progress) Done() {
	if p == nil || !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.printed {
		p.draw()
		fmt.Fprintln(p.w)
	}
}

// countingReader reports bytes read to a progress bar.
type countingReader struct {
	r io.Reader
	p *progress
}

func (c countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.p.Add(int64(n))
	return n, err
}

// maxMediaFile bounds the bytes read from one media file.
const maxMediaFile = 1 << 30

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }

// hashFile computes a file's digests and, for images the decoder reads, its
// perceptual hashes. The error reports a file whose perceptual hashes could
// not be computed; the digests are valid even then.
func hashFile(path string) (fileFP, error) {
	var fp fileFP
	f, err := os.Open(path)
	if err != nil {
		return fp, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxMediaFile+1))
	if err != nil {
		return fp, err
	}
	if len(data) > maxMediaFile {
		return fp, fmt.Errorf("%s is larger than %d bytes", path, maxMediaFile)
	}
	fp.sha256 = sha256.Sum256(data)
	fp.md5 = md5.Sum(data)
	return fp, perceptual(&fp, data)
}

// perceptual fills the PDQ and pHash of an image through the canonical
// pipeline (fingerprint/media: header first, pixel limit, EXIF orientation).
// Anything that is not a decodable image returns an error and keeps only
// its digests.
func perceptual(fp *fileFP, data []byte) error {
	f, err := media.FingerprintBytes(data, media.Options{})
	if err != nil {
		return err
	}
	fp.hasPDQ, fp.pdq, fp.pdqQuality = true, f.PDQ, f.PDQQuality
	fp.hasPHash, fp.phash = true, f.PHash
	return nil
}
