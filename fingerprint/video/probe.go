package video

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// Probe is what ffprobe reports about a file, reduced to what hashing
// needs.
type Probe struct {
	Format       string  // demuxer name
	Duration     float64 // seconds; 0 when unknown
	VideoStreams int     // number of video streams
	Stream       Stream  // the first video stream (zero when there is none)
}

// Stream describes the first video stream.
type Stream struct {
	Index        int    // stream index in the container
	Codec        string // e.g. "h264"
	PixFmt       string // e.g. "yuv420p"
	Width        int
	Height       int
	AvgFrameRate Rational
	RFrameRate   Rational
	Duration     float64 // seconds; 0 when unknown
	Frames       int64   // nb_frames from the header; 0 when unknown
	Rotation     int     // degrees from the display matrix; ignored when hashing, as by the reference
}

// Rational is an FFmpeg AVRational.
type Rational struct{ Num, Den int64 }

// Float is Num/Den, 0 when either is 0.
func (r Rational) Float() float64 {
	if r.Num == 0 || r.Den == 0 {
		return 0
	}
	return float64(r.Num) / float64(r.Den)
}

// FPS is the frame rate the reference selects frames by: avg_frame_rate,
// or r_frame_rate when that is 0.
func (s Stream) FPS() float64 {
	if f := s.AvgFrameRate.Float(); f != 0 {
		return f
	}
	return s.RFrameRate.Float()
}

// ffprobe -print_format json -show_format -show_streams, the fields used.
type probeJSON struct {
	Streams []struct {
		Index        int    `json:"index"`
		CodecName    string `json:"codec_name"`
		CodecType    string `json:"codec_type"`
		PixFmt       string `json:"pix_fmt"`
		Width        int    `json:"width"`
		Height       int    `json:"height"`
		RFrameRate   string `json:"r_frame_rate"`
		AvgFrameRate string `json:"avg_frame_rate"`
		Duration     string `json:"duration"`
		NbFrames     string `json:"nb_frames"`
		Disposition  struct {
			AttachedPic int `json:"attached_pic"`
		} `json:"disposition"`
		Tags struct {
			Rotate string `json:"rotate"`
		} `json:"tags"`
		SideData []struct {
			Type     string  `json:"side_data_type"`
			Rotation float64 `json:"rotation"`
		} `json:"side_data_list"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
	} `json:"format"`
}

// ParseProbe reads ffprobe's JSON report. It fails with ErrMalformed on
// anything that is not such a report; a report without a video stream is
// not an error here (VideoStreams is 0).
func ParseProbe(b []byte) (Probe, error) {
	var j probeJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return Probe{}, errorf(ErrMalformed, "ffprobe report", err)
	}
	p := Probe{Format: j.Format.FormatName, Duration: parseSeconds(j.Format.Duration)}
	for _, s := range j.Streams {
		if s.CodecType != "video" {
			continue
		}
		p.VideoStreams++
		if p.VideoStreams > 1 {
			continue
		}
		avg, err := parseRational(s.AvgFrameRate)
		if err != nil {
			return Probe{}, err
		}
		r, err := parseRational(s.RFrameRate)
		if err != nil {
			return Probe{}, err
		}
		if s.Width < 0 || s.Height < 0 {
			return Probe{}, errorf(ErrMalformed, "ffprobe report: negative size", nil)
		}
		st := Stream{
			Index: s.Index, Codec: s.CodecName, PixFmt: s.PixFmt,
			Width: s.Width, Height: s.Height,
			AvgFrameRate: avg, RFrameRate: r,
			Duration: parseSeconds(s.Duration),
		}
		if n, err := strconv.ParseInt(s.NbFrames, 10, 64); err == nil && n > 0 {
			st.Frames = n
		}
		if rot, err := strconv.Atoi(s.Tags.Rotate); err == nil {
			st.Rotation = rot
		}
		for _, sd := range s.SideData {
			if sd.Type == "Display Matrix" && !math.IsNaN(sd.Rotation) {
				st.Rotation = int(sd.Rotation)
			}
		}
		p.Stream = st
	}
	return p, nil
}

// parseRational reads "num/den"; an empty string is 0/0.
func parseRational(s string) (Rational, error) {
	if s == "" {
		return Rational{}, nil
	}
	num, den, ok := strings.Cut(s, "/")
	if !ok {
		den = "1"
	}
	n, err1 := strconv.ParseInt(num, 10, 64)
	d, err2 := strconv.ParseInt(den, 10, 64)
	if err1 != nil || err2 != nil || n < 0 || d < 0 {
		return Rational{}, errorf(ErrMalformed, "ffprobe report: frame rate "+strconv.Quote(s), nil)
	}
	return Rational{n, d}, nil
}

// parseSeconds reads ffprobe's "12.345000"; "N/A", garbage, negative or
// non-finite values are 0 (unknown).
func parseSeconds(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0
	}
	return f
}
