package video_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/hashgate/hashgate/fingerprint/video"
	"github.com/hashgate/hashgate/internal/testenv"
)

var brutePercent = regexp.MustCompile(`(?m)^([0-9.]+) Percentage Query Video match\n([0-9.]+) Percentage Target Video match$`)

// brute runs Meta's match-hashes-brute on two vPDQ files. It counts a
// frame matched at distance < tol, so tol 32 is the rule's ≤ 31.
func brute(t *testing.T, tools, q, tg string) (string, string) {
	t.Helper()
	out, err := exec.Command(filepath.Join(tools, "match-hashes-brute"), q, tg, "32", "50").CombinedOutput()
	if err != nil {
		t.Fatalf("match-hashes-brute %s %s: %v\n%s", q, tg, err, out)
	}
	m := brutePercent.FindSubmatch(out)
	if m == nil {
		t.Fatalf("match-hashes-brute printed %q", out)
	}
	return string(m[1]), string(m[2])
}

func writeVPDQFile(t *testing.T, path string, frames []video.Frame) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := video.WriteVPDQ(f, frames); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func pct(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// TestInteropMatchHashesBrute: for every pair of sample videos, Meta's
// match-hashes-brute on hashgate's vPDQ files prints the percentages
// hashgate computes. Files written with DedupFrames give the product's
// rule (DefaultRule, duplicates removed); full files give the brute
// matcher's own (duplicates kept). The same holds on the reference's own
// files (expected-here-1fps), which hashgate reads.
func TestInteropMatchHashesBrute(t *testing.T) {
	dir, names := sampleVideos(t)
	tools := testenv.VPDQTools(t)
	tmp := t.TempDir()
	frames := map[string][]video.Frame{}
	for _, n := range names {
		frames[n] = hash1FPS(t, dir, n).Frames
		writeVPDQFile(t, filepath.Join(tmp, n+".txt"), frames[n])
		writeVPDQFile(t, filepath.Join(tmp, n+".dedup.txt"), video.DedupFrames(frames[n], video.DefaultRule.MinQuality))
	}
	keepDups := video.Rule{MaxDistance: 31, MinQuality: 50}
	pairs, matched := 0, 0
	for _, q := range names {
		for _, tg := range names {
			m := video.Compare(frames[q], frames[tg], video.DefaultRule)
			bq, bt := brute(t, tools, filepath.Join(tmp, q+".dedup.txt"), filepath.Join(tmp, tg+".dedup.txt"))
			if pct(m.QueryPercent) != bq || pct(m.TargetPercent) != bt {
				t.Errorf("%s vs %s: hashgate %s/%s %%, match-hashes-brute %s/%s %%", q, tg, pct(m.QueryPercent), pct(m.TargetPercent), bq, bt)
			}
			if q == tg || q[:5] == tg[:5] { // one family: the full files too
				m := video.Compare(frames[q], frames[tg], keepDups)
				bq, bt := brute(t, tools, filepath.Join(tmp, q+".txt"), filepath.Join(tmp, tg+".txt"))
				if pct(m.QueryPercent) != bq || pct(m.TargetPercent) != bt {
					t.Errorf("%s vs %s, duplicates kept: hashgate %s/%s %%, match-hashes-brute %s/%s %%", q, tg, pct(m.QueryPercent), pct(m.TargetPercent), bq, bt)
				}
				ref := filepath.Join(dir, "expected-here-1fps")
				rq, rt := readVPDQFile(t, filepath.Join(ref, q+".txt")), readVPDQFile(t, filepath.Join(ref, tg+".txt"))
				m = video.Compare(rq, rt, keepDups)
				bq, bt = brute(t, tools, filepath.Join(ref, q+".txt"), filepath.Join(ref, tg+".txt"))
				if pct(m.QueryPercent) != bq || pct(m.TargetPercent) != bt {
					t.Errorf("reference files %s vs %s: hashgate %s/%s %%, match-hashes-brute %s/%s %%", q, tg, pct(m.QueryPercent), pct(m.TargetPercent), bq, bt)
				}
			}
			pairs++
			if m.QueryPercent >= 80 {
				matched++
			}
		}
	}
	t.Logf("%d pairs agree with match-hashes-brute; %d of them at ≥ 80 %% of the query matched", pairs, matched)
}
