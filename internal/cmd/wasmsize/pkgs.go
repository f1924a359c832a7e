package main

import (
	"encoding/binary"
	"errors"
	"sort"
	"strings"
)

// pkgSize is one package's share of the module's function code.
type pkgSize struct {
	pkg   string
	bytes int
}

// packageSizes sums the code section's function bodies by Go package,
// naming them from the "name" custom section, which the Go linker writes
// unless -ldflags=-s strips it. Sizes are raw bytes, not compressed ones;
// data (type descriptors, pclntab, strings) is not counted.
func packageSizes(mod []byte) ([]pkgSize, error) {
	var bodies []int
	names := map[int]string{}
	imported := 0
	p := 8
	for p < len(mod) {
		id := mod[p]
		p++
		size, ok := uleb(mod, &p)
		if !ok || size > uint64(len(mod)-p) {
			return nil, errors.New("wasmsize: truncated section")
		}
		sec := mod[p : p+int(size)]
		p += int(size)
		var err error
		switch id {
		case 2:
			imported, err = countFuncImports(sec)
		case 10:
			bodies, err = codeSizes(sec)
		case 0:
			err = funcNames(sec, names)
		}
		if err != nil {
			return nil, err
		}
	}
	if len(names) == 0 {
		return nil, errors.New("wasmsize: the module has no function names (build it without -ldflags=-s to see packages)")
	}
	sums := map[string]int{}
	for i, n := range bodies {
		sums[packageOf(names[imported+i])] += n
	}
	out := make([]pkgSize, 0, len(sums))
	for k, v := range sums {
		out = append(out, pkgSize{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].bytes != out[j].bytes {
			return out[i].bytes > out[j].bytes
		}
		return out[i].pkg < out[j].pkg
	})
	return out, nil
}

// packageOf turns a Go wasm function name ("github.com_x_y.(*T).M" with
// '/' spelled '_') into its package path. Compiler-generated type
// functions (type:.eq.…) count as "type:".
func packageOf(name string) string {
	if name == "" {
		return "(unnamed)"
	}
	if strings.HasPrefix(name, "type_.") || strings.HasPrefix(name, "type:") {
		return "type:"
	}
	rest, domain := name, ""
	// A module path's first element holds a dot (github.com, golang.org);
	// a standard-library name has its first dot after the package
	// (syscall.fd_write), so only a host-like first element counts.
	if i := strings.IndexByte(name, '_'); i > 0 {
		if d := strings.LastIndexByte(name[:i], '.'); d > 0 && hostTLD[name[d+1:i]] {
			domain, rest = name[:i], name[i:]
		}
	}
	if i := strings.IndexByte(rest, '.'); i >= 0 {
		rest = rest[:i]
	}
	return strings.ReplaceAll(domain+rest, "_", "/")
}

var hostTLD = map[string]bool{"com": true, "org": true, "net": true, "io": true, "dev": true, "co": true,
	"in": true, "me": true, "cc": true, "info": true, "xyz": true, "eu": true, "de": true, "ch": true}

func uleb(b []byte, p *int) (uint64, bool) {
	v, n := binary.Uvarint(b[*p:])
	if n <= 0 {
		return 0, false
	}
	*p += n
	return v, true
}

func readName(b []byte, p *int) (string, bool) {
	n, ok := uleb(b, p)
	if !ok || n > uint64(len(b)-*p) {
		return "", false
	}
	s := string(b[*p : *p+int(n)])
	*p += int(n)
	return s, true
}

var errMalformed = errors.New("wasmsize: malformed module")

// countFuncImports counts the imported functions, which come first in the
// function index space the name section uses.
func countFuncImports(sec []byte) (int, error) {
	p := 0
	n, ok := uleb(sec, &p)
	if !ok {
		return 0, errMalformed
	}
	funcs := 0
	for range n {
		_, ok1 := readName(sec, &p)
		_, ok2 := readName(sec, &p)
		if !ok1 || !ok2 || p >= len(sec) {
			return 0, errMalformed
		}
		kind := sec[p]
		p++
		switch kind {
		case 0: // function: type index
			funcs++
			_, ok = uleb(sec, &p)
		case 1: // table: reference type, then limits
			p++
			ok = limits(sec, &p)
		case 2: // memory: limits
			ok = limits(sec, &p)
		case 3: // global: value type, mutability
			p += 2
			ok = p <= len(sec)
		default:
			ok = false
		}
		if !ok {
			return 0, errMalformed
		}
	}
	return funcs, nil
}

func limits(b []byte, p *int) bool {
	if *p >= len(b) {
		return false
	}
	flags := b[*p]
	*p++
	if _, ok := uleb(b, p); !ok {
		return false
	}
	if flags&1 != 0 {
		_, ok := uleb(b, p)
		return ok
	}
	return true
}

func codeSizes(sec []byte) ([]int, error) {
	p := 0
	n, ok := uleb(sec, &p)
	if !ok || n > uint64(len(sec)) {
		return nil, errMalformed
	}
	sizes := make([]int, 0, n)
	for range n {
		l, ok := uleb(sec, &p)
		if !ok || l > uint64(len(sec)-p) {
			return nil, errMalformed
		}
		sizes = append(sizes, int(l))
		p += int(l)
	}
	return sizes, nil
}

// funcNames reads the function-name subsection (1) of a "name" custom
// section into names; other custom sections are skipped.
func funcNames(sec []byte, names map[int]string) error {
	p := 0
	if name, ok := readName(sec, &p); !ok || name != "name" {
		return nil
	}
	for p < len(sec) {
		sub := sec[p]
		p++
		size, ok := uleb(sec, &p)
		if !ok || size > uint64(len(sec)-p) {
			return errMalformed
		}
		end := p + int(size)
		if sub == 1 {
			q := p
			n, ok := uleb(sec[:end], &q)
			if !ok {
				return errMalformed
			}
			for range n {
				idx, ok1 := uleb(sec[:end], &q)
				name, ok2 := readName(sec[:end], &q)
				if !ok1 || !ok2 {
					return errMalformed
				}
				names[int(idx)] = name
			}
		}
		p = end
	}
	return nil
}
