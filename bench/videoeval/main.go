// Command videoeval measures the video match rules of package match: false
// matches over unrelated videos and their edits, and recall on edited
// copies and compilations of listed videos. It makes its corpus with FFmpeg
// in a cache folder (sample videos cut and edited, synthetic videos from
// FFmpeg's lavfi sources, photos from Debian's mate-backgrounds turned into
// pan and zoom clips), hashes every file with fingerprint/video, and prints
// markdown tables of the rules at several thresholds.
//
//	go run ./bench/videoeval -cache /tmp/hg-videoeval [-j 2]
//
// Files already in the cache are reused, so a second run only re-matches.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashgate/hashgate/fingerprint/video"
	"github.com/hashgate/hashgate/match"
)

var (
	cache   = flag.String("cache", filepath.Join(os.TempDir(), "hg-videoeval"), "cache folder for the corpus and its hashes")
	jobs    = flag.Int("j", 2, "FFmpeg jobs at once")
	shared  = flag.String("shared", "../shared", "the shared folder beside the checkout (sample videos)")
	photos  = flag.String("photos", "/usr/share/backgrounds/mate", "photos to pan and zoom over (Debian's mate-backgrounds)")
	srcSecs = flag.Int("seconds", 40, "length of each generated source video")
)

// A family is one piece of content: every clip and edit of it is related,
// every clip of another family unrelated.
type family struct {
	name string
	// args make the source video (FFmpeg input and filter arguments).
	args []string
}

const size = "320x240"
const fps = "15"

func synthetic() []family {
	var fs []family
	add := func(name, lavfi string) {
		fs = append(fs, family{name, []string{"-f", "lavfi", "-i", lavfi}})
	}
	for i, p := range []string{"-0.743643887037151:0.13182590420533:3", "-1.25066:0.02012:2", "-0.16:1.0405:1",
		"-0.722:0.246:2.5", "0.282:-0.01:1.5", "-1.768778833:-0.001738996:2"} {
		xy := strings.Split(p, ":")
		add(fmt.Sprintf("mandelbrot%d", i), fmt.Sprintf("mandelbrot=s=%s:r=%s:start_x=%s:start_y=%s:start_scale=%s", size, fps, xy[0], xy[1], xy[2]))
	}
	for i, seed := range []int{1, 2, 3, 4, 5, 6} {
		add(fmt.Sprintf("life%d", i), fmt.Sprintf("life=s=%s:r=%s:ratio=0.%d:seed=%d:mold=10:life_color=#%02x80ff:death_color=#204010", size, fps, 1+seed%5, seed, 40*seed))
	}
	for i, rule := range []int{18, 30, 90, 110, 150, 73} {
		add(fmt.Sprintf("cellauto%d", i), fmt.Sprintf("cellauto=s=%s:r=%s:rule=%d:random_fill_ratio=0.5:random_seed=%d,scroll=v=0", size, fps, rule, i+1))
	}
	for i := range 6 {
		add(fmt.Sprintf("gradients%d", i), fmt.Sprintf("gradients=s=%s:r=%s:seed=%d:speed=0.0%d:nb_colors=%d", size, fps, 100+i, 1+i, 2+i%4))
	}
	for i, c := range []string{"808080", "c04020", "2040c0", "40a040"} {
		add(fmt.Sprintf("noise%d", i), fmt.Sprintf("color=c=#%s:s=%s:r=%s,noise=alls=%d:allf=t+u,gblur=sigma=%d", c, size, fps, 40+10*i, 1+i))
	}
	add("testsrc2", fmt.Sprintf("testsrc2=s=%s:r=%s", size, fps))
	return fs
}

// photoFamilies pans and zooms over each photo.
func photoFamilies() []family {
	var paths []string
	filepath.WalkDir(*photos, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(strings.ToLower(p), ".jpg") || strings.HasSuffix(strings.ToLower(p), ".png")) {
			paths = append(paths, p)
		}
		return nil
	})
	slices.Sort(paths)
	var fs []family
	seen := map[string]bool{}
	for _, p := range paths {
		base := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
		stem := strings.Split(base, "_")[0] // Elephants_3840x2160 and Elephants are one photo
		if seen[stem] {
			continue
		}
		seen[stem] = true
		n := len(fs)
		frames := *srcSecs * 15
		// Zoom in from the whole photo towards a point that depends on n,
		// panning as it goes.
		zp := fmt.Sprintf("scale=1280:-2,zoompan=z='min(1+0.0015*on,2)':x='(iw-iw/zoom)*%.2f':y='(ih-ih/zoom)*%.2f':d=%d:s=%s:fps=%s",
			float64(n%5)/4, float64(n%3)/2, frames, size, fps)
		fs = append(fs, family{"photo-" + strings.ToLower(stem), []string{"-loop", "1", "-framerate", fps, "-i", p, "-vf", zp}})
	}
	return fs
}

// sampleFamilies are Meta's sample videos, one family per scene; the
// scene's other files are Meta's own edits of it.
func sampleFamilies() (fs []family, edits map[string][]string) {
	dir := filepath.Join(*shared, "testdata", "vpdq", "videos")
	edits = map[string][]string{}
	for _, s := range []struct{ name, orig string }{
		{"chair", "chair-orig-22-sd-bar.mp4"}, {"pattern", "pattern-longer-no-bar.mp4"},
		{"doorknob", "doorknob-hd-no-bar.mp4"}, {"padded", "test-padded-dimensions.mp4"},
	} {
		fs = append(fs, family{"sample-" + s.name, []string{"-i", filepath.Join(dir, s.orig), "-vf", "scale=-2:240,fps=" + fps}})
		others, _ := filepath.Glob(filepath.Join(dir, s.name+"-*.mp4"))
		for _, o := range others {
			if filepath.Base(o) != s.orig {
				edits["sample-"+s.name] = append(edits["sample-"+s.name], o)
			}
		}
	}
	return fs, edits
}

// edits are the changes applied to copies, as FFmpeg filters (and a few
// input options for trims).
var edits = []struct {
	name   string
	pre    []string // before -i
	filter string
}{
	{"reencode", nil, "null"},
	{"scale", nil, "scale=iw/2:-2"},
	{"crop", nil, "crop=iw*0.8:ih*0.8"},
	{"logo", nil, "drawbox=x=iw*0.05:y=ih*0.05:w=iw*0.25:h=ih*0.15:color=white@0.9:t=fill,drawbox=x=iw*0.08:y=ih*0.08:w=iw*0.1:h=ih*0.05:color=red:t=fill"},
	{"grey", nil, "hue=s=0"},
	{"pillarbox", nil, "scale=iw*0.7:ih,pad=iw/0.7:ih:(ow-iw)/2:0:black"},
	{"trimstart", []string{"-ss", "5"}, "null"},
	{"trimend", nil, "trim=end=%END%,setpts=PTS-STARTPTS"},
}

func ffmpeg(ctx context.Context, out string, args ...string) error {
	if _, err := os.Stat(out); err == nil {
		return nil
	}
	tmp := out + ".tmp.mp4"
	cmd := exec.CommandContext(ctx, "ffmpeg", append(append([]string{"-hide_banner", "-loglevel", "error", "-y", "-nostdin"}, args...),
		"-an", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "28", "-pix_fmt", "yuv420p", tmp)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return os.Rename(tmp, out)
}

// item is one corpus file: its family, what was done to it, and its hash.
type item struct {
	Path, Family, Kind string   // Kind: source, clip, edit:<name>, compilation, meta-edit
	Of                 string   // for edits and clips: the path it was made from
	SrcEdit            bool     // an edit of a whole source
	Holds              []string // a compilation's other families: matching them is no false match
	Frames             []match.Frame
	// Trimmed is the frames' pictures inside bars, as the edge hashes them
	// too (video.Options.Trim); nil when no frame had any.
	Trimmed []match.Frame
}

// hashItem hashes a file through fingerprint/video as the edge does (raw
// and trimmed frames), caching them.
func hashItem(ctx context.Context, it *item) error {
	hp := it.Path + ".frames-trim.json"
	if b, err := os.ReadFile(hp); err == nil {
		var c struct{ Frames, Trimmed []match.Frame }
		err := json.Unmarshal(b, &c)
		it.Frames, it.Trimmed = c.Frames, c.Trimmed
		return err
	}
	res, err := video.HashFile(ctx, it.Path, video.Options{Trim: true})
	if err != nil {
		// An edit that left nothing (a trim longer than a short sample):
		// it takes no part.
		log.Printf("skipped %s: %v", it.Path, err)
		return nil
	}
	conv := func(fs []video.Frame) []match.Frame {
		var out []match.Frame
		for _, f := range fs {
			out = append(out, match.Frame{PDQ: f.PDQ, Quality: f.Quality, Timestamp: time.Duration(f.Timestamp * float64(time.Second))})
		}
		return out
	}
	it.Frames, it.Trimmed = conv(res.Frames), conv(res.Trimmed)
	b, _ := json.Marshal(struct{ Frames, Trimmed []match.Frame }{it.Frames, it.Trimmed})
	return os.WriteFile(hp, b, 0o644)
}

// runJobs runs FFmpeg jobs; one that fails (an edit of a clip shorter
// than it needs) is logged, and its file takes no part.
func runJobs(jobs []func() error) {
	_ = parallel(len(jobs), func(i int) error {
		if err := jobs[i](); err != nil {
			log.Printf("skipped: %v", err)
		}
		return nil
	})
}

// parallel runs fn over n indexes on *jobs workers, stopping at the first error.
func parallel(n int, fn func(i int) error) error {
	var mu sync.Mutex
	var first error
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(*jobs, 1) {
		wg.Go(func() {
			for i := range next {
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

func main() {
	flag.Parse()
	ctx := context.Background()
	if err := video.Available(video.Options{}); err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(*cache, 0o755); err != nil {
		log.Fatal(err)
	}
	samples, metaEdits := sampleFamilies()
	fams := append(append(samples, synthetic()...), photoFamilies()...)
	start := time.Now()
	secs := *srcSecs
	clipLen := 6

	// Sources, then clips of clipLen seconds every 12 s.
	var items []*item
	var jobsList []func() error
	srcOf := map[string]*item{}
	for _, f := range fams {
		src := &item{Path: filepath.Join(*cache, f.name+".mp4"), Family: f.name, Kind: "source"}
		args := append(slices.Clone(f.args), "-t", fmt.Sprint(secs))
		jobsList = append(jobsList, func() error { return ffmpeg(ctx, src.Path, args...) })
		items = append(items, src)
		srcOf[f.name] = src
	}
	runJobs(jobsList)
	log.Printf("%d sources made (%v)", len(fams), time.Since(start).Round(time.Second))
	jobsList = nil
	for _, f := range fams {
		src := srcOf[f.name]
		for at := 0; at+clipLen <= secs; at += 2 * clipLen {
			c := &item{Path: filepath.Join(*cache, fmt.Sprintf("%s-clip%02d.mp4", f.name, at)), Family: f.name, Kind: "clip", Of: src.Path}
			jobsList = append(jobsList, func() error {
				return ffmpeg(ctx, c.Path, "-ss", fmt.Sprint(at), "-i", src.Path, "-t", fmt.Sprint(clipLen))
			})
			items = append(items, c)
		}
	}
	// Every source gets half the edits (recall when it is listed, false
	// matches when it is not); every clip gets one of them in turn.
	edit := func(from *item, e int, tag string) *item {
		ed := edits[e]
		out := strings.TrimSuffix(from.Path, ".mp4") + "-" + ed.name + tag + ".mp4"
		it := &item{Path: out, Family: from.Family, Kind: "edit:" + ed.name, Of: from.Path, SrcEdit: from.Kind == "source"}
		jobsList = append(jobsList, func() error {
			filter := strings.ReplaceAll(ed.filter, "%END%", fmt.Sprint(secs-5))
			if from.Kind == "clip" {
				filter = strings.ReplaceAll(ed.filter, "%END%", fmt.Sprint(clipLen-2))
			}
			pre := ed.pre
			if from.Kind == "clip" && ed.name == "trimstart" {
				pre = []string{"-ss", "2"}
			}
			return ffmpeg(ctx, out, append(append(slices.Clone(pre), "-i", from.Path), "-vf", filter)...)
		})
		return it
	}
	var extra []*item
	nclip, nsrc := 0, 0
	for _, it := range items {
		switch it.Kind {
		case "source":
			// Half the edits each, alternating, so that every edit is
			// made of about half the sources of each fold.
			for k := range len(edits) / 2 {
				extra = append(extra, edit(it, (nsrc/2*len(edits)/2+k)%len(edits), ""))
			}
			nsrc++
		case "clip":
			extra = append(extra, edit(it, nclip%len(edits), ""))
			nclip++
		}
	}
	items = append(items, extra...)
	// Compilations: 12 s of one family, the whole of a source
	// (re-encoded), 12 s of a third: the listed source is "contained",
	// and makes up less than 80 % of the upload.
	for i, f := range fams {
		a, b, c := fams[(i+7)%len(fams)], f, fams[(i+19)%len(fams)]
		out := filepath.Join(*cache, "compilation-"+f.name+".mp4")
		comp := &item{Path: out, Family: f.name, Kind: "compilation", Of: srcOf[f.name].Path, Holds: []string{a.name, c.name}}
		pa, pb, pc := srcOf[a.name].Path, srcOf[b.name].Path, srcOf[c.name].Path
		jobsList = append(jobsList, func() error {
			return ffmpeg(ctx, out, "-ss", "20", "-t", "12", "-i", pa, "-i", pb, "-ss", "8", "-t", "12", "-i", pc,
				"-filter_complex", "[0:v]scale=320:240,setsar=1[a];[1:v]scale=320:240,setsar=1[b];[2:v]scale=320:240,setsar=1[c];[a][b][c]concat=n=3:v=1[v]", "-map", "[v]")
		})
		items = append(items, comp)
	}
	for fam, paths := range metaEdits {
		for _, p := range paths {
			items = append(items, &item{Path: p, Family: fam, Kind: "meta-edit", Of: srcOf[fam].Path})
		}
	}
	runJobs(jobsList)
	log.Printf("%d files made (%v)", len(items), time.Since(start).Round(time.Second))
	if err := parallel(len(items), func(i int) error { return hashItem(ctx, items[i]) }); err != nil {
		log.Fatal(err)
	}
	log.Printf("%d files hashed (%v)", len(items), time.Since(start).Round(time.Second))
	evaluate(items, fams)
}

// pair is one (query, listed video) comparison with a shared frame.
type pair struct {
	q, l        *item
	qPct, lPct  float64
	lMatched    int
	related     bool
	wantWhole   bool // an edit of the listed source itself
	wantContain bool // a compilation holding it
}

func evaluate(items []*item, fams []family) {
	// Two folds: even families listed, odd queried, then the other way.
	// Listed: each listed family's source. Queries: everything of the
	// other families (unrelated), and the listed families' edits and
	// compilations (recall).
	var pairs []pair
	var nUnrelated, nUnrelatedClips, nWhole, nContain int
	famIdx := map[string]int{}
	for i, f := range fams {
		famIdx[f.name] = i
	}
	for fold := range 2 {
		o := match.DefaultOptions()
		o.VideoQueryPercent, o.VideoIndexPercent, o.VideoContainsPercent = 0, 0, 0
		b, err := match.NewBuilder(o)
		if err != nil {
			log.Fatal(err)
		}
		listed := map[string]*item{}
		for _, it := range items {
			if it.Kind == "source" && famIdx[it.Family]%2 == fold {
				if err := b.AddVideo(match.Video{ID: it.Path, Frames: it.Frames}); err != nil {
					log.Printf("not listed: %s: %v", it.Path, err)
					continue
				}
				listed[it.Path] = it
			}
		}
		ix, _ := b.Build()
		for _, q := range items {
			if len(q.Frames) == 0 {
				continue
			}
			isListedFam := famIdx[q.Family]%2 == fold
			if q.Kind == "source" && isListedFam {
				continue
			}
			if !isListedFam {
				nUnrelated++
				if q.Kind != "source" {
					nUnrelatedClips++
				}
			} else if q.Kind == "compilation" {
				nContain++
			} else if strings.HasPrefix(q.Kind, "edit:") && listed[q.Of] != nil || q.Kind == "meta-edit" {
				nWhole++
			}
			rep := ix.MatchVideo(q.Frames)
			if q.Trimmed != nil {
				// As the edge does: the trimmed frames' matches that the
				// raw frames did not find.
				for _, r := range ix.MatchVideo(q.Trimmed).Results {
					if !slices.ContainsFunc(rep.Results, func(o match.VideoResult) bool { return o.Video.ID == r.Video.ID }) {
						rep.Results = append(rep.Results, r)
					}
				}
			}
			found := map[string]bool{}
			for _, r := range rep.Results {
				l := listed[r.Video.ID]
				found[l.Path] = true
				p := pair{q: q, l: l, qPct: r.QueryPercent, lPct: r.IndexPercent, lMatched: r.IndexMatched,
					related: q.Family == l.Family || slices.Contains(q.Holds, l.Family)}
				p.wantWhole = q.Family == l.Family && (q.Kind == "meta-edit" || strings.HasPrefix(q.Kind, "edit:") && q.Of == l.Path)
				p.wantContain = q.Family == l.Family && q.Kind == "compilation"
				pairs = append(pairs, p)
			}
			// A recall query that shares no frame is a miss at every threshold.
		}
	}
	fmt.Printf("corpus: %d families, %d files; %d unrelated queries (%d clips and edits, the rest whole sources), %d edited copies of listed videos, %d compilations\n\n",
		len(fams), len(items), nUnrelated, nUnrelatedClips, nWhole, nContain)

	fmt.Println("RuleWhole (python-threatexchange's): share of the upload's frames matching / of the listed video's")
	fmt.Println()
	fmt.Println("| query % | index % | false matches (unrelated queries matched) | recall on edits (" + fmt.Sprint(nWhole) + ") |")
	fmt.Println("|---|---|---|---|")
	for _, qt := range []float64{50, 60, 70, 80, 90} {
		for _, it := range []float64{0, 20} {
			fm, rc := 0, 0
			fmQueries := map[*item]bool{}
			recalled := map[*item]bool{}
			for _, p := range pairs {
				ok := p.qPct >= qt && p.lPct >= it
				if ok && !p.related {
					fm++
					fmQueries[p.q] = true
				}
				if ok && p.wantWhole {
					recalled[p.q] = true
				}
			}
			rc = len(recalled)
			fmt.Printf("| %.0f | %.0f | %d (%d of %d) | %d (%.1f %%) |\n", qt, it, fm, len(fmQueries), nUnrelated, rc, pct(rc, nWhole))
		}
	}
	fmt.Println()
	fmt.Println("Recall of RuleWhole at 80 / 0 by edit:")
	fmt.Println()
	fmt.Println("| edit | copies | matched |")
	fmt.Println("|---|---|---|")
	byEdit := map[string][2]int{}
	recalledBy := map[*item]bool{}
	for _, p := range pairs {
		if p.wantWhole && p.qPct >= 80 {
			recalledBy[p.q] = true
		}
	}
	for _, it := range items {
		if len(it.Frames) > 0 && (it.Kind == "meta-edit" || it.SrcEdit) {
			c := byEdit[it.Kind]
			c[0]++
			if recalledBy[it] {
				c[1]++
			}
			byEdit[it.Kind] = c
		}
	}
	var kinds []string
	for k := range byEdit {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Printf("| %s | %d | %d |\n", k, byEdit[k][0], byEdit[k][1])
	}
	fmt.Println()
	fmt.Println("RuleContains: share of the listed video's frames matched, and their least number")
	fmt.Println()
	fmt.Println("| listed % | min frames | false matches (unrelated queries matched) | recall on compilations (" + fmt.Sprint(nContain) + ") |")
	fmt.Println("|---|---|---|---|")
	for _, ct := range []float64{50, 70, 80, 90} {
		for _, mf := range []int{1, 3, 5, 10} {
			fm := 0
			fmQueries := map[*item]bool{}
			recalled := map[*item]bool{}
			for _, p := range pairs {
				ok := p.lPct >= ct && p.lMatched >= mf
				if ok && !p.related {
					fm++
					fmQueries[p.q] = true
				}
				if ok && p.wantContain {
					recalled[p.q] = true
				}
			}
			fmt.Printf("| %.0f | %d | %d (%d of %d) | %d (%.1f %%) |\n", ct, mf, fm, len(fmQueries), nUnrelated, len(recalled), pct(len(recalled), nContain))
		}
	}
	// The closest unrelated pairs, for the record.
	slices.SortFunc(pairs, func(a, b pair) int { return cmpF(math.Max(b.qPct, b.lPct), math.Max(a.qPct, a.lPct)) })
	fmt.Println()
	fmt.Println("Closest unrelated pairs (query, listed, query %, index %):")
	fmt.Println()
	n := 0
	for _, p := range pairs {
		if !p.related && n < 8 {
			fmt.Printf("- %s vs %s: %.1f %%, %.1f %% (%d listed frames)\n", filepath.Base(p.q.Path), filepath.Base(p.l.Path), p.qPct, p.lPct, p.lMatched)
			n++
		}
	}
	if n == 0 {
		fmt.Println("- none: no unrelated query shared a single frame within distance 31")
	}
}

func pct(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return 100 * float64(a) / float64(b)
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
