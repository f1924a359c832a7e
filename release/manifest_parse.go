package release

import (
	"strconv"
	"strings"
	"time"

	"github.com/hashgate/hashgate/internal/wire"
)

// ParseManifest reads manifest.json strictly: every required field present
// with the right type, no duplicate keys, canonical times, hex digests of the
// right length. Unknown fields are an error in a manifest of this package's
// format minor or older, and skipped in a newer minor; a newer major format
// is refused with an error wrapping ErrFormatVersion. All errors match
// ErrFormat.
func ParseManifest(b []byte) (*Manifest, error) {
	if len(b) > MaxManifestSize {
		return nil, formatErr("manifest larger than " + strconv.Itoa(MaxManifestSize) + " bytes")
	}
	root, err := wire.Parse(b)
	if err != nil {
		return nil, &FormatError{Msg: "manifest", Err: err}
	}
	if root.Type != wire.Object {
		return nil, formatErr("manifest is not a JSON object")
	}
	m := &Manifest{}
	// The format field decides how strict the rest is, so read it first.
	fv := root.Get("format")
	if fv == nil || fv.Type != wire.String {
		return nil, formatErr(`missing "format" (want "1.0")`)
	}
	m.FormatMajor, m.FormatMinor, err = parseFormat(fv.Str)
	if err != nil {
		return nil, err
	}
	r := &objReader{tolerant: m.FormatMinor > FormatMinor}
	o := r.object(&root, "manifest")
	r.str(o, "format")
	m.Channel = r.str(o, "channel")
	m.Version = r.uint(o, "version")
	m.Epoch = r.uint(o, "epoch")
	m.Created = r.timestamp(o, "created")
	m.Expires = r.timestamp(o, "expires")
	for _, v := range r.array(o, "publisher_keys", maxKeys) {
		ko := r.object(&v, "publisher_keys[]")
		m.PublisherKeys = append(m.PublisherKeys, KeyRef{Alg: r.str(ko, "alg"), ID: r.str(ko, "id")})
		r.done(ko)
	}
	if fo := r.child(o, "filter"); fo != nil {
		m.Filter.Kind = r.str(fo, "kind")
		m.Filter.Layout = r.str(fo, "layout")
		if fo.has("release_key") {
			r.hex(fo, "release_key", m.Filter.ReleaseKey[:])
		}
		m.Filter.TargetFPR = r.float(fo, "target_fpr")
		m.Filter.Keys = r.uint(fo, "keys")
		if eo := r.child(fo, "entries"); eo != nil {
			if len(eo.v.Obj) > 64 {
				r.fail("filter.entries has too many kinds")
			}
			m.Filter.Entries = make(map[string]uint64, len(eo.v.Obj))
			for _, mem := range eo.v.Obj {
				m.Filter.Entries[mem.Key] = r.uint(eo, mem.Key)
			}
			r.done(eo)
		}
		r.done(fo)
	}
	if o.has("oblivious") {
		if ob := r.child(o, "oblivious"); ob != nil {
			m.Oblivious = &Oblivious{Suite: r.str(ob, "suite"), PublicKey: r.b64(ob, "public_key")}
			r.done(ob)
		}
	}
	for _, v := range r.array(o, "artifacts", maxArtifacts) {
		ao := r.object(&v, "artifacts[]")
		a := Artifact{Role: r.str(ao, "role"), Name: r.str(ao, "name"), Length: r.uint(ao, "length")}
		r.hex(ao, "sha256", a.SHA256[:])
		r.done(ao)
		if !knownRole(a.Role) {
			if !r.tolerant {
				r.fail("unknown artifact role " + wire.Quote(a.Role))
			}
		}
		m.Artifacts = append(m.Artifacts, a)
	}
	if o.has("previous") {
		r.hex(o, "previous", m.Previous[:])
	}
	if o.has("next_keys") {
		for _, v := range r.array(o, "next_keys", maxKeys) {
			ko := r.object(&v, "next_keys[]")
			m.NextKeys = append(m.NextKeys, PublicKey{Alg: r.str(ko, "alg"), Key: r.b64(ko, "key")})
			r.done(ko)
		}
	}
	r.done(o)
	if r.err != nil {
		return nil, r.err
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return m, nil
}

func knownRole(r string) bool {
	return r == RoleFilter || r == RoleDelta || r == RoleList || r == RoleListDelta || r == RoleWithdrawals || r == RoleOPRFKey
}

// parseFormat reads "MAJOR.MINOR" and refuses a newer major.
func parseFormat(s string) (major, minor int, err error) {
	a, b, ok := strings.Cut(s, ".")
	ma, ok1 := wire.ParseUint(a, 16)
	mi, ok2 := wire.ParseUint(b, 16)
	if !ok || !ok1 || !ok2 || ma == 0 {
		return 0, 0, formatErr("format " + wire.Quote(s) + " is not MAJOR.MINOR")
	}
	if ma != FormatMajor {
		return 0, 0, &FormatError{
			Msg: "manifest format " + s + " is not readable by this version (reads " +
				strconv.Itoa(FormatMajor) + ".x): update hashgate",
			Err: ErrFormatVersion,
		}
	}
	return int(ma), int(mi), nil
}

// objReader pulls typed fields out of parsed objects, remembering the first
// error so the parse reads as a straight list of fields.
type objReader struct {
	tolerant bool // skip unknown fields (newer minor format)
	err      error
}

// obj is an object being read plus the names of the members taken so far.
type obj struct {
	v    *wire.Value
	path string
	used []string
}

func (o *obj) has(k string) bool { return o.v.Get(k) != nil }

func (r *objReader) fail(msg string) {
	if r.err == nil {
		r.err = formatErr(msg)
	}
}

func (r *objReader) object(v *wire.Value, path string) *obj {
	if v.Type != wire.Object {
		r.fail(path + " is not an object")
		return &obj{v: &wire.Value{Type: wire.Object}, path: path}
	}
	return &obj{v: v, path: path}
}

func (r *objReader) field(o *obj, k string, want wire.Type, what string) *wire.Value {
	o.used = append(o.used, k)
	v := o.v.Get(k)
	if v == nil {
		r.fail("missing " + o.path + "." + k)
		return nil
	}
	if v.Type != want {
		r.fail(o.path + "." + k + " is not " + what)
		return nil
	}
	return v
}

func (r *objReader) child(o *obj, k string) *obj {
	v := r.field(o, k, wire.Object, "an object")
	if v == nil {
		return nil
	}
	return &obj{v: v, path: o.path + "." + k}
}

func (r *objReader) array(o *obj, k string, limit int) []wire.Value {
	v := r.field(o, k, wire.Array, "an array")
	if v == nil {
		return nil
	}
	if len(v.Arr) > limit {
		r.fail(o.path + "." + k + " has more than " + strconv.Itoa(limit) + " elements")
		return nil
	}
	return v.Arr
}

func (r *objReader) str(o *obj, k string) string {
	v := r.field(o, k, wire.String, "a string")
	if v == nil {
		return ""
	}
	if len(v.Str) > maxStringLen {
		r.fail(o.path + "." + k + " is too long")
		return ""
	}
	return v.Str
}

func (r *objReader) uint(o *obj, k string) uint64 {
	v := r.field(o, k, wire.Number, "a number")
	if v == nil {
		return 0
	}
	n, ok := wire.ParseUint(v.Str, 64)
	if !ok {
		r.fail(o.path + "." + k + " is not an unsigned 64-bit integer")
	}
	return n
}

func (r *objReader) float(o *obj, k string) float64 {
	v := r.field(o, k, wire.Number, "a number")
	if v == nil {
		return 0
	}
	f, ok := wire.ParseFloat(v.Str)
	if !ok {
		r.fail(o.path + "." + k + " is not a finite number")
	}
	return f
}

func (r *objReader) timestamp(o *obj, k string) (t time.Time) {
	s := r.str(o, k)
	if r.err != nil {
		return t
	}
	t, err := parseTime(s)
	if err != nil && r.err == nil {
		r.err = err
	}
	return t
}

// hex fills dst from a lowercase hex string of exactly 2*len(dst) digits.
func (r *objReader) hex(o *obj, k string, dst []byte) {
	s := r.str(o, k)
	if r.err != nil {
		return
	}
	if wire.DecodeHex(dst, s, true) >= 0 {
		r.fail(o.path + "." + k + " is not " + strconv.Itoa(2*len(dst)) + " lowercase hex digits")
	}
}

func (r *objReader) b64(o *obj, k string) []byte {
	v := r.field(o, k, wire.String, "a string")
	if v == nil {
		return nil
	}
	if len(v.Str) > 16<<10 {
		r.fail(o.path + "." + k + " is too long")
		return nil
	}
	b, ok := wire.Base64Decode(v.Str)
	if !ok {
		r.fail(o.path + "." + k + " is not standard base64")
	}
	return b
}

// done checks that o has no members beyond those read, unless tolerant.
func (r *objReader) done(o *obj) {
	if r.tolerant || r.err != nil {
		return
	}
	for _, m := range o.v.Obj {
		known := false
		for _, u := range o.used {
			if u == m.Key {
				known = true
				break
			}
		}
		// Entries is a map: its members are all read through field.
		if !known {
			r.fail("unknown field " + o.path + "." + m.Key + " (format " +
				strconv.Itoa(FormatMajor) + "." + strconv.Itoa(FormatMinor) + " has no such field)")
			return
		}
	}
}
