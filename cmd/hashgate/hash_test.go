package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashgate/hashgate/fingerprint/media"
)

func hashTestImage(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := uint8(255 * x / w)
			if (x-w/3)*(x-w/3)+(y-h/2)*(y-h/2) < h*h/9 {
				v = 255 - v
			}
			m.SetNRGBA(x, y, color.NRGBA{v, uint8(255 * y / h), 90, 255})
		}
	}
	return m
}

// hashFixtures writes a directory with two good images (one nested) and
// two bad files, and returns it with the good files' bytes by path.
func hashFixtures(t *testing.T) (string, map[string][]byte) {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	var p, j bytes.Buffer
	if err := png.Encode(&p, hashTestImage(300, 200)); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&j, hashTestImage(700, 600), nil); err != nil {
		t.Fatal(err)
	}
	good := map[string][]byte{
		filepath.Join(dir, "a.png"):        p.Bytes(),
		filepath.Join(dir, "sub", "b.jpg"): j.Bytes(),
	}
	files := map[string][]byte{
		filepath.Join(dir, "notes.txt"):      []byte("not an image"),
		filepath.Join(dir, "sub", "cut.jpg"): j.Bytes()[:200],
	}
	for k, v := range good {
		files[k] = v
	}
	for name, b := range files {
		if err := os.WriteFile(name, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, good
}

func TestHashJSON(t *testing.T) {
	dir, good := hashFixtures(t)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"hash", "--json", dir}, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (two bad files); stderr:\n%s", code, errb.String())
	}
	for _, bad := range []string{"notes.txt", "cut.jpg"} {
		if !strings.Contains(errb.String(), bad) {
			t.Errorf("stderr does not name %s:\n%s", bad, errb.String())
		}
	}
	if !strings.Contains(errb.String(), "unsupported") || !strings.Contains(errb.String(), "corrupt") {
		t.Errorf("stderr does not give reasons:\n%s", errb.String())
	}
	seen := 0
	s := bufio.NewScanner(&out)
	for s.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(s.Bytes(), &rec); err != nil {
			t.Fatalf("line %q: %v", s.Text(), err)
		}
		for _, k := range []string{"path", "width", "height", "pdq", "pdq_quality", "pdq_dihedral", "phash", "dhash", "ahash", "sha256", "md5"} {
			if _, ok := rec[k]; !ok {
				t.Errorf("line lacks %q: %s", k, s.Text())
			}
		}
		var r hashRecord
		if err := json.Unmarshal(s.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		b, ok := good[r.Path]
		if !ok {
			t.Fatalf("unexpected path %q", r.Path)
		}
		f, err := media.FingerprintBytes(b, media.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if want := newHashRecord(r.Path, f); r != want {
			t.Errorf("%s: got %+v, want %+v", r.Path, r, want)
		}
		if r.PDQDihedral[0] != r.PDQ || len(r.SHA256) != 64 || len(r.MD5) != 32 || len(r.PHash) != 16 {
			t.Errorf("%s: malformed record %+v", r.Path, r)
		}
		seen++
	}
	if seen != len(good) {
		t.Fatalf("%d records, want %d:\n%s", seen, len(good), out.String())
	}
}

func TestHashTable(t *testing.T) {
	dir, good := hashFixtures(t)
	var paths []string
	for p := range good {
		paths = append(paths, p)
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), append([]string{"hash"}, paths...), &out, &errb); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "PATH") {
		t.Fatalf("table:\n%s", out.String())
	}
	f, err := media.FingerprintBytes(good[filepath.Join(dir, "a.png")], media.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), f.PDQ.String()) || !strings.Contains(out.String(), "300x200") {
		t.Fatalf("table lacks a.png's PDQ or size:\n%s", out.String())
	}
}

func TestHashUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"hash", "--help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "pdq_dihedral") {
		t.Fatalf("--help: exit %d\n%s", code, out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"hash"}, &out, &errb); code != exitUsage {
		t.Fatalf("no paths: exit %d", code)
	}
	if code := run(context.Background(), []string{"hash", "--max-pixels", "100", filepath.Join("..", "..", "fingerprint", "doc.go")}, &out, &errb); code != 1 {
		t.Fatalf("non-image: exit %d", code)
	}
}
