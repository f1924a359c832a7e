package wasmtest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// moduleBytes returns the checker module: $HASHGATE_WASM when set (the
// Makefile builds dist/hashgate.wasm and points it there; a relative path is
// taken from the repository root, where `go test ./...` is run), else a
// build of ../ into a temporary directory, made once per test binary.
var moduleBytes = sync.OnceValues(func() ([]byte, error) { return buildModule("HASHGATE_WASM") })

// obliviousModuleBytes is the oblivious-capable module (-tags oblivious):
// $HASHGATE_WASM_OBLIVIOUS, else a build made once per test binary.
var obliviousModuleBytes = sync.OnceValues(func() ([]byte, error) {
	return buildModule("HASHGATE_WASM_OBLIVIOUS", "-tags", "oblivious")
})

func buildModule(env string, flags ...string) ([]byte, error) {
	if p := os.Getenv(env); p != "" {
		if !filepath.IsAbs(p) {
			p = filepath.Join(repoRoot(), p)
		}
		return os.ReadFile(p)
	}
	dir, err := os.MkdirTemp("", "hashgate-wasmtest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "hashgate.wasm")
	// As the Makefile's WASM_BUILD builds the shipped module.
	args := append([]string{"build", "-trimpath", "-gcflags=github.com/hashgate/hashgate/release=-l", "-ldflags=-s -w -buildid=", "-buildmode=c-shared"}, flags...)
	cmd := exec.Command("go", append(args, "-o", out, ".")...)
	cmd.Dir = filepath.Join(repoRoot(), "wasm")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, &buildError{out: string(b), err: err}
	}
	return os.ReadFile(out)
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string {
	return "wasmtest: building the module: " + e.err.Error() + "\n" + e.out
}

// repoRoot is the module root: the nearest parent with go.mod.
func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			panic("wasmtest: no go.mod above the working directory")
		}
		dir = parent
	}
}

// pdqDir is the shared PDQ reference corpus beside the checkout.
func pdqDir() string { return filepath.Join(repoRoot(), "..", "shared", "testdata", "pdq") }

var sharedRuntime = sync.OnceValues(func() (*Runtime, error) {
	b, err := moduleBytes()
	if err != nil {
		return nil, err
	}
	return NewRuntime(context.Background(), b)
})

var obliviousRuntime = sync.OnceValues(func() (*Runtime, error) {
	b, err := obliviousModuleBytes()
	if err != nil {
		return nil, err
	}
	return NewRuntime(context.Background(), b)
})

// newModule starts a fresh instance of the checker for one test.
func newModule(t testing.TB) *Module { return instantiate(t, sharedRuntime) }

// newObliviousModule starts a fresh instance of the oblivious-capable
// checker.
func newObliviousModule(t testing.TB) *Module { return instantiate(t, obliviousRuntime) }

func instantiate(t testing.TB, runtime func() (*Runtime, error)) *Module {
	t.Helper()
	rt, err := runtime()
	if err != nil {
		t.Fatal(err)
	}
	m, err := rt.Instantiate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}
