package match

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
)

// Sentinel errors. NewIndex and Builder wrap them with the offending entry or
// option, so callers branch with errors.Is.
var (
	// ErrOptions reports an Options field out of range.
	ErrOptions = errors.New("match: invalid options")
	// ErrKind reports an Entry whose Kind the index cannot hold.
	ErrKind = errors.New("match: unsupported entry kind")
	// ErrTooMany reports more entries than the index's 32-bit ids can name.
	ErrTooMany = errors.New("match: too many entries")
	// ErrEmptyVideo reports a video with no frame of quality
	// Options.VideoMinQuality or more: it could never match.
	ErrEmptyVideo = errors.New("match: video without usable frames")
)

// Entry is one fingerprint of the edge list. Kind says which value field
// holds the fingerprint: PDQ for KindPDQ, Hash64 for KindPHash, KindDHash and
// KindAHash, SHA256 or MD5 for the digests; the other value fields are
// ignored.
type Entry struct {
	Kind   fingerprint.Kind
	PDQ    fingerprint.PDQHash
	Hash64 fingerprint.Hash64
	SHA256 fingerprint.SHA256Digest
	MD5    fingerprint.MD5Digest
	Labels []string
	Source string    // the list the entry came from
	Added  time.Time // kept to the second, in UTC
}

// Options are the match thresholds. Start from DefaultOptions: the zero value
// is valid but asks for exact PDQ and pHash matches and no quality floor.
type Options struct {
	// PDQThreshold is the largest Hamming distance (0..255) at which a PDQ
	// entry matches a query. 31 is the operating point Meta publishes.
	PDQThreshold int
	// PDQMinQuality (0..100) is the lowest PDQ quality a query must have for
	// its PDQ hash to be searched at all. A flat or tiny image yields a
	// low-quality hash that lies close to many unrelated ones.
	PDQMinQuality int
	// PHashThreshold, DHashThreshold and AHashThreshold (0..63) are the
	// largest Hamming distances for the 64-bit perceptual hashes.
	PHashThreshold int
	DHashThreshold int
	AHashThreshold int
	// Dihedral makes Match search every hash in Query.PDQDihedral (and in
	// each Query.Robust) as well, which finds rotated and mirrored copies
	// at up to eight times the cost. On by default: a mirror is the
	// cheapest evasion there is.
	Dihedral bool

	// Video matching (MatchVideo). VideoFrameThreshold (0..255) is the
	// largest distance at which two frame hashes match; VideoMinQuality
	// (0..100) the quality below which frames are dropped on both sides.
	VideoFrameThreshold int
	VideoMinQuality     int
	// VideoQueryPercent and VideoIndexPercent (0..100) are RuleWhole's
	// thresholds: the share of the upload's frames that must match, and of
	// the listed video's.
	VideoQueryPercent float64
	VideoIndexPercent float64
	// VideoContainsPercent (0..100; 0 turns the rule off) and
	// VideoContainsMinFrames are RuleContains': the share of the listed
	// video's frames that must match, and their least number.
	VideoContainsPercent   float64
	VideoContainsMinFrames int
}

// DefaultOptions returns PDQ distance <= 31 at query quality >= 50, pHash
// distance <= 6 (dHash and aHash <= 8), and the dihedral search; for video,
// python-threatexchange's rule (frames of quality >= 50 within 31, 80 % of
// the upload's frames and 0 % of the listed video's) and the contains rule
// at 80 % of the listed video's frames, at least DefaultContainsMinFrames.
//
// pHash is held to 6, not 8: over the variants corpus (docs/variants.md)
// two unrelated game textures lay at pHash distance 8 from a listed
// wallpaper (their PDQ 102 and 136 bits away) and none came closer, while
// the listed edits that only pHash found at 8 were 26 of about 10,000.
// (pHash sets the bits above its median, 32 of 64 as a rule, so distances
// are even and 7 would be the same threshold.)
func DefaultOptions() Options {
	return Options{
		PDQThreshold:   31,
		PDQMinQuality:  50,
		PHashThreshold: 6,
		DHashThreshold: 8,
		AHashThreshold: 8,
		Dihedral:       true,

		VideoFrameThreshold:    31,
		VideoMinQuality:        50,
		VideoQueryPercent:      80,
		VideoIndexPercent:      0,
		VideoContainsPercent:   80,
		VideoContainsMinFrames: DefaultContainsMinFrames,
	}
}

// DefaultContainsMinFrames is the least number of a listed video's frames
// that RuleContains needs matched by default: a short clip of a few frames
// would otherwise be found in long unrelated uploads by chance. In the
// false-match evaluation (docs/video-matching.md) no unrelated upload shared
// more than one frame with a listed video; 5 leaves a margin and keeps the
// rule for clips of 5 s and up.
const DefaultContainsMinFrames = 5

func (o Options) validate() error {
	check := func(name string, v, hi int) error {
		if v < 0 || v > hi {
			return fmt.Errorf("%w: %s %d not in 0..%d", ErrOptions, name, v, hi)
		}
		return nil
	}
	pct := func(name string, v float64) error {
		if !(v >= 0 && v <= 100) {
			return fmt.Errorf("%w: %s %v not in 0..100", ErrOptions, name, v)
		}
		return nil
	}
	return errors.Join(
		check("VideoFrameThreshold", o.VideoFrameThreshold, 255),
		check("VideoMinQuality", o.VideoMinQuality, 100),
		check("VideoContainsMinFrames", o.VideoContainsMinFrames, math.MaxInt32),
		pct("VideoQueryPercent", o.VideoQueryPercent),
		pct("VideoIndexPercent", o.VideoIndexPercent),
		pct("VideoContainsPercent", o.VideoContainsPercent),
		check("PDQThreshold", o.PDQThreshold, 255),
		check("PDQMinQuality", o.PDQMinQuality, 100),
		check("PHashThreshold", o.PHashThreshold, 63),
		check("DHashThreshold", o.DHashThreshold, 63),
		check("AHashThreshold", o.AHashThreshold, 63),
	)
}

// Query holds the fingerprints of one file; nil fields are not searched.
type Query struct {
	PDQ *fingerprint.PDQHash
	// PDQQuality is the quality (0..100) of PDQ and of its dihedral variants.
	// A query below Options.PDQMinQuality gets no PDQ matches; see
	// Report.PDQ. A missing quality is 0, so it is refused under any floor.
	PDQQuality int
	// PDQDihedral are the hashes of the file's eight rotations and mirror
	// images (index 0 the file as it is), searched when Options.Dihedral is
	// set. Only the first eight are used.
	PDQDihedral []fingerprint.PDQHash
	PHash       *fingerprint.Hash64
	DHash       *fingerprint.Hash64
	AHash       *fingerprint.Hash64
	SHA256      *fingerprint.SHA256Digest
	MD5         *fingerprint.MD5Digest
	// Robust are extra PDQ hashes of the same file (package
	// fingerprint/canon: the image with borders and bands trimmed), each
	// searched against the PDQ entries like PDQ — its dihedral variants
	// too under Options.Dihedral — when its own quality passes
	// Options.PDQMinQuality. Only the first fingerprint.MaxRobust are
	// used; zero slots (quality 0) never are.
	Robust []fingerprint.RobustPDQ
	// Regions are PDQ hashes of sub-regions of the file (the edge's query
	// regions, media.QueryRegions: where a listed picture may sit inside a
	// reframed copy, or a listed sub-crop inside an off-centre crop). Each
	// is searched upright only (Dihedral[0]), whatever Options.Dihedral
	// says, when its quality passes Options.PDQMinQuality; only the first
	// MaxRegions are used.
	Regions []fingerprint.RobustPDQ
}

// MaxRegions bounds Query.Regions.
const MaxRegions = 16

// Result is one matched entry.
type Result struct {
	// Entry is a copy of the matched entry, the caller's to keep and modify.
	Entry *Entry
	// Kind is the fingerprint kind that matched (Entry.Kind).
	Kind fingerprint.Kind
	// Distance is the Hamming distance to the query; 0 for digests.
	Distance int
	// Variant is the index in Query.PDQDihedral of the hash that matched
	// (0 when Query.PDQ matched), for PDQ results; 0 otherwise. A match by
	// Query.Robust[i] has Variant 8·(i+1) + its dihedral index, one by
	// Query.Regions[i] has Variant RegionVariant + i.
	Variant int
}

// PDQStatus says what Match did with a query's PDQ hash.
type PDQStatus uint8

const (
	// PDQNotQueried: the query had no PDQ hash.
	PDQNotQueried PDQStatus = iota
	// PDQSearched: the PDQ hash (and variants, if enabled) was searched.
	PDQSearched
	// PDQLowQuality: the query's PDQ quality was below
	// Options.PDQMinQuality, so the PDQ hash was not searched.
	PDQLowQuality
)

func (s PDQStatus) String() string {
	switch s {
	case PDQNotQueried:
		return "not-queried"
	case PDQSearched:
		return "searched"
	case PDQLowQuality:
		return "low-quality"
	}
	return "unknown"
}

// Report is the full answer to a query: its matches, and why the PDQ hash
// was or was not searched.
type Report struct {
	Results []Result
	PDQ     PDQStatus
	// PDQSearches is how many PDQ hashes were searched: the raw hash, its
	// distinct dihedral variants, the robust hashes and the regions.
	PDQSearches int
}

// Index is an immutable in-memory index over an edge list. It is safe for
// concurrent use by any number of goroutines.
type Index struct {
	opts  Options
	n     int
	meta  metaTable
	pdq   hammingStore
	h64   [3]hammingStore // pHash, dHash, aHash
	sha   digestStore[fingerprint.SHA256Digest]
	md5   digestStore[fingerprint.MD5Digest]
	video videoStore
}

// h64Kinds are the kinds held in Index.h64, in order.
var h64Kinds = [3]fingerprint.Kind{fingerprint.KindPHash, fingerprint.KindDHash, fingerprint.KindAHash}

// NewIndex builds an index over entries. It keeps none of the caller's
// memory: entries may be dropped or reused once it returns. For very large
// lists, a Builder avoids holding every Entry at once.
func NewIndex(entries []Entry, o Options) (*Index, error) {
	b, err := NewBuilder(o)
	if err != nil {
		return nil, err
	}
	var counts [256]int
	for i := range entries {
		counts[entries[i].Kind]++
	}
	for k, c := range counts {
		b.Grow(fingerprint.Kind(k), c)
	}
	for i := range entries {
		if err := b.Add(entries[i]); err != nil {
			return nil, fmt.Errorf("match: entry %d: %w", i, err)
		}
	}
	return b.Build()
}

// Len is the number of entries in the index.
func (ix *Index) Len() int { return ix.n }

// Options returns the options the index was built with.
func (ix *Index) Options() Options { return ix.opts }

// Match returns the entries that match q, sorted by distance, at most one
// result per entry. It does not say why a PDQ hash was not searched; see
// MatchReport.
func (ix *Index) Match(q Query) []Result { return ix.MatchReport(q).Results }

// MatchReport is Match with the reason a PDQ hash was or was not searched.
func (ix *Index) MatchReport(q Query) Report {
	var rep Report
	var hits []hit
	if q.PDQ != nil || (ix.opts.Dihedral && len(q.PDQDihedral) > 0) {
		if q.PDQQuality < ix.opts.PDQMinQuality {
			rep.PDQ = PDQLowQuality
		} else {
			rep.PDQ = PDQSearched
			hits = ix.searchPDQ(q, hits, &rep.PDQSearches)
		}
	}
	hits = ix.searchRobust(q, hits, &rep.PDQSearches)
	hits = ix.searchRegions(q, hits, &rep.PDQSearches)
	thr := [3]int{ix.opts.PHashThreshold, ix.opts.DHashThreshold, ix.opts.AHashThreshold}
	for k, h := range [3]*fingerprint.Hash64{q.PHash, q.DHash, q.AHash} {
		if h != nil {
			w := [1]uint64{uint64(*h)}
			hits = ix.h64[k].search(w[:], thr[k], uint8(1+k), 0, hits)
		}
	}
	if q.SHA256 != nil {
		hits = ix.sha.lookup(*q.SHA256, kindSHA256, hits)
	}
	if q.MD5 != nil {
		hits = ix.md5.lookup(*q.MD5, kindMD5, hits)
	}
	if len(hits) == 0 {
		return rep
	}
	hits = dedup(hits)
	rep.Results = make([]Result, len(hits))
	for i, h := range hits {
		rep.Results[i] = ix.result(h)
	}
	return rep
}

// maxVariants bounds the dihedral search: a PDQ hash has eight.
const maxVariants = 8

func (ix *Index) searchPDQ(q Query, hits []hit, n *int) []hit {
	r := ix.opts.PDQThreshold
	var w [4]uint64
	if q.PDQ != nil {
		pdqWords(q.PDQ, &w)
		hits = ix.pdq.search(w[:], r, kindPDQ, 0, hits)
		*n++
	}
	if !ix.opts.Dihedral {
		return hits
	}
	for i, v := range q.PDQDihedral[:min(len(q.PDQDihedral), maxVariants)] {
		if q.PDQ != nil && v == *q.PDQ {
			continue // already searched as variant 0
		}
		pdqWords(&v, &w)
		hits = ix.pdq.search(w[:], r, kindPDQ, uint8(i), hits)
		*n++
	}
	return hits
}

// searchRobust searches each robust hash that passes the quality floor, and
// its dihedral variants under Options.Dihedral, skipping any hash already
// searched as the raw PDQ or one of its variants.
func (ix *Index) searchRobust(q Query, hits []hit, searches *int) []hit {
	r := ix.opts.PDQThreshold
	var w [4]uint64
	for i, x := range q.Robust[:min(len(q.Robust), fingerprint.MaxRobust)] {
		if x.Name == "" || x.Quality < ix.opts.PDQMinQuality {
			continue // an unused slot, or too flat to search
		}
		n := 1
		if ix.opts.Dihedral {
			n = maxVariants
		}
		for v, h := range x.Dihedral[:n] {
			if (q.PDQ != nil && h == *q.PDQ) || slices.Contains(q.PDQDihedral, h) {
				continue
			}
			pdqWords(&h, &w)
			hits = ix.pdq.search(w[:], r, kindPDQ, uint8(8*(i+1)+v), hits)
			*searches++
		}
	}
	return hits
}

// RegionVariant is Result.Variant of a match by Query.Regions[0]: past the
// raw hash's and the robust hashes' dihedral variants.
const RegionVariant = 8 * (fingerprint.MaxRobust + 1)

// searchRegions searches each region hash upright, when it passes the
// quality floor and is not a hash already searched.
func (ix *Index) searchRegions(q Query, hits []hit, n *int) []hit {
	if len(q.Regions) == 0 {
		return hits
	}
	r := ix.opts.PDQThreshold
	var w [4]uint64
	for i, x := range q.Regions[:min(len(q.Regions), MaxRegions)] {
		h := x.Dihedral[0]
		if x.Name == "" || x.Quality < ix.opts.PDQMinQuality || (q.PDQ != nil && h == *q.PDQ) {
			continue
		}
		pdqWords(&h, &w)
		hits = ix.pdq.search(w[:], r, kindPDQ, uint8(RegionVariant+i), hits)
		*n++
	}
	return hits
}

// Store identifiers inside hits; they also fix the order of equal-distance
// results.
const (
	kindPDQ    uint8 = 0
	kindPHash  uint8 = 1
	kindDHash  uint8 = 2
	kindAHash  uint8 = 3
	kindSHA256 uint8 = 4
	kindMD5    uint8 = 5
)

// hit is a match before it becomes a Result: which store, which entry of
// that store, its distance and the variant that found it.
type hit struct {
	id      uint32
	dist    uint16
	store   uint8
	variant uint8
}

// dedup sorts hits by (distance, store, id) and keeps the first, closest hit
// of each entry.
func dedup(hits []hit) []hit {
	slices.SortFunc(hits, func(a, b hit) int {
		if a.store != b.store {
			return int(a.store) - int(b.store)
		}
		if a.id != b.id {
			if a.id < b.id {
				return -1
			}
			return 1
		}
		if a.dist != b.dist {
			return int(a.dist) - int(b.dist)
		}
		return int(a.variant) - int(b.variant)
	})
	out := hits[:0]
	for i, h := range hits {
		if i > 0 && h.store == hits[i-1].store && h.id == hits[i-1].id {
			continue
		}
		out = append(out, h)
	}
	slices.SortStableFunc(out, func(a, b hit) int { return int(a.dist) - int(b.dist) })
	return out
}

func (ix *Index) result(h hit) Result {
	var e Entry
	var m uint32
	switch h.store {
	case kindPDQ:
		e.Kind = fingerprint.KindPDQ
		e.PDQ = ix.pdq.pdqHash(h.id)
		m = ix.pdq.meta[h.id]
	case kindPHash, kindDHash, kindAHash:
		s := &ix.h64[h.store-kindPHash]
		e.Kind = h64Kinds[h.store-kindPHash]
		e.Hash64 = fingerprint.Hash64(s.codes[h.id])
		m = s.meta[h.id]
	case kindSHA256:
		e.Kind = fingerprint.KindSHA256
		e.SHA256 = ix.sha.items[h.id].key
		m = ix.sha.items[h.id].meta
	case kindMD5:
		e.Kind = fingerprint.KindMD5
		e.MD5 = ix.md5.items[h.id].key
		m = ix.md5.items[h.id].meta
	}
	e.Labels, e.Source, e.Added = ix.meta.get(m)
	return Result{Entry: &e, Kind: e.Kind, Distance: int(h.dist), Variant: int(h.variant)}
}

// pdqWords loads a PDQ hash into four words, most significant first, so that
// bit k of the hash (reference numbering) is bit k%64 of word 3-k/64.
func pdqWords(h *fingerprint.PDQHash, w *[4]uint64) {
	for i := range w {
		b := h[8*i : 8*i+8]
		w[i] = uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
			uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
	}
}

func wordsPDQ(w []uint64) fingerprint.PDQHash {
	var h fingerprint.PDQHash
	for i := range 4 {
		for j := range 8 {
			h[8*i+j] = byte(w[i] >> (56 - 8*j))
		}
	}
	return h
}

// noTime marks a zero Entry.Added in the metadata table.
const noTime = math.MinInt64

// Stats describes an index's contents and memory.
type Stats struct {
	Entries                               int
	PDQ, PHash, DHash, AHash, SHA256, MD5 int
	// Videos is the number of listed videos, VideoFrames their distinct
	// frame hashes.
	Videos, VideoFrames int
	// PDQTables is the multi-index layout of the PDQ entries (empty when
	// the list is small enough that a linear scan is cheaper).
	PDQTables []TableStats
	// Bytes is the memory the index's arrays hold, not counting Go's
	// allocator overhead.
	Bytes int64
}

// TableStats describes one PDQ substring table: bits [Start, Start+Width)
// are probed within Radius.
type TableStats struct{ Start, Width, Radius int }

// Stats reports what the index holds.
func (ix *Index) Stats() Stats {
	st := Stats{
		Entries: ix.n, PDQ: ix.pdq.n,
		PHash: ix.h64[0].n, DHash: ix.h64[1].n, AHash: ix.h64[2].n,
		SHA256: len(ix.sha.items), MD5: len(ix.md5.items),
		Videos: len(ix.video.videos), VideoFrames: ix.video.frames.n,
	}
	for _, t := range ix.pdq.tables {
		st.PDQTables = append(st.PDQTables, TableStats{t.start, t.width, t.radius})
	}
	st.Bytes = ix.meta.bytes() + ix.pdq.bytes() + ix.video.bytes() + int64(len(ix.sha.items))*36 + int64(len(ix.md5.items))*20
	for i := range ix.h64 {
		st.Bytes += ix.h64[i].bytes()
	}
	return st
}
