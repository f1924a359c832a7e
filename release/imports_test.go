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
// needs for ML-DSA and HPKE, brings some of them in itself; that is circl's
// cost, measured by the wasm size check, not ours to add to.)
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
			case "fmt", "reflect", "encoding/json":
				t.Errorf("%s imports %s", f, p)
			}
		}
	}
}
