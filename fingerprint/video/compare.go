package video

import "github.com/hashgate/hashgate/fingerprint"

// Rule is how two frame lists are compared: python-threatexchange's vPDQ
// rule is DefaultRule. Meta's C++ matchTwoHashBrute (match-hashes-brute
// Q T tol minQ) is Rule{MaxDistance: tol-1, MinQuality: minQ} without
// Dedup: it counts distance < tol and keeps duplicate hashes.
type Rule struct {
	MaxDistance int  // a frame matches a frame at most this many bits away
	MinQuality  int  // frames of lower quality are dropped on both sides
	Dedup       bool // identical hashes count once on each side
}

// DefaultRule: quality < 50 dropped, duplicates removed, distance ≤ 31.
var DefaultRule = Rule{MaxDistance: 31, MinQuality: 50, Dedup: true}

// Match is the outcome of Compare, in percent (0..100) as the reference
// prints them.
type Match struct {
	QueryPercent  float64 // matched query frames / query frames
	TargetPercent float64 // matched target frames / target frames
	QueryFrames   int     // query frames compared (after quality and dedup)
	TargetFrames  int
}

// Compare computes the two-sided match of a query video's frames against
// a target's by brute force: a query frame is matched when any target
// frame is within r.MaxDistance, and the other way round. Either side
// empty after filtering gives 0 %, as in the reference. It is O(q·t): for
// one pair of videos; package match has the indexed search.
func Compare(query, target []Frame, r Rule) Match {
	q := Filter(query, r)
	t := Filter(target, r)
	m := Match{QueryFrames: len(q), TargetFrames: len(t)}
	if len(q) == 0 || len(t) == 0 {
		return m
	}
	m.QueryPercent = float64(countMatched(q, t, r.MaxDistance)*100) / float64(len(q))
	m.TargetPercent = float64(countMatched(t, q, r.MaxDistance)*100) / float64(len(t))
	return m
}

// Filter returns the hashes r compares: quality ≥ r.MinQuality, and with
// r.Dedup each distinct hash once, in first-seen order.
func Filter(frames []Frame, r Rule) []fingerprint.PDQHash {
	out := make([]fingerprint.PDQHash, 0, len(frames))
	var seen map[fingerprint.PDQHash]struct{}
	if r.Dedup {
		seen = make(map[fingerprint.PDQHash]struct{}, len(frames))
	}
	for _, f := range frames {
		if f.Quality < r.MinQuality {
			continue
		}
		if seen != nil {
			if _, dup := seen[f.PDQ]; dup {
				continue
			}
			seen[f.PDQ] = struct{}{}
		}
		out = append(out, f.PDQ)
	}
	return out
}

// DedupFrames returns the frames Filter keeps, as frames (for writing a
// list's or a release's video entry).
func DedupFrames(frames []Frame, minQuality int) []Frame {
	out := make([]Frame, 0, len(frames))
	seen := make(map[fingerprint.PDQHash]struct{}, len(frames))
	for _, f := range frames {
		if f.Quality < minQuality {
			continue
		}
		if _, dup := seen[f.PDQ]; dup {
			continue
		}
		seen[f.PDQ] = struct{}{}
		out = append(out, f)
	}
	return out
}

func countMatched(a, b []fingerprint.PDQHash, maxDist int) int {
	n := 0
	for _, x := range a {
		for _, y := range b {
			if x.Distance(y) <= maxDist {
				n++
				break
			}
		}
	}
	return n
}
