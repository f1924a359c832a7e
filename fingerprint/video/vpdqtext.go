package video

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	"github.com/hashgate/hashgate/fingerprint"
)

// This file reads and writes the text format of Meta's vpdq-hash-video:
// one line per hashed frame,
//
//	frame_number,quality,pdq_hex,timestamp_seconds
//
// e.g. "30,100,df83…8154,1.000": the frame number and quality in decimal,
// the PDQ as 64 lowercase hex digits, the timestamp with 3 decimals.

// maxLine bounds one line (a valid one is under 100 bytes).
const maxLine = 1024

// WriteVPDQ writes frames in the reference's text format.
func WriteVPDQ(w io.Writer, frames []Frame) error {
	bw := bufio.NewWriter(w)
	line := make([]byte, 0, 100)
	for _, f := range frames {
		line = line[:0]
		line = strconv.AppendInt(line, int64(f.Number), 10)
		line = append(line, ',')
		line = strconv.AppendInt(line, int64(f.Quality), 10)
		line = append(line, ',')
		line = append(line, f.PDQ.String()...)
		line = append(line, ',')
		line = appendTimestamp(line, f.Timestamp)
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ReadVPDQ parses the reference's text format. Empty lines are skipped;
// any other malformed line is an ErrMalformed naming its line number.
// maxFrames bounds the result (0: DefaultMaxFrames).
func ReadVPDQ(r io.Reader, maxFrames int) ([]Frame, error) {
	if maxFrames <= 0 {
		maxFrames = DefaultMaxFrames
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), maxLine)
	var frames []Frame
	for ln := 1; sc.Scan(); ln++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		f, err := ParseVPDQLine(s)
		if err != nil {
			return nil, errorf(ErrMalformed, "line "+strconv.Itoa(ln), err)
		}
		if len(frames) == maxFrames {
			return nil, errorf(ErrTooManyFrames, "over "+strconv.Itoa(maxFrames)+" frames", nil)
		}
		frames = append(frames, f)
	}
	if err := sc.Err(); err != nil {
		return nil, errorf(ErrMalformed, "reading", err)
	}
	return frames, nil
}

// ParseVPDQLine parses one "frame,quality,hex,timestamp" line.
func ParseVPDQLine(s string) (Frame, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return Frame{}, errorf(ErrMalformed, "want 4 comma-separated fields, got "+strconv.Itoa(len(parts)), nil)
	}
	n, err := strconv.Atoi(parts[0])
	if err != nil || n < 0 {
		return Frame{}, errorf(ErrMalformed, "frame number "+strconv.Quote(parts[0]), nil)
	}
	q, err := strconv.Atoi(parts[1])
	if err != nil || q < 0 || q > 100 {
		return Frame{}, errorf(ErrMalformed, "quality "+strconv.Quote(parts[1]), nil)
	}
	h, err := fingerprint.ParsePDQ(parts[2])
	if err != nil {
		return Frame{}, errorf(ErrMalformed, "pdq", err)
	}
	ts, err := strconv.ParseFloat(parts[3], 64)
	if err != nil || ts < 0 || ts > 1e9 {
		return Frame{}, errorf(ErrMalformed, "timestamp "+strconv.Quote(parts[3]), nil)
	}
	return Frame{Number: n, Quality: q, PDQ: h, Timestamp: ts}, nil
}

// FormatTimestamp prints seconds as the reference does: 3 decimals.
func FormatTimestamp(seconds float64) string { return string(appendTimestamp(nil, seconds)) }

func appendTimestamp(b []byte, seconds float64) []byte {
	return strconv.AppendFloat(b, seconds, 'f', 3, 64)
}
