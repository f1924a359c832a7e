// Command wasmsize prints the raw and brotli-compressed size of a .wasm
// file and fails when the compressed size is over the budget: what a
// browser downloads is the compressed module, and the checker must stay
// cheap to fetch on a phone.
//
// With -pkgs N it also lists the N Go packages with the most function code
// (raw bytes), from the module's name section: build without -s for that,
// e.g. GOOS=wasip1 GOARCH=wasm go build -trimpath -buildmode=c-shared
// -o /tmp/hg.wasm ./wasm. Data (type descriptors, pclntab) is not counted;
// to see why a package is linked at all, build with -ldflags=-dumpdep.
//
// Usage: go run ./internal/cmd/wasmsize [-max BYTES] [-pkgs N] FILE
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/andybalholm/brotli"
)

// defaultMax is the module's budget: 750 KB brotli-compressed.
const defaultMax = 750 * 1000

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("wasmsize", flag.ContinueOnError)
	fs.SetOutput(stderr)
	limit := fs.Int("max", defaultMax, "largest allowed brotli-compressed size in bytes")
	top := fs.Int("pkgs", 0, "also list the `N` packages with the most function code (needs a module built without -s)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: wasmsize [-max BYTES] [-pkgs N] FILE.wasm")
		return 2
	}
	raw, comp, err := sizes(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %d bytes raw (%.1f KB), %d bytes brotli (%.1f KB, quality 11), budget %.1f KB\n",
		fs.Arg(0), raw, float64(raw)/1000, comp, float64(comp)/1000, float64(*limit)/1000)
	if *top > 0 {
		b, err := os.ReadFile(fs.Arg(0))
		if err == nil {
			var pkgs []pkgSize
			if pkgs, err = packageSizes(b); err == nil {
				for _, p := range pkgs[:min(*top, len(pkgs))] {
					fmt.Fprintf(stdout, "%9d  %s\n", p.bytes, p.pkg)
				}
			}
		}
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	if comp > *limit {
		fmt.Fprintf(stderr, "wasmsize: %s is %d bytes brotli-compressed, over the budget of %d\n", fs.Arg(0), comp, *limit)
		return 1
	}
	return 0
}

// sizes returns the file's length and its length compressed with brotli at
// the best quality, as a server would precompress a static asset.
func sizes(path string) (raw, compressed int, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, fmt.Errorf("wasmsize: %w", err)
	}
	if len(b) < 8 || !bytes.Equal(b[:4], []byte("\x00asm")) {
		return 0, 0, errors.New("wasmsize: " + path + " is not a WebAssembly module")
	}
	var buf bytes.Buffer
	w := brotli.NewWriterLevel(&buf, brotli.BestCompression)
	if _, err := w.Write(b); err != nil {
		return 0, 0, fmt.Errorf("wasmsize: brotli: %w", err)
	}
	if err := w.Close(); err != nil {
		return 0, 0, fmt.Errorf("wasmsize: brotli: %w", err)
	}
	return len(b), buf.Len(), nil
}
