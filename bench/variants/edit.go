package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	_ "image/jpeg"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// runEdit applies the recipe to every original of the corpus with
// ImageMagick's convert, writing CORPUS/edits/SET/EDIT/NAME.jpg. Existing
// outputs are kept, so an interrupted run resumes. Unrelated originals get
// only the edits marked Unrelated.
func runEdit(ctx context.Context, args []string, stderr io.Writer) error {
	fl := flag.NewFlagSet("edit", flag.ContinueOnError)
	corpus := fl.String("corpus", "", "corpus directory")
	jobs := fl.Int("j", 2, "convert processes at once")
	only := fl.String("edits", "", "comma-separated edit names (default: all)")
	nUnrelated := fl.Int("unrelated", 600, "unrelated originals that get edits (taken evenly from the sorted list)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *corpus == "" {
		return errors.New("edit: want -corpus")
	}
	want := map[string]bool{}
	for _, n := range strings.Split(*only, ",") {
		if n != "" {
			want[n] = true
		}
	}
	type job struct {
		src, dst string
		e        edit
	}
	var todo []job
	sets, _ := os.ReadDir(filepath.Join(*corpus, "originals"))
	for _, s := range sets {
		files, _ := filepath.Glob(filepath.Join(*corpus, "originals", s.Name(), "*.jpg"))
		slices.Sort(files)
		if s.Name() == "unrelated" && len(files) > *nUnrelated {
			files = evenly(files, *nUnrelated)
		}
		for _, e := range edits {
			if len(want) > 0 && !want[e.Name] || s.Name() == "unrelated" && !e.Unrelated {
				continue
			}
			dir := filepath.Join(*corpus, "edits", s.Name(), e.Name)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			for _, f := range files {
				dst := filepath.Join(dir, filepath.Base(f))
				if _, err := os.Stat(dst); err == nil {
					continue
				}
				todo = append(todo, job{f, dst, e})
			}
		}
	}
	// A fixed shuffle, so that a partial run covers every set and edit.
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(todo), func(i, j int) { todo[i], todo[j] = todo[j], todo[i] })
	fmt.Fprintf(stderr, "edit: %d files to write\n", len(todo))
	ch := make(chan job)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	done := 0
	for range max(1, *jobs) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				err := applyEdit(ctx, j.src, j.dst, j.e)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				done++
				if done%500 == 0 {
					fmt.Fprintf(stderr, "edit: %d/%d\n", done, len(todo))
				}
				mu.Unlock()
			}
		}()
	}
	for _, j := range todo {
		if ctx.Err() != nil {
			break
		}
		ch <- j
	}
	close(ch)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// applyEdit runs one convert with a deadline; the output is written to a
// temporary name first so a killed run leaves no half file behind.
func applyEdit(ctx context.Context, src, dst string, e edit) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	cfg, _, err := image.DecodeConfig(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("edit: %s: %w", src, err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	tmp := dst + ".tmp.jpg"
	args := append([]string{src, "-quality", "90"}, e.Args(cfg.Width, cfg.Height)...)
	args = append(args, "-strip", tmp)
	cmd := exec.CommandContext(ctx, "convert", args...)
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("edit: %s on %s: %w: %s", e.Name, src, err, out)
	}
	return os.Rename(tmp, dst)
}

// evenly returns n of the items, spread evenly over the list.
func evenly[T any](items []T, n int) []T {
	out := make([]T, 0, n)
	for i := range n {
		out = append(out, items[i*len(items)/n])
	}
	return out
}
