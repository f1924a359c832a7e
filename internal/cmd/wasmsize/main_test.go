package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	mod := filepath.Join(dir, "m.wasm")
	// wasmsize reads only the magic number: a module header and filler.
	body := append([]byte("\x00asm\x01\x00\x00\x00\x00\x84\x08\x01x"), bytes.Repeat([]byte("hashgate"), 128)...)
	if err := os.WriteFile(mod, body, 0o644); err != nil {
		t.Fatal(err)
	}
	notWasm := filepath.Join(dir, "x.txt")
	os.WriteFile(notWasm, []byte("hello, world"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"within budget", []string{mod}, 0, "1037 bytes raw"},
		{"over budget", []string{"-max", "10", mod}, 1, "over the budget"},
		{"not wasm", []string{notWasm}, 1, "not a WebAssembly module"},
		{"missing", []string{filepath.Join(dir, "nope.wasm")}, 1, "no such file"},
		{"usage", nil, 2, "usage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tc.args, &out, &errb)
			if code != tc.code || !strings.Contains(out.String()+errb.String(), tc.out) {
				t.Errorf("code %d, output %q %q; want %d and %q", code, out.String(), errb.String(), tc.code, tc.out)
			}
		})
	}
}

// wasmModule assembles a module from sections (id, payload).
func wasmModule(sections ...[]byte) []byte {
	m := []byte("\x00asm\x01\x00\x00\x00")
	for _, s := range sections {
		m = append(m, s[0])
		m = binary.AppendUvarint(m, uint64(len(s)-1))
		m = append(m, s[1:]...)
	}
	return m
}

func vec(items ...[]byte) []byte {
	b := binary.AppendUvarint(nil, uint64(len(items)))
	for _, it := range items {
		b = append(b, it...)
	}
	return b
}

func name(s string) []byte { return append(binary.AppendUvarint(nil, uint64(len(s))), s...) }

// TestPackageSizes: a module with an imported function, three bodies and
// a name section, as the Go linker lays them out.
func TestPackageSizes(t *testing.T) {
	body := func(n int) []byte { return append(binary.AppendUvarint(nil, uint64(n)), make([]byte, n)...) }
	imports := append([]byte{2}, vec(append(append(name("wasi"), name("fd_write")...), 0, 0))...)
	code := append([]byte{10}, vec(body(10), body(30), body(5))...)
	entry := func(idx int, s string) []byte { return append(binary.AppendUvarint(nil, uint64(idx)), name(s)...) }
	fnames := vec(entry(1, "github.com_hashgate_hashgate_release.__jparser_.object"),
		entry(2, "syscall.fd_write"), entry(3, "github.com_hashgate_hashgate_release.Accept"))
	names := append(append([]byte{0}, name("name")...), 1)
	names = append(binary.AppendUvarint(names, uint64(len(fnames))), fnames...)
	other := append([]byte{0}, name("producers")...)

	dir := t.TempDir()
	withNames := filepath.Join(dir, "names.wasm")
	os.WriteFile(withNames, wasmModule(imports, code, other, names), 0o644)
	stripped := filepath.Join(dir, "stripped.wasm")
	os.WriteFile(stripped, wasmModule(imports, code), 0o644)

	var out, errb bytes.Buffer
	if code := run([]string{"-pkgs", "5", withNames}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	want := "       30  syscall\n       15  github.com/hashgate/hashgate/release\n"
	if got := out.String(); !strings.HasSuffix(got, want) {
		t.Errorf("output %q, want it to end with %q", got, want)
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"-pkgs", "5", stripped}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "without -ldflags=-s") {
		t.Errorf("stripped module: exit %d, %q", code, errb.String())
	}
	for n := range len(wasmModule(imports, code, names)) {
		packageSizes(wasmModule(imports, code, names)[:n]) // truncations: an error, never a panic
	}
}

func TestPackageOf(t *testing.T) {
	for in, want := range map[string]string{
		"github.com_nfnt_resize.Resize":               "github.com/nfnt/resize",
		"golang.org_x_sys_cpu.init":                   "golang.org/x/sys/cpu",
		"crypto_internal_fips140_nistec_fiat.p521Mul": "crypto/internal/fips140/nistec/fiat",
		"runtime.__mheap_.alloc":                      "runtime",
		"syscall.fd_write":                            "syscall",
		"time.Time.String":                            "time",
		"slices.pdqsortOrdered_go.shape.float32_":     "slices",
		"type_.eq.github.com_hashgate_hashgate_x.T":   "type:",
		"": "(unnamed)",
	} {
		if got := packageOf(in); got != want {
			t.Errorf("packageOf(%q) = %q, want %q", in, got, want)
		}
	}
}
