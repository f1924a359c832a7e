package testenv

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
)

func TestStartServer(t *testing.T) {
	cleared := false
	t.Cleanup(func() {
		if !cleared {
			t.Error("stop was not reached")
		}
	})
	addr, stop := StartServer(t, func(ctx context.Context, ln net.Listener) error {
		go func() { <-ctx.Done(); ln.Close() }()
		for {
			c, err := ln.Accept()
			if err != nil {
				return nil
			}
			c.Write([]byte("hi"))
			c.Close()
		}
	})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 2)
	if _, err := c.Read(b); err != nil || string(b) != "hi" {
		t.Fatalf("read %q, %v", b, err)
	}
	c.Close()
	if err := stop(); err != nil || stop() != nil {
		t.Fatalf("stop = %v", err)
	}
	cleared = true
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Fatal("the listener is still open after stop")
	}
}

func TestReadTSV(t *testing.T) {
	p := filepath.Join(t.TempDir(), "v.tsv")
	if err := os.WriteFile(p, []byte("a\tb\n\n1\t2\n3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := ReadTSV(t, p); !reflect.DeepEqual(got, [][]string{{"1", "2"}, {"3"}}) {
		t.Errorf("ReadTSV = %q", got)
	}
	if got := ReadTSVRecords(t, p); !reflect.DeepEqual(got, []map[string]string{{"a": "1", "b": "2"}, {"a": "3"}}) {
		t.Errorf("ReadTSVRecords = %q", got)
	}
}

func TestThreadCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		return // not read elsewhere; ThreadCPU documents 0
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t0 := ThreadCPU()
	x := 0
	for i := range 20_000_000 {
		x ^= i * i
	}
	if d := ThreadCPU() - t0; t0 <= 0 || d <= 0 {
		t.Fatalf("ThreadCPU did not advance: %v then +%v (%d)", t0, d, x)
	}
}
