// Command filterbench measures package bloom and prints the tables of
// docs/filter.md as Markdown; with -plots it also draws the figures.
//
//	go run ./bloom/internal/cmd/filterbench -plots docs
//
// It measures: false-positive rates against targets for each filter kind
// at 1e5, 1e6 and 1e7 random keys; split-block sizing (the model used
// against the Parquet formula); and, for PDQ key layouts, recall against
// Hamming distance (planted flips and the reference's edited photos), look-ups
// and false candidates per clean image, and filter size for lists of 1e4,
// 1e5 and 2.1e6 hashes. Everything is seeded, so reruns print the same
// rates; only the machine's speed varies, and no timing is printed here
// (speed lives in the benchmarks).
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashgate/hashgate/bloom"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

type config struct {
	sizes   []int   // keys for the rate table
	lists   []int   // list sizes for the layout table
	images  int     // clean images per false-candidate measurement
	trials  int     // random hashes per distance for recall
	budget  float64 // false-candidate budget per clean image
	plots   string  // directory for PNGs, "" for none
	pdqData string  // expected.tsv of the PDQ reference vectors
	probes  float64 // most probe keys per rate measurement
	sizingN int     // keys for the sizing table
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("filterbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	sizes := fs.String("sizes", "1e5,1e6,1e7", "key counts for the false-positive table")
	lists := fs.String("lists", "1e4,1e5,2.1e6", "PDQ list sizes for the layout table")
	fs.IntVar(&c.images, "images", 200_000, "clean images per false-candidate measurement")
	fs.IntVar(&c.trials, "trials", 2000, "random hashes per Hamming distance")
	fs.Float64Var(&c.budget, "budget", 0.005, "false-candidate rate per clean image the rates are chosen for")
	fs.Float64Var(&c.probes, "maxprobes", 2e8, "most probe keys per false-positive measurement (about 2000 expected hits)")
	fs.IntVar(&c.sizingN, "sizingkeys", 1_000_000, "keys for the split-block sizing table")
	fs.StringVar(&c.plots, "plots", "", "write filter-*.png into this directory")
	fs.StringVar(&c.pdqData, "pdq", "", "PDQ reference expected.tsv (default: ../shared/testdata/pdq beside the module root)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var err error
	if c.sizes, err = parseCounts(*sizes); err == nil {
		c.lists, err = parseCounts(*lists)
	}
	if err != nil {
		fmt.Fprintln(stderr, "filterbench:", err)
		return 2
	}
	if c.pdqData == "" {
		c.pdqData, err = defaultPDQData()
		if err != nil {
			fmt.Fprintln(stderr, "filterbench:", err)
			return 1
		}
	}
	if err := measure(c, stdout); err != nil {
		fmt.Fprintln(stderr, "filterbench:", err)
		return 1
	}
	return 0
}

func parseCounts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		var v float64
		if _, err := fmt.Sscan(f, &v); err != nil || v < 1 {
			return nil, fmt.Errorf("bad count %q", f)
		}
		out = append(out, int(v))
	}
	return out, nil
}

// defaultPDQData finds ../shared/testdata/pdq/expected.tsv relative to the
// directory holding go.mod, walking up from the working directory.
func defaultPDQData() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "testdata", "pdq", "expected.tsv"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory; pass -pdq")
		}
		dir = parent
	}
}

func measure(c config, w io.Writer) error {
	fpr, err := rateTable(c, w)
	if err != nil {
		return err
	}
	if err := sizingTable(c, w); err != nil {
		return err
	}
	recall, err := recallTable(c, w)
	if err != nil {
		return err
	}
	if err := editsTable(c, w); err != nil {
		return err
	}
	if err := layoutTable(c, w); err != nil {
		return err
	}
	if c.plots != "" {
		if err := plotRates(filepath.Join(c.plots, "filter-fpr.png"), fpr); err != nil {
			return err
		}
		if err := plotRecall(filepath.Join(c.plots, "filter-recall.png"), recall); err != nil {
			return err
		}
	}
	return nil
}

func randomKeys(n int, seed uint64) []bloom.Key {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	keys := make([]bloom.Key, n)
	for i := range keys {
		keys[i] = bloom.Key(r.Uint64())
	}
	return keys
}

// falsePositives counts hits among probes keys that were never inserted
// (a different seed from any key set).
func falsePositives(f bloom.Filter, probes int, seed uint64) int {
	r := rand.New(rand.NewPCG(seed, 0xfa15e))
	hits := 0
	for range probes {
		if f.Contains(bloom.Key(r.Uint64())) {
			hits++
		}
	}
	return hits
}

type ratePoint struct {
	kind             bloom.Kind
	n                int
	target, measured float64
}

func rateTable(c config, w io.Writer) ([]ratePoint, error) {
	fmt.Fprintln(w, "### False-positive rate against target")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| kind | keys | target | measured | measured/target | probes | bits/key | Bloom optimum 1.44·log2(1/p) | lower bound log2(1/p) |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	cases := []struct {
		kind bloom.Kind
		p    float64
	}{
		{bloom.KindSplitBlock, 1e-2},
		{bloom.KindSplitBlock, 1.0 / 256},
		{bloom.KindSplitBlock, 1e-3},
		{bloom.KindSplitBlock, 1e-4},
		{bloom.KindSplitBlock, 1.0 / 65536},
		{bloom.KindBinaryFuse8, 1.0 / 256},
		{bloom.KindBinaryFuse16, 1.0 / 65536},
	}
	var out []ratePoint
	for _, n := range c.sizes {
		keys := randomKeys(n, 1)
		for _, cs := range cases {
			f, err := bloom.Build(keys, bloom.BuildOptions{Kind: cs.kind, TargetFPR: cs.p})
			if err != nil {
				return nil, err
			}
			probes := int(math.Min(c.probes, 2000/cs.p)) // ~2000 expected hits: ±2.2%
			got := float64(falsePositives(f, probes, 2)) / float64(probes)
			bpk := 8 * float64(f.SizeBytes()) / float64(n)
			fmt.Fprintf(w, "| %v | %s | %.3g | %.3g | %.2f | %.2g | %.2f | %.2f | %.2f |\n",
				cs.kind, count(n), cs.p, got, got/cs.p, float64(probes), bpk, 1.44*math.Log2(1/cs.p), math.Log2(1/cs.p))
			out = append(out, ratePoint{cs.kind, n, cs.p, got})
		}
	}
	fmt.Fprintln(w)
	return out, nil
}

// sizingTable compares the split-block sizing model with the Parquet
// formula m = -8n / ln(1 - p^(1/8)) bits, each measured.
func sizingTable(c config, w io.Writer) error {
	n := c.sizingN
	fmt.Fprintf(w, "### Split-block sizing: model against the Parquet formula (%s keys)\n", count(n))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| target | model bits/key | model rate | measured | Parquet bits/key | Parquet filter measured | Parquet measured/target |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|")
	keys := randomKeys(n, 3)
	for _, p := range []float64{1e-2, 1e-3, 1e-4, 1e-5, 1e-6} {
		nb := bloom.SplitBlockBlocks(n, p)
		model := bloom.SplitBlockFPR(n, nb)
		got := measuredSplitBlock(keys, nb, p, c.probes)
		pq := int(math.Ceil(-8 * float64(n) / math.Log(1-math.Pow(p, 1.0/8)) / 256))
		gotPQ := measuredSplitBlock(keys, pq, p, c.probes)
		fmt.Fprintf(w, "| %.0e | %.2f | %.3g | %.3g | %.2f | %.3g | %.2f |\n",
			p, float64(nb)*256/float64(n), model, got, float64(pq)*256/float64(n), gotPQ, gotPQ/p)
	}
	fmt.Fprintln(w)
	return nil
}

// measuredSplitBlock measures the rate of a filter of exactly nb blocks
// holding keys; p only sets how many probes are enough.
func measuredSplitBlock(keys []bloom.Key, nb int, p, maxProbes float64) float64 {
	f := bloom.NewSplitBlockBlocks(nb, [8]byte{})
	for _, k := range keys {
		f.Add(k)
	}
	probes := int(math.Min(maxProbes, 2000/p))
	return float64(falsePositives(f, probes, 4)) / float64(probes)
}

// count prints 100000 as 1e5 and 2100000 as 2.1e6.
func count(n int) string {
	e := int(math.Floor(math.Log10(float64(n))))
	return trim(float64(n)/math.Pow(10, float64(e))) + "e" + fmt.Sprint(e)
}

func trim(v float64) string { return strings.TrimSuffix(fmt.Sprintf("%.1f", v), ".0") }

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		out = append(out, s.Text())
	}
	return out, s.Err()
}
