package hashlist

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/video"
	"github.com/hashgate/hashgate/release"
)

// Videos (vpdq) come in three forms:
//
//   - python-threatexchange signal files: "vpdq <JSON list of
//     "pdq_hex,quality,timestamp" strings>" (VpdqCompactFeature's form; the
//     timestamp in seconds, any float syntax Python's float() prints),
//     or the same with a tab and a labels column;
//   - CSV rows with signal_type vpdq, that JSON list in the signal column
//     and, optionally, the video's name in an id column;
//   - Meta's per-video files from vpdq-hash-video, one
//     "frame,quality,pdq_hex,timestamp" line per hashed frame; the file's
//     base name without its extension is the video's id.
//
// A video keeps its distinct frame hashes of quality >= MinPDQQuality
// (all of them with KeepLowQuality), in time order. A video without an id
// is named by release.DefaultVideoID.

// maxVideoJSON bounds a JSON frame list: 1<<16 frames of about 80 bytes.
const maxVideoJSON = 6 << 20

// VideoFrames converts fingerprint/video frames to a list entry's, for
// hashing media.
func VideoFrames(frames []video.Frame) []release.VideoFrame {
	out := make([]release.VideoFrame, 0, len(frames))
	for _, f := range frames {
		out = append(out, release.VideoFrame{PDQ: f.PDQ, Quality: uint8(min(max(f.Quality, 0), 100)), Millis: millis(f.Timestamp)})
	}
	return out
}

func millis(s float64) uint32 {
	ms, _ := secondsMillis(s)
	return ms
}

// secondsMillis converts a frame timestamp; ok is false unless it is a
// finite time from 0 up to what a uint32 of milliseconds holds.
func secondsMillis(ts float64) (uint32, bool) {
	if !(ts >= 0 && ts*1000 < math.MaxUint32) {
		return 0, false
	}
	return uint32(math.Round(ts * 1000)), true
}

// parseSeconds parses a frame timestamp, as secondsMillis.
func parseSeconds(s string) (uint32, bool) {
	ts, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, false
	}
	return secondsMillis(ts)
}

// parseVideoJSON parses python-threatexchange's vpdq signal string.
func parseVideoJSON(b []byte) ([]release.VideoFrame, string) {
	if len(b) > maxVideoJSON {
		return nil, "vpdq: JSON frame list longer than " + strconv.Itoa(maxVideoJSON) + " bytes"
	}
	var strs []string
	if err := json.Unmarshal(b, &strs); err != nil {
		return nil, "vpdq: want a JSON list of \"pdq_hex,quality,timestamp\" strings"
	}
	if len(strs) > release.MaxVideoFrames {
		return nil, "vpdq: more than " + strconv.Itoa(release.MaxVideoFrames) + " frames"
	}
	frames := make([]release.VideoFrame, 0, len(strs))
	for i, s := range strs {
		p := strings.Split(s, ",")
		if len(p) != 3 {
			return nil, "vpdq: frame " + strconv.Itoa(i) + ": want \"pdq_hex,quality,timestamp\""
		}
		h, err := fingerprint.ParsePDQ(p[0])
		if err != nil {
			return nil, "vpdq: frame " + strconv.Itoa(i) + ": bad PDQ hex"
		}
		q, err := strconv.Atoi(p[1])
		if err != nil || q < 0 || q > 100 {
			return nil, "vpdq: frame " + strconv.Itoa(i) + ": quality " + strconv.Quote(trunc(p[1])) + " is not 0-100"
		}
		ms, ok := parseSeconds(p[2])
		if !ok {
			return nil, "vpdq: frame " + strconv.Itoa(i) + ": bad timestamp " + strconv.Quote(trunc(p[2]))
		}
		frames = append(frames, release.VideoFrame{PDQ: h, Quality: uint8(q), Millis: ms})
	}
	return frames, ""
}

// AppendVideo adds a video (e.g. from hashing media) under the reading
// rules of o: low-quality frames dropped, repeats removed, time order. It
// returns false, and counts the video in LowQualityVideos, when no frame
// is left.
func (l *List) AppendVideo(id string, frames []release.VideoFrame, labels []string, source string, added time.Time, o Options) (bool, error) {
	return l.addVideo(id, frames, labels, source, added, "", 0, o)
}

// addVideo filters frames and adds the video; a problem is reported
// against name:line.
func (l *List) addVideo(id string, frames []release.VideoFrame, labels []string, source string,
	added time.Time, name string, line int, o Options) (bool, error) {
	if o.MinPDQQuality == 0 {
		o.MinPDQQuality = DefaultMinPDQQuality
	}
	if len(frames) == 0 {
		return false, l.problem(name, line, o, "vpdq: a video without frames")
	}
	seen := make(map[fingerprint.PDQHash]bool, len(frames))
	keep := make([]release.VideoFrame, 0, len(frames))
	for _, f := range frames {
		if int(f.Quality) < o.MinPDQQuality && !o.KeepLowQuality {
			l.LowQualityFrames++
			continue
		}
		if seen[f.PDQ] {
			continue
		}
		seen[f.PDQ] = true
		keep = append(keep, f)
	}
	slices.SortStableFunc(keep, func(a, b release.VideoFrame) int { return int(int64(a.Millis) - int64(b.Millis)) })
	if len(keep) == 0 {
		l.LowQualityVideos++
		return false, nil
	}
	if len(keep) > release.MaxVideoFrames {
		return false, l.problem(name, line, o, "vpdq: more than "+strconv.Itoa(release.MaxVideoFrames)+" frames")
	}
	if id == "" {
		id = release.DefaultVideoID(keep)
	}
	if len(id) > release.MaxVideoIDLen {
		return false, l.problem(name, line, o, "vpdq: video id longer than "+strconv.Itoa(release.MaxVideoIDLen)+" bytes")
	}
	v, err := release.VideoValue(id, keep)
	if err != nil {
		return false, l.problem(name, line, o, err.Error())
	}
	if added.IsZero() {
		added = o.Added
	}
	if source == "" {
		source = o.Source
	}
	l.add(release.ListEntry{Kind: fingerprint.KindVPDQ, Value: v, Labels: labels, Source: source, Added: added})
	return true, nil
}

// addVideoJSON adds a pytx signal line's or CSV row's video.
func (l *List) addVideoJSON(value []byte, id string, labels []string, source string, added time.Time, name string, line int, o Options) error {
	frames, msg := parseVideoJSON(bytes.TrimSpace(value))
	if msg != "" {
		return l.problem(name, line, o, msg)
	}
	_, err := l.addVideo(id, frames, labels, source, added, name, line, o)
	return err
}

// isMetaVPDQ reports whether the first content line of head is a
// vpdq-hash-video line.
func isMetaVPDQ(head []byte) bool {
	for _, line := range strings.Split(string(head), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		_, err := video.ParseVPDQLine(line)
		return err == nil
	}
	return false
}

// addMetaVPDQ reads one vpdq-hash-video file as one video.
func (l *List) addMetaVPDQ(r io.Reader, name string, o Options) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 4096)
	var frames []release.VideoFrame
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		f, err := video.ParseVPDQLine(s)
		if err != nil {
			if perr := l.problem(name, line, o, err.Error()); perr != nil {
				return perr
			}
			continue
		}
		ms, ok := secondsMillis(f.Timestamp)
		if !ok {
			if perr := l.problem(name, line, o, "vpdq: timestamp out of range"); perr != nil {
				return perr
			}
			continue
		}
		if len(frames) == release.MaxVideoFrames {
			return l.problem(name, line, o, "vpdq: more than "+strconv.Itoa(release.MaxVideoFrames)+" frames")
		}
		frames = append(frames, release.VideoFrame{PDQ: f.PDQ, Quality: uint8(f.Quality), Millis: ms})
	}
	if err := sc.Err(); err != nil {
		return l.problem(name, line+1, o, "vpdq: "+err.Error())
	}
	id := baseName(name)
	if i := strings.LastIndexByte(id, '.'); i > 0 {
		id = id[:i]
	}
	_, err := l.addVideo(id, frames, nil, "", time.Time{}, name, 1, o)
	return err
}

// videoKey is a vpdq entry's de-duplication key: its value is longer than
// entryKey holds.
func videoKey(value []byte) entryKey {
	var k entryKey
	k[0] = byte(fingerprint.KindVPDQ)
	h := sha256.Sum256(value)
	copy(k[1:], h[:])
	return k
}
