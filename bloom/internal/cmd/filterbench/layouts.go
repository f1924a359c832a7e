package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"math/bits"
	"math/rand/v2"
	"strings"

	"github.com/hashgate/hashgate/bloom"
)

// layouts are the PDQ key layouts measured: exact, the open-mode 4x64 with
// and without one-bit probes, and 8x32 for the oblivious mode.
var layouts = []string{"exact", "4x64", "4x64+p1", "8x32/oblivious", "8x32+p1/oblivious"}

// exactLookups is what a clean image adds beside its PDQ keys: one exact
// look-up each for pHash, SHA-256 and MD5.
const exactLookups = 3

func keyer(layout string) (*bloom.Keyer, error) {
	l, err := bloom.ParseLayout(layout)
	if err != nil {
		return nil, err
	}
	return bloom.NewKeyer([32]byte{7, 7, 7}, l)
}

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// shares reports whether a query key set meets an insert key set: the
// original is then a candidate whatever filter holds it (filters have no
// false negatives), so this is recall before false positives.
func shares(ins, q []bloom.Key) bool {
	for _, a := range ins {
		for _, b := range q {
			if a == b {
				return true
			}
		}
	}
	return false
}

func recallTable(c config, w io.Writer) ([][]float64, error) {
	const maxD = 32
	recall := make([][]float64, len(layouts))
	fmt.Fprintln(w, "### Recall against Hamming distance (planted bit flips)")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Each cell: share of %d random PDQ hashes whose copy with d random bits flipped shares a key with the original.\n\n", c.trials)
	fmt.Fprint(w, "| d |")
	for _, l := range layouts {
		fmt.Fprintf(w, " %s |", l)
	}
	fmt.Fprint(w, "\n|---:|")
	for range layouts {
		fmt.Fprint(w, "---:|")
	}
	fmt.Fprintln(w)
	for i, name := range layouts {
		k, err := keyer(name)
		if err != nil {
			return nil, err
		}
		r := rand.New(rand.NewPCG(uint64(i), 11))
		var ins, q []bloom.Key
		for d := 0; d <= maxD; d++ {
			hit := 0
			for range c.trials {
				v := randomBytes(r, 32)
				ins = k.InsertKeys(bloom.TypePDQ, v, ins[:0])
				for _, b := range r.Perm(256)[:d] {
					v[b/8] ^= 1 << (b % 8)
				}
				q = k.QueryKeys(bloom.TypePDQ, v, q[:0])
				if shares(ins, q) {
					hit++
				}
			}
			recall[i] = append(recall[i], float64(hit)/float64(c.trials))
		}
	}
	for d := 0; d <= maxD; d++ {
		fmt.Fprintf(w, "| %d |", d)
		for i := range layouts {
			fmt.Fprintf(w, " %.3f |", recall[i][d])
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	return recall, nil
}

// editsTable: the reference's edited copies of one photo against its
// original, with the reference's own hashes.
func editsTable(c config, w io.Writer) error {
	lines, err := readLines(c.pdqData)
	if err != nil {
		return err
	}
	hashes := map[string][]byte{}
	var order []string
	for _, line := range lines[1:] {
		f := strings.Split(line, "\t")
		if len(f) < 2 || !(strings.HasPrefix(f[0], "png/bridge-mods/") || strings.HasPrefix(f[0], "png/misc-images/modes/")) {
			continue
		}
		h, err := hex.DecodeString(f[1])
		if err != nil || len(h) != 32 {
			return fmt.Errorf("%s: bad hash %q", f[0], f[1])
		}
		hashes[f[0]] = h
		order = append(order, f[0])
	}
	orig := hashes["png/bridge-mods/aaa-orig.png"]
	if orig == nil {
		return fmt.Errorf("%s: no png/bridge-mods/aaa-orig.png row", c.pdqData)
	}
	fmt.Fprintln(w, "### Recall on real edits (PDQ reference hashes of the bridge photo's edits)")
	fmt.Fprintln(w)
	fmt.Fprint(w, "| edit | d |")
	for _, l := range layouts {
		fmt.Fprintf(w, " %s |", l)
	}
	fmt.Fprint(w, "\n|---|---:|")
	for range layouts {
		fmt.Fprint(w, ":-:|")
	}
	fmt.Fprintln(w)
	keyers := make([]*bloom.Keyer, len(layouts))
	for i, l := range layouts {
		if keyers[i], err = keyer(l); err != nil {
			return err
		}
	}
	found := make([]int, len(layouts))
	n := 0
	for _, name := range order {
		if name == "png/bridge-mods/aaa-orig.png" {
			continue
		}
		h := hashes[name]
		d := 0
		for i := range h {
			d += bits.OnesCount8(h[i] ^ orig[i])
		}
		fmt.Fprintf(w, "| %s | %d |", strings.TrimSuffix(strings.TrimPrefix(name, "png/"), ".png"), d)
		for i, k := range keyers {
			ok := shares(k.InsertKeys(bloom.TypePDQ, orig, nil), k.QueryKeys(bloom.TypePDQ, h, nil))
			mark := "–"
			if ok {
				mark = "✓"
				found[i]++
			}
			fmt.Fprintf(w, " %s |", mark)
		}
		fmt.Fprintln(w)
		n++
	}
	fmt.Fprintf(w, "| **recall** | |")
	for i := range layouts {
		fmt.Fprintf(w, " %d/%d |", found[i], n)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)
	return nil
}

// layoutTable: for each layout and list size, the per-look-up rate that
// keeps a clean image's false-candidate rate at the budget, the kind
// ChooseKind picks for it, the filter's size, and the measured
// false-candidate rate over clean random images.
func layoutTable(c config, w io.Writer) error {
	fmt.Fprintln(w, "### PDQ layouts: size and false candidates per clean image")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Per-look-up target p = 1-(1-%.3g)^(1/look-ups); a clean image is %d random values (PDQ, pHash, SHA-256, MD5) not in the list.\n\n", c.budget, c.images)
	fmt.Fprintln(w, "| layout | recall guaranteed to d | look-ups / image | list | keys | target p | kind | filter size | bytes / hash | false candidates / clean image |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|")
	for li, name := range layouts {
		k, err := keyer(name)
		if err != nil {
			return err
		}
		l := k.Layout()
		lookups := l.QueryKeysPerPDQ() + exactLookups
		p := 1 - math.Pow(1-c.budget, 1/float64(lookups))
		for _, n := range c.lists {
			r := rand.New(rand.NewPCG(uint64(li), uint64(n)))
			keys := make([]bloom.Key, 0, n*max(l.Bands, 1))
			for range n {
				keys = k.InsertKeys(bloom.TypePDQ, randomBytes(r, 32), keys)
			}
			kind := bloom.ChooseKind(len(keys), p)
			f, err := bloom.Build(keys, bloom.BuildOptions{Kind: kind, TargetFPR: p, KeyID: k.KeyID()})
			if err != nil {
				return err
			}
			set := bloom.Set{Base: f}
			cand := 0
			var q []bloom.Key
			for range c.images {
				q = k.QueryKeys(bloom.TypePDQ, randomBytes(r, 32), q[:0])
				q = k.QueryKeys(bloom.TypePHash, randomBytes(r, 8), q)
				q = k.QueryKeys(bloom.TypeSHA256, randomBytes(r, 32), q)
				q = k.QueryKeys(bloom.TypeMD5, randomBytes(r, 16), q)
				if set.ContainsAny(q) {
					cand++
				}
			}
			fc := float64(cand) / float64(c.images)
			fmt.Fprintf(w, "| %s | %d | %d | %s | %s | %.2g | %v | %s | %.1f | %.3f%% |\n",
				name, l.PigeonholeDistance(), lookups, count(n), count(len(keys)), p, kind,
				mb(f.SizeBytes()), float64(f.SizeBytes())/float64(n), 100*fc)
		}
	}
	fmt.Fprintln(w)
	return nil
}

func mb(n int) string {
	if n < 1<<20 {
		return fmt.Sprintf("%.0f KiB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
