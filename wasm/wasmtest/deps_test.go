package wasmtest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The module carries no JSON encoder, no image decoder, and no hashgate
// package on its path uses fmt or reflect itself. (circl's ML-DSA package
// imports encoding/asn1, which brings fmt, reflect and math/big into the
// module through the release package's signature check.)
func TestModuleImports(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./wasm")
	cmd.Dir = repoRoot()
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	banned := map[string]bool{"encoding/json": true, "image/jpeg": true, "image/png": true, "image/gif": true,
		"golang.org/x/image/webp": true, "golang.org/x/image/tiff": true, "github.com/corona10/goimagehash": true,
		"encoding/gob": true, "github.com/nfnt/resize": true, "github.com/cloudflare/circl/hpke": true,
		"crypto/hpke": true, "crypto/ecdh": true}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if banned[f[0]] {
			t.Errorf("the module depends on %s", f[0])
		}
		if strings.HasPrefix(f[0], "github.com/hashgate/") {
			for _, imp := range f[1:] {
				if imp == "fmt" || imp == "reflect" || imp == "encoding/json" {
					t.Errorf("%s imports %s", f[0], imp)
				}
			}
		}
	}
}
