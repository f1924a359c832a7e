package match

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
)

// Frame is one hashed frame of a video (vPDQ): its PDQ hash, the hash's
// quality (0..100) and the frame's time from the start of the video.
type Frame struct {
	PDQ       fingerprint.PDQHash
	Quality   int
	Timestamp time.Duration
}

// Video is one listed video: an id that names it to a moderator, its frame
// hashes and its provenance. Builder.AddVideo keeps only frames of quality
// at least Options.VideoMinQuality, once per distinct hash.
type Video struct {
	ID     string
	Frames []Frame
	Labels []string
	Source string
	Added  time.Time
}

// VideoRule says which rule matched a video; a result may carry both.
type VideoRule uint8

const (
	// RuleWhole is python-threatexchange's vPDQ rule: at least
	// Options.VideoQueryPercent of the upload's frames match the listed
	// video and at least Options.VideoIndexPercent of the listed video's
	// frames match the upload. It finds the listed video and its edits.
	RuleWhole VideoRule = 1 << iota
	// RuleContains finds a listed clip inside a longer upload (a
	// compilation, a reaction video): at least
	// Options.VideoContainsPercent of the listed video's frames match,
	// and at least Options.VideoContainsMinFrames of them.
	RuleContains
)

func (r VideoRule) String() string {
	switch r {
	case RuleWhole:
		return "whole"
	case RuleContains:
		return "contains"
	case RuleWhole | RuleContains:
		return "whole+contains"
	}
	return "none"
}

// TimeRange is a stretch of the upload whose hashed frames matched, from
// the first matched frame's timestamp to the last one's.
type TimeRange struct{ Start, End time.Duration }

// MaxVideoRanges bounds the time ranges a result lists (the earliest).
const MaxVideoRanges = 64

// VideoResult is one matched listed video.
type VideoResult struct {
	// Video is the listed video's id and provenance (no frames), the
	// caller's to keep.
	Video *Video
	Rule  VideoRule
	// QueryPercent is the share (0..100) of the upload's usable frames
	// (quality >= VideoMinQuality, distinct hashes) within
	// VideoFrameThreshold of one of the listed video's frames;
	// IndexPercent the share of the listed video's frames within it of
	// one of the upload's.
	QueryPercent, IndexPercent float64
	QueryMatched, QueryFrames  int
	IndexMatched, IndexFrames  int
	// Ranges are the matched stretches of the upload, in time order, at
	// most MaxVideoRanges.
	Ranges []TimeRange
}

// VideoReport is the answer to MatchVideo.
type VideoReport struct {
	Results []VideoResult
	// Frames is the number of the upload's frames searched (quality at
	// least VideoMinQuality, distinct hashes); LowQuality the number
	// dropped for quality. An upload with Frames == 0 cannot match.
	Frames, LowQuality int
}

// videoRecord is a listed video in the index.
type videoRecord struct {
	id     string
	meta   uint32
	frames uint32 // distinct usable frames
}

// videoBuilder collects listed videos: each distinct frame hash once (in
// frameCodes) with the videos that hold it.
type videoBuilder struct {
	videos     []videoRecord
	frameCodes []uint64 // 4 words per distinct frame hash
	frameIdx   map[fingerprint.PDQHash]uint32
	pairs      [][2]uint32 // (frame, video)
}

// AddVideo adds one listed video. Its frames of quality below
// Options.VideoMinQuality are dropped and repeated hashes counted once; a
// video left with no frame is refused with ErrEmptyVideo.
func (b *Builder) AddVideo(v Video) error {
	if b.built {
		return fmt.Errorf("%w: builder already built", ErrOptions)
	}
	if b.n >= maxEntries || len(b.video.pairs)+len(v.Frames) >= maxEntries {
		return ErrTooMany
	}
	vb := &b.video
	if vb.frameIdx == nil {
		vb.frameIdx = map[fingerprint.PDQHash]uint32{}
	}
	vid := uint32(len(vb.videos))
	seen := make(map[uint32]struct{}, len(v.Frames))
	for _, f := range v.Frames {
		if f.Quality < b.opts.VideoMinQuality {
			continue
		}
		fi, ok := vb.frameIdx[f.PDQ]
		if !ok {
			fi = uint32(len(vb.frameIdx))
			vb.frameIdx[f.PDQ] = fi
			var w [4]uint64
			pdqWords(&f.PDQ, &w)
			vb.frameCodes = append(vb.frameCodes, w[:]...)
		}
		if _, dup := seen[fi]; dup {
			continue
		}
		seen[fi] = struct{}{}
		vb.pairs = append(vb.pairs, [2]uint32{fi, vid})
	}
	if len(seen) == 0 {
		return fmt.Errorf("%w: video %q has no frame of quality >= %d", ErrEmptyVideo, v.ID, b.opts.VideoMinQuality)
	}
	vb.videos = append(vb.videos, videoRecord{id: v.ID, meta: b.meta.add(v.Labels, v.Source, v.Added), frames: uint32(len(seen))})
	b.n++
	return nil
}

// videoStore is the index's listed videos: the distinct frame hashes in a
// Hamming store, and for frame i the ids of the videos holding it,
// vids[start[i]:start[i+1]].
type videoStore struct {
	frames hammingStore
	start  []uint32
	vids   []uint32
	videos []videoRecord
}

func (vb *videoBuilder) build(r, workers int) videoStore {
	n := len(vb.frameIdx)
	s := videoStore{videos: vb.videos, start: make([]uint32, n+1), vids: make([]uint32, len(vb.pairs))}
	for _, p := range vb.pairs {
		s.start[p[0]+1]++
	}
	prefixSum(s.start)
	fill := slices.Clone(s.start[:n])
	for _, p := range vb.pairs {
		s.vids[fill[p[0]]] = p[1]
		fill[p[0]]++
	}
	meta := make([]uint32, n) // unused by searches; the store wants one per code
	s.frames = newHammingStore(vb.frameCodes, 4, meta, r, nil, workers)
	return s
}

func (s *videoStore) bytes() int64 {
	n := s.frames.bytes() + int64(len(s.start)+len(s.vids))*4
	for _, v := range s.videos {
		n += 24 + int64(len(v.id))
	}
	return n
}

// videoAcc gathers one listed video's matches during a query.
type videoAcc struct {
	query []int32  // usable upload frames that matched, ascending, distinct
	index []uint32 // listed frame hashes matched (may repeat)
}

// MatchVideo matches an upload's frame hashes against the listed videos.
// Frames of quality below Options.VideoMinQuality are dropped and repeated
// hashes searched once; each remaining frame is searched within
// Options.VideoFrameThreshold. Results are sorted by the larger of their
// two percentages, highest first, then by id.
func (ix *Index) MatchVideo(frames []Frame) VideoReport {
	var rep VideoReport
	o := ix.opts
	// The usable frames in time order (for the ranges), each distinct hash
	// searched once: first[i] is the position of frame i's hash's first
	// occurrence.
	use := make([]Frame, 0, len(frames))
	for _, f := range frames {
		if f.Quality < o.VideoMinQuality {
			rep.LowQuality++
			continue
		}
		use = append(use, f)
	}
	slices.SortStableFunc(use, func(a, b Frame) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
	first := make([]int32, len(use))
	pos := make(map[fingerprint.PDQHash]int32, len(use))
	for i, f := range use {
		p, ok := pos[f.PDQ]
		if !ok {
			p = int32(i)
			pos[f.PDQ] = p
		}
		first[i] = p
	}
	rep.Frames = len(pos)
	if rep.Frames == 0 || len(ix.video.videos) == 0 {
		return rep
	}
	accs := map[uint32]*videoAcc{}
	var hits []hit
	var w [4]uint64
	for i, f := range use {
		if first[i] != int32(i) {
			continue
		}
		pdqWords(&f.PDQ, &w)
		hits = ix.video.frames.search(w[:], o.VideoFrameThreshold, 0, 0, hits[:0])
		for _, h := range hits {
			for _, vid := range ix.video.vids[ix.video.start[h.id]:ix.video.start[h.id+1]] {
				a := accs[vid]
				if a == nil {
					a = &videoAcc{}
					accs[vid] = a
				}
				if n := len(a.query); n == 0 || a.query[n-1] != int32(i) {
					a.query = append(a.query, int32(i))
				}
				a.index = append(a.index, h.id)
			}
		}
	}
	for vid, a := range accs {
		rec := &ix.video.videos[vid]
		slices.Sort(a.index)
		im := len(slices.Compact(a.index))
		r := VideoResult{
			QueryMatched: len(a.query), QueryFrames: rep.Frames,
			IndexMatched: im, IndexFrames: int(rec.frames),
		}
		r.QueryPercent = 100 * float64(r.QueryMatched) / float64(r.QueryFrames)
		r.IndexPercent = 100 * float64(r.IndexMatched) / float64(r.IndexFrames)
		if r.QueryPercent >= o.VideoQueryPercent && r.IndexPercent >= o.VideoIndexPercent {
			r.Rule |= RuleWhole
		}
		if o.VideoContainsPercent > 0 && r.IndexPercent >= o.VideoContainsPercent && r.IndexMatched >= o.VideoContainsMinFrames {
			r.Rule |= RuleContains
		}
		if r.Rule == 0 {
			continue
		}
		r.Ranges = matchedRanges(use, first, a.query)
		labels, source, added := ix.meta.get(rec.meta)
		r.Video = &Video{ID: rec.id, Labels: labels, Source: source, Added: added}
		rep.Results = append(rep.Results, r)
	}
	slices.SortFunc(rep.Results, func(a, b VideoResult) int {
		if c := cmp.Compare(max(b.QueryPercent, b.IndexPercent), max(a.QueryPercent, a.IndexPercent)); c != 0 {
			return c
		}
		return cmp.Compare(a.Video.ID, b.Video.ID)
	})
	return rep
}

// matchedRanges merges the usable frames whose hash matched (matched holds
// first-occurrence positions, ascending) into runs of consecutive usable
// frames.
func matchedRanges(use []Frame, first []int32, matched []int32) []TimeRange {
	hit := make(map[int32]bool, len(matched))
	for _, m := range matched {
		hit[m] = true
	}
	var out []TimeRange
	open := false
	for i, f := range use {
		if !hit[first[i]] {
			open = false
			continue
		}
		if open {
			out[len(out)-1].End = f.Timestamp
			continue
		}
		if len(out) == MaxVideoRanges {
			break
		}
		out = append(out, TimeRange{Start: f.Timestamp, End: f.Timestamp})
		open = true
	}
	return out
}
