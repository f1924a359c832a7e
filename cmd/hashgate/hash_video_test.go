package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashgate/hashgate/internal/testenv"
)

// TestHashVideo: `hashgate hash --format vpdq` writes exactly what Meta's
// vpdq-hash-video -r 1 wrote for the sample video; --json carries the
// same frames; a table row names the video; -o writes NAME.txt.
func TestHashVideo(t *testing.T) {
	dir := testenv.VPDQDir(t)
	const name = "test-padded-dimensions"
	src := filepath.Join(dir, "videos", name+".mp4")
	want, err := os.ReadFile(filepath.Join(dir, "expected-here-1fps", name+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"hash", "--format", "vpdq", src}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("--format vpdq:\n%s\nwant (vpdq-hash-video -r 1):\n%s", out.Bytes(), want)
	}

	outDir := t.TempDir()
	out.Reset()
	if code := run(context.Background(), []string{"hash", "--format", "vpdq", "-o", outDir, src}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if got, err := os.ReadFile(filepath.Join(outDir, name+".txt")); err != nil || !bytes.Equal(got, want) {
		t.Errorf("-o %s: %v\n%s", outDir, err, got)
	}

	out.Reset()
	if code := run(context.Background(), []string{"hash", "--json", src}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rec videoRecord
	if err := json.Unmarshal(out.Bytes(), &rec); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if rec.Kind != "video" || rec.Width != 1080 || rec.Height != 1080 || rec.FrameMod != 30 || len(rec.VPDQ) != 5 ||
		rec.VPDQ[1].Frame != 30 || !bytes.Contains(want, []byte(rec.VPDQ[1].PDQ)) || len(rec.MD5) != 32 {
		t.Errorf("--json: %+v", rec)
	}

	out.Reset()
	if code := run(context.Background(), []string{"hash", src}, &out, &errb); code != 0 || !bytes.Contains(out.Bytes(), []byte("vpdq: 5 frames")) {
		t.Errorf("table (exit %d):\n%s", code, out.String())
	}

	for _, args := range [][]string{
		{"hash", "--format", "tmk", src},
		{"hash", "--format", "vpdq", "--json", src},
		{"hash", "-o", outDir, src},
		{"hash", "--seconds-per-hash", "-1", src},
	} {
		if code := run(context.Background(), args, &out, &errb); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}
