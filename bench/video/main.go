// Command video measures the edge's cost of fingerprinting H.264 video —
// CPU per second of video and peak RSS — against Meta's vpdq-hash-video
// (the peer) in the same run, and checks the two agree hash for hash.
// bench/video.sh runs it; see README (Performance).
//
// Inputs are made at run time from the sample videos (scaled and padded to
// 720p and 1080p, concatenated, the first minute encoded and looped to 3
// minutes; and a 30-minute 720p loop for the RSS check) into a cache folder, never committed. Each
// measurement is a child process — hashgate's in-process HashFile in a
// re-executed copy of this program, the peer as itself — so CPU counts
// the process and every FFmpeg/ffprobe child it waited for (getrusage of
// the waited child), and RSS is the child's own peak.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/hashgate/hashgate/fingerprint/video"
)

func main() {
	os.Exit(run())
}

type workerReport struct {
	SelfCPU, ChildCPU float64 // seconds
	SelfRSS, ChildRSS int64   // KiB, peak
	Frames            int
	Lines             string // the vPDQ text
}

func run() int {
	worker := flag.String("worker", "", "internal: hash this file in-process and print a JSON report")
	threads := flag.Int("threads", 0, "FFmpeg decoder threads for hashgate (0: the package default)")
	cache := flag.String("cache", defaultCache(), "folder for the generated inputs")
	runs := flag.Int("runs", 3, "runs per tool and input (the median is printed)")
	long := flag.Bool("long", true, "also hash a 30-minute 720p input with hashgate (its peak RSS must stay what it is on 3 minutes)")
	short := flag.Bool("short", true, "measure the 3-minute 720p and 1080p inputs against the peer")
	shared := flag.String("shared", "../shared", "folder holding testdata/vpdq and tools/vpdq")
	trim := flag.Bool("trim", true, "hash as the edge scans, with each frame's trimmed picture too (video.Options.Trim)")
	flag.Parse()
	trimFrames = *trim
	if *worker != "" {
		return doWorker(*worker, *threads)
	}
	peer := filepath.Join(*shared, "tools", "vpdq", "vpdq-hash-video")
	if _, err := os.Stat(peer); err != nil {
		fmt.Fprintf(os.Stderr, "video bench: the peer is missing (%v): build Meta's vpdq-hash-video into %s\n", err, filepath.Dir(peer))
		return 1
	}
	if err := os.MkdirAll(*cache, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	base, err := makeBase(*cache, filepath.Join(*shared, "testdata", "vpdq", "videos"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "video bench:", err)
		return 1
	}
	type input struct {
		name, path string
		seconds    float64
		runs       int
		peer       bool // the 30-minute input is for hashgate's RSS only
	}
	var inputs []input
	for _, h := range []int{720, 1080} {
		if !*short {
			break
		}
		p, err := makeLoop(*cache, base, h, 180)
		if err != nil {
			fmt.Fprintln(os.Stderr, "video bench:", err)
			return 1
		}
		inputs = append(inputs, input{fmt.Sprintf("%dp H.264, 3 min", h), p, 180, *runs, true})
	}
	if *long {
		p, err := makeLoop(*cache, base, 720, 1800)
		if err != nil {
			fmt.Fprintln(os.Stderr, "video bench:", err)
			return 1
		}
		inputs = append(inputs, input{"720p H.264, 30 min", p, 1800, 1, false})
	}
	self, _ := os.Executable()
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("load average before: %s", load)
	fmt.Printf("runs per input: %d (median); CPU = user+system of the process and its waited children\n", *runs)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "input\ttool\tCPU s (median)\tof which FFmpeg\tCPU ms per s of video\tratio to peer\tpeak RSS MiB (self + FFmpeg)\tframes\tsame hashes\t")
	for _, in := range inputs {
		var ours, oursChild, theirs []float64
		var oursRep workerReport
		var peerRSS int64
		var peerLines []byte
		for i := range in.runs {
			// Alternate so both see the same machine load.
			rep, err := runWorker(self, in.path, *threads)
			if err != nil {
				fmt.Fprintln(os.Stderr, "video bench: hashgate:", err)
				return 1
			}
			ours = append(ours, rep.SelfCPU+rep.ChildCPU)
			oursChild = append(oursChild, rep.ChildCPU)
			oursRep = rep
			if !in.peer {
				continue
			}
			cpu, rss, lines, err := runPeer(peer, in.path, *cache, i)
			if err != nil {
				fmt.Fprintln(os.Stderr, "video bench: peer:", err)
				return 1
			}
			theirs = append(theirs, cpu)
			peerRSS, peerLines = rss, lines
		}
		mo := median(ours)
		if !in.peer {
			fmt.Fprintf(tw, "%s\thashgate\t%.2f\t%.2f\t%.1f\t\t%.0f + %.0f\t%d\t\t\n", in.name, mo, median(oursChild), 1000*mo/in.seconds,
				float64(oursRep.SelfRSS)/1024, float64(oursRep.ChildRSS)/1024, oursRep.Frames)
			tw.Flush()
			continue
		}
		mt := median(theirs)
		same := "yes"
		if !bytes.Equal([]byte(oursRep.Lines), peerLines) {
			same = "NO"
		}
		fmt.Fprintf(tw, "%s\thashgate\t%.2f\t%.2f\t%.1f\t%.2f×\t%.0f + %.0f\t%d\t%s\t\n", in.name, mo, median(oursChild), 1000*mo/in.seconds, mo/mt,
			float64(oursRep.SelfRSS)/1024, float64(oursRep.ChildRSS)/1024, oursRep.Frames, same)
		fmt.Fprintf(tw, "%s\tvpdq-hash-video -r 1\t%.2f\t\t%.1f\t1.00×\t%.0f\t%d\t\t\n", in.name, mt, 1000*mt/in.seconds,
			float64(peerRSS)/1024, bytes.Count(peerLines, []byte("\n")))
		tw.Flush() // a row per input as soon as it is measured
	}
	tw.Flush()
	load, _ = os.ReadFile("/proc/loadavg")
	fmt.Printf("load average after: %s", load)
	return 0
}

func defaultCache() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "hashgate-bench", "video")
	}
	return filepath.Join(os.TempDir(), "hashgate-bench-video")
}

// trimFrames is -trim, for the worker the measurement runs.
var trimFrames bool

func doWorker(path string, threads int) int {
	res, err := video.HashFile(context.Background(), path, video.Options{Threads: threads, Timeout: time.Hour, Trim: trimFrames})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var lines bytes.Buffer
	_ = video.WriteVPDQ(&lines, res.Frames)
	var self, children syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	rep := workerReport{
		SelfCPU: cpuSeconds(self), ChildCPU: cpuSeconds(children),
		SelfRSS: self.Maxrss, ChildRSS: children.Maxrss,
		Frames: len(res.Frames), Lines: lines.String(),
	}
	_ = json.NewEncoder(os.Stdout).Encode(rep)
	return 0
}

func cpuSeconds(r syscall.Rusage) float64 {
	return time.Duration(r.Utime.Nano() + r.Stime.Nano()).Seconds()
}

func runWorker(self, path string, threads int) (workerReport, error) {
	var out, stderr bytes.Buffer
	cmd := exec.Command(self, "-worker", path, "-threads", strconv.Itoa(threads), "-trim="+strconv.FormatBool(trimFrames))
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return workerReport{}, fmt.Errorf("%v: %s", err, stderr.String())
	}
	var rep workerReport
	err := json.Unmarshal(out.Bytes(), &rep)
	return rep, err
}

// runPeer runs vpdq-hash-video -r 1 and returns its CPU (user+system of
// the waited child), peak RSS in KiB and output.
func runPeer(peer, path, dir string, i int) (float64, int64, []byte, error) {
	out := filepath.Join(dir, fmt.Sprintf("peer-%d.txt", i))
	var stderr bytes.Buffer
	cmd := exec.Command(peer, "-i", path, "-o", out, "-r", "1")
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return 0, 0, nil, fmt.Errorf("%v: %s", err, stderr.String())
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, 0, nil, errors.New("no rusage")
	}
	b, err := os.ReadFile(out)
	return cpuSeconds(*ru), ru.Maxrss, b, err
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func ffmpeg(args ...string) error {
	var stderr bytes.Buffer
	cmd := exec.Command("ffmpeg", append([]string{"-hide_banner", "-loglevel", "error", "-nostdin", "-y"}, args...)...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ffmpeg %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return nil
}

// makeBase concatenates every sample video, each scaled and padded to
// 1920×1080 at 30 fps, into one lossless-enough intermediate (CRF 12)
// that the looped inputs are cut from.
func makeBase(cache, videos string) (string, error) {
	out := filepath.Join(cache, "base-1080p.mkv")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	paths, err := filepath.Glob(filepath.Join(videos, "*.mp4"))
	if err != nil || len(paths) == 0 {
		return "", fmt.Errorf("no sample videos in %s", videos)
	}
	var args []string
	var graph strings.Builder
	for i, p := range paths {
		args = append(args, "-i", p)
		fmt.Fprintf(&graph, "[%d:v]scale=1920:1080:force_original_aspect_ratio=decrease,pad=1920:1080:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=30,format=yuv420p[v%d];", i, i)
	}
	for i := range paths {
		fmt.Fprintf(&graph, "[v%d]", i)
	}
	fmt.Fprintf(&graph, "concat=n=%d:v=1:a=0[out]", len(paths))
	args = append(args, "-filter_complex", graph.String(), "-map", "[out]", "-c:v", "libx264", "-preset", "veryfast", "-crf", "12", out+".tmp.mkv")
	if err := ffmpeg(args...); err != nil {
		return "", err
	}
	return out, os.Rename(out+".tmp.mkv", out)
}

// makeLoop makes a seconds-long H.264 MP4 at the given height: one
// 60-second encode of the base, scaled (x264 veryfast, CRF 23: B-frames
// and CABAC, as phones and editors produce), then copies of that encode
// concatenated without re-encoding.
func makeLoop(cache, base string, height, seconds int) (string, error) {
	out := filepath.Join(cache, fmt.Sprintf("loop-%dp-%ds.mp4", height, seconds))
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	width := height * 16 / 9
	const unitSeconds = 60
	if seconds <= unitSeconds {
		err := ffmpeg("-i", base, "-t", strconv.Itoa(seconds),
			"-vf", fmt.Sprintf("scale=%d:%d", width, height), "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
			"-pix_fmt", "yuv420p", "-movflags", "+faststart", out+".tmp.mp4")
		if err != nil {
			return "", err
		}
		return out, os.Rename(out+".tmp.mp4", out)
	}
	unit, err := makeLoop(cache, base, height, unitSeconds)
	if err != nil {
		return "", err
	}
	err = ffmpeg("-stream_loop", strconv.Itoa(seconds/unitSeconds-1), "-i", unit, "-c", "copy", "-movflags", "+faststart", out+".tmp.mp4")
	if err != nil {
		return "", err
	}
	return out, os.Rename(out+".tmp.mp4", out)
}
