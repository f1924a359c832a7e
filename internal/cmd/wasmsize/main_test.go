package main

import (
	"bytes"
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
