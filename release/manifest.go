package release

import (
	"errors"
	"strconv"
	"time"

	"github.com/hashgate/hashgate/internal/wire"
)

// Format version written by this package. A manifest with the same major and
// a newer minor is read (unknown fields are skipped); a newer major is refused.
const (
	FormatMajor = 1
	FormatMinor = 0
)

// Limits on what ParseManifest accepts, so a hostile manifest cannot make a
// client allocate much.
const (
	MaxManifestSize = 1 << 20
	maxArtifacts    = 4096
	maxKeys         = 16
	maxNameLen      = 128
	maxStringLen    = 4096
)

// Artifact roles.
const (
	RoleFilter    = "filter"     // the base filter
	RoleDelta     = "delta"      // a delta filter, ORed with the base
	RoleList      = "list"       // the encrypted full list, for edges
	RoleListDelta = "list-delta" // entries added since the list artifact
)

// ErrFormatVersion is wrapped by ParseManifest for a manifest whose major
// format version is newer than this package reads.
var ErrFormatVersion = errors.New("release: unsupported manifest format version")

// Manifest is the signed description of a release. See doc.go and
// docs/release.md for the JSON form; Marshal writes it canonically and
// ParseManifest reads it strictly.
type Manifest struct {
	FormatMajor, FormatMinor int

	Channel string    // e.g. "stable"; clients may pin one
	Version uint64    // strictly increasing per channel, >= 1
	Epoch   uint64    // changes when the release key changes; deltas keep it
	Created time.Time // UTC, whole seconds
	Expires time.Time // clients refuse the release at or after this instant

	// PublisherKeys are the ids of the keys whose signatures manifest.sig
	// must carry (one Ed25519 and one ML-DSA-65 at least).
	PublisherKeys []KeyRef

	Filter    FilterParams
	Oblivious *Oblivious // nil in open mode

	Artifacts []Artifact

	// Previous is the SHA-256 of the previous release's manifest.json; zero
	// for the first release of a channel.
	Previous [32]byte

	// NextKeys, when set, are the publisher keys that sign the following
	// releases: a verifier that accepts this manifest moves its Trust to
	// them (see Release.NextTrust).
	NextKeys []PublicKey
}

// KeyRef names a public key by algorithm and key id.
type KeyRef struct {
	Alg string // AlgEd25519 or AlgMLDSA65
	ID  string // KeyID of the public key
}

// FilterParams are the parameters a client needs to query the filters.
type FilterParams struct {
	Kind       string   // bloom.Kind name, e.g. "binaryfuse16"
	Layout     string   // bloom.Layout text form
	ReleaseKey [32]byte // open mode: the key of the keyed PRF; zero in oblivious mode
	TargetFPR  float64  // per-look-up false-positive target the filter was sized for
	Keys       uint64   // distinct filter keys over the base filter and the deltas
	// Entries counts list entries by fingerprint kind name ("pdq", "md5", ...).
	Entries map[string]uint64
}

// Oblivious describes oblivious mode (filter keys are VOPRF outputs computed
// through the edge; oblivious.go).
type Oblivious struct {
	Suite     string // e.g. "ristretto255-SHA512"
	PublicKey []byte // the edge's VOPRF public key
}

// Artifact is one file of the release.
type Artifact struct {
	Role   string // RoleFilter, RoleDelta, RoleList, RoleListDelta or RoleWithdrawals
	Name   string // file name in the release directory, no path separators
	Length uint64
	SHA256 [32]byte
}

// ArtifactsByRole returns the artifacts with the given role, in manifest order.
func (m *Manifest) ArtifactsByRole(role string) []Artifact {
	var out []Artifact
	for _, a := range m.Artifacts {
		if a.Role == role {
			out = append(out, a)
		}
	}
	return out
}

// Marshal returns the canonical manifest.json bytes: sorted keys, fixed
// indentation, times in RFC 3339 UTC. The same Manifest always gives the
// same bytes. It checks the manifest the way ParseManifest would.
func (m *Manifest) Marshal() ([]byte, error) {
	mm := *m
	if mm.FormatMajor == 0 {
		mm.FormatMajor, mm.FormatMinor = FormatMajor, FormatMinor
	}
	if err := mm.validate(); err != nil {
		return nil, err
	}
	root := wire.Value{Type: wire.Object}
	add := func(o *wire.Value, k string, v wire.Value) { o.Obj = append(o.Obj, wire.Member{Key: k, Val: v}) }
	add(&root, "format", wire.Str(strconv.Itoa(mm.FormatMajor)+"."+strconv.Itoa(mm.FormatMinor)))
	add(&root, "channel", wire.Str(mm.Channel))
	add(&root, "version", wire.Uint(mm.Version))
	add(&root, "epoch", wire.Uint(mm.Epoch))
	add(&root, "created", wire.Str(formatTime(mm.Created)))
	add(&root, "expires", wire.Str(formatTime(mm.Expires)))
	keys := wire.Value{Type: wire.Array}
	for _, k := range mm.PublisherKeys {
		o := wire.Value{Type: wire.Object}
		add(&o, "alg", wire.Str(k.Alg))
		add(&o, "id", wire.Str(k.ID))
		keys.Arr = append(keys.Arr, o)
	}
	add(&root, "publisher_keys", keys)

	f := wire.Value{Type: wire.Object}
	add(&f, "kind", wire.Str(mm.Filter.Kind))
	add(&f, "layout", wire.Str(mm.Filter.Layout))
	if mm.Filter.ReleaseKey != ([32]byte{}) {
		add(&f, "release_key", wire.Str(wire.HexString(mm.Filter.ReleaseKey[:])))
	}
	add(&f, "target_fpr", wire.Float(mm.Filter.TargetFPR))
	add(&f, "keys", wire.Uint(mm.Filter.Keys))
	ent := wire.Value{Type: wire.Object}
	for k, n := range mm.Filter.Entries {
		add(&ent, k, wire.Uint(n))
	}
	add(&f, "entries", ent)
	add(&root, "filter", f)

	if mm.Oblivious != nil {
		o := wire.Value{Type: wire.Object}
		add(&o, "suite", wire.Str(mm.Oblivious.Suite))
		add(&o, "public_key", wire.Str(wire.Base64Encode(mm.Oblivious.PublicKey)))
		add(&root, "oblivious", o)
	}
	arts := wire.Value{Type: wire.Array}
	for _, a := range mm.Artifacts {
		o := wire.Value{Type: wire.Object}
		add(&o, "role", wire.Str(a.Role))
		add(&o, "name", wire.Str(a.Name))
		add(&o, "length", wire.Uint(a.Length))
		add(&o, "sha256", wire.Str(wire.HexString(a.SHA256[:])))
		arts.Arr = append(arts.Arr, o)
	}
	add(&root, "artifacts", arts)
	if mm.Previous != ([32]byte{}) {
		add(&root, "previous", wire.Str(wire.HexString(mm.Previous[:])))
	}
	if len(mm.NextKeys) > 0 {
		nk := wire.Value{Type: wire.Array}
		for _, k := range mm.NextKeys {
			o := wire.Value{Type: wire.Object}
			add(&o, "alg", wire.Str(k.Alg))
			add(&o, "key", wire.Str(wire.Base64Encode(k.Key)))
			nk.Arr = append(nk.Arr, o)
		}
		add(&root, "next_keys", nk)
	}
	out := wire.AppendCanonical(nil, root)
	return append(out, '\n'), nil
}

// validate checks the invariants both Marshal and ParseManifest enforce.
func (m *Manifest) validate() error {
	switch {
	case m.Version == 0:
		return formatErr("version must be at least 1")
	case m.Channel == "" || len(m.Channel) > maxNameLen || !plainName(m.Channel):
		return formatErr("channel must be a plain name of 1 to 128 characters [A-Za-z0-9._-]")
	case m.Created.IsZero() || m.Expires.IsZero():
		return formatErr("created and expires are required")
	case !m.Expires.After(m.Created):
		return formatErr("expires must be after created")
	case len(m.PublisherKeys) == 0 || len(m.PublisherKeys) > maxKeys:
		return formatErr("publisher_keys must name 1 to 16 keys")
	case len(m.NextKeys) > maxKeys:
		return formatErr("too many next_keys")
	case len(m.Artifacts) > maxArtifacts:
		return formatErr("too many artifacts")
	case m.Filter.Kind == "" || m.Filter.Layout == "":
		return formatErr("filter kind and layout are required")
	case !(m.Filter.TargetFPR > 0 && m.Filter.TargetFPR < 1):
		return formatErr("filter target_fpr must be in (0, 1)")
	}
	for _, k := range m.PublisherKeys {
		if !knownAlg(k.Alg) || len(k.ID) != 2*keyIDLen || !wire.IsLowerHex(k.ID) {
			return formatErr("publisher key " + wire.Quote(k.Alg+":"+k.ID) + " is not an algorithm and key id")
		}
	}
	for _, k := range m.NextKeys {
		if err := k.check(); err != nil {
			return err
		}
	}
	for k := range m.Filter.Entries {
		if k == "" || len(k) > 32 {
			return formatErr("filter entries: bad kind name")
		}
	}
	seen := make(map[string]bool, len(m.Artifacts))
	bases := 0
	for _, a := range m.Artifacts {
		if !plainName(a.Name) || len(a.Name) > maxNameLen || a.Name[0] == '.' {
			return formatErr("artifact name " + wire.Quote(a.Name) + " is not a plain file name")
		}
		if seen[a.Name] {
			return formatErr("artifact " + wire.Quote(a.Name) + " listed twice")
		}
		seen[a.Name] = true
		if a.Name == ManifestFile || a.Name == SignatureFile {
			return formatErr("artifact name " + wire.Quote(a.Name) + " is reserved")
		}
		if a.Role == RoleFilter {
			bases++
		}
	}
	if bases != 1 {
		return formatErr("want exactly one artifact with role \"filter\", got " + strconv.Itoa(bases))
	}
	return nil
}

// plainName reports whether s is non-empty and only [A-Za-z0-9._-].
func plainName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return s != "." && s != ".."
}

func formatErr(msg string) error { return &FormatError{Msg: msg} }

// FormatError is a manifest, signature file or key file that does not follow
// the documented format. It matches ErrFormat with errors.Is.
type FormatError struct {
	Msg string
	Err error // optional cause
}

func (e *FormatError) Error() string {
	s := "release: bad format: " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is makes a FormatError match ErrFormat.
func (e *FormatError) Is(target error) bool { return target == ErrFormat }

func (e *FormatError) Unwrap() error { return e.Err }

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// parseTime reads the one form formatTime writes, YYYY-MM-DDTHH:MM:SSZ,
// and nothing else. It is written out rather than time.Parse'd: Parse's
// layout machinery is ~11 KB of the compressed wasm module. Fields out of
// range (month 13, February 30, second 60) would be normalised by
// time.Date, so the result must format back to s.
func parseTime(s string) (time.Time, error) {
	if t, ok := parseTimeUTC(s); ok && formatTime(t) == s {
		return t, nil
	}
	return time.Time{}, formatErr("time " + wire.Quote(s) + " is not RFC 3339 UTC with whole seconds (2006-01-02T15:04:05Z)")
}

func parseTimeUTC(s string) (time.Time, bool) {
	const layout = "dddd-dd-ddTdd:dd:ddZ"
	if len(s) != len(layout) {
		return time.Time{}, false
	}
	for i := range len(layout) {
		if layout[i] == 'd' {
			if s[i] < '0' || s[i] > '9' {
				return time.Time{}, false
			}
		} else if s[i] != layout[i] {
			return time.Time{}, false
		}
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range s[i : i+n] {
			v = 10*v + int(c-'0')
		}
		return v
	}
	return time.Date(num(0, 4), time.Month(num(5, 2)), num(8, 2), num(11, 2), num(14, 2), num(17, 2), 0, time.UTC), true
}
