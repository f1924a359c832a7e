package release

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNoHeavyImports keeps fmt, reflect and encoding/json out of this
// package's own code: the wasm checker links it. (circl, which the package
// needs for ML-DSA, brings some of them in itself; that is circl's cost,
// measured by the wasm size check, not ours to add to.) Nor may it import
// circl/hpke or crypto/hpke, whose package-level KEM tables keep crypto/ecdh's
// NIST curves in every binary that imports them (see hpke.go), nor
// encoding/base64 (base64.go says why).
func TestNoHeavyImports(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			switch p {
			case "fmt", "reflect", "encoding/json", "github.com/cloudflare/circl/hpke", "crypto/hpke", "crypto/ecdh", "encoding/base64":
				t.Errorf("%s imports %s", f, p)
			}
		}
	}
}
