package testenv

import (
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// WasmGuest is one instance of a test's own wasip1 module (a guest package
// exporting alloc and the functions under test) in wazero, the runtime the
// checker is tested with.
type WasmGuest struct {
	Ctx context.Context
	Mod api.Module
}

// guestBuild is one package's build, made once per test binary.
type guestBuild struct {
	once sync.Once
	wasm []byte
	err  error
}

var guestBuilds sync.Map // package directory -> *guestBuild

// NewWasmGuest builds the package in dir (relative to the test's own
// directory) with GOOS=wasip1 -buildmode=c-shared, once per test binary,
// and instantiates it — _initialize run, stderr passed through, the host's
// clock and crypto/rand — in a runtime closed when t ends.
func NewWasmGuest(t testing.TB, dir string) *WasmGuest {
	t.Helper()
	v, _ := guestBuilds.LoadOrStore(dir, &guestBuild{})
	b := v.(*guestBuild)
	b.once.Do(func() { b.wasm, b.err = buildGuest(dir) })
	if b.err != nil {
		t.Fatal(b.err)
	}
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
	t.Cleanup(func() { rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	compiled, err := rt.CompileModule(ctx, b.wasm)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().
		WithStartFunctions("_initialize").WithStderr(os.Stderr).WithSysNanotime().WithRandSource(rand.Reader))
	if err != nil {
		t.Fatal(err)
	}
	return &WasmGuest{Ctx: ctx, Mod: mod}
}

func buildGuest(dir string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "wasmguest")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "guest.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, dir)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, &guestBuildError{string(msg), err}
	}
	return os.ReadFile(out)
}

type guestBuildError struct {
	out string
	err error
}

func (e *guestBuildError) Error() string {
	return "building the guest: " + e.err.Error() + "\n" + e.out
}

// Call calls the guest's export name and returns its first result (0 when
// it has none).
func (g *WasmGuest) Call(t testing.TB, name string, args ...uint64) uint64 {
	t.Helper()
	res, err := g.Mod.ExportedFunction(name).Call(g.Ctx, args...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(res) == 0 {
		return 0
	}
	return res[0]
}

// Write copies b into a fresh buffer from the guest's alloc export and
// returns its address.
func (g *WasmGuest) Write(t testing.TB, b []byte) uint32 {
	t.Helper()
	ptr := uint32(g.Call(t, "alloc", uint64(len(b))))
	if !g.Mod.Memory().Write(ptr, b) {
		t.Fatal("write outside guest memory")
	}
	return ptr
}
