package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hashgate/hashgate/bloom"
	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/oblivious"
	"github.com/hashgate/hashgate/release"
	"github.com/hashgate/hashgate/release/hashlist"
)

func runBuild(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := newFlags("build", "--list FILE... [--from-media DIR] --out DIR --key KEYS [--edge-pub EDGE.pub...]", `
Build a full release from hash lists and media: read every --list file
(python-threatexchange signal files "<signal_type> <signal>", vpdq signals
included, Meta's per-video vpdq-hash-video files, "TYPE<TAB>HEX[<TAB>labels]"
lines, CSV with a header such as signal_type,signal[,labels,quality,source,
added,id] or the column names of ThreatExchange and HMA exports
(signal_str, hash_type, hash_value, tags, collab, ...; --column maps
others), JSON: ThreatExchange descriptors and threat updates, HMA 2.0 bank
content, the lines 'hashgate hash --json' prints), hash every file under
--from-media (images, and videos through
FFmpeg: vPDQ, SHA-256, MD5), de-duplicate,
derive the filter keys, build the filter, encrypt the full list to each edge
key, write manifest.json and sign it.

Invalid lines are reported with file and line number and skipped (--strict
fails instead). PDQ hashes with a known quality below 50 are dropped and
counted unless --keep-low-quality; so are video frames of quality below 50.
Without --key, give --pub: the manifest
is written unsigned for 'hashgate sign' on another machine.

Every edge needs the list encrypted to its key: give each edge's public key
with --edge-pub, or --no-edge for a release that only browsers use (no edge
can load it). --out must be a new or empty directory unless --force, which
replaces the release there, old artifacts included. Publish a built release
with 'hashgate publish'.`, stdout, stderr)
	var lists, edgePubs []string
	fl.Var(listVar(&lists, false), "list", "hash list file (repeatable)")
	var columns []string
	fl.Var(listVar(&columns, false), "column", "CSV column mapping ROLE=HEADER (roles: "+strings.Join(hashlist.Roles, ", ")+"), e.g. --column type=kind,value=digest; repeatable")
	fl.Var(listVar(&edgePubs, false), "edge-pub", "edge public key file or keygen --edge directory to encrypt the list to (repeatable)")
	media := fl.String("from-media", "", "directory of media files to hash and list")
	crops := fl.Bool("crops", true, "also list the PDQ of 36 sub-crops of each --from-media image (fingerprint/canon.ListCrops), so cropped copies match")
	turns := fl.Bool("turns", true, "also list the PDQ of each --from-media image turned and mirrored, hashed from the turned pixels, where it differs from the hash derived from the upright one (fingerprint/media.ListTurns; a median 14 bits off, over 31 for 9 % of turns), so mirrored and turned copies match")
	out := fl.String("out", "", "release directory to write")
	keyArg := fl.String("key", "", "publisher private key file or keygen directory")
	pubArg := fl.String("pub", "", "publisher public keys (when building unsigned, without --key)")
	channel := fl.String("channel", "stable", "release channel")
	version := fl.Uint64("version", 0, "release version (default: the creation time in Unix seconds, which only grows)")
	epoch := fl.Uint64("epoch", 0, "key epoch (default: the version)")
	ttl := fl.Duration("ttl", 30*24*time.Hour, "validity period: clients refuse the release after created+ttl")
	mode := fl.String("mode", "open", "key mode: open (clients derive keys from the manifest) or oblivious (keys only through an edge's rationed VOPRF, /v1/oprf; layout default "+release.DefaultObliviousLayout.String()+")")
	layout := fl.String("layout", bloom.DefaultLayout.String(), "PDQ key layout (exact, 4x64, 4x64+p1, ...; 8x32/oblivious, ... with --mode oblivious)")
	kind := fl.String("kind", "auto", "filter kind: auto, splitblock, binaryfuse8, binaryfuse16")
	fpr := fl.Float64("fpr", bloom.DefaultFPR, "target false-positive rate per look-up")
	defType := fl.String("type", "", "signal type for lines that hold only a hash (e.g. pdq)")
	label := fl.String("label", "", "labels for hashed media, comma-separated")
	source := fl.String("source", "", "list name recorded on entries, which edges name in block answers and metrics (default: none, or a CSV's source column)")
	noEdge := fl.Bool("no-edge", false, "build without --edge-pub: a browser-only release that no edge can load")
	force := fl.Bool("force", false, "replace the release already in --out (its manifest and artifacts)")
	strict := fl.Bool("strict", false, "fail on the first invalid line instead of skipping it")
	keepLow := fl.Bool("keep-low-quality", false, "keep PDQ hashes whose quality is below 50")
	prev := fl.String("previous", "", "the previous release directory, to link its manifest digest")
	nextPub := fl.String("next-pub", "", "key rotation: the publisher public keys that will sign the following releases")
	withdraw := fl.String("withdraw", "", "withdrawal `file`: entries to take out of matching, for good or until a time, each with a reason (lines ENTRY UNTIL REASON; see docs/release.md#withdrawals)")
	if code := parseFlags(fl, args, stdout); code >= 0 {
		return code
	}
	if *out == "" || (len(lists) == 0 && *media == "") || fl.NArg() != 0 {
		return usageErr(stderr, "build", "want --out DIR and at least one --list FILE or --from-media DIR")
	}
	if (*keyArg == "") == (*pubArg == "") {
		return usageErr(stderr, "build", "want exactly one of --key (sign now) and --pub (sign later)")
	}
	if len(edgePubs) == 0 && !*noEdge {
		return usageErr(stderr, "build", "no --edge-pub: every edge would refuse this release (no list encrypted to its key); give each edge's edge.pub, or --no-edge for a browser-only release")
	}
	if len(edgePubs) > 0 && *noEdge {
		return usageErr(stderr, "build", "--no-edge with --edge-pub")
	}
	if err := checkOut(*out, *force); err != nil {
		return fail(stderr, "build", err)
	}
	opts := release.BuildOptions{Channel: *channel, TTL: *ttl, TargetFPR: *fpr, Epoch: *epoch}
	var err error
	if opts.Layout, err = bloom.ParseLayout(*layout); err != nil {
		return usageErr(stderr, "build", err.Error())
	}
	switch {
	case *mode == "oblivious" && !flagSet(fl, "layout"):
		opts.Layout = release.DefaultObliviousLayout
	case *mode == "oblivious" && opts.Layout.Mode != bloom.ModeOblivious:
		return usageErr(stderr, "build", "--mode oblivious wants an oblivious layout (…/oblivious), not "+*layout)
	case *mode == "open" && opts.Layout.Mode != bloom.ModeOpen:
		return usageErr(stderr, "build", "layout "+*layout+" is for --mode oblivious")
	case *mode != "open" && *mode != "oblivious":
		return usageErr(stderr, "build", "--mode is open or oblivious, not "+*mode)
	}
	if opts.Layout.Mode == bloom.ModeOblivious {
		if *noEdge {
			return usageErr(stderr, "build", "--mode oblivious with --no-edge: only edges can compute an oblivious release's keys")
		}
		// A fresh VOPRF key per release: it reaches the edges inside the
		// release, so nothing needs to keep it.
		if opts.OPRFKey, err = oblivious.GenerateKey(nil); err != nil {
			return fail(stderr, "build", err)
		}
	}
	if opts.Kind, err = bloom.ParseKind(*kind); err != nil {
		return usageErr(stderr, "build", err.Error())
	}
	if *keyArg != "" {
		if opts.Signer, err = loadSigner(*keyArg); err != nil {
			return fail(stderr, "build", err)
		}
	} else if opts.Publisher, err = loadPublicKeys(*pubArg, publisherPubFile); err != nil {
		return fail(stderr, "build", err)
	}
	if *nextPub != "" {
		t, err := loadTrust(*nextPub)
		if err != nil {
			return fail(stderr, "build", err)
		}
		opts.NextKeys = t.Keys
	}
	if opts.Recipients, err = edgeRecipients(edgePubs); err != nil {
		return fail(stderr, "build", err)
	}
	ho := hashlist.Options{Strict: *strict, KeepLowQuality: *keepLow, Source: *source}
	if ho.Columns, err = hashlist.ParseColumns(columns); err != nil {
		return usageErr(stderr, "build", err.Error())
	}
	if *defType != "" {
		k, ok := hashlist.ParseSignalType(*defType)
		if !ok {
			return usageErr(stderr, "build", "unknown --type "+*defType)
		}
		ho.DefaultKind = k
	}
	opts.Created = time.Now().UTC().Truncate(time.Second)
	opts.Version = *version
	if opts.Version == 0 {
		opts.Version = uint64(opts.Created.Unix())
	}
	if opts.Epoch == 0 {
		opts.Epoch = opts.Version
	}
	if *prev != "" {
		b, err := os.ReadFile(filepath.Join(*prev, release.ManifestFile))
		if err != nil {
			return fail(stderr, "build", err)
		}
		opts.Previous = sha256.Sum256(b)
		if pm, err := release.ParseManifest(b); err == nil && pm.Version >= opts.Version {
			return fail(stderr, "build", fmt.Errorf("version %d is not greater than the previous release's %d", opts.Version, pm.Version))
		}
	}

	var l hashlist.List
	var total int64
	for _, p := range lists {
		if st, err := os.Stat(p); err == nil {
			total += st.Size()
		}
	}
	// A PDQ line is about 70 bytes: pre-size for that many entries.
	l.Grow(int(min(total/70, 1<<27)))
	for _, p := range lists {
		if err := ctx.Err(); err != nil {
			return fail(stderr, "build", err)
		}
		if err := addListFile(&l, p, ho, stderr); err != nil {
			return fail(stderr, "build", err)
		}
	}
	if *media != "" {
		if err := addMedia(ctx, &l, *media, splitComma(*label), mediaVariants{crops: *crops, turns: *turns}, ho, stderr); err != nil {
			return fail(stderr, "build", err)
		}
	}
	for _, p := range l.Problems {
		fmt.Fprintf(stderr, "skipped %s\n", p)
	}
	if l.Len() == 0 {
		return fail(stderr, "build", errors.New("no valid entries"))
	}
	if *withdraw != "" {
		if opts.Withdrawals, err = hashlist.ReadWithdrawals(*withdraw); err != nil {
			return fail(stderr, "build", err)
		}
	}
	n, dups, skipped, low := l.Len(), l.Duplicates, len(l.Problems), l.LowQuality
	lowFrames, lowVideos := l.LowQualityFrames, l.LowQualityVideos
	b, err := release.Build(l.Finish(), opts)
	if err != nil {
		return fail(stderr, "build", err)
	}
	if *force {
		if err := clearRelease(*out); err != nil {
			return fail(stderr, "build", err)
		}
	}
	if err := release.WriteDir(*out, b); err != nil {
		return fail(stderr, "build", err)
	}
	m, _ := release.ParseManifest(b.Manifest)
	fmt.Fprintf(stdout, "built %s: version %d, %d entries (%d duplicates merged, %d invalid lines skipped, %d low-quality PDQ dropped), %s filter %d bytes\n",
		*out, m.Version, n, dups, skipped, low, m.Filter.Kind, m.ArtifactsByRole(release.RoleFilter)[0].Length)
	if v := m.Filter.Entries[fingerprint.KindVPDQ.String()]; v > 0 || lowFrames > 0 {
		fmt.Fprintf(stdout, "videos: %d listed (%d low-quality frames dropped, %d videos with no frame left)\n", v, lowFrames, lowVideos)
	}
	if len(opts.Withdrawals) > 0 {
		fmt.Fprintf(stdout, "withdrawals: %d\n", len(opts.Withdrawals))
	}
	if opts.Signer == nil {
		fmt.Fprintf(stdout, "unsigned: run 'hashgate sign %s --key KEYS'\n", *out)
	}
	return 0
}

// addListFile reads one list with a progress bar over its bytes.
func addListFile(l *hashlist.List, path string, o hashlist.Options, stderr io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	p := newProgress(stderr, "reading "+filepath.Base(path), size)
	defer p.Done()
	return l.Add(countingReader{f, p}, path, o)
}

// addMedia hashes every regular file under dir and lists its fingerprints.
// mediaVariants says which extra PDQ hashes addMedia lists for each image.
type mediaVariants struct{ crops, turns bool }

func addMedia(ctx context.Context, l *hashlist.List, dir string, labels []string, vs mediaVariants, o hashlist.Options, stderr io.Writer) error {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	slices.Sort(files)
	p := newProgress(stderr, "hashing media", int64(len(files)))
	defer p.Done()
	src := o.Source
	added := time.Now().UTC().Truncate(24 * time.Hour)
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if isVideoFile(f, false) { // build_video.go
			rel, _ := filepath.Rel(dir, f)
			if err := addVideoFile(ctx, l, f, rel, labels, src, added, o); err != nil {
				if ctx.Err() != nil {
					return err
				}
				fmt.Fprintf(stderr, "%s: %v (listed by SHA-256 and MD5 only)\n", f, err)
			}
			p.Add(1)
			continue
		}
		fp, err := fingerprintFile(f)
		if err != nil && !errors.Is(err, errNotImage) {
			return err
		}
		if err != nil {
			// A file that does not decode is still listed by its digests.
			fmt.Fprintf(stderr, "%s: %v (listed by SHA-256 and MD5 only)\n", f, err)
		}
		perceptual := err == nil
		if perceptual && fp.PDQQuality < hashlist.DefaultMinPDQQuality && !o.KeepLowQuality {
			// A low-quality PDQ means a near-featureless image: its
			// perceptual hashes would match every such image, so list it
			// by its digests only.
			l.LowQuality++
			perceptual = false
		}
		values := imageValues(fp, perceptual)
		if perceptual && (vs.crops || vs.turns) {
			for _, h := range listVariants(f, vs) {
				values = append(values, kindValue{fingerprint.KindPDQ, h[:]})
			}
		}
		for _, v := range values {
			l.Append(release.ListEntry{Kind: v.kind, Value: v.value, Labels: labels, Source: src, Added: added})
		}
		if isAnimatedGIF(f) { // a video too: its vPDQ (build_video.go)
			rel, _ := filepath.Rel(dir, f)
			if err := addAnimatedGIF(ctx, l, f, rel, labels, src, added, o); err != nil {
				if ctx.Err() != nil {
					return err
				}
				fmt.Fprintf(stderr, "%s: vpdq: %v (listed as an image only)\n", f, err)
			}
		}
		p.Add(1)
	}
	return nil
}

func splitComma(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
