package release

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/internal/wire"
)

// VideoFrame is one frame hash of a listed video (vPDQ).
type VideoFrame struct {
	PDQ     fingerprint.PDQHash
	Quality uint8  // 0..100
	Millis  uint32 // the frame's time from the start of the video
}

// Limits of a video entry's value.
const (
	// MaxVideoFrames bounds one listed video: 18 hours at one frame hash
	// a second.
	MaxVideoFrames = 1 << 16
	// MaxVideoIDLen bounds a video's id.
	MaxVideoIDLen  = 256
	videoFrameSize = 32 + 1 + 4
)

// A vpdq entry's Value is its id and its frames:
//
//	idlen      uvarint, <= MaxVideoIDLen, then idlen bytes of UTF-8-agnostic text
//	nframes    uvarint, 1..MaxVideoFrames
//	nframes × (PDQ 32 bytes, quality 1 byte <= 100, milliseconds uint32 big-endian)
//
// Publishers store a video's distinct frame hashes of quality >= 50, in
// time order (release/hashlist does the filtering); the format itself only
// bounds the counts.

// VideoValue encodes a vpdq entry's value.
func VideoValue(id string, frames []VideoFrame) ([]byte, error) {
	if len(id) > MaxVideoIDLen {
		return nil, listErr("video id longer than 256 bytes")
	}
	if len(frames) == 0 || len(frames) > MaxVideoFrames {
		return nil, listErr("video with " + strconv.Itoa(len(frames)) + " frames (want 1.." + strconv.Itoa(MaxVideoFrames) + ")")
	}
	out := make([]byte, 0, 2*binary.MaxVarintLen32+len(id)+len(frames)*videoFrameSize)
	out = binary.AppendUvarint(out, uint64(len(id)))
	out = append(out, id...)
	out = binary.AppendUvarint(out, uint64(len(frames)))
	for _, f := range frames {
		if f.Quality > 100 {
			return nil, listErr("video frame quality above 100")
		}
		out = append(out, f.PDQ[:]...)
		out = append(out, f.Quality)
		out = binary.BigEndian.AppendUint32(out, f.Millis)
	}
	return out, nil
}

// ParseVideoValue decodes a vpdq entry's value. Its errors match ErrList.
func ParseVideoValue(v []byte) (id string, frames []VideoFrame, err error) {
	idv, body, msg := splitVideoValue(v)
	if msg != "" {
		return "", nil, listErr(msg)
	}
	frames = make([]VideoFrame, len(body)/videoFrameSize)
	for i := range frames {
		b := body[i*videoFrameSize:]
		copy(frames[i].PDQ[:], b[:32])
		frames[i].Quality = b[32]
		frames[i].Millis = binary.BigEndian.Uint32(b[33:37])
	}
	return string(idv), frames, nil
}

// VideoID returns a vpdq entry's id without decoding its frames.
func VideoID(v []byte) (string, error) {
	id, _, msg := splitVideoValue(v)
	if msg != "" {
		return "", listErr(msg)
	}
	return string(id), nil
}

// splitVideoValue checks v and returns its id and its frames' bytes, or
// what is wrong with it.
func splitVideoValue(v []byte) (id, frames []byte, msg string) {
	r := &listReader{b: v}
	// minimal: a value has one encoding, so its varints have no
	// redundant continuation bytes (0x80 0x00 is not 0).
	minimal := func(start int, x uint64) bool {
		var buf [binary.MaxVarintLen64]byte
		return r.pos-start == binary.PutUvarint(buf[:], x)
	}
	start := r.pos
	n := r.uvarint()
	if r.err != nil || n > MaxVideoIDLen || !minimal(start, n) {
		return nil, nil, "video value: bad id length"
	}
	id = r.bytes(n)
	start = r.pos
	nf := r.uvarint()
	if r.err != nil || nf == 0 || nf > MaxVideoFrames || !minimal(start, nf) {
		return nil, nil, "video value: bad frame count"
	}
	if uint64(len(v)-r.pos) != nf*videoFrameSize {
		return nil, nil, "video value: " + strconv.Itoa(len(v)-r.pos) + " bytes for " + strconv.FormatUint(nf, 10) + " frames"
	}
	frames = v[r.pos:]
	for i := 0; i < len(frames); i += videoFrameSize {
		if frames[i+32] > 100 {
			return nil, nil, "video value: frame quality above 100"
		}
	}
	return id, frames, ""
}

// DefaultVideoID names a video that came without an id: "vpdq-" and 16 hex
// digits of the SHA-256 of its frames' encoding, so the same frames always
// get the same name.
func DefaultVideoID(frames []VideoFrame) string {
	h := sha256.New()
	var b [videoFrameSize]byte
	for _, f := range frames {
		copy(b[:32], f.PDQ[:])
		b[32] = f.Quality
		binary.BigEndian.PutUint32(b[33:], f.Millis)
		h.Write(b[:])
	}
	return "vpdq-" + wire.HexString(h.Sum(nil)[:8])
}
