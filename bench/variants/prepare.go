package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/image/draw"

	"github.com/hashgate/hashgate/fingerprint/media"
)

type setFlag map[string][]string

func (s setFlag) String() string { return fmt.Sprint(map[string][]string(s)) }
func (s setFlag) Set(v string) error {
	name, dirs, ok := strings.Cut(v, "=")
	if !ok {
		return errors.New("want NAME=DIR[,DIR...]")
	}
	s[name] = append(s[name], strings.Split(dirs, ",")...)
	return nil
}

// runPrepare picks the images of each set from its source folders and
// writes them, normalised, to CORPUS/originals/SET: decoded (EXIF applied),
// alpha flattened onto white, the longest side brought down to -max-side
// and saved as JPEG q92. Images with a side under the set's minimum are
// skipped (sprites, icons). For wallpaper folders that ship one picture at
// several resolutions, only the largest of a folder is kept.
func runPrepare(ctx context.Context, args []string, stderr io.Writer) error {
	fl := flag.NewFlagSet("prepare", flag.ContinueOnError)
	out := fl.String("out", "", "corpus directory")
	maxSide := fl.Int("max-side", 1024, "longest side of a prepared image")
	minListed := fl.Int("min-side", 320, "shortest side a listed or hold-out image must have")
	minUnrelated := fl.Int("min-side-unrelated", 128, "shortest side an unrelated image must have")
	limit := fl.Int("limit-unrelated", 2500, "most unrelated images kept (taken evenly from the sorted candidates)")
	sets := setFlag{}
	fl.Var(sets, "set", "NAME=DIR[,DIR...] (repeatable)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *out == "" || len(sets) == 0 {
		return errors.New("prepare: want -out and -set")
	}
	for name, dirs := range sets {
		minSide := *minListed
		if name == "unrelated" {
			minSide = *minUnrelated
		}
		picked := pickImages(dirs, minSide)
		if name == "unrelated" && len(picked) > *limit {
			var thin []candidate
			for i := range *limit {
				thin = append(thin, picked[i*len(picked) / *limit])
			}
			picked = thin
		}
		dir := filepath.Join(*out, "originals", name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		n := 0
		for _, c := range picked {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := normalise(c.path, filepath.Join(dir, c.name+".jpg"), *maxSide); err != nil {
				fmt.Fprintf(stderr, "prepare: skip %s: %v\n", c.path, err)
				continue
			}
			n++
		}
		fmt.Fprintf(stderr, "prepare: %s: %d images\n", name, n)
	}
	return nil
}

type candidate struct {
	path, name string
	pixels     int
}

func pickImages(dirs []string, minSide int) []candidate {
	best := map[string]candidate{}
	for _, root := range dirs {
		// The package's name: the folder under .../pkg/ (corpus.sh's layout).
		pkg := filepath.Base(root)
		if _, after, ok := strings.Cut(root, "/pkg/"); ok {
			pkg, _, _ = strings.Cut(after, "/")
		}
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return nil
			}
			switch strings.ToLower(filepath.Ext(p)) {
			case ".jpg", ".jpeg", ".png", ".webp":
			default:
				return nil
			}
			f, err := os.Open(p)
			if err != nil {
				return nil
			}
			cfg, _, err := image.DecodeConfig(f)
			f.Close()
			if err != nil || min(cfg.Width, cfg.Height) < minSide {
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			key := rel
			// Plasma wallpapers: NAME/contents/images*/WxH.ext, one
			// picture in several sizes.
			if i := strings.Index(rel, "/contents/"); i >= 0 {
				key = rel[:i] + strings.TrimSuffix(strings.Split(rel[i:], "/")[2], "images")
			} else {
				key = strings.TrimSuffix(rel, filepath.Ext(rel))
			}
			name := pkg + "-" + strings.NewReplacer("/", "_", " ", "_").Replace(key)
			c := candidate{p, name, cfg.Width * cfg.Height}
			if o, ok := best[name]; !ok || c.pixels > o.pixels {
				best[name] = c
			}
			return nil
		})
	}
	out := make([]candidate, 0, len(best))
	for _, c := range best {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b candidate) int { return strings.Compare(a.name, b.name) })
	return out
}

func normalise(src, dst string, maxSide int) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	img, err := media.DecodeBytes(b, media.Options{})
	if err != nil {
		return err
	}
	r := img.Bounds()
	w, h := r.Dx(), r.Dy()
	if s := max(w, h); s > maxSide {
		w, h = max(1, w*maxSide/s), max(1, h*maxSide/s)
	}
	// Flatten onto white, then scale.
	flat := image.NewRGBA(r)
	draw.Draw(flat, r, image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(flat, r, img, r.Min, draw.Over)
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.ApproxBiLinear.Scale(out, out.Bounds(), flat, r, draw.Src, nil)
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	if err := jpeg.Encode(f, out, &jpeg.Options{Quality: 92}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
