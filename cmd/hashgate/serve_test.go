package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestServeHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--help"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errb.String())
	}
	for _, want := range []string{"Usage: hashgate serve", "HASHGATE_MAX_BODY", "-upload-path", "-fail-open", "-release", "/v1/verify"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestServeFlagErrors(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		wantErr  string
	}{
		{"unknown flag", []string{"--nope"}, nil, exitUsage, "flag provided but not defined"},
		{"stray argument", []string{"dir"}, nil, exitUsage, "unexpected argument"},
		{"bad env value", nil, map[string]string{"HASHGATE_MAX_BODY": "lots"}, exitUsage, "HASHGATE_MAX_BODY"},
		{"bad log level", []string{"--log-level", "loud"}, nil, exitUsage, "log-level"},
		{"missing release", nil, nil, 1, "--release, --trust and --edge-key are required"},
		{"bad config", []string{"--read-timeout", "0s", "--release", "d", "--trust", "t", "--edge-key", "k"}, nil, 1, "timeouts must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			code := serveMain(context.Background(), tt.args, &out, &errb, lookup)
			if code != tt.wantCode || !strings.Contains(errb.String(), tt.wantErr) {
				t.Errorf("exit %d stderr %q; want %d and %q", code, errb.String(), tt.wantCode, tt.wantErr)
			}
		})
	}
}

// Environment variables fill flags not given; the command line wins.
func TestServeEnv(t *testing.T) {
	env := map[string]string{
		"HASHGATE_MAX_BODY":     "1234",
		"HASHGATE_UPLOAD_PATH":  "/a/**, /b",
		"HASHGATE_FAIL_OPEN":    "true",
		"HASHGATE_ADDR":         "127.0.0.1:9",
		"HASHGATE_READ_TIMEOUT": "3s",
	}
	var o serveOptions
	fs := newServeFlags(&o, &bytes.Buffer{})
	if err := fs.Parse([]string{"--addr", "127.0.0.1:7"}); err != nil {
		t.Fatal(err)
	}
	if err := applyEnv(fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	if o.cfg.MaxBodyBytes != 1234 || !o.cfg.FailOpen || o.cfg.ReadTimeout != 3*time.Second {
		t.Errorf("env not applied: %+v", o.cfg)
	}
	if strings.Join(o.uploadPaths, "|") != "/a/**|/b" {
		t.Errorf("upload paths = %q", o.uploadPaths)
	}
	if o.addr != "127.0.0.1:7" {
		t.Errorf("addr = %q: the environment overrode the command line", o.addr)
	}
}
