// Command pipelinecmp measures the canonical fingerprint pipeline (decode,
// EXIF orientation, 512×512 nearest-neighbour step, PDQ) against two
// yardsticks and prints the Markdown tables of docs/fingerprint.md:
//
//	A. the reference C++ hasher's hashes of the original files
//	   (the within10 rows of expected.tsv and the rows of exif.tsv);
//	B. PDQ of the full-resolution image, over a corpus of real photos
//	   (also pHash: canonical image vs the full image through goimagehash).
//
// Usage (from the repository root):
//
//	go run ./fingerprint/internal/cmd/pipelinecmp \
//	    -pdq ../shared/testdata/pdq -corpus /usr/share/wallpapers,/usr/share/backgrounds
//
// The corpus is any folder of JPEG/PNG photos, e.g. Debian's
// plasma-workspace-wallpapers (/usr/share/wallpapers) and ukui-wallpapers
// (/usr/share/backgrounds) packages.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/corona10/goimagehash"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/media"
)

func main() {
	pdqDir := flag.String("pdq", "../shared/testdata/pdq", "the PDQ reference vectors folder")
	corpus := flag.String("corpus", "/usr/share/wallpapers", "comma-separated folders of real photos (JPEG/PNG), searched recursively")
	minSide := flag.Int("min-side", 1024, "corpus: skip images whose larger side is under this")
	all := flag.Bool("all", false, "corpus: take every file; by default files named WxH.jpg in one folder count as one picture at several sizes and only the largest is kept")
	flag.Parse()
	if err := tableA(*pdqDir); err != nil {
		fmt.Fprintln(os.Stderr, "pipelinecmp:", err)
		os.Exit(1)
	}
	if err := tableB(strings.Split(*corpus, ","), *minSide, *all); err != nil {
		fmt.Fprintln(os.Stderr, "pipelinecmp:", err)
		os.Exit(1)
	}
}

func readTSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows [][]string
	s := bufio.NewScanner(f)
	for first := true; s.Scan(); first = false {
		if !first && strings.TrimSpace(s.Text()) != "" {
			rows = append(rows, strings.Split(s.Text(), "\t"))
		}
	}
	return rows, s.Err()
}

func fingerprintFile(path string, o media.Options) (fingerprint.Fingerprints, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return fingerprint.Fingerprints{}, err
	}
	return media.FingerprintBytes(b, o)
}

func tableA(dir string) error {
	rows, err := readTSV(filepath.Join(dir, "expected.tsv"))
	if err != nil {
		return err
	}
	fmt.Println("### Table A: canonical pipeline vs the reference hasher on the original files")
	fmt.Println()
	fmt.Println("| file | size | reference quality | our quality | distance |")
	fmt.Println("|---|---|---:|---:|---:|")
	var ds []int
	for _, r := range rows {
		if r[3] != "within10" {
			continue
		}
		want, err := fingerprint.ParsePDQ(r[1])
		if err != nil {
			return err
		}
		// The reference ignores EXIF orientation, so its hash of a rotated
		// photo is of the stored pixels; compare like with like here and
		// the upright pixels below.
		o := media.Options{IgnoreOrientation: strings.Contains(r[0], "exif-rotn")}
		f, err := fingerprintFile(filepath.Join(dir, r[0]), o)
		if err != nil {
			return err
		}
		d := f.PDQ.Distance(want)
		ds = append(ds, d)
		note := ""
		if o.IgnoreOrientation {
			note = " (stored pixels)"
		}
		fmt.Printf("| %s%s | %dx%d | %s | %d | %d |\n", strings.TrimPrefix(r[0], "images/"), note, f.Width, f.Height, r[2], f.PDQQuality, d)
	}
	exif, err := readTSV(filepath.Join(dir, "exif.tsv"))
	if err != nil {
		return err
	}
	for _, r := range exif {
		want, err := fingerprint.ParsePDQ(r[3])
		if err != nil {
			return err
		}
		f, err := fingerprintFile(filepath.Join(dir, r[0]), media.Options{})
		if err != nil {
			return err
		}
		d := f.PDQ.Distance(want)
		ds = append(ds, d)
		fmt.Printf("| %s (EXIF %s, upright) | %dx%d | %s | %d | %d |\n", strings.TrimPrefix(r[0], "images/"), r[1], f.Width, f.Height, r[4], f.PDQQuality, d)
	}
	fmt.Println()
	fmt.Println(summary(ds))
	fmt.Println()
	return nil
}

func tableB(dirs []string, minSide int, all bool) error {
	var paths []string
	for _, dir := range dirs {
		p, err := corpusFiles(dir, all)
		if err != nil {
			return err
		}
		paths = append(paths, p...)
	}
	fmt.Println("### Table B: canonical (512x512 nearest-neighbour) vs full-resolution, real photos")
	fmt.Println()
	fmt.Println("| image | size | quality | PDQ distance | pHash distance |")
	fmt.Println("|---|---|---:|---:|---:|")
	var pd, hd []int
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		img, err := media.DecodeBytes(b, media.Options{})
		if err != nil {
			fmt.Fprintf(os.Stderr, "pipelinecmp: %s: %v (skipped)\n", p, err)
			continue
		}
		sz := img.Bounds().Size()
		if max(sz.X, sz.Y) < minSide {
			continue
		}
		f, err := fingerprint.FromImage(img)
		if err != nil {
			return err
		}
		full, _, err := fingerprint.PDQFullResolution(img)
		if err != nil {
			return err
		}
		ph, err := goimagehash.PerceptionHash(fingerprint.ToNRGBA(img))
		if err != nil {
			return err
		}
		d := f.PDQ.Distance(full)
		h := f.PHash.Distance(fingerprint.Hash64(ph.GetHash()))
		pd, hd = append(pd, d), append(hd, h)
		fmt.Printf("| %s | %dx%d | %d | %d | %d |\n", shortName(p), sz.X, sz.Y, f.PDQQuality, d, h)
	}
	fmt.Println()
	fmt.Println("PDQ: " + summary(pd))
	fmt.Println()
	fmt.Println("pHash (64 bits): " + summary(hd))
	return nil
}

func summary(ds []int) string {
	if len(ds) == 0 {
		return "no rows"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	sum, le10, le31 := 0, 0, 0
	for _, d := range s {
		sum += d
		if d <= 10 {
			le10++
		}
		if d <= 31 {
			le31++
		}
	}
	return fmt.Sprintf("%d images: median %d, mean %.1f, max %d bits; %d within 10, %d within 31.",
		len(s), s[len(s)/2], float64(sum)/float64(len(s)), s[len(s)-1], le10, le31)
}

// sizeName matches wallpaper files named after their size ("2560x1600.jpg"):
// one picture stored at several sizes, of which only the largest is kept.
var sizeName = regexp.MustCompile(`^[0-9]+x[0-9]+\.`)

// corpusFiles lists the JPEG and PNG files under dir. Unless all is set,
// of the size-named files in one folder only the largest file is kept.
func corpusFiles(dir string, all bool) ([]string, error) {
	var paths []string
	largest := map[string]string{}
	var largestSize = map[string]int64{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".jpg", ".jpeg", ".png":
		default:
			return nil
		}
		if all || !sizeName.MatchString(d.Name()) {
			paths = append(paths, p)
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if k := filepath.Dir(p); info.Size() > largestSize[k] {
			largest[k], largestSize[k] = p, info.Size()
		}
		return nil
	})
	for _, p := range largest {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths, err
}

// shortName drops the common install prefixes from a corpus path.
func shortName(p string) string {
	for _, prefix := range []string{"/usr/share/wallpapers/", "/usr/share/backgrounds/"} {
		p = strings.TrimPrefix(p, prefix)
	}
	return strings.Replace(p, "/contents/images", "", 1)
}
