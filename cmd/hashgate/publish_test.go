package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashgate/hashgate/release"
)

func TestPublishVersionsAndPrunes(t *testing.T) {
	dir := t.TempDir()
	k := genKeys(t, dir)
	site := filepath.Join(dir, "site")
	rels := make([]string, 5)
	for i := range rels {
		rels[i] = filepath.Join(dir, "b", string(rune('1'+i)))
		mustHG(t, "build", "--list", writeList(t, dir, "l.tsv", 20+i, uint64(i)), "--out", rels[i], "--key", k.pub,
			"--edge-pub", k.edgePub, "--version", string(rune('1'+i)))
	}
	artifacts := func(rel string) []string {
		b, err := os.ReadFile(filepath.Join(rel, release.ManifestFile))
		if err != nil {
			t.Fatal(err)
		}
		m, _ := release.ParseManifest(b)
		var out []string
		for _, a := range m.Artifacts {
			out = append(out, a.Name)
		}
		return out
	}
	mustHG(t, "publish", rels[0], "--site", site, "--pub", k.pub)
	mustHG(t, "publish", rels[1], "--site", site, "--pub", k.pub, "--keep", "2", "--keep-for", "0s")
	// Republishing an older or equal version is refused, as an edge would.
	code, _, errb := hg(t, "publish", rels[0], "--site", site, "--pub", k.pub)
	if code != 1 || !strings.Contains(errb, "REFUSED (rule rollback)") {
		t.Errorf("publishing version 1 over 2: exit %d, %q", code, errb)
	}
	// Another publisher's release is refused.
	other := filepath.Join(dir, "other")
	mustHG(t, "keygen", "--out", other)
	if code, _, errb := hg(t, "publish", rels[2], "--site", site, "--pub", other); code != 1 || !strings.Contains(errb, "REFUSED") {
		t.Errorf("publishing with the wrong --pub: exit %d, %q", code, errb)
	}
	// The newest --keep stay; a release published within --keep-for stays too.
	mustHG(t, "publish", rels[2], "--site", site, "--pub", k.pub, "--keep", "2", "--keep-for", "1h")
	if _, err := os.Stat(filepath.Join(site, releasesDir, "1")); err != nil {
		t.Errorf("release 1, published within --keep-for, was pruned")
	}
	mustHG(t, "publish", rels[3], "--site", site, "--pub", k.pub, "--keep", "2", "--keep-for", "0s")
	mustHG(t, "publish", rels[4], "--site", site, "--pub", k.pub, "--keep", "2", "--keep-for", "0s")
	for v, want := range map[string]bool{"1": false, "2": false, "3": false, "4": true, "5": true} {
		_, err := os.Stat(filepath.Join(site, releasesDir, v))
		if (err == nil) != want {
			t.Errorf("release folder %s present %v, want %v", v, err == nil, want)
		}
	}
	for i, rel := range rels {
		for _, a := range artifacts(rel) {
			_, err := os.Stat(filepath.Join(site, a))
			if want := i >= 3; (err == nil) != want {
				t.Errorf("release %d's %s present %v, want %v", i+1, a, err == nil, want)
			}
		}
	}
	// The site itself is the current release, and every kept folder a
	// complete one.
	for _, d := range []string{site, filepath.Join(site, releasesDir, "4")} {
		if code, out, errb := hg(t, "verify", d, "--pub", k.pub); code != 0 {
			t.Errorf("verify %s: %d %s %s", d, code, out, errb)
		}
	}
	if v, err := currentVersion(site); err != nil || v != 5 {
		t.Errorf("current version %d, %v", v, err)
	}
}

func TestPruneKeepsCurrentArtifacts(t *testing.T) {
	// A pruned folder's artifacts that the current manifest still names
	// (a delta's base filter) stay.
	dir := t.TempDir()
	k := genKeys(t, dir)
	site := filepath.Join(dir, "site")
	r1 := filepath.Join(dir, "1")
	mustHG(t, "build", "--list", writeList(t, dir, "l.tsv", 20, 1), "--out", r1, "--key", k.pub, "--edge-pub", k.edgePub, "--edge-pub", k.edge, "--version", "1")
	mustHG(t, "publish", r1, "--site", site, "--pub", k.pub)
	r2 := filepath.Join(dir, "2")
	mustHG(t, "build", "--list", writeList(t, dir, "l2.tsv", 30, 1), "--out", r2, "--key", k.pub, "--edge-pub", k.edgePub, "--edge-pub", k.edge, "--version", "2")
	d2 := filepath.Join(dir, "2d")
	mustHG(t, "diff", r1, r2, "--out", d2, "--key", k.pub, "--edge-key", k.edge, "--edge-pub", k.edgePub, "--edge-pub", k.edge)
	mustHG(t, "publish", d2, "--site", site, "--pub", k.pub)
	r3 := filepath.Join(dir, "3")
	mustHG(t, "build", "--list", writeList(t, dir, "l3.tsv", 30, 3), "--out", r3, "--key", k.pub, "--edge-pub", k.edgePub, "--version", "3")
	mustHG(t, "publish", r3, "--site", site, "--pub", k.pub, "--keep", "2", "--keep-for", "0s")
	if _, err := os.Stat(filepath.Join(site, releasesDir, "1")); err == nil {
		t.Error("release 1 not pruned")
	}
	b, err := release.LoadDir(filepath.Join(site, releasesDir, "2"))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := release.ParseManifest(b.Manifest)
	for _, a := range m.Artifacts {
		if _, err := os.Stat(filepath.Join(site, a.Name)); err != nil {
			t.Errorf("kept delta release 2 lost %s (its base's) when release 1 was pruned", a.Name)
		}
	}
}
