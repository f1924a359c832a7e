package edge

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/match"
)

// Limits of a /v1/verify body that carries a video's frames: a browser
// sends one hash a second, so MaxVerifyFrames is an hour and eight minutes
// of video; a frame string is 64 hex digits and at most 24 more bytes.
const (
	MaxVerifyFrames     = 4096
	MaxVerifyVideoBytes = 4<<10 + MaxVerifyFrames*96
)

// verifyBodyLimit is the body limit of a verify call: MaxVerifyBytes, or
// MaxVerifyVideoBytes for a body whose Content-Length says it may carry a
// video's frames (parseVerify then refuses such a body without vpdq). A
// chunked body has no length to go by and keeps the small limit.
func verifyBodyLimit(ctx *fasthttp.RequestCtx) int {
	if n := ctx.Request.Header.ContentLength(); n > MaxVerifyBytes && n <= MaxVerifyVideoBytes {
		return MaxVerifyVideoBytes
	}
	return MaxVerifyBytes
}

// parseVPDQFrames parses a verify request's vpdq list: each entry
// "pdq_hex,quality,timestamp", quality 0..100, timestamp seconds >= 0.
func parseVPDQFrames(list []string) ([]match.Frame, error) {
	if len(list) == 0 {
		return nil, badVerify("vpdq is empty")
	}
	if len(list) > MaxVerifyFrames {
		return nil, badVerify("vpdq has %d frames, at most %d", len(list), MaxVerifyFrames)
	}
	frames := make([]match.Frame, len(list))
	for i, s := range list {
		p := strings.Split(s, ",")
		if len(p) != 3 {
			return nil, badVerify("vpdq[%d]: want \"pdq_hex,quality,timestamp\"", i)
		}
		h, err := fingerprint.ParsePDQ(p[0])
		if err != nil {
			return nil, badVerify("vpdq[%d]: %w", i, err)
		}
		q, err := strconv.Atoi(p[1])
		if err != nil || q < 0 || q > 100 {
			return nil, badVerify("vpdq[%d]: quality outside 0..100", i)
		}
		ts, err := strconv.ParseFloat(p[2], 64)
		if err != nil || !(ts >= 0 && ts < 1e7) || math.IsInf(ts, 0) {
			return nil, badVerify("vpdq[%d]: bad timestamp", i)
		}
		frames[i] = match.Frame{PDQ: h, Quality: q, Timestamp: time.Duration(math.Round(ts*1000)) * time.Millisecond}
	}
	return frames, nil
}

// verifyVideo matches a browser's frame hashes against the listed videos.
func (s *Server) verifyVideo(snap *Snapshot, frames []match.Frame) []match.VideoResult {
	vi, ok := snap.Index.(videoIndex)
	if !ok {
		return nil
	}
	return vi.MatchVideo(frames).Results
}
