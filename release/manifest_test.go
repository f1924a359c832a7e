package release

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// testSigner is a fixed signer so golden files stay stable.
func testSigner(t testing.TB, seed byte) *Signer {
	t.Helper()
	var ed [32]byte
	var ml [32]byte
	for i := range ed {
		ed[i] = seed
		ml[i] = seed + 1
	}
	return newSigner(ed[:], ml)
}

func sampleManifest(s *Signer) *Manifest {
	m := &Manifest{
		Channel:       "stable",
		Version:       7,
		Epoch:         2,
		Created:       time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC),
		Expires:       time.Date(2026, 12, 23, 9, 0, 0, 0, time.UTC),
		PublisherKeys: s.Refs(),
		Filter: FilterParams{
			Kind:      "binaryfuse16",
			Layout:    "v1",
			TargetFPR: 1.0 / 65536,
			Keys:      1234,
			Entries:   map[string]uint64{"pdq": 100, "md5": 20},
		},
		Artifacts: []Artifact{
			{Role: RoleFilter, Name: "filter-aa.bin", Length: 10},
			{Role: RoleList, Name: "list-bb.hpke", Length: 20},
		},
	}
	for i := range m.Filter.ReleaseKey {
		m.Filter.ReleaseKey[i] = byte(i)
	}
	m.Artifacts[0].SHA256[0] = 0xaa
	m.Artifacts[1].SHA256[31] = 0xbb
	m.Previous[5] = 1
	return m
}

func TestManifestGolden(t *testing.T) {
	s := testSigner(t, 1)
	got, err := sampleManifest(s).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "manifest-1.0.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Marshal changed the manifest format; got:\n%s\nwant:\n%s", got, want)
	}
	m, err := ParseManifest(want)
	if err != nil {
		t.Fatal(err)
	}
	want2 := sampleManifest(s)
	want2.FormatMajor, want2.FormatMinor = 1, 0
	if !reflect.DeepEqual(m, want2) {
		t.Errorf("ParseManifest(golden) = %+v\nwant %+v", m, want2)
	}
	again, err := m.Marshal()
	if err != nil || !bytes.Equal(again, want) {
		t.Errorf("Marshal(ParseManifest(golden)) differs from golden (err %v)", err)
	}
}

// edit returns the golden manifest with old replaced by new (once).
func edit(t *testing.T, old, new string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "manifest-1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("golden manifest has no %q", old)
	}
	return bytes.Replace(b, []byte(old), []byte(new), 1)
}

func TestParseManifestRefuses(t *testing.T) {
	tests := []struct {
		name, old, new, wantMsg string
	}{
		{"newer major", `"format": "1.0"`, `"format": "2.0"`, "not readable by this version"},
		{"bad format", `"format": "1.0"`, `"format": "one"`, "not MAJOR.MINOR"},
		{"unknown field same minor", `"channel":`, `"colour": "red", "channel":`, "unknown field manifest.colour"},
		{"unknown nested field", `"kind":`, `"shape": 1, "kind":`, "unknown field manifest.filter.shape"},
		{"duplicate key", `"channel": "stable"`, `"channel": "stable", "channel": "beta"`, "duplicate key"},
		{"version zero", `"version": 7`, `"version": 0`, "version must be at least 1"},
		{"negative version", `"version": 7`, `"version": -7`, "unsigned 64-bit"},
		{"version overflow", `"version": 7`, `"version": 18446744073709551616`, "unsigned 64-bit"},
		{"version as string", `"version": 7`, `"version": "7"`, "not a number"},
		{"missing version", `,
  "version": 7`, ``, "missing manifest.version"},
		{"non-UTC time", `"2026-12-23T09:00:00Z"`, `"2026-12-23T10:00:00+01:00"`, "RFC 3339 UTC"},
		{"fractional time", `"2026-12-23T09:00:00Z"`, `"2026-12-23T09:00:00.5Z"`, "RFC 3339 UTC"},
		{"expires before created", `"2026-12-23T09:00:00Z"`, `"2026-01-23T09:00:00Z"`, "expires must be after created"},
		{"path in artifact name", `"filter-aa.bin"`, `"../filter-aa.bin"`, "not a plain file name"},
		{"reserved artifact name", `"list-bb.hpke"`, `"manifest.sig"`, "reserved"},
		{"short digest", `"sha256": "aa`, `"sha256": "a`, "lowercase hex"},
		{"upper-case digest", `"sha256": "aa`, `"sha256": "AA`, "lowercase hex"},
		{"unknown role", `"role": "list"`, `"role": "mystery"`, "unknown artifact role"},
		{"no base filter", `"role": "filter"`, `"role": "delta"`, "exactly one artifact"},
		{"trailing data", "  \"version\": 7\n}\n", "  \"version\": 7\n} {}", "trailing data"},
		{"fpr out of range", `"target_fpr": 1.52587890625e-05`, `"target_fpr": 2`, "target_fpr"},
		{"leading zero", `"epoch": 2`, `"epoch": 02`, "malformed number"},
		{"bad key id", `"alg": "ed25519",`, `"alg": "rsa",`, "not an algorithm and key id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseManifest(edit(t, tt.old, tt.new))
			if err == nil {
				t.Fatal("ParseManifest accepted it")
			}
			if !errors.Is(err, ErrFormat) {
				t.Errorf("error %v does not match ErrFormat", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
		})
	}
	if _, err := ParseManifest(edit(t, `"format": "1.0"`, `"format": "2.0"`)); !errors.Is(err, ErrFormatVersion) {
		t.Errorf("newer major: %v does not match ErrFormatVersion", err)
	}
}

func TestParseManifestNewerMinorTolerated(t *testing.T) {
	b := edit(t, `"format": "1.0"`, `"format": "1.7"`)
	b = bytes.Replace(b, []byte(`"channel":`), []byte(`"colour": {"deep": [1, 2, {"x": null}]}, "channel":`), 1)
	b = bytes.Replace(b, []byte(`"kind":`), []byte(`"shape": true, "kind":`), 1)
	m, err := ParseManifest(b)
	if err != nil {
		t.Fatalf("newer minor with unknown fields refused: %v", err)
	}
	if m.FormatMinor != 7 || m.Version != 7 || m.Channel != "stable" {
		t.Errorf("parsed %+v", m)
	}
}

func TestParseManifestLimits(t *testing.T) {
	deep := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	b := edit(t, `"format": "1.0"`, `"format": "1.1", "x": `+deep)
	if _, err := ParseManifest(b); err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Errorf("deep nesting: %v", err)
	}
	big := bytes.Repeat([]byte(" "), MaxManifestSize+1)
	if _, err := ParseManifest(big); !errors.Is(err, ErrFormat) {
		t.Errorf("oversized manifest: %v", err)
	}
	if _, err := ParseManifest([]byte{0xff, '{', '}'}); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("invalid UTF-8: %v", err)
	}
}

func FuzzParseManifest(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"format":"1.3","x":[{"y":"\u00e9"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseManifest(b)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not match ErrFormat", err)
			}
			return
		}
		// Whatever parses re-marshals, and the canonical form is a fixed point.
		out, err := m.Marshal()
		if err != nil {
			t.Fatalf("parsed manifest does not marshal: %v", err)
		}
		m2, err := ParseManifest(out)
		if err != nil {
			t.Fatalf("canonical form does not parse: %v\n%s", err, out)
		}
		out2, err := m2.Marshal()
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("canonical form is not a fixed point")
		}
	})
}

// refParseTime is what parseTime replaced: time.Parse with RFC 3339, then
// the canonical-form check. parseTime must accept exactly what it accepts,
// with the same instant.
func refParseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || formatTime(t) != s {
		return time.Time{}, false
	}
	return t, true
}

func checkParseTime(t *testing.T, s string) {
	t.Helper()
	got, err := parseTime(s)
	want, ok := refParseTime(s)
	if (err == nil) != ok {
		t.Fatalf("parseTime(%q): err %v, time.Parse accepts: %v", s, err, ok)
	}
	if err != nil && !errors.Is(err, ErrFormat) {
		t.Fatalf("parseTime(%q): %v does not match ErrFormat", s, err)
	}
	if ok && (!got.Equal(want) || got.Location() != want.Location() || got != want) {
		t.Fatalf("parseTime(%q) = %v, time.Parse %v", s, got, want)
	}
}

func TestParseTime(t *testing.T) {
	for _, s := range []string{
		"2026-11-23T12:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2024-02-29T10:20:30Z",
		"2023-02-29T10:20:30Z", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-04-31T00:00:00Z",
		"2026-01-01T24:00:00Z", "2026-01-01T23:60:00Z", "2026-01-01T23:59:60Z", "2026-01-01T12:00:00+00:00",
		"2026-01-01T12:00:00.5Z", "2026-01-01t12:00:00Z", "2026-01-01T12:00:00z", "2026-01-01 12:00:00Z",
		"2026-1-01T12:00:00Z", "+2026-01-01T12:00:00Z", "2026-01-01T12:00:0Z", "", "Z", "2026-01-01T12:00:00Z ",
		"2026-01-01T12:00:00ZZ", "20a6-01-01T12:00:00Z", "2026-01-01T12:00:00\x00",
	} {
		checkParseTime(t, s)
	}
	// Every single-character change of a valid time.
	base := []byte("2024-02-29T23:59:59Z")
	for i := range base {
		for c := byte(0x20); c < 0x7f; c++ {
			b := bytes.Clone(base)
			b[i] = c
			checkParseTime(t, string(b))
		}
	}
}

// FuzzParseTime is differential: parseTime against time.Parse.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-11-23T12:00:00Z", "2024-02-29T10:20:30Z", "2023-02-29T10:20:30Z", "2026-01-01T12:00:00+01:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkParseTime(t, s) })
}
