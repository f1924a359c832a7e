package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/media"
	"github.com/hashgate/hashgate/fingerprint/video"
)

const hashSummary = "fingerprint image and video files (PDQ, pHash, dHash, aHash, vPDQ, SHA-256, MD5)"

// hashRecord is one line of `hashgate hash --json`.
type hashRecord struct {
	Path        string    `json:"path"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	PDQ         string    `json:"pdq"`
	PDQQuality  int       `json:"pdq_quality"`
	PDQDihedral [8]string `json:"pdq_dihedral"`
	PHash       string    `json:"phash"`
	DHash       string    `json:"dhash"`
	AHash       string    `json:"ahash"`
	SHA256      string    `json:"sha256"`
	MD5         string    `json:"md5"`
}

func newHashRecord(path string, f fingerprint.Fingerprints) hashRecord {
	r := hashRecord{
		Path: path, Width: f.Width, Height: f.Height,
		PDQ: f.PDQ.String(), PDQQuality: f.PDQQuality,
		PHash: f.PHash.String(), DHash: f.DHash.String(), AHash: f.AHash.String(),
		SHA256: f.SHA256.String(), MD5: f.MD5.String(),
	}
	for i, h := range f.PDQDihedral {
		r.PDQDihedral[i] = h.String()
	}
	return r
}

func runHash(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("hash", "[--json | --format vpdq [-o DIR]] [--seconds-per-hash S] [--max-pixels N] PATH...", `
Fingerprint image files the way the edge does (the canonical pipeline in
docs/fingerprint.md): decode JPEG, PNG, GIF (first frame), WebP or BMP with
the header checked against a pixel limit first, apply JPEG EXIF orientation,
then PDQ (with its quality and eight dihedral variants), pHash, dHash and
aHash; SHA-256 and MD5 are of the file's bytes.

PATH may be a file or a directory, searched recursively (every regular file
in it is tried). A file that cannot be fingerprinted gets a line on stderr
naming it and the reason; the rest still run, and the exit code is 1.

Output: a table, or with --json one object per file per line:
  {"path","width","height","pdq","pdq_quality","pdq_dihedral":[8 hex],
   "phash","dhash","ahash","sha256","md5"}
pdq_dihedral is in the reference's order: original, rotate 90, rotate 180,
rotate 270, flip x, flip y, flip +1 diagonal, flip -1 diagonal.

Videos (MP4/MOV, WebM, MKV, recognised by their bytes, and animated GIFs)
get vPDQ, Meta's video fingerprint, with FFmpeg (ffmpeg and ffprobe from
$PATH): one PDQ per --seconds-per-hash of video (0: every frame), as Meta's
vpdq-hash-video computes it (docs/video.md). A GIF of more than one frame
gets both: the image line of its first frame, then its video line. In the
table a video is one row; with --json one object per video:
  {"path","kind":"video","width","height","fps","duration","frame_mod",
   "codec","vpdq":[{"frame","quality","pdq","timestamp"}],"sha256","md5"}
--format vpdq writes Meta's "frame,quality,pdq_hex,timestamp" lines (for
every file, hashed as video) to stdout, or with -o DIR one NAME.txt per
video into DIR.`, stdout, stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per file per line")
	maxPixels := fs.Int("max-pixels", media.DefaultMaxPixels, "refuse images with more pixels than this")
	format := fs.String("format", "", `output format: "" (a table, or JSON lines with --json) or "vpdq" (Meta's vPDQ lines)`)
	outDir := fs.String("o", "", "with --format vpdq: write one NAME.txt per video into this directory")
	secondsPerHash := fs.Float64("seconds-per-hash", 1, "videos: seconds between hashed frames; 0 hashes every frame")
	maxDuration := fs.Duration("max-duration", video.DefaultMaxDuration, "videos: refuse longer ones")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if fs.NArg() == 0 {
		return usageErr(stderr, "hash", "want at least one file or directory")
	}
	opts := media.Options{MaxPixels: *maxPixels}
	switch {
	case *format != "" && *format != "vpdq":
		return usageErr(stderr, "hash", "--format wants vpdq")
	case *format == "vpdq" && *asJSON:
		return usageErr(stderr, "hash", "--json and --format vpdq are exclusive")
	case *outDir != "" && *format != "vpdq":
		return usageErr(stderr, "hash", "-o goes with --format vpdq")
	case *secondsPerHash < 0:
		return usageErr(stderr, "hash", "--seconds-per-hash must not be negative")
	}
	vopts := video.Options{SecondsPerHash: *secondsPerHash, EveryFrame: *secondsPerHash == 0, MaxDuration: *maxDuration}
	vout := &videoOutput{format: "table", outDir: *outDir, stdout: stdout}
	if *asJSON {
		vout.format = "json"
	} else if *format == "vpdq" {
		vout.format = "vpdq"
	}

	var table *tabwriter.Writer
	if !*asJSON && *format == "" {
		table = tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(table, "PATH\tSIZE\tQ\tPDQ\tPHASH\tDHASH\tAHASH\tSHA256\tMD5")
	}
	enc := json.NewEncoder(stdout)
	vout.table, vout.enc = table, enc
	failed := 0
	each := func(path string) {
		if *format == "vpdq" || isVideoFile(path, false) {
			r, err := hashVideo(ctx, path, vopts)
			if err == nil {
				err = vout.write(path, r)
			}
			if err != nil {
				failed++
				fmt.Fprintf(stderr, "hashgate hash: %s: %v\n", path, err)
			}
			return
		}
		f, err := hashOne(path, opts)
		if err != nil {
			failed++
			fmt.Fprintf(stderr, "hashgate hash: %s: %v\n", path, err)
			return
		}
		if table != nil {
			fmt.Fprintf(table, "%s\t%dx%d\t%d\t%v\t%v\t%v\t%v\t%v\t%v\n", path, f.Width, f.Height, f.PDQQuality,
				f.PDQ, f.PHash, f.DHash, f.AHash, f.SHA256, f.MD5)
		} else if err := enc.Encode(newHashRecord(path, f)); err != nil {
			failed++
			fmt.Fprintf(stderr, "hashgate hash: %s: %v\n", path, err)
			return
		}
		if isAnimatedGIF(path) { // hash_video.go: its vPDQ too
			r, err := hashVideo(ctx, path, vopts)
			if err == nil {
				err = vout.write(path, r)
			}
			switch {
			case errors.Is(err, video.ErrNoFFmpeg):
				// The image hashes stand; without FFmpeg there is no vPDQ.
				fmt.Fprintf(stderr, "hashgate hash: %s: no vpdq (FFmpeg not found)\n", path)
			case err != nil:
				failed++
				fmt.Fprintf(stderr, "hashgate hash: %s: vpdq: %v\n", path, err)
			}
		}
	}
	for _, arg := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return fail(stderr, "hash", err)
		}
		err := filepath.WalkDir(arg, func(path string, d iofs.DirEntry, err error) error {
			if err != nil {
				failed++
				fmt.Fprintf(stderr, "hashgate hash: %s: %v\n", path, err)
				return nil // go on with the rest
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if d.Type().IsRegular() {
				each(path)
			}
			return nil
		})
		if err != nil {
			return fail(stderr, "hash", err)
		}
	}
	if table != nil {
		table.Flush()
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "hashgate hash: %d file(s) could not be fingerprinted\n", failed)
		return 1
	}
	return 0
}

func hashOne(path string, o media.Options) (fingerprint.Fingerprints, error) {
	f, err := os.Open(path)
	if err != nil {
		return fingerprint.Fingerprints{}, err
	}
	defer f.Close()
	fp, err := media.FingerprintReader(f, o)
	if err != nil {
		var e *media.Error
		if errors.As(err, &e) {
			return fp, e
		}
		return fp, err
	}
	return fp, nil
}
