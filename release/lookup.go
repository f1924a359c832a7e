package release

import (
	"github.com/hashgate/hashgate/bloom"
	"github.com/hashgate/hashgate/fingerprint"
)

// Lookup is the browser checker's look-up, which `hashgate check` shares:
// it appends to dst the keys of one computed fingerprint (the Keyer's
// QueryKeys of kind and its raw value) that the release's filters hold,
// each key once, in query order. Any key is a hit, and a hit is only a
// candidate: the edge's exact search confirms it. An oblivious-mode release
// (no Keyer), an unknown kind or a value of the wrong length finds nothing.
func (r *Release) Lookup(kind fingerprint.Kind, value []byte, dst []bloom.Key) []bloom.Key {
	if r.Keyer == nil {
		return dst
	}
	start := len(dst)
	all := r.Keyer.QueryKeys(bloom.Type(kind), value, dst)
	hits := all[:start] // filtered in place: a write never passes the read
	for _, k := range all[start:] {
		if r.Filters.Contains(k) && !seen(hits[start:], k) {
			hits = append(hits, k)
		}
	}
	return hits
}

func seen(keys []bloom.Key, k bloom.Key) bool {
	for _, o := range keys {
		if o == k {
			return true
		}
	}
	return false
}
