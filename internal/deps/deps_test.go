package deps

import (
	"flag"
	"os"
	"os/exec"
	"path"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/hashgate/hashgate/"

// Outside packages that the code in the wasm module must not import itself.
// fmt, reflect and encoding/json cost the module tens of KB each (circl's
// ML-DSA brings fmt and reflect in through encoding/asn1: circl's cost,
// measured by `make wasm`, not ours to add to); the image decoders and the
// reference hashing packages are native-only.
var (
	lean     = []string{"fmt", "reflect", "encoding/json"}
	decoders = []string{"image/jpeg", "image/png", "image/gif", "golang.org/x/image/webp",
		"golang.org/x/image/bmp", "golang.org/x/image/tiff", "github.com/corona10/goimagehash",
		"github.com/nfnt/resize", "encoding/gob"}
	// circl/hpke, crypto/hpke and crypto/ecdh keep the NIST curves alive
	// through package-level tables (release/hpke.go); encoding/base64 is
	// replaced by internal code for size (RATIONALE.md).
	heavyCrypto = []string{"github.com/cloudflare/circl/hpke", "crypto/hpke", "crypto/ecdh"}
	circlGroup  = []string{"github.com/cloudflare/circl/group", "github.com/cloudflare/circl/oprf", "encoding/hex"}
)

// A rule says where one package sits.
type rule struct {
	floor int      // 0 imports nothing of hashgate; a package imports only lower floors
	may   []string // the hashgate packages it may import directly
	not   [][]string
	tool  bool // a developer tool or test host: may import any non-tool package, none may import it
}

// policy has a row for every package of the module: a new package fails
// the test until it says here where it sits.
var policy = map[string]rule{
	// wire: hex, base64, numbers, the JSON dialect, small errors; used by
	// every package that writes or parses text without fmt.
	"internal/wire":    {floor: 0, not: [][]string{lean}},
	"internal/testenv": {tool: true}, // imported by tests only

	"fingerprint": {floor: 1, may: []string{"internal/wire"}, not: [][]string{lean, decoders}},
	"bloom":       {floor: 1, may: []string{"internal/wire"}, not: [][]string{lean}},
	// oblivious: RFC 9497 VOPRF for oblivious-mode keys. release must not
	// import it (circl's group brings crypto/ecdh into the open module).
	"oblivious": {floor: 1, may: []string{"oblivious/internal/msg"}, not: [][]string{lean, heavyCrypto}},
	// lite: the browser module's VOPRF client, without circl's group
	// package (its start-up tables bring the NIST curves, fmt and math/big).
	"oblivious/lite": {floor: 1, may: []string{"oblivious/internal/msg"}, not: [][]string{lean, heavyCrypto, circlGroup}},
	// msg: what the two share of the /v1/oprf wire format.
	"oblivious/internal/msg": {floor: 0, not: [][]string{lean, heavyCrypto, circlGroup}},

	// canon: robust hashes (trimmed picture, list crops) on the canonical
	// image; headed for the wasm module, so lean.
	"fingerprint/canon": {floor: 2, may: []string{"fingerprint"}, not: [][]string{lean, decoders}},
	"fingerprint/media": {floor: 3, may: []string{"fingerprint", "fingerprint/canon", "fingerprint/media/internal/heif", "fingerprint/media/internal/tjpeg"}},
	// tjpeg: libjpeg-turbo through cgo (a stub without cgo); imports nothing.
	"fingerprint/media/internal/tjpeg": {floor: 0, not: [][]string{lean}},
	// heif: libheif through cgo (a stub without cgo); imports nothing.
	"fingerprint/media/internal/heif": {floor: 0},
	"fingerprint/video":               {floor: 3, may: []string{"fingerprint", "fingerprint/canon"}},
	"match":                           {floor: 2, may: []string{"fingerprint"}},
	"release": {floor: 2, may: []string{"bloom", "fingerprint", "internal/wire"},
		not: [][]string{lean, heavyCrypto, {"encoding/base64"}}},

	"release/hashlist": {floor: 4, may: []string{"fingerprint", "fingerprint/video", "internal/wire", "release"}},
	"wasm/internal/checker": {floor: 3, may: []string{"bloom", "fingerprint", "fingerprint/canon", "internal/wire", "oblivious/lite", "release"},
		not: [][]string{lean, decoders, heavyCrypto}},
	"edge": {floor: 4, may: []string{"bloom", "fingerprint", "fingerprint/media", "fingerprint/video", "internal/wire", "match", "oblivious", "release"}},

	"wasm": {floor: 4, may: []string{"wasm/internal/checker"}, not: [][]string{lean}},
	"cmd/hashgate": {floor: 5, may: []string{"bloom", "edge", "fingerprint", "fingerprint/canon", "fingerprint/media",
		"fingerprint/video", "internal/wire", "match", "oblivious", "release", "release/hashlist"}},

	"wasm/wasmtest":                        {tool: true},
	"internal/deps":                        {tool: true},
	"internal/cmd/wasmsize":                {tool: true},
	"bench/edge":                           {tool: true},
	"bench/videoeval":                      {tool: true},
	"bench/video":                          {tool: true},
	"bench/variants":                       {tool: true},
	"bench/browser/mkjpeg":                 {tool: true},
	"bloom/internal/cmd/filterbench":       {tool: true},
	"bloom/internal/wasmbench":             {tool: true},
	"oblivious/internal/wasmbench":         {tool: true},
	"fingerprint/internal/cmd/pipelinecmp": {tool: true},
	"fingerprint/internal/cmd/dihedralgap": {tool: true},
}

// Packages that must not be anywhere below a package (go list -deps), by
// build: the root fingerprint package natively (the edge and the checker
// share it bit for bit), and the module as GOOS=wasip1 builds it.
var banned = []struct {
	pkg, goos, tags string
	not             [][]string
}{
	{"fingerprint", "", "", [][]string{lean, decoders}},
	{"wasm", "wasip1", "", [][]string{{"encoding/json"}, decoders, heavyCrypto, circlGroup}},
	{"wasm", "wasip1", "oblivious", [][]string{{"encoding/json"}, decoders, heavyCrypto, circlGroup}},
}

type pkgInfo struct {
	path    string
	imports []string
}

// list runs go list over the module for goos ("" for the host).
func list(t *testing.T, goos string, deps bool, patterns ...string) []pkgInfo {
	return listTags(t, goos, "", deps, patterns...)
}

// listTags is list with build tags.
func listTags(t *testing.T, goos, tags string, deps bool, patterns ...string) []pkgInfo {
	t.Helper()
	args := []string{"list"}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	if deps {
		args = append(args, "-deps")
	}
	args = append(args, "-f", "{{.ImportPath}} {{join .Imports \" \"}}")
	cmd := exec.Command("go", append(args, patterns...)...)
	cmd.Dir = "../.."
	cmd.Env = os.Environ()
	if goos != "" {
		cmd.Env = append(cmd.Env, "GOOS="+goos, "GOARCH=wasm")
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v", strings.Join(cmd.Args[1:], " "), err)
	}
	var ps []pkgInfo
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) > 0 {
			ps = append(ps, pkgInfo{f[0], f[1:]})
		}
	}
	if len(ps) == 0 {
		t.Fatalf("go %s listed nothing", strings.Join(cmd.Args[1:], " "))
	}
	return ps
}

// local strips the module path; ok is false for outside packages.
func local(p string) (string, bool) {
	if !strings.HasPrefix(p, module) {
		return "", false
	}
	return strings.TrimPrefix(p, module), true
}

func TestPolicy(t *testing.T) {
	seen := map[string]bool{}
	report := func(msg string) {
		if !seen[msg] {
			seen[msg] = true
			t.Error(msg)
		}
	}
	for _, goos := range []string{"", "wasip1"} {
		pats := []string{"./..."}
		if goos != "" {
			pats = []string{"./wasm"}
		}
		for _, p := range list(t, goos, goos != "", pats...) {
			name, ok := local(p.path)
			if !ok {
				continue
			}
			r, ok := policy[name]
			if !ok {
				report(name + " has no row in the import policy (internal/deps/deps_test.go)")
				continue
			}
			for _, imp := range p.imports {
				if dep, ok := local(imp); ok {
					if err := r.allows(name, dep); err != "" {
						report(err)
					}
					continue
				}
				not := r.not
				if goos == "wasip1" {
					not = append(not, lean) // whatever the row says, nothing in the module
				}
				for _, set := range not {
					if slices.Contains(set, imp) {
						report(name + " imports " + imp)
					}
				}
			}
		}
	}
}

// allows says why pkg may not import dep, or "".
func (r rule) allows(pkg, dep string) string {
	d, ok := policy[dep]
	switch {
	case !ok:
		return "" // reported on dep's own line
	case d.tool:
		return pkg + " imports " + dep + ", a tool that nothing may import"
	case r.tool:
		return ""
	case !slices.Contains(r.may, dep):
		return pkg + " imports " + dep + ", which the policy does not allow"
	case d.floor >= r.floor:
		return pkg + " (floor " + itoa(r.floor) + ") imports " + dep + " (floor " + itoa(d.floor) + ")"
	}
	return ""
}

func TestBanned(t *testing.T) {
	for _, b := range banned {
		for _, p := range listTags(t, b.goos, b.tags, true, "./"+b.pkg) {
			if name, ok := local(p.path); ok && b.goos == "" && name != b.pkg && name != "internal/wire" {
				// The native fingerprint package stands on wire alone.
				t.Errorf("%s depends on %s", b.pkg, name)
			}
			for _, set := range b.not {
				if slices.Contains(set, p.path) {
					t.Errorf("%s (GOOS=%s, tags %q) depends on %s", b.pkg, b.goos, b.tags, p.path)
				}
			}
		}
	}
}

var update = flag.Bool("update", false, "rewrite docs/architecture.dot from the policy")

// TestPicture keeps docs/architecture.dot, from which docs/architecture.png
// is drawn, equal to the graph go list reports: `go test ./internal/deps
// -update` rewrites it, then `dot -Tpng docs/architecture.dot -o
// docs/architecture.png`.
func TestPicture(t *testing.T) {
	var b strings.Builder
	b.WriteString("// The package map: go test ./internal/deps -update writes this file;\n")
	b.WriteString("// dot -Tpng docs/architecture.dot -o docs/architecture.png draws it.\n")
	b.WriteString("digraph hashgate {\n\trankdir=TB;\n\tnode [shape=box, fontname=\"Helvetica\"];\n")
	floors := map[int][]string{}
	for name, r := range policy {
		if !r.tool {
			floors[r.floor] = append(floors[r.floor], name)
		}
	}
	for f := len(floors) - 1; f >= 0; f-- {
		slices.Sort(floors[f])
		b.WriteString("\t{ rank=same;")
		for _, n := range floors[f] {
			b.WriteString(" \"" + n + "\";")
		}
		b.WriteString(" }\n")
	}
	var edges []string
	// The module's main package builds only for wasip1.
	for _, p := range append(list(t, "", false, "./..."), list(t, "wasip1", false, "./wasm")...) {
		name, _ := local(p.path)
		if r, ok := policy[name]; !ok || r.tool {
			continue
		}
		for _, imp := range p.imports {
			if dep, ok := local(imp); ok {
				edges = append(edges, "\t\""+name+"\" -> \""+dep+"\";\n")
			}
		}
	}
	slices.Sort(edges)
	edges = slices.Compact(edges)
	for _, e := range edges {
		b.WriteString(e)
	}
	b.WriteString("}\n")
	file := path.Join("..", "..", "docs", "architecture.dot")
	if *update {
		if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != b.String() {
		t.Errorf("%s is not the package graph; run go test ./internal/deps -update and redraw the PNG", file)
	}
}

func itoa(n int) string { return string(rune('0' + n)) }
