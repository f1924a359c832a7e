package checker

import (
	"errors"
	"strconv"
	"time"

	"github.com/hashgate/hashgate/bloom"
	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/canon"
	"github.com/hashgate/hashgate/internal/wire"
	"github.com/hashgate/hashgate/release"
)

// Code is the status an export returns: OK, or what went wrong. The message
// is in Result. The numbers are part of the module's interface (the SDK
// maps them to names): never renumber them.
type Code int32

// Status codes. Codes 10 and up are release acceptance rules.
const (
	OK            Code = 0
	CodeArgument  Code = 1 // a malformed argument (bad pointer, length, query text)
	CodeImage     Code = 2 // pixels the fingerprinter cannot take
	CodeNoTrust   Code = 3 // no pinned keys were set before a release was offered
	CodeNoRelease Code = 4 // a check before any release was accepted
	CodeTooLarge  Code = 5 // an allocation or input over the module's limits
	CodeUnsupport Code = 6 // a release this checker cannot query (oblivious mode)

	CodeFormat    Code = 10 // release.RuleFormat
	CodeSignature Code = 11 // release.RuleSignature
	CodeExpired   Code = 12 // release.RuleExpired
	CodeRollback  Code = 13 // release.RuleRollback
	CodeMissing   Code = 14 // release.RuleMissing
	CodeLength    Code = 15 // release.RuleLength
	CodeDigest    Code = 16 // release.RuleDigest
	CodeFilter    Code = 17 // release.RuleFilter
	CodeChannel   Code = 18 // release.RuleChannel
)

// ruleCode maps a release.RuleError's rule to its status code. (A switch,
// not a map: a map literal is built at start-up in an init function.)
func ruleCode(rule string) Code {
	switch rule {
	case release.RuleSignature:
		return CodeSignature
	case release.RuleExpired:
		return CodeExpired
	case release.RuleRollback:
		return CodeRollback
	case release.RuleMissing:
		return CodeMissing
	case release.RuleLength:
		return CodeLength
	case release.RuleDigest:
		return CodeDigest
	case release.RuleFilter:
		return CodeFilter
	case release.RuleChannel:
		return CodeChannel
	}
	return CodeFormat
}

// Bundle parts for PutPart.
const (
	PartManifest  = 0
	PartSignature = 1
	PartArtifact  = 2
)

// Limits that keep a hostile page or release from making the module
// allocate without bound.
const (
	maxBundleBytes = 256 << 20 // all parts of one pending bundle
	maxArtifacts   = 64
	maxDigesters   = 64
	maxQueryBytes  = 4 << 10
	maxPDQLines    = 24 // 8 dihedral variants of the raw PDQ and of two robust hashes
)

// Checker is the module's whole state. It is not safe for concurrent use;
// the wasm module runs one call at a time.
type Checker struct {
	trust     release.Trust
	haveTrust bool

	pending      release.Bundle
	pendingBytes int

	bundle *release.Bundle // the accepted bundle: filters read its bytes
	rel    *release.Release

	digesters map[int32]*fingerprint.Digester
	nextID    int32

	keys        []bloom.Key // reused by Check
	lumaScratch []float32   // reused by FramePDQ
	out         []byte      // the last call's result or error message
}

// New returns an empty Checker: no trust, no release.
func New() *Checker {
	return &Checker{digesters: map[int32]*fingerprint.Digester{}}
}

// Result is the last call's output: a JSON document after OK, the error
// message otherwise. It is valid until the next call.
func (c *Checker) Result() []byte { return c.out }

func (c *Checker) fail(code Code, msg string) Code {
	c.out = append(c.out[:0], msg...)
	return code
}

func (c *Checker) ok(out []byte) Code {
	c.out = out
	return OK
}

// SetTrust pins the publisher keys releases must be signed by, from a
// hashgate public key file (lines "ALGORITHM BASE64"). It replaces any
// earlier trust; the accepted release, if any, stays.
func (c *Checker) SetTrust(keyFile []byte) Code {
	t, err := release.ParseTrust(keyFile)
	if err != nil {
		return c.fail(CodeArgument, "checker: pinned keys: "+err.Error())
	}
	if len(t.Keys) == 0 {
		return c.fail(CodeArgument, "checker: pinned keys: no signing keys in the key file")
	}
	c.trust, c.haveTrust = t, true
	return c.ok(append(c.out[:0], `{"keys":`+strconv.Itoa(len(t.Keys))+`}`...))
}

// ResetBundle drops the parts of a bundle being assembled.
func (c *Checker) ResetBundle() {
	c.pending = release.Bundle{}
	c.pendingBytes = 0
}

// PutPart adds one part of the next bundle (a copy of data is kept): the
// manifest, the signature file, or an artifact under its manifest name.
func (c *Checker) PutPart(part int32, name string, data []byte) Code {
	if c.pendingBytes+len(data) > maxBundleBytes || len(data) > maxBundleBytes {
		return c.fail(CodeTooLarge, "checker: release parts exceed "+strconv.Itoa(maxBundleBytes)+" bytes")
	}
	cp := append([]byte(nil), data...)
	switch part {
	case PartManifest:
		c.pending.Manifest = cp
	case PartSignature:
		c.pending.Signature = cp
	case PartArtifact:
		if name == "" || len(name) > 128 {
			return c.fail(CodeArgument, "checker: artifact name must be 1 to 128 bytes")
		}
		if c.pending.Artifacts == nil {
			c.pending.Artifacts = map[string][]byte{}
		}
		if _, dup := c.pending.Artifacts[name]; !dup && len(c.pending.Artifacts) >= maxArtifacts {
			return c.fail(CodeTooLarge, "checker: more than "+strconv.Itoa(maxArtifacts)+" artifacts")
		}
		c.pending.Artifacts[name] = cp
	default:
		return c.fail(CodeArgument, "checker: unknown bundle part "+strconv.Itoa(int(part)))
	}
	c.pendingBytes += len(data)
	return c.ok(c.out[:0])
}

// Accept runs release.Accept on the assembled bundle with the pinned trust.
// lastVersion is the highest version the caller accepted before (it
// persists it); the version in use, if higher, counts too. now is the
// current time. On success the release replaces the one in use and the
// result is its summary (see Info); on failure the release in use stays.
// The pending parts are dropped either way.
func (c *Checker) Accept(lastVersion uint64, now time.Time) Code {
	b := c.pending
	c.ResetBundle()
	if !c.haveTrust {
		return c.fail(CodeNoTrust, "checker: no pinned publisher keys: set them before offering a release")
	}
	if c.rel != nil && c.rel.Manifest.Version > lastVersion {
		lastVersion = c.rel.Manifest.Version
	}
	r, err := release.Accept(&b, release.AcceptOptions{Trust: c.trust, LastVersion: lastVersion, Now: now})
	if err != nil {
		// The chain is walked by hand: errors.As brings reflectlite's
		// assignability checks, ~9 KB of the compressed module.
		code := CodeFormat
		for e := err; e != nil; e = errors.Unwrap(e) {
			if re, ok := e.(*release.RuleError); ok {
				code = ruleCode(re.Rule)
				break
			}
		}
		return c.fail(code, "checker: release refused: "+err.Error())
	}
	c.bundle, c.rel = &b, r
	c.trust = r.NextTrust(c.trust)
	return c.Info()
}

// Info writes a summary of the release in use:
// {"version","channel","created","expires","layout","filterKind","keys","filterBytes"}.
func (c *Checker) Info() Code {
	if c.rel == nil {
		return c.fail(CodeNoRelease, "checker: no release accepted yet")
	}
	m := c.rel.Manifest
	w := wire.NewObject(c.out)
	w.Uint("version", m.Version)
	w.Str("channel", m.Channel)
	w.Str("created", m.Created.UTC().Format(time.RFC3339))
	w.Str("expires", m.Expires.UTC().Format(time.RFC3339))
	w.Str("layout", m.Filter.Layout)
	w.Str("filterKind", m.Filter.Kind)
	w.Bool("oblivious", m.Oblivious != nil)
	w.Int("keys", int64(c.rel.Filters.Len()))
	w.Int("filterBytes", int64(c.rel.Filters.SizeBytes()))
	return c.ok(w.Done())
}

// Fingerprint computes the perceptual fingerprints of w×h RGBA pixels with
// fingerprint.FromRGBALookup (a side over 512 is sampled to 512×512 first)
// and writes {"width","height","pdq","quality","phash",...} with hashes in
// their hex forms. dHash and aHash are not computed: no filter carries
// them, and they would cost the browser two more resizes.
func (c *Checker) Fingerprint(pix []byte, w, h int) Code {
	f, cn, grey, err := fingerprint.FromRGBALookup(pix, w, h)
	if err != nil {
		return c.fail(CodeImage, "checker: "+err.Error())
	}
	j := wire.NewObject(c.out)
	j.Int("width", int64(f.Width))
	j.Int("height", int64(f.Height))
	j.Str("pdq", f.PDQ.String())
	j.Int("quality", int64(f.PDQQuality))
	j.Str("phash", f.PHash.String())
	// The dihedral variants are looked up as PDQ too: the browser matches
	// rotated and mirrored copies as the edge does.
	j.Raw("dihedral", appendHexList(nil, f.PDQDihedral[:]))
	// The robust hashes (fingerprint/canon: the picture with borders,
	// bands and blurred fill trimmed) are looked up as PDQ too, as the
	// edge searches them.
	j.Raw("robust", appendRobust(nil, canon.Robust(cn, grey)))
	return c.ok(j.Done())
}

// appendRobust appends the robust hashes as a JSON array of
// {"name","quality","dihedral"} (written by hand: the nested object writer
// costs the module more).
func appendRobust(b []byte, rs [fingerprint.MaxRobust]fingerprint.RobustPDQ) []byte {
	b = append(b, '[')
	for i := range rs {
		r := &rs[i]
		if r.Name == "" {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, `{"name":"`+r.Name+`","quality":`...)
		b = strconv.AppendInt(b, int64(r.Quality), 10)
		b = append(b, `,"dihedral":`...)
		b = appendHexList(b, r.Dihedral[:])
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendHexList appends a JSON array of the hashes' hex forms. (Not
// inlined: each inlined copy costs the module a few hundred bytes.)
//
//go:noinline
func appendHexList(b []byte, hs []fingerprint.PDQHash) []byte {
	b = append(b, '[')
	for i := range hs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = wire.AppendHex(b, hs[i][:])
		b = append(b, '"')
	}
	return append(b, ']')
}

// DigestInit starts a streaming SHA-256 + MD5 and returns its handle (> 0),
// or 0 with CodeTooLarge when too many are open.
func (c *Checker) DigestInit() (int32, Code) {
	if len(c.digesters) >= maxDigesters {
		return 0, c.fail(CodeTooLarge, "checker: more than "+strconv.Itoa(maxDigesters)+" digests open")
	}
	c.nextID++
	if c.nextID <= 0 {
		c.nextID = 1
	}
	c.digesters[c.nextID] = fingerprint.NewDigester()
	c.out = c.out[:0]
	return c.nextID, OK
}

// DigestUpdate feeds b to the digest with handle id.
func (c *Checker) DigestUpdate(id int32, b []byte) Code {
	d, ok := c.digesters[id]
	if !ok {
		return c.fail(CodeArgument, "checker: no open digest "+strconv.Itoa(int(id)))
	}
	d.Write(b)
	return c.ok(c.out[:0])
}

// DigestFinal closes the digest with handle id and writes
// {"sha256","md5","bytes"}.
func (c *Checker) DigestFinal(id int32) Code {
	d, ok := c.digesters[id]
	if !ok {
		return c.fail(CodeArgument, "checker: no open digest "+strconv.Itoa(int(id)))
	}
	delete(c.digesters, id)
	s, m := d.Sum()
	j := wire.NewObject(c.out)
	j.Str("sha256", s.String())
	j.Str("md5", m.String())
	j.Int("bytes", d.Len())
	return c.ok(j.Done())
}

// Check looks fingerprints up in the release's filters. The query is text,
// one fingerprint a line: "KIND HEX" with KIND pdq, phash, sha256 or md5
// (at most one of each, except pdq: up to maxPDQLines, for the dihedral
// variants and robust hashes Fingerprint returns). For each, the release's Keyer derives the query
// keys (bands and probes per the manifest's layout) and any key a filter
// holds is a hit. The result is {"hit":bool,"hits":[{"kind","key"}]}, with
// every key that hit (16 hex digits), in query order. A hit is only a
// candidate: the edge confirms it.
func (c *Checker) Check(query []byte) Code {
	if c.rel == nil {
		return c.fail(CodeNoRelease, "checker: no release accepted yet")
	}
	if c.rel.Keyer == nil {
		return c.fail(CodeUnsupport, obliviousCheck)
	}
	vals, code, msg := parseQuery(query)
	if code != OK {
		return c.fail(code, msg)
	}
	var hits []byte
	n := 0
	for _, v := range vals {
		if v.kind == 0 {
			continue
		}
		c.keys = c.rel.Lookup(v.kind, v.value[:v.n], c.keys[:0])
		for _, k := range c.keys {
			if n > 0 {
				hits = append(hits, ',')
			}
			n++
			var kb [8]byte
			for j := range kb {
				kb[j] = byte(uint64(k) >> (56 - 8*j))
			}
			hits = append(hits, `{"kind":"`+v.kind.String()+`","key":"`...)
			hits = wire.AppendHex(hits, kb[:])
			hits = append(hits, `"}`...)
		}
	}
	j := wire.NewObject(c.out)
	j.Bool("hit", n > 0)
	j.Raw("hits", append(append([]byte{'['}, hits...), ']'))
	return c.ok(j.Done())
}

// queryValue is one parsed line of a Check query.
type queryValue struct {
	kind  fingerprint.Kind
	value [32]byte
	n     int
}

// parseQuery reads Check's text form strictly: known kinds only, each at
// most once (pdq up to maxPDQLines times), hex of the kind's exact length,
// "\n" line ends (a final one optional), no other bytes. Values are in
// query order.
func parseQuery(q []byte) ([]queryValue, Code, string) {
	var vals []queryValue
	var seen [5]int
	if len(q) > maxQueryBytes {
		return vals, CodeTooLarge, "checker: query over " + strconv.Itoa(maxQueryBytes) + " bytes"
	}
	line := 0
	for len(q) > 0 {
		line++
		end := 0
		for end < len(q) && q[end] != '\n' {
			end++
		}
		l := string(q[:end])
		if end < len(q) {
			end++
		}
		q = q[end:]
		bad := func(why string) ([]queryValue, Code, string) {
			return vals, CodeArgument, "checker: query line " + strconv.Itoa(line) + ": " + why
		}
		sp := -1
		for i := 0; i < len(l); i++ {
			if l[i] == ' ' {
				sp = i
				break
			}
		}
		if sp < 0 {
			return bad("want \"KIND HEX\"")
		}
		kind := fingerprint.ParseKind(l[:sp])
		if kind < fingerprint.KindPDQ || kind > fingerprint.KindMD5 || l[:sp] != kind.String() {
			return bad("kind must be pdq, phash, sha256 or md5")
		}
		if seen[kind]++; seen[kind] > 1 && (kind != fingerprint.KindPDQ || seen[kind] > maxPDQLines) {
			if kind == fingerprint.KindPDQ {
				return bad("more than " + strconv.Itoa(maxPDQLines) + " pdq lines")
			}
			return bad("kind " + kind.String() + " given twice")
		}
		vals = append(vals, queryValue{})
		v := &vals[len(vals)-1]
		v.n = bloom.Type(kind).ValueLen()
		h := l[sp+1:]
		if len(h) != 2*v.n {
			return bad(kind.String() + " wants " + strconv.Itoa(2*v.n) + " hex digits")
		}
		if wire.DecodeHex(v.value[:v.n], h, true) >= 0 {
			return bad("want lowercase hex digits")
		}
		v.kind = kind
	}
	return vals, OK, ""
}
