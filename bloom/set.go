package bloom

// Set is what a client holds for one release: a base filter and the delta
// filters published since, each holding only keys added after the one
// before. A key is in the set if any filter contains it. Removals are not
// expressed here: the edge list is authoritative, and a periodic new base
// drops removed keys.
type Set struct {
	Base   Filter
	Deltas []Filter
}

// Contains reports whether k may be in the base or any delta.
func (s Set) Contains(k Key) bool {
	if s.Base != nil && s.Base.Contains(k) {
		return true
	}
	for _, d := range s.Deltas {
		if d.Contains(k) {
			return true
		}
	}
	return false
}

// ContainsAny reports whether any of keys may be in the set: the check for
// one fingerprint's QueryKeys.
func (s Set) ContainsAny(keys []Key) bool {
	for _, k := range keys {
		if s.Contains(k) {
			return true
		}
	}
	return false
}

// Len is the total number of keys over all filters (an upper bound on the
// distinct keys).
func (s Set) Len() int {
	n := 0
	if s.Base != nil {
		n = s.Base.Len()
	}
	for _, d := range s.Deltas {
		n += d.Len()
	}
	return n
}

// SizeBytes is the total table size a client downloads.
func (s Set) SizeBytes() int {
	n := 0
	if s.Base != nil {
		n = s.Base.SizeBytes()
	}
	for _, d := range s.Deltas {
		n += d.SizeBytes()
	}
	return n
}

// CheckKeyID returns an error matching ErrFormat unless every filter of the
// set was built under the key with id: keys from another release's Keyer
// would miss everything.
func (s Set) CheckKeyID(id [8]byte) error {
	if s.Base != nil && s.Base.KeyID() != id {
		return badFormat(ErrFormat, "bloom: base filter built under another release key")
	}
	for _, d := range s.Deltas {
		if d.KeyID() != id {
			return badFormat(ErrFormat, "bloom: delta filter built under another release key")
		}
	}
	return nil
}
