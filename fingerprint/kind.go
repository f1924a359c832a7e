package fingerprint

// Kind names a fingerprint type. Its String form is the name used in hash
// lists, manifests and JSON ("pdq", "phash", ...).
type Kind uint8

// The fingerprint kinds hashgate knows. The numeric values appear in binary
// formats (filter keys, edge lists): never renumber them. A new kind gets
// the next number here and a row in kinds below; bloom.Type (the kinds the
// browser filter carries) and match (the kinds an edge index holds) follow
// it, and TestKinds in bloom and match fail until they agree.
const (
	KindUnknown Kind = 0
	KindPDQ     Kind = 1
	KindPHash   Kind = 2
	KindSHA256  Kind = 3
	KindMD5     Kind = 4
	KindDHash   Kind = 5
	KindAHash   Kind = 6
	// KindVPDQ is a listed video: its frames' PDQ hashes (vPDQ). Its value
	// has no fixed length (release.VideoValue), so ValueLen is 0 for it.
	KindVPDQ Kind = 7
)

// kinds is the one table of kind names and raw value lengths, indexed by
// Kind.
var kinds = [...]struct {
	name string
	size int // bytes of the raw value; 0 for KindUnknown
}{
	KindUnknown: {"unknown", 0},
	KindPDQ:     {"pdq", 32},    // PDQHash
	KindPHash:   {"phash", 8},   // Hash64, big-endian (its hex order)
	KindSHA256:  {"sha256", 32}, // SHA256Digest
	KindMD5:     {"md5", 16},    // MD5Digest
	KindDHash:   {"dhash", 8},
	KindAHash:   {"ahash", 8},
	KindVPDQ:    {"vpdq", 0},
}

// Kinds returns every known kind, KindUnknown excluded, in numeric order.
func Kinds() []Kind {
	out := make([]Kind, 0, len(kinds)-1)
	for k := 1; k < len(kinds); k++ {
		out = append(out, Kind(k))
	}
	return out
}

// String returns the kind's list name, e.g. "pdq".
func (k Kind) String() string {
	if int(k) < len(kinds) {
		return kinds[k].name
	}
	return "unknown"
}

// ValueLen is the byte length of a raw value of kind k (32 for PDQ and
// SHA-256, 8 for the 64-bit hashes, 16 for MD5), 0 for an unknown kind and
// for vpdq, whose values vary in length.
// Binary formats (edge lists, filter keys) carry values in this form.
func (k Kind) ValueLen() int {
	if int(k) < len(kinds) {
		return kinds[k].size
	}
	return 0
}

// ParseKind maps a list name ("pdq", "phash", "sha256", "md5", "dhash",
// "ahash"; case-insensitive) to its Kind. It returns KindUnknown for anything else.
func ParseKind(s string) Kind {
	for k := 1; k < len(kinds); k++ {
		if equalFoldASCII(s, kinds[k].name) {
			return Kind(k)
		}
	}
	return KindUnknown
}
