package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLicenseAgrees: LICENSE is the licence every package.json declares,
// and the project documents say how to contribute and what changed.
func TestLicenseAgrees(t *testing.T) {
	lic, err := os.ReadFile("../../LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(lic), "BSD 3-Clause License") {
		t.Errorf("LICENSE is not the BSD 3-Clause text")
	}
	pkgs, _ := filepath.Glob("../../*/package.json")
	more, _ := filepath.Glob("../../*/*/package.json")
	for _, p := range append(pkgs, more...) {
		if strings.Contains(p, "node_modules") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var pj struct {
			License *string `json:"license"`
			Private bool    `json:"private"`
		}
		if err := json.Unmarshal(b, &pj); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if pj.License != nil && *pj.License != "BSD-3-Clause" {
			t.Errorf("%s says license %q; LICENSE is BSD-3-Clause", p, *pj.License)
		}
		if pj.License == nil && !pj.Private {
			t.Errorf("%s is publishable but names no license", p)
		}
	}
	for file, want := range map[string]string{"../../CHANGELOG.md": "## Unreleased", "../../CONTRIBUTING.md": "## Benchmarks"} {
		b, err := os.ReadFile(file)
		if err != nil || !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %q (%v)", file, want, err)
		}
	}
}
