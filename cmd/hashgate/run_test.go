package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRunUsage(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{"no args", nil, exitUsage, "", "Usage: hashgate"},
		{"help", []string{"--help"}, 0, "Usage: hashgate", ""},
		{"unknown", []string{"frobnicate"}, exitUsage, "", `unknown command "frobnicate"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tt.args, &out, &errb)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d", code, tt.wantCode)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout = %q, want it to contain %q", out.String(), tt.wantOut)
			}
			if !strings.Contains(errb.String(), tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", errb.String(), tt.wantErr)
			}
		})
	}
}

// TestCommandsShareFlagParsing: every command, serve and demo included,
// prints the same help to stdout for --help (after an argument too) and
// refuses an unknown flag on stderr with exit code 2.
func TestCommandsShareFlagParsing(t *testing.T) {
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(context.Background(), []string{c.name, "ARG", "--help"}, &out, &errb); code != 0 {
				t.Errorf("--help: exit code %d, stderr %q", code, errb.String())
			}
			if !strings.HasPrefix(out.String(), "Usage: hashgate "+c.name+" ") || !strings.Contains(out.String(), "\nFlags:\n") {
				t.Errorf("--help printed %q", out.String())
			}
			out.Reset()
			errb.Reset()
			if code := run(context.Background(), []string{c.name, "--no-such-flag"}, &out, &errb); code != exitUsage {
				t.Errorf("unknown flag: exit code %d, want %d", code, exitUsage)
			}
			if out.Len() != 0 || !strings.Contains(errb.String(), "no-such-flag") {
				t.Errorf("unknown flag: stdout %q, stderr %q", out.String(), errb.String())
			}
		})
	}
}
