package edge

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint/video"
	"github.com/hashgate/hashgate/internal/testenv"
	"github.com/hashgate/hashgate/match"
)

// padMP4 appends a top-level "free" box of n bytes to an MP4: FFmpeg skips
// it, so the video hashes the same but its bytes (and digests) grow.
func padMP4(mp4 []byte, n int) []byte {
	out := make([]byte, 0, len(mp4)+n)
	out = append(out, mp4...)
	out = binary.BigEndian.AppendUint32(out, uint32(n))
	out = append(out, "free"...)
	return append(out, make([]byte, n-8)...)
}

// chunked hides a body's length, so the client sends it chunked.
type chunked struct{ io.Reader }

func doChunked(t *testing.T, url string, body []byte, ctype string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", url, chunked{bytes.NewReader(body)})
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestVideoStreamed: video bodies (and video parts of multipart bodies)
// far over MaxBodyBytes stream to a spool file as they arrive, with or
// without a Content-Length, are matched, and reach the origin byte for
// byte from the spool; the edge's heap does not grow by the body's size;
// what is not a video keeps MaxBodyBytes.
func TestVideoStreamed(t *testing.T) {
	vdir := filepath.Join(testenv.VPDQDir(t), "videos")
	// A short listed video (5 hashed frames), so the decodes are quick.
	orig := mustRead(t, filepath.Join(vdir, "test-padded-dimensions.mp4"))
	grey := mustRead(t, filepath.Join(vdir, "pattern-sd-grey-bar.mp4"))
	huge := padMP4(grey, 24<<20) // for the heap check
	clean := padMP4(grey, 1<<20)
	spool := t.TempDir()
	o := startOrigin(t)
	cfg := testConfig()
	cfg.MaxBodyBytes = 32 << 10 // every video here is over it
	cfg.Origin = o.URL
	cfg.UploadPaths = []string{"/upload/**"}
	cfg.Video.TempDir = spool
	e := startEdge(t, cfg)
	e.Load(videoSnapshot(t, 1, nil, referenceVideo(t, "test-padded-dimensions", "listed")))

	// Scan mode, the heap measured around one 24 MiB upload.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	resp, body := do(t, "POST", e.url+"/v1/scan", huge, "Content-Type", "video/mp4")
	runtime.ReadMemStats(&after)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"match":false`) {
		t.Fatalf("clean 24 MiB video = %d %s", resp.StatusCode, body)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > uint64(len(huge))/3 {
		t.Errorf("the edge allocated %d MiB for a %d MiB video: the body was buffered", grew>>20, len(huge)>>20)
	} else {
		t.Logf("allocated %.1f MiB for a %d MiB video", float64(grew)/(1<<20), len(huge)>>20)
	}
	emptyDir(t, spool)
	resp, body = doChunked(t, e.url+"/v1/scan", orig, "video/mp4")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"match":true`) {
		t.Fatalf("chunked listed video = %d %s", resp.StatusCode, body)
	}
	mp, ct := multipartBody(t, map[string]string{"title": "t"}, map[string][]byte{"v.mp4": orig})
	resp, body = doChunked(t, e.url+"/v1/scan", mp, ct)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"match":true`) {
		t.Fatalf("chunked multipart listed video = %d %s", resp.StatusCode, body)
	}
	emptyDir(t, spool)

	// Proxy mode.
	if resp, body := do(t, "POST", e.url+"/upload/a", orig, "Content-Type", "video/mp4"); resp.StatusCode != 451 {
		t.Fatalf("listed video via the proxy = %d %s", resp.StatusCode, body)
	}
	mp, ct = multipartBody(t, map[string]string{"title": "t"}, map[string][]byte{"v.mp4": orig})
	if resp, body := do(t, "POST", e.url+"/upload/form", mp, "Content-Type", ct); resp.StatusCode != 451 {
		t.Fatalf("listed video in a form via the proxy = %d %s", resp.StatusCode, body)
	}
	if n := len(o.requests()); n != 0 {
		t.Fatalf("the origin received %d listed uploads", n)
	}
	for _, tc := range []struct {
		name  string
		body  []byte
		ctype string
		send  func(*testing.T, string, []byte, string) (*http.Response, []byte)
	}{
		{"clean video", clean, "video/mp4", func(t *testing.T, u string, b []byte, ct string) (*http.Response, []byte) {
			return do(t, "POST", u, b, "Content-Type", ct)
		}},
		{"clean video, chunked", clean, "video/mp4", doChunked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := len(o.requests())
			resp, body := tc.send(t, e.url+"/upload/clean", tc.body, tc.ctype)
			reqs := o.requests()
			if resp.StatusCode != 201 || len(reqs) != n+1 || !bytes.Equal(reqs[n].body, tc.body) {
				t.Fatalf("status %d %s; the origin did not get the body intact", resp.StatusCode, body)
			}
			emptyDir(t, spool)
		})
	}
	mp, ct = multipartBody(t, map[string]string{"title": "t"}, map[string][]byte{"clean.mp4": clean})
	n := len(o.requests())
	if resp, body := do(t, "POST", e.url+"/upload/form", mp, "Content-Type", ct); resp.StatusCode != 201 ||
		!bytes.Equal(o.requests()[n].body, mp) {
		t.Fatalf("clean video in a form = %d %s; the origin did not get the body intact", resp.StatusCode, body)
	}

	// What is not a video keeps MaxBodyBytes, inside a form too.
	big := bytes.Repeat([]byte("not a video "), 4_000)
	resp, body = refusedUpload(t, e.addr, big, "application/octet-stream", false)
	wantError(t, resp, body, 413, CodeBodyTooLarge)
	mp, ct = multipartBody(t, nil, map[string][]byte{"v.mp4": orig, "notes.txt": big})
	resp, body = do(t, "POST", e.url+"/v1/scan", mp, "Content-Type", ct)
	wantError(t, resp, body, 413, CodeBodyTooLarge)
	emptyDir(t, spool)
}

// refusedUpload posts body to /v1/scan over a raw connection and reads the
// answer while still writing: the edge answers a body over a limit before
// it has all of it and closes, which an http.Client reports as a reset.
func refusedUpload(t *testing.T, addr string, body []byte, ctype string, chunk bool) (*http.Response, []byte) {
	t.Helper()
	// A body refused by its announced length is answered and the
	// connection closed at once; on a busy machine the close's reset can
	// reach this client before it reads the answer (lingerClose). Only
	// then, try again.
	for try := 1; ; try++ {
		resp, b, err := refusedUploadOnce(t, addr, body, ctype, chunk)
		if err == nil {
			return resp, b
		}
		if chunk || !errors.Is(err, syscall.ECONNRESET) || try == 5 {
			t.Fatal(err)
		}
	}
}

func refusedUploadOnce(t *testing.T, addr string, body []byte, ctype string, chunk bool) (*http.Response, []byte, error) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	go func() {
		hdr := "POST /v1/scan HTTP/1.1\r\nHost: x\r\nContent-Type: " + ctype + "\r\n"
		if chunk {
			c.Write([]byte(hdr + "Transfer-Encoding: chunked\r\n\r\n"))
			for b := body; len(b) > 0; {
				n := min(len(b), 64<<10)
				if _, err := c.Write([]byte(strconv.FormatInt(int64(n), 16) + "\r\n" + string(b[:n]) + "\r\n")); err != nil {
					return
				}
				b = b[n:]
			}
			c.Write([]byte("0\r\n\r\n"))
			return
		}
		c.Write([]byte(hdr + "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"))
		c.Write(body)
	}()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b, nil
}

// TestVideoSpoolLimits: a video over Video.MaxBytes is refused as it
// streams (with or without a Content-Length), uploads beyond the spool
// budget get 503 busy, and an error names no path of the edge's machine.
func TestVideoSpoolLimits(t *testing.T) {
	vdir := filepath.Join(testenv.VPDQDir(t), "videos")
	orig := mustRead(t, filepath.Join(vdir, "chair-orig-22-sd-bar.mp4"))
	spool := t.TempDir()
	cfg := testConfig()
	cfg.Video.TempDir = spool
	cfg.Video.MaxBytes = 1 << 20
	e := startEdge(t, cfg)
	e.Load(videoSnapshot(t, 1, nil))
	resp, body := refusedUpload(t, e.addr, orig, "video/mp4", false)
	wantError(t, resp, body, 413, CodeVideoTooLarge)
	resp, body = refusedUpload(t, e.addr, orig, "video/mp4", true)
	wantError(t, resp, body, 413, CodeVideoTooLarge)
	mp, ct := multipartBody(t, nil, map[string][]byte{"v.mp4": padMP4(orig, 31<<20)})
	resp, body = refusedUpload(t, e.addr, mp, ct, false)
	wantError(t, resp, body, 413, CodeVideoTooLarge)
	emptyDir(t, spool)

	cfg.Video.MaxBytes = 8 << 20
	cfg.Video.SpoolBytes = 1 << 20
	e2 := startEdge(t, cfg)
	e2.Load(videoSnapshot(t, 1, nil))
	resp, body = do(t, "POST", e2.url+"/v1/scan", orig, "Content-Type", "video/mp4")
	wantError(t, resp, body, 503, CodeBusy)
	emptyDir(t, spool)
	if got := e2.video.spooled.Load(); got != 0 {
		t.Errorf("%d spool bytes still counted", got)
	}

	// FFmpeg's stderr names the spool file; the client is not told it.
	noMoov := append(append([]byte(nil), orig[:32]...), orig[25682:25682+300_000]...)
	resp, body = do(t, "POST", e2.url+"/v1/scan", noMoov, "Content-Type", "video/mp4")
	wantError(t, resp, body, 415, CodeNotVideo)
	if bytes.Contains(body, []byte(spool)) || bytes.Contains(body, []byte("hashgate-upload")) || bytes.Contains(body, []byte("ffmpeg:")) {
		t.Errorf("the answer names the spool: %s", body)
	}
	if !strings.Contains(e2.logs.String(), "hashgate-upload") {
		t.Errorf("the log does not keep FFmpeg's words: %s", e2.logs.String())
	}
}

// FuzzCheckFramingReader: the streaming framing check of spooled bodies
// agrees with the in-memory one on every body and boundary.
func FuzzCheckFramingReader(f *testing.F) {
	f.Add("XyZ", []byte("--XyZ\r\n\r\nx\r\n--XyZ--\r\n"))
	f.Add("XyZ", []byte("--XyZ--"))
	f.Add("XyZ", []byte("pre--XyZ\r\n\r\nx\r\n--XyZ--\r\n"))
	f.Add("XyZ", []byte("--XyZ\r\n\r\nx\r\n--XyZ--\r\nepilogue"))
	f.Add("a b", []byte("--a b\r\n\r\n--a b--"))
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		if boundary == "" {
			return
		}
		mem := checkFraming(body, boundary)
		// One byte a read, so every window edge is crossed.
		str := checkFramingReader(&oneByte{body}, boundary)
		if (mem == nil) != (str == nil) {
			t.Fatalf("in memory: %v; streamed: %v", mem, str)
		}
		if str != nil && errors.Is(str, io.ErrUnexpectedEOF) {
			t.Fatalf("streamed: %v", str)
		}
	})
}

type oneByte struct{ b []byte }

func (r *oneByte) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.b[0]
	r.b = r.b[1:]
	return 1, nil
}

// TestAnimatedGIF: an animated GIF is matched by its vPDQ (a listed
// video's scaled copy made a GIF), besides its first frame's image
// hashes; a still GIF is not sent to FFmpeg; without FFmpeg an animated
// GIF is still scanned as an image.
func TestAnimatedGIF(t *testing.T) {
	vdir := filepath.Join(testenv.VPDQDir(t), "videos")
	work := t.TempDir()
	src := filepath.Join(vdir, "pattern-sd-grey-bar.mp4")
	gifOf := func(name string, width int) []byte {
		return ffmpegTo(t, filepath.Join(work, name), "-i", src, "-t", "3",
			"-vf", "fps=5,scale="+strconv.Itoa(width)+":-1,split[a][b];[a]palettegen[p];[b][p]paletteuse")
	}
	listedGIF := gifOf("listed.gif", 240)
	upload := gifOf("upload.gif", 180)
	res, err := video.HashFile(context.Background(), filepath.Join(work, "listed.gif"), video.Options{})
	if err != nil {
		t.Fatal(err)
	}
	listed := match.Video{ID: "listed-gif", Labels: []string{"gif-listed"}, Source: "gifct"}
	for _, f := range res.Frames {
		listed.Frames = append(listed.Frames, match.Frame{PDQ: f.PDQ, Quality: f.Quality, Timestamp: time.Duration(f.Timestamp * float64(time.Second))})
	}
	still := ffmpegTo(t, filepath.Join(work, "still.gif"), "-i", filepath.Join(work, "upload.gif"), "-frames:v", "1")

	spool := t.TempDir()
	cfg := testConfig()
	cfg.Video.TempDir = spool
	e := startEdge(t, cfg)
	e.Load(videoSnapshot(t, 1, nil, listed))
	resp, body := do(t, "POST", e.url+"/v1/scan", upload, "Content-Type", "image/gif")
	var v videoVerdict
	if err := json.Unmarshal(body, &v); err != nil || resp.StatusCode != 200 || !v.Match || v.Matches[0].Video == nil ||
		v.Matches[0].Video.ID != "listed-gif" {
		t.Fatalf("animated GIF = %d %s", resp.StatusCode, body)
	}
	emptyDir(t, spool)
	before := strings.Count(e.logs.String(), "video scanned")
	resp, body = do(t, "POST", e.url+"/v1/scan", still, "Content-Type", "image/gif")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"match":false`) ||
		strings.Count(e.logs.String(), "video scanned") != before {
		t.Fatalf("still GIF = %d %s (or it went to FFmpeg)", resp.StatusCode, body)
	}

	cfg.Video.FFmpeg = filepath.Join(work, "no-ffmpeg")
	e2 := startEdge(t, cfg)
	e2.Load(videoSnapshot(t, 1, []match.Entry{listedEntry(t, listedGIF, "first-frame")}, listed))
	resp, body = do(t, "POST", e2.url+"/v1/scan", listedGIF, "Content-Type", "image/gif")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "first-frame") || strings.Contains(string(body), "listed-gif") {
		t.Fatalf("animated GIF without FFmpeg = %d %s", resp.StatusCode, body)
	}
}

// TestRefusedBodyLingers: a client still sending a body that the edge
// refused part-way (a chunked body, so no length announced it) gets the
// answer, not a connection reset. It reads only after it has sent
// everything, as a slow client would; an edge that closed at once would
// have reset the connection by then, and the kernel drops the unread
// answer on a reset.
func TestRefusedBodyLingers(t *testing.T) {
	cfg := testConfig()
	cfg.MaxBodyBytes = 1 << 20
	cfg.Video.MaxBytes = 1 << 20
	e := startEdge(t, cfg)
	e.Load(videoSnapshot(t, 1, nil))
	for _, tc := range []struct {
		name string
		head []byte
		code string
	}{
		{"image body", []byte("\xff\xd8\xff\xe0"), CodeBodyTooLarge},
		{"video body", []byte("\x00\x00\x00\x18ftypmp42"), CodeVideoTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := append(append([]byte(nil), tc.head...), make([]byte, 6<<20)...)
			c, err := net.Dial("tcp", e.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			var req bytes.Buffer
			req.WriteString("POST /v1/scan HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
			for b := body; len(b) > 0; {
				n := min(len(b), 64<<10)
				req.WriteString(strconv.FormatInt(int64(n), 16) + "\r\n")
				req.Write(b[:n])
				req.WriteString("\r\n")
				b = b[n:]
			}
			req.WriteString("0\r\n\r\n")
			if _, err := c.Write(req.Bytes()); err != nil {
				t.Fatalf("the edge stopped reading the body: %v", err)
			}
			time.Sleep(200 * time.Millisecond)
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			wantError(t, resp, b, 413, tc.code)
		})
	}
}
