package edge

import (
	"bytes"
	"crypto/md5"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/video"
	"github.com/hashgate/hashgate/internal/testenv"
	"github.com/hashgate/hashgate/match"
)

// referenceVideo is a listed video made from the reference tool's own
// hashes of a sample (expected-here-1fps): the edge then has to agree with
// Meta's vpdq-hash-video, not only with itself.
func referenceVideo(t *testing.T, name string, labels ...string) match.Video {
	t.Helper()
	f, err := os.Open(filepath.Join(testenv.VPDQDir(t), "expected-here-1fps", name+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	frames, err := video.ReadVPDQ(f, 0)
	if err != nil {
		t.Fatal(err)
	}
	v := match.Video{ID: name, Labels: labels, Source: "gifct"}
	for _, fr := range frames {
		v.Frames = append(v.Frames, match.Frame{PDQ: fr.PDQ, Quality: fr.Quality, Timestamp: time.Duration(fr.Timestamp * float64(time.Second))})
	}
	return v
}

// videoSnapshot indexes entries and videos.
func videoSnapshot(t *testing.T, version uint64, entries []match.Entry, videos ...match.Video) *Snapshot {
	t.Helper()
	b, err := match.NewBuilder(match.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := b.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range videos {
		if err := b.AddVideo(v); err != nil {
			t.Fatal(err)
		}
	}
	ix, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return &Snapshot{Version: version, Created: time.Now(), Expires: time.Now().Add(time.Hour),
		Manifest: []byte("{}"), Signature: []byte("sig"), Index: ix}
}

// ffmpegTo runs ffmpeg with args, writing out, and returns out's bytes.
func ffmpegTo(t *testing.T, out string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("ffmpeg", append(append([]string{"-hide_banner", "-loglevel", "error", "-y", "-nostdin"}, args...), out)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, b)
	}
	return mustRead(t, out)
}

func emptyDir(t *testing.T, dir string) {
	t.Helper()
	// The temporary copy is removed before the answer is written; allow
	// the handler's deferred removal a moment after a disconnect.
	deadline := time.Now().Add(3 * time.Second)
	for {
		left, _ := os.ReadDir(dir)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d temporary files outlived their request: %v", len(left), left[0].Name())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type videoVerdict struct {
	Match   bool `json:"match"`
	Matches []struct {
		Kind   string   `json:"kind"`
		Labels []string `json:"labels"`
		Video  *struct {
			ID            string       `json:"id"`
			Rule          string       `json:"rule"`
			UploadPercent float64      `json:"upload_percent"`
			ListedPercent float64      `json:"listed_percent"`
			Ranges        [][2]float64 `json:"ranges"`
		} `json:"video"`
	} `json:"matches"`
}

// TestProxyVideos runs a real edge in proxy mode with real FFmpeg in front
// of a recording origin: listed videos and their edits are refused with
// 451, a clean video is forwarded byte for byte, and bad inputs get clear
// codes, leave no temporary file and reach no origin.
func TestProxyVideos(t *testing.T) {
	vdir := filepath.Join(testenv.VPDQDir(t), "videos")
	work := t.TempDir()
	spool := t.TempDir()
	orig := mustRead(t, filepath.Join(vdir, "chair-orig-22-sd-bar.mp4"))
	// A re-encoded, scaled copy, made here.
	copyMP4 := ffmpegTo(t, filepath.Join(work, "copy.mp4"), "-i", filepath.Join(vdir, "chair-orig-22-sd-bar.mp4"),
		"-vf", "scale=360:-2", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "30", "-an")
	clean := mustRead(t, filepath.Join(vdir, "pattern-sd-grey-bar.mp4"))
	doorknob := mustRead(t, filepath.Join(vdir, "doorknob-hd-no-bar.mp4"))
	audio := ffmpegTo(t, filepath.Join(work, "audio.m4a"), "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "aac")
	noMoov := append(append([]byte(nil), orig[:32]...), orig[25682:25682+300_000]...) // ftyp, then mdat: the moov box cut out

	o := startOrigin(t)
	cfg := testConfig()
	cfg.Origin = o.URL
	cfg.UploadPaths = []string{"/upload/**"}
	cfg.Video.TempDir = spool
	e := startEdge(t, cfg)
	// chair-orig is listed by the reference's own vPDQ; doorknob by its MD5
	// alone (a video_md5 entry).
	dmd5 := md5.Sum(doorknob)
	e.Load(videoSnapshot(t, 7, []match.Entry{{Kind: fingerprint.KindMD5, MD5: dmd5, Labels: []string{"md5-listed"}, Source: "tat"}},
		referenceVideo(t, "chair-orig-22-sd-bar", "gifct:graphic-violence")))

	for _, tc := range []struct {
		name  string
		body  []byte
		ctype string
		label string
	}{
		{"listed video", orig, "video/mp4", "gifct:graphic-violence"},
		{"re-encoded scaled copy", copyMP4, "application/octet-stream", "gifct:graphic-violence"},
		{"Meta's grey edit", mustRead(t, filepath.Join(vdir, "chair-22-sd-grey-bar.mp4")), "video/mp4", "gifct:graphic-violence"},
		{"listed by MD5", doorknob, "video/mp4", "md5-listed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, "POST", e.url+"/upload/v", tc.body, "Content-Type", tc.ctype)
			if resp.StatusCode != 451 || !strings.Contains(string(body), tc.label) {
				t.Fatalf("status %d %s, want 451 naming %s", resp.StatusCode, body, tc.label)
			}
			emptyDir(t, spool)
		})
	}
	if n := len(o.requests()); n != 0 {
		t.Fatalf("the origin received %d listed videos", n)
	}
	// The same copy inside a multipart form, beside a text field.
	mp, ct := multipartBody(t, map[string]string{"title": "my holiday"}, map[string][]byte{"holiday.mp4": copyMP4})
	if resp, body := do(t, "POST", e.url+"/upload/form", mp, "Content-Type", ct); resp.StatusCode != 451 {
		t.Fatalf("multipart copy = %d %s", resp.StatusCode, body)
	}

	// A clean video reaches the origin byte for byte.
	resp, body := do(t, "POST", e.url+"/upload/clean?x=1", clean, "Content-Type", "video/mp4")
	if resp.StatusCode != 201 || string(body) != "origin says hi" {
		t.Fatalf("clean video = %d %s", resp.StatusCode, body)
	}
	if reqs := o.requests(); len(reqs) != 1 || !bytes.Equal(reqs[0].body, clean) || reqs[0].uri != "/upload/clean?x=1" {
		t.Fatalf("origin got %d requests, want the clean video intact", len(reqs))
	}

	for _, tc := range []struct {
		name   string
		body   []byte
		ctype  string
		status int
		code   string
	}{
		{"truncated MP4 without moov", noMoov, "video/mp4", 415, CodeNotVideo},
		{"ZIP named .mp4", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00 a zip archive, not a video"), "video/mp4", 415, CodeUnsupportedMedia},
		{"audio only", audio, "video/mp4", 415, CodeNotVideo},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, "POST", e.url+"/upload/bad", tc.body, "Content-Type", tc.ctype)
			wantError(t, resp, body, tc.status, tc.code)
			emptyDir(t, spool)
		})
	}
	if n := len(o.requests()); n != 1 {
		t.Fatalf("the origin received %d refused uploads", n-1)
	}

	// /v1/scan answers the matched video by name, with both percentages
	// and the matched time ranges of the upload.
	resp, body = do(t, "POST", e.url+"/v1/scan", copyMP4, "Content-Type", "video/mp4")
	var v videoVerdict
	if err := json.Unmarshal(body, &v); err != nil || resp.StatusCode != 200 || !v.Match || len(v.Matches) != 1 || v.Matches[0].Video == nil {
		t.Fatalf("scan = %d %s (%v)", resp.StatusCode, body, err)
	}
	m := v.Matches[0]
	if m.Kind != "vpdq" || m.Video.ID != "chair-orig-22-sd-bar" || m.Video.Rule != "whole+contains" ||
		m.Video.UploadPercent < 80 || m.Video.ListedPercent < 80 || len(m.Video.Ranges) == 0 || m.Video.Ranges[0][1] < 15 {
		t.Errorf("scan match %+v", *m.Video)
	}
	if resp, body := do(t, "POST", e.url+"/v1/scan", []byte{}, "Content-Type", "video/mp4"); resp.StatusCode != 400 {
		t.Errorf("zero bytes = %d %s, want 400", resp.StatusCode, body)
	}
	emptyDir(t, spool)
}

// TestVideoLimits: a decode over its wall time is killed and answered 503
// video_timeout; a video over the duration limit is refused from its header.
func TestVideoLimits(t *testing.T) {
	vdir := filepath.Join(testenv.VPDQDir(t), "videos")
	orig := mustRead(t, filepath.Join(vdir, "chair-orig-22-sd-bar.mp4"))
	spool := t.TempDir()
	cfg := testConfig()
	cfg.Video.TempDir = spool
	cfg.Video.Timeout = 150 * time.Millisecond
	e := startEdge(t, cfg)
	e.Load(videoSnapshot(t, 1, nil))
	resp, body := do(t, "POST", e.url+"/v1/scan", orig, "Content-Type", "video/mp4")
	wantError(t, resp, body, 503, CodeVideoTimeout)
	emptyDir(t, spool)

	cfg.Video.Timeout = time.Minute
	cfg.Video.MaxDuration = 10 * time.Second
	e2 := startEdge(t, cfg)
	e2.Load(videoSnapshot(t, 1, nil))
	resp, body = do(t, "POST", e2.url+"/v1/scan", orig, "Content-Type", "video/mp4")
	wantError(t, resp, body, 413, CodeVideoTooLong)
	emptyDir(t, spool)
}

// TestVideoClientGone: a client that hangs up while its video is decoded
// stops the decode, and one that hangs up mid-upload leaves nothing
// behind; the edge stays up.
func TestVideoClientGone(t *testing.T) {
	vdir := filepath.Join(testenv.VPDQDir(t), "videos")
	long := mustRead(t, filepath.Join(vdir, "chair-22-with-large-logo-bar.mp4"))
	spool := t.TempDir()
	cfg := testConfig()
	cfg.Video.TempDir = spool
	cfg.ReadTimeout = 10 * time.Second
	e := startEdge(t, cfg)
	e.Load(videoSnapshot(t, 1, nil))
	send := func(body []byte, n int) {
		c, err := net.Dial("tcp", e.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		hdr := "POST /v1/scan HTTP/1.1\r\nHost: x\r\nContent-Type: video/mp4\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
		if _, err := c.Write(append([]byte(hdr), body[:n]...)); err != nil {
			t.Fatal(err)
		}
		if n == len(body) {
			// Wait until the decode is under way (its copy is spooled).
			deadline := time.Now().Add(5 * time.Second)
			for {
				if left, _ := os.ReadDir(spool); len(left) > 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the decode never started")
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
	}
	start := time.Now()
	send(long, len(long))
	emptyDir(t, spool)
	if !strings.Contains(e.logs.String(), "client closed the connection") {
		t.Errorf("the decode was not cancelled by the hang-up (logs: %s)", e.logs.String())
	}
	t.Logf("decode stopped %v after the request", time.Since(start).Round(time.Millisecond))
	send(long, len(long)/2)
	emptyDir(t, spool)
	if resp, _ := do(t, "GET", e.url+"/healthz", nil); resp.StatusCode != 200 {
		t.Fatalf("healthz = %d after hang-ups", resp.StatusCode)
	}
}

// TestNoFFmpeg: without FFmpeg the edge says so at start, refuses videos
// with video_unavailable, still matches a listed video's MD5, and scans
// images as usual.
func TestNoFFmpeg(t *testing.T) {
	vdir := filepath.Join(testenv.VPDQDir(t), "videos")
	doorknob := mustRead(t, filepath.Join(vdir, "doorknob-hd-no-bar.mp4"))
	cfg := testConfig()
	cfg.Video.FFmpeg = filepath.Join(t.TempDir(), "no-ffmpeg-here")
	e := startEdge(t, cfg)
	img := encodeJPEG(t, makeImage(5, 400, 300), 90)
	e.Load(videoSnapshot(t, 3, []match.Entry{{Kind: fingerprint.KindMD5, MD5: md5.Sum(doorknob), Source: "tat"}, listedEntry(t, img, "img")}))
	if !strings.Contains(e.logs.String(), "FFmpeg not found") {
		t.Errorf("no warning at start: %s", e.logs.String())
	}
	resp, body := do(t, "POST", e.url+"/v1/scan", mustRead(t, filepath.Join(vdir, "pattern-sd-grey-bar.mp4")), "Content-Type", "video/mp4")
	wantError(t, resp, body, 415, CodeVideoUnavailable)
	resp, body = do(t, "POST", e.url+"/v1/scan", doorknob, "Content-Type", "video/mp4")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"match":true`) {
		t.Errorf("listed MD5 without FFmpeg = %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, "POST", e.url+"/v1/scan", img, "Content-Type", "image/jpeg")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"match":true`) {
		t.Errorf("image without FFmpeg = %d %s", resp.StatusCode, body)
	}
}

// TestVerifyVideo: the browser's local hit sends frame hashes; the edge
// answers the video verdict.
func TestVerifyVideo(t *testing.T) {
	e := startEdge(t, testConfig())
	listed := referenceVideo(t, "chair-orig-22-sd-bar", "tve")
	e.Load(videoSnapshot(t, 2, nil, listed))
	grey := referenceVideo(t, "chair-22-sd-grey-bar")
	body := func(v match.Video) []byte {
		var fs []string
		for _, f := range v.Frames {
			fs = append(fs, f.PDQ.String()+","+strconv.Itoa(f.Quality)+","+video.FormatTimestamp(f.Timestamp.Seconds()))
		}
		b, _ := json.Marshal(map[string]any{"vpdq": fs, "md5": strings.Repeat("0", 32)})
		return b
	}
	resp, b := do(t, "POST", e.url+"/v1/verify", body(grey), "Content-Type", "application/json")
	var v videoVerdict
	if err := json.Unmarshal(b, &v); err != nil || resp.StatusCode != 200 || !v.Match || v.Matches[0].Video.ID != "chair-orig-22-sd-bar" {
		t.Fatalf("verify grey edit = %d %s", resp.StatusCode, b)
	}
	resp, b = do(t, "POST", e.url+"/v1/verify", body(referenceVideo(t, "pattern-sd-grey-bar")), "Content-Type", "application/json")
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"match":false`) {
		t.Fatalf("verify clean = %d %s", resp.StatusCode, b)
	}
	for name, bad := range map[string]string{
		"empty list":    `{"vpdq":[]}`,
		"bad frame":     `{"vpdq":["abc,100,0.0"]}`,
		"with pdq":      `{"vpdq":["` + strings.Repeat("a", 64) + `,100,0"],"pdq":"` + strings.Repeat("a", 64) + `","pdq_quality":90}`,
		"too many":      `{"vpdq":[` + strings.Repeat(`"`+strings.Repeat("a", 64)+`,100,1.0",`, MaxVerifyFrames) + `"` + strings.Repeat("a", 64) + `,100,1.0"]}`,
		"bad quality":   `{"vpdq":["` + strings.Repeat("a", 64) + `,101,0.0"]}`,
		"negative time": `{"vpdq":["` + strings.Repeat("a", 64) + `,100,-1"]}`,
	} {
		resp, b := do(t, "POST", e.url+"/v1/verify", []byte(bad), "Content-Type", "application/json")
		if resp.StatusCode != 400 && resp.StatusCode != 413 {
			t.Errorf("%s: %d %s", name, resp.StatusCode, b)
		}
	}
}

// TestScanTrimmedVideo: a live edge lists Meta's pattern video by the
// reference tool's hashes and finds its SD edit inside black bars (Meta's
// pattern-sd-grey-bar), whose raw vPDQ shares no frame with it, by the
// frames' trimmed pictures.
func TestScanTrimmedVideo(t *testing.T) {
	vdir := filepath.Join(testenv.VPDQDir(t), "videos")
	cfg := testConfig()
	cfg.Video.TempDir = t.TempDir()
	e := startEdge(t, cfg)
	e.Load(videoSnapshot(t, 3, nil, referenceVideo(t, "pattern-hd-no-bar", "gifct:violent-propaganda")))
	resp, body := do(t, "POST", e.url+"/v1/scan", mustRead(t, filepath.Join(vdir, "pattern-sd-grey-bar.mp4")), "Content-Type", "video/mp4")
	var v videoVerdict
	if err := json.Unmarshal(body, &v); err != nil || resp.StatusCode != 200 || !v.Match || len(v.Matches) != 1 || v.Matches[0].Video == nil {
		t.Fatalf("scan = %d %s (%v), want one video match", resp.StatusCode, body, err)
	}
	if m := v.Matches[0].Video; m.ID != "pattern-hd-no-bar" || m.UploadPercent < 80 {
		t.Errorf("scan match %+v", *m)
	}
	// Doorknob, with no bars and unlisted, stays clean.
	resp, body = do(t, "POST", e.url+"/v1/scan", mustRead(t, filepath.Join(vdir, "doorknob-hd-no-bar.mp4")), "Content-Type", "video/mp4")
	if err := json.Unmarshal(body, &v); err != nil || resp.StatusCode != 200 || v.Match {
		t.Fatalf("clean scan = %d %s (%v)", resp.StatusCode, body, err)
	}
}
