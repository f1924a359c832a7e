package release

import (
	"crypto/sha256"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashgate/hashgate/bloom"
	"github.com/hashgate/hashgate/internal/wire"
)

// AcceptOptions are what the caller brings to Accept: its pinned keys and
// the state it persists between releases.
type AcceptOptions struct {
	Trust Trust
	// LastVersion is the highest version the caller accepted before (0 if
	// none). The caller persists it; Accept refuses anything not greater.
	LastVersion uint64
	// Now is the current time; the zero value means time.Now().
	Now time.Time
	// Channel, when set, is the only channel accepted.
	Channel string
	// RequireList makes the list artifacts mandatory (edges); browsers never
	// fetch them, so by default an absent list is not an error. A list that
	// is present is always checked.
	RequireList bool
}

// Release is an accepted release: the parsed manifest, the loaded filters,
// and the Keyer that derives their keys. Filters read the Bundle's bytes
// without copying: keep the Bundle unmodified while the Release is in use.
type Release struct {
	Manifest *Manifest
	Filters  bloom.Set
	// Keyer is nil in oblivious mode, where keys come from the edge.
	Keyer *bloom.Keyer
	// OPRFKey is an oblivious release's encrypted VOPRF private key, if
	// the bundle had it (OpenOPRFKey); Manifest.Oblivious pins the public key.
	OPRFKey []byte
	layout  bloom.Layout
	// Digest is the SHA-256 of manifest.json: the next release's Previous.
	Digest [32]byte
	// List and ListDeltas are the encrypted edge-list artifacts, if the
	// bundle had them (see DecryptList).
	List       []byte
	ListDeltas [][]byte
	// Withdrawals are the encrypted withdrawal artifacts, in manifest
	// order (see WithdrawalSet).
	Withdrawals [][]byte
}

// NextTrust is the Trust for the releases after r: the manifest's next keys
// if it names any, t otherwise. Persist it with the accepted version.
func (r *Release) NextTrust(t Trust) Trust { return r.Manifest.nextTrust(t) }

// Accept applies every acceptance rule to a fetched bundle and returns the
// release only if all hold. Rules, in order: format (the manifest parses),
// channel, signature (Ed25519 and ML-DSA-65 by pinned keys), expired,
// rollback (version > o.LastVersion), then for every artifact: missing,
// length, digest, and for filters: filter (loads, has the manifest's kind and
// release key). The error is a *RuleError; errors.Is matches the rule's
// sentinel. A caller that gets an error keeps the release it has.
func Accept(b *Bundle, o AcceptOptions) (*Release, error) {
	if b == nil {
		return nil, &RuleError{Rule: RuleMissing, Err: errors.New("release: no bundle")}
	}
	m, err := ParseManifest(b.Manifest)
	if err != nil {
		return nil, &RuleError{Rule: RuleFormat, Err: err}
	}
	if o.Channel != "" && m.Channel != o.Channel {
		return nil, &RuleError{Rule: RuleChannel, Err: errors.New("release: manifest is for channel " +
			wire.Quote(m.Channel) + ", want " + wire.Quote(o.Channel))}
	}
	if err := verifySignatures(b.Manifest, m, b.Signature, o.Trust); err != nil {
		rule := RuleSignature
		if errors.Is(err, ErrFormat) {
			// A signature file that does not parse is still a signature failure
			// to the caller: no valid signature was presented.
			err = wrap("release: manifest.sig", err)
		}
		return nil, &RuleError{Rule: rule, Err: err}
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	if !now.Before(m.Expires) {
		return nil, &RuleError{Rule: RuleExpired, Err: errors.New("release: version " +
			strconv.FormatUint(m.Version, 10) + " expired at " + formatTime(m.Expires))}
	}
	if m.Version <= o.LastVersion {
		return nil, &RuleError{Rule: RuleRollback, Err: errors.New("release: version " +
			strconv.FormatUint(m.Version, 10) + " is not newer than the accepted version " +
			strconv.FormatUint(o.LastVersion, 10))}
	}
	r := &Release{Manifest: m, Digest: sha256.Sum256(b.Manifest)}
	for _, a := range m.Artifacts {
		data, ok := b.Artifacts[a.Name]
		if !ok {
			if (a.Role == RoleList || a.Role == RoleListDelta || a.Role == RoleWithdrawals || a.Role == RoleOPRFKey) && !o.RequireList || !knownRole(a.Role) {
				continue
			}
			return nil, &RuleError{Rule: RuleMissing, Err: errors.New("release: artifact " + a.Name + " (" + a.Role + ") not supplied")}
		}
		if err := checkArtifact(a, data); err != nil {
			return nil, err
		}
		switch a.Role {
		case RoleFilter, RoleDelta:
			f, err := bloom.Load(data)
			if err != nil {
				return nil, &RuleError{Rule: RuleFilter, Err: wrap("release: "+a.Name, err)}
			}
			if a.Role == RoleFilter {
				if f.Kind().String() != m.Filter.Kind {
					return nil, &RuleError{Rule: RuleFilter, Err: errors.New("release: " + a.Name + " is a " +
						f.Kind().String() + " filter, the manifest says " + m.Filter.Kind)}
				}
				r.Filters.Base = f
			} else {
				r.Filters.Deltas = append(r.Filters.Deltas, f)
			}
		case RoleList:
			r.List = data
		case RoleListDelta:
			r.ListDeltas = append(r.ListDeltas, data)
		case RoleWithdrawals:
			r.Withdrawals = append(r.Withdrawals, data)
		case RoleOPRFKey:
			r.OPRFKey = data
		}
	}
	layout, err := bloom.ParseLayout(m.Filter.Layout)
	if err != nil {
		return nil, &RuleError{Rule: RuleFormat, Err: wrap("release: filter layout", err)}
	}
	r.layout = layout
	if err := r.checkOblivious(m, layout); err != nil {
		return nil, &RuleError{Rule: RuleFilter, Err: err}
	}
	if m.Filter.ReleaseKey != ([32]byte{}) {
		k, err := bloom.NewKeyer(m.Filter.ReleaseKey, layout)
		if err != nil {
			return nil, &RuleError{Rule: RuleFormat, Err: wrap("release: filter keys", err)}
		}
		if err := r.Filters.CheckKeyID(k.KeyID()); err != nil {
			return nil, &RuleError{Rule: RuleFilter, Err: wrap("release: filters do not match the release key", err)}
		}
		r.Keyer = k
	} else if layout.Mode != bloom.ModeOblivious {
		return nil, &RuleError{Rule: RuleFormat, Err: errors.New("release: open-mode manifest without a release key")}
	}
	return r, nil
}

// checkArtifact applies the length and digest rules to one artifact.
func checkArtifact(a Artifact, data []byte) error {
	if uint64(len(data)) != a.Length {
		return &RuleError{Rule: RuleLength, Err: errors.New("release: " + a.Name + " is " +
			strconv.Itoa(len(data)) + " bytes, the manifest says " + strconv.FormatUint(a.Length, 10))}
	}
	if sha256.Sum256(data) != a.SHA256 {
		return &RuleError{Rule: RuleDigest, Err: errors.New("release: " + a.Name + " does not have the SHA-256 the manifest records")}
	}
	return nil
}

// Current holds the release in use and replaces it only with one that Accept
// took. Load is lock-free, so look-ups never wait for an update; Offer
// serialises updates. The zero value holds nothing.
type Current struct {
	mu    sync.Mutex // serialises Offer
	rel   atomic.Pointer[Release]
	trust atomic.Pointer[Trust]
}

// Load returns the release in use, or nil before the first accepted one.
func (c *Current) Load() *Release { return c.rel.Load() }

// Trust returns the trust in effect: o.Trust from the first Offer, moved to
// next keys by accepted rotations.
func (c *Current) Trust() (Trust, bool) {
	t := c.trust.Load()
	if t == nil {
		return Trust{}, false
	}
	return *t, true
}

// Offer runs Accept on b and, on success, makes it the release in use. The
// last accepted version is the larger of o.LastVersion and the version in
// use, and the trust is the one in effect once set (o.Trust until then). On
// error the release in use is unchanged. The caller persists
// Load().Manifest.Version and Trust() after a successful Offer.
func (c *Current) Offer(b *Bundle, o AcceptOptions) (*Release, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.trust.Load(); t != nil {
		o.Trust = *t
	}
	if cur := c.rel.Load(); cur != nil && cur.Manifest.Version > o.LastVersion {
		o.LastVersion = cur.Manifest.Version
	}
	r, err := Accept(b, o)
	if err != nil {
		return nil, err
	}
	next := r.NextTrust(o.Trust)
	c.trust.Store(&next)
	c.rel.Store(r)
	return r, nil
}
