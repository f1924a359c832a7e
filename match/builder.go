package match

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
)

// Builder collects entries one at a time and builds an Index, so that a
// caller converting a decrypted list need not hold every Entry at once. It is
// not safe for concurrent use, and is spent by Build.
type Builder struct {
	opts    Options
	n       int
	meta    metaBuilder
	pdq     []uint64 // 4 words per entry
	pdqMeta []uint32
	h64     [3][]uint64
	h64Meta [3][]uint32
	sha     []digestItem[fingerprint.SHA256Digest]
	md5     []digestItem[fingerprint.MD5Digest]
	video   videoBuilder
	workers int
	built   bool
}

// NewBuilder returns an empty Builder for an index with options o.
func NewBuilder(o Options) (*Builder, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	return &Builder{opts: o, meta: newMetaBuilder()}, nil
}

// Grow reserves room for n more entries of kind k, so that building a large
// index does not grow (and copy) its arrays by doubling. Unknown kinds are
// ignored: Add reports them.
func (b *Builder) Grow(k fingerprint.Kind, n int) {
	if n <= 0 || b.built {
		return
	}
	switch k {
	case fingerprint.KindPDQ:
		// The codes are read at random by every query: huge pages.
		b.pdq = grow(b.pdq, 4*n, true)
		b.pdqMeta = grow(b.pdqMeta, n, false)
	case fingerprint.KindPHash, fingerprint.KindDHash, fingerprint.KindAHash:
		i := h64Slot(k)
		b.h64[i] = grow(b.h64[i], n, true)
		b.h64Meta[i] = grow(b.h64Meta[i], n, false)
	case fingerprint.KindSHA256:
		b.sha = grow(b.sha, n, false)
	case fingerprint.KindMD5:
		b.md5 = grow(b.md5, n, false)
	}
}

func grow[T any](s []T, n int, huge bool) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	t := make([]T, len(s), len(s)+n)
	if huge {
		adviseHuge(t)
	}
	copy(t, s)
	return t
}

// SetWorkers bounds the goroutines Build uses to build the PDQ tables in
// parallel (default, or n <= 0: GOMAXPROCS; never more than 4). Each worker
// holds 8 bytes of scratch per entry, so fewer workers also lower the
// build's peak memory: a server that keeps answering queries while it
// builds a replacement index passes 1, leaving the other cores (and
// memory) to the index in use. A single worker also halves its scratch to
// 4 bytes an entry, at the price of a slower build.
func (b *Builder) SetWorkers(n int) { b.workers = n }

// Add adds one entry. It fails for a kind the index cannot hold, and after
// Build.
func (b *Builder) Add(e Entry) error {
	if b.built {
		return fmt.Errorf("%w: builder already built", ErrOptions)
	}
	if b.n >= maxEntries {
		return ErrTooMany
	}
	var m uint32
	switch e.Kind {
	case fingerprint.KindPDQ, fingerprint.KindPHash, fingerprint.KindDHash,
		fingerprint.KindAHash, fingerprint.KindSHA256, fingerprint.KindMD5:
		m = b.meta.add(e.Labels, e.Source, e.Added)
	default:
		return fmt.Errorf("%w: %v (%d)", ErrKind, e.Kind, uint8(e.Kind))
	}
	switch e.Kind {
	case fingerprint.KindPDQ:
		var w [4]uint64
		pdqWords(&e.PDQ, &w)
		b.pdq = append(b.pdq, w[:]...)
		b.pdqMeta = append(b.pdqMeta, m)
	case fingerprint.KindPHash, fingerprint.KindDHash, fingerprint.KindAHash:
		i := h64Slot(e.Kind)
		b.h64[i] = append(b.h64[i], uint64(e.Hash64))
		b.h64Meta[i] = append(b.h64Meta[i], m)
	case fingerprint.KindSHA256:
		b.sha = append(b.sha, digestItem[fingerprint.SHA256Digest]{e.SHA256, m})
	case fingerprint.KindMD5:
		b.md5 = append(b.md5, digestItem[fingerprint.MD5Digest]{e.MD5, m})
	}
	b.n++
	return nil
}

// maxEntries keeps every id within a uint32 with room for sentinels.
const maxEntries = math.MaxUint32 - 1

// Build builds the index. The Builder must not be used afterwards.
func (b *Builder) Build() (*Index, error) {
	if b.built {
		return nil, fmt.Errorf("%w: builder already built", ErrOptions)
	}
	b.built = true
	ix := &Index{opts: b.opts, n: b.n}
	ix.meta = b.meta.table()
	ix.pdq = newHammingStore(b.pdq, 4, b.pdqMeta, b.opts.PDQThreshold, nil, b.workers)
	thr := [3]int{b.opts.PHashThreshold, b.opts.DHashThreshold, b.opts.AHashThreshold}
	for i := range h64Kinds {
		ix.h64[i] = newHammingStore(b.h64[i], 1, b.h64Meta[i], thr[i], nil, b.workers)
	}
	ix.sha = newDigestStore(b.sha, func(a, c fingerprint.SHA256Digest) int { return bytes.Compare(a[:], c[:]) })
	ix.video = b.video.build(b.opts.VideoFrameThreshold, b.workers)
	ix.md5 = newDigestStore(b.md5, func(a, c fingerprint.MD5Digest) int { return bytes.Compare(a[:], c[:]) })
	*b = Builder{built: true}
	return ix, nil
}

// metaBuilder interns the per-entry metadata. Lists share few label sets and
// sources, and entries of one batch share their Added time, so an entry costs
// one uint32 in the common case: a run of entries with the same labels,
// source and time reuses one record.
type metaBuilder struct {
	labelIdx  map[string]uint32
	labelSets [][]string
	sourceIdx map[string]uint32
	sources   []string
	records   []metaRecord
	lastRaw   []string // the last Labels slice seen, to skip the map
	lastLabel uint32
}

type metaRecord struct {
	labels, source uint32
	added          int64 // Unix seconds, or noTime
}

type metaTable struct {
	labelSets [][]string
	sources   []string
	records   []metaRecord
}

func newMetaBuilder() metaBuilder {
	return metaBuilder{
		labelIdx:  map[string]uint32{"": 0},
		labelSets: [][]string{nil},
		sourceIdx: map[string]uint32{"": 0},
		sources:   []string{""},
	}
}

func (mb *metaBuilder) add(labels []string, source string, added time.Time) uint32 {
	var l uint32
	if mb.lastRaw != nil && equalStrings(labels, mb.lastRaw) {
		l = mb.lastLabel
	} else {
		key := labelKey(labels)
		var ok bool
		if l, ok = mb.labelIdx[key]; !ok {
			l = uint32(len(mb.labelSets))
			mb.labelIdx[key] = l
			mb.labelSets = append(mb.labelSets, append([]string(nil), labels...))
		}
		mb.lastRaw, mb.lastLabel = mb.labelSets[l], l
	}
	s, ok := mb.sourceIdx[source]
	if !ok {
		s = uint32(len(mb.sources))
		mb.sourceIdx[source] = s
		mb.sources = append(mb.sources, source)
	}
	t := int64(noTime)
	if !added.IsZero() {
		t = added.Unix()
	}
	rec := metaRecord{labels: l, source: s, added: t}
	if n := len(mb.records); n > 0 && mb.records[n-1] == rec {
		return uint32(n - 1)
	}
	mb.records = append(mb.records, rec)
	return uint32(len(mb.records) - 1)
}

func (mb *metaBuilder) table() metaTable {
	return metaTable{labelSets: mb.labelSets, sources: mb.sources, records: mb.records}
}

// get returns an entry's metadata; the labels are a fresh copy.
func (t *metaTable) get(m uint32) ([]string, string, time.Time) {
	r := t.records[m]
	var labels []string
	if ls := t.labelSets[r.labels]; len(ls) > 0 {
		labels = append([]string(nil), ls...)
	}
	var added time.Time
	if r.added != noTime {
		added = time.Unix(r.added, 0).UTC()
	}
	return labels, t.sources[r.source], added
}

// labelKey encodes a label set unambiguously (length-prefixed), so that no
// two different sets share a key whatever bytes the labels hold.
func labelKey(labels []string) string {
	var sb strings.Builder
	for _, l := range labels {
		n := len(l)
		sb.WriteByte(byte(n >> 24))
		sb.WriteByte(byte(n >> 16))
		sb.WriteByte(byte(n >> 8))
		sb.WriteByte(byte(n))
		sb.WriteString(l)
	}
	return sb.String()
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (t *metaTable) bytes() int64 {
	n := int64(len(t.records)) * 16
	for _, ls := range t.labelSets {
		n += 24
		for _, l := range ls {
			n += 16 + int64(len(l))
		}
	}
	for _, s := range t.sources {
		n += 16 + int64(len(s))
	}
	return n
}

// h64Slot is the position of a 64-bit kind in h64Kinds (the kind numbers are
// not contiguous).
func h64Slot(k fingerprint.Kind) int {
	switch k {
	case fingerprint.KindDHash:
		return 1
	case fingerprint.KindAHash:
		return 2
	}
	return 0
}
