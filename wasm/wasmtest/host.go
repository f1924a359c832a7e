package wasmtest

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strconv"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Status codes of the module (wasm/internal/checker.Code).
const (
	CodeOK        = 0
	CodeArgument  = 1
	CodeImage     = 2
	CodeNoTrust   = 3
	CodeNoRelease = 4
	CodeUnsupport = 6
	CodeProof     = 7 // the oblivious-capable module: an /v1/oprf answer that does not verify
	CodeFormat    = 10
	CodeSignature = 11
	CodeExpired   = 12
	CodeRollback  = 13
	CodeMissing   = 14
	CodeLength    = 15
	CodeDigest    = 16
	CodeFilter    = 17
)

// Error is a non-OK status from the module with its message.
type Error struct {
	Code int32
	Msg  string
}

func (e *Error) Error() string {
	return "wasmtest: module status " + strconv.Itoa(int(e.Code)) + ": " + e.Msg
}

// Runtime compiles modules once per process, with an on-disk compilation
// cache so that repeated test runs skip the compiler.
type Runtime struct {
	r        wazero.Runtime
	compiled wazero.CompiledModule
}

// NewRuntime compiles the module bytes in wazero's compiler mode.
func NewRuntime(ctx context.Context, wasm []byte) (*Runtime, error) {
	cfg := wazero.NewRuntimeConfigCompiler()
	if cache, err := wazero.NewCompilationCacheWithDir(filepath.Join(os.TempDir(), "hashgate-wazero-cache")); err == nil {
		cfg = cfg.WithCompilationCache(cache)
	}
	r := wazero.NewRuntimeWithConfig(ctx, cfg)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, r); err != nil {
		r.Close(ctx)
		return nil, errors.Join(errors.New("wasmtest: WASI"), err)
	}
	c, err := r.CompileModule(ctx, wasm)
	if err != nil {
		r.Close(ctx)
		return nil, errors.Join(errors.New("wasmtest: compile"), err)
	}
	return &Runtime{r: r, compiled: c}, nil
}

// Close releases the runtime and every module in it.
func (rt *Runtime) Close(ctx context.Context) error { return rt.r.Close(ctx) }

// Module is one instance of the checker: its own memory and state.
type Module struct {
	ctx context.Context
	m   api.Module
	fn  map[string]api.Function
}

// Instantiate starts a fresh instance (running _initialize).
func (rt *Runtime) Instantiate(ctx context.Context) (*Module, error) {
	cfg := wazero.NewModuleConfig().
		WithName(""). // anonymous, so many instances can coexist
		WithStartFunctions("_initialize").
		WithSysWalltime().WithSysNanotime().
		WithRandSource(rand.Reader).
		WithStderr(os.Stderr)
	m, err := rt.r.InstantiateModule(ctx, rt.compiled, cfg)
	if err != nil {
		return nil, errors.Join(errors.New("wasmtest: instantiate"), err)
	}
	mod := &Module{ctx: ctx, m: m, fn: map[string]api.Function{}}
	for _, name := range []string{"hg_alloc", "hg_free", "hg_result_ptr", "hg_result_len",
		"hg_set_trust", "hg_bundle_put", "hg_bundle_reset", "hg_accept", "hg_release_info",
		"hg_fingerprint", "hg_digest_init", "hg_digest_update", "hg_digest_final", "hg_check"} {
		f := m.ExportedFunction(name)
		if f == nil {
			m.Close(ctx)
			return nil, errors.New("wasmtest: module does not export " + name)
		}
		mod.fn[name] = f
	}
	// The oblivious-capable module's own exports, when present.
	for _, name := range []string{"hg_oprf_blind", "hg_oprf_finalize"} {
		if f := m.ExportedFunction(name); f != nil {
			mod.fn[name] = f
		}
	}
	return mod, nil
}

// Close ends the instance.
func (m *Module) Close() error { return m.m.Close(m.ctx) }

// MemorySize is the instance's linear memory size in bytes.
func (m *Module) MemorySize() uint32 { return m.m.Memory().Size() }

func (m *Module) call(name string, args ...uint64) (uint64, error) {
	f := m.fn[name]
	if f == nil {
		return 0, errors.New("wasmtest: the module does not export " + name)
	}
	r, err := f.Call(m.ctx, args...)
	if err != nil {
		return 0, errors.Join(errors.New("wasmtest: "+name), err)
	}
	if len(r) == 0 {
		return 0, nil
	}
	return r[0], nil
}

// Alloc copies b into a new module buffer and returns its address.
func (m *Module) Alloc(b []byte) (uint32, error) {
	n := max(len(b), 1)
	p, err := m.call("hg_alloc", uint64(n))
	if err != nil {
		return 0, err
	}
	if p == 0 {
		return 0, errors.New("wasmtest: hg_alloc(" + strconv.Itoa(n) + ") failed")
	}
	if !m.m.Memory().Write(uint32(p), b) {
		return 0, errors.New("wasmtest: buffer outside memory")
	}
	return uint32(p), nil
}

// Free releases a buffer from Alloc.
func (m *Module) Free(p uint32) error {
	_, err := m.call("hg_free", uint64(p))
	return err
}

// Result returns a copy of the last call's result bytes.
func (m *Module) Result() ([]byte, error) {
	p, err := m.call("hg_result_ptr")
	if err != nil {
		return nil, err
	}
	n, err := m.call("hg_result_len")
	if err != nil {
		return nil, err
	}
	b, ok := m.m.Memory().Read(uint32(p), uint32(n))
	if !ok {
		return nil, errors.New("wasmtest: result outside memory")
	}
	return append([]byte(nil), b...), nil
}

// status turns a returned code into the result or an *Error.
func (m *Module) status(code uint64) ([]byte, error) {
	res, err := m.Result()
	if err != nil {
		return nil, err
	}
	if c := int32(uint32(code)); c != CodeOK {
		return nil, &Error{Code: c, Msg: string(res)}
	}
	return res, nil
}

// withBuf copies b into the module for the duration of f.
func (m *Module) withBuf(b []byte, f func(p uint32) (uint64, error)) ([]byte, error) {
	p, err := m.Alloc(b)
	if err != nil {
		return nil, err
	}
	defer m.Free(p)
	code, err := f(p)
	if err != nil {
		return nil, err
	}
	return m.status(code)
}

// SetTrust pins publisher keys (a hashgate public key file).
func (m *Module) SetTrust(keyFile []byte) ([]byte, error) {
	return m.withBuf(keyFile, func(p uint32) (uint64, error) {
		return m.call("hg_set_trust", uint64(p), uint64(len(keyFile)))
	})
}

// Bundle parts for Put.
const (
	PartManifest  = 0
	PartSignature = 1
	PartArtifact  = 2
)

// Put adds one part of the next release.
func (m *Module) Put(part int, name string, data []byte) error {
	np, err := m.Alloc([]byte(name))
	if err != nil {
		return err
	}
	defer m.Free(np)
	_, err = m.withBuf(data, func(dp uint32) (uint64, error) {
		return m.call("hg_bundle_put", uint64(part), uint64(np), uint64(len(name)), uint64(dp), uint64(len(data)))
	})
	return err
}

// Accept applies the acceptance rules to the parts put; nowMillis 0 means
// the module's clock.
func (m *Module) Accept(lastVersion uint64, nowMillis int64) ([]byte, error) {
	code, err := m.call("hg_accept", lastVersion, uint64(nowMillis))
	if err != nil {
		return nil, err
	}
	return m.status(code)
}

// Info describes the release in use.
func (m *Module) Info() ([]byte, error) {
	code, err := m.call("hg_release_info")
	if err != nil {
		return nil, err
	}
	return m.status(code)
}

// Fingerprint hashes w×h RGBA pixels.
func (m *Module) Fingerprint(pix []byte, w, h int) ([]byte, error) {
	return m.withBuf(pix, func(p uint32) (uint64, error) {
		return m.call("hg_fingerprint", uint64(p), uint64(len(pix)), uint64(w), uint64(h))
	})
}

// Digest streams data through the module's digest in chunks of chunk bytes.
func (m *Module) Digest(data []byte, chunk int) ([]byte, error) {
	id, err := m.call("hg_digest_init")
	if err != nil {
		return nil, err
	}
	if int32(uint32(id)) <= 0 {
		return m.status(uint64(-int32(uint32(id))))
	}
	p, err := m.Alloc(make([]byte, chunk))
	if err != nil {
		return nil, err
	}
	defer m.Free(p)
	for off := 0; off < len(data); off += chunk {
		part := data[off:min(off+chunk, len(data))]
		m.m.Memory().Write(p, part)
		code, err := m.call("hg_digest_update", id, uint64(p), uint64(len(part)))
		if err != nil {
			return nil, err
		}
		if _, err := m.status(code); err != nil {
			return nil, err
		}
	}
	code, err := m.call("hg_digest_final", id)
	if err != nil {
		return nil, err
	}
	return m.status(code)
}

// Check looks up "KIND HEX" lines in the release's filters.
func (m *Module) Check(query string) ([]byte, error) {
	return m.withBuf([]byte(query), func(p uint32) (uint64, error) {
		return m.call("hg_check", uint64(p), uint64(len(query)))
	})
}

// OPRFBlind blinds the VOPRF inputs of a query (oblivious-capable module
// only) and returns the body of POST /v1/oprf.
func (m *Module) OPRFBlind(query string) ([]byte, error) {
	return m.withBuf([]byte(query), func(p uint32) (uint64, error) {
		return m.call("hg_oprf_blind", uint64(p), uint64(len(query)))
	})
}

// OPRFFinalize verifies and finalises the edge's answer and returns
// Check's JSON.
func (m *Module) OPRFFinalize(answer []byte) ([]byte, error) {
	return m.withBuf(answer, func(p uint32) (uint64, error) {
		return m.call("hg_oprf_finalize", uint64(p), uint64(len(answer)))
	})
}

// Call invokes any export with raw arguments and returns its status and
// result, for tests of the calling convention itself.
func (m *Module) Call(name string, args ...uint64) (uint64, []byte, error) {
	f := m.m.ExportedFunction(name)
	if f == nil {
		return 0, nil, errors.New("wasmtest: no export " + name)
	}
	r, err := f.Call(m.ctx, args...)
	if err != nil {
		return 0, nil, err
	}
	res, err := m.Result()
	var c uint64
	if len(r) > 0 {
		c = r[0]
	}
	return c, res, err
}
