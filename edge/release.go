package edge

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/hashgate/hashgate/bloom"
	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/match"
	"github.com/hashgate/hashgate/release"
)

// ReleaseVerifier is the Verifier a real edge runs: release.Accept with the
// pinned publisher keys (every acceptance rule, the list required), the
// list decrypted with the edge's HPKE key, and a new match.Index built
// beside the one in use.
type ReleaseVerifier struct {
	EdgeKey *release.EdgePrivateKey
	Match   match.Options
	Channel string // when set, the only channel accepted
	// FilterDir, when set, is a directory the edge owns where verified
	// filters are written (named by digest) and served from, instead of
	// held in memory. Files of releases no longer served are removed.
	FilterDir string

	mu    sync.Mutex
	trust release.Trust // verifies releases newer than curVersion
	// cur verified release curVersion: after a restart that release may
	// load again although trust has moved on to its next keys.
	cur        release.Trust
	curVersion uint64
	served     bool // a snapshot was handed out: later builds run beside it
}

// NewReleaseVerifier pins trust.
func NewReleaseVerifier(trust release.Trust, edgeKey *release.EdgePrivateKey, o match.Options) *ReleaseVerifier {
	return &ReleaseVerifier{trust: trust, EdgeKey: edgeKey, Match: o}
}

// Verify implements Verifier. When the release names next keys, the pinned
// trust moves to them for the following releases.
func (v *ReleaseVerifier) Verify(ctx context.Context, b *release.Bundle, lastVersion uint64, now time.Time) (*Snapshot, error) {
	trust := v.trustFor(b.Manifest)
	rel, err := release.Accept(b, release.AcceptOptions{
		Trust: trust, LastVersion: lastVersion, Now: now, Channel: v.Channel, RequireList: true,
	})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m := rel.Manifest
	// Filters first: on disk, their bytes are garbage before the index is
	// built, and buildIndex returns garbage to the OS.
	filters, err := v.keepFilters(b, rel)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	workers := 0 // the first index: nothing is served yet, use every core
	if v.served {
		// A reload: build on one core, so the index in use keeps the
		// others, and with one worker's scratch memory.
		workers = 1
	}
	v.mu.Unlock()
	withdrawn, err := rel.WithdrawalSet(v.EdgeKey)
	if err != nil {
		return nil, &release.RuleError{Rule: "withdrawals", Err: err}
	}
	ev, err := openOPRF(rel, v.EdgeKey)
	if err != nil {
		return nil, &release.RuleError{Rule: "oprf-key", Err: err}
	}
	ix, err := buildIndex(ctx, b, rel, v.EdgeKey, v.Match, workers)
	if err != nil {
		if ctx.Err() == nil {
			// No list for this edge's key, or a damaged one: the release's
			// fault, so the reload log names a rule.
			err = &release.RuleError{Rule: "list", Err: err}
		}
		return nil, err
	}
	snap := &Snapshot{
		Version: m.Version, Created: m.Created, Expires: m.Expires,
		Manifest: b.Manifest, Signature: b.Signature,
		Filters: filters, Index: ix, filterDir: v.FilterDir, Withdrawn: withdrawn, OPRF: ev,
	}
	v.mu.Lock()
	v.cur, v.curVersion = trust, m.Version
	v.trust = rel.NextTrust(trust)
	v.served = true
	v.mu.Unlock()
	return snap, nil
}

// trustFor picks the keys for manifest: those that verified the release
// last accepted if it is that release again, else the pinned ones.
func (v *ReleaseVerifier) trustFor(manifest []byte) release.Trust {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.curVersion > 0 {
		if m, err := release.ParseManifest(manifest); err == nil && m.Version == v.curVersion {
			return v.cur
		}
	}
	return v.trust
}

// TrustState implements TrustKeeper.
func (v *ReleaseVerifier) TrustState() TrustState {
	v.mu.Lock()
	defer v.mu.Unlock()
	cur := v.cur
	if v.curVersion == 0 {
		cur = v.trust
	}
	return TrustState{Version: v.curVersion, Current: cur, Next: v.trust}
}

// RestoreTrust implements TrustKeeper: the Reloader hands over the trust
// its state file recorded, which replaces the pinned keys.
func (v *ReleaseVerifier) RestoreTrust(t TrustState) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.cur, v.curVersion, v.trust = t.Current, t.Version, t.Next
}

// keepFilters returns the release's filter artifacts as the edge serves
// them: in memory, or written to FilterDir and dropped from b and rel (the
// edge never looks keys up in them; checkers do).
func (v *ReleaseVerifier) keepFilters(b *release.Bundle, rel *release.Release) (map[string]Artifact, error) {
	out := map[string]Artifact{}
	if v.FilterDir != "" {
		rel.Filters = bloom.Set{} // they read the bytes dropped below
	}
	for _, role := range []string{release.RoleFilter, release.RoleDelta} {
		for _, a := range rel.Manifest.ArtifactsByRole(role) {
			data, ok := b.Artifacts[a.Name]
			if !ok {
				continue
			}
			digest := hex.EncodeToString(a.SHA256[:])
			if v.FilterDir == "" {
				out[digest] = MemoryArtifact(data)
				continue
			}
			// release.Accept has checked data against a.SHA256.
			fa, err := storeFilter(v.FilterDir, data, a.SHA256)
			if err != nil {
				return nil, err
			}
			out[digest] = fa
			delete(b.Artifacts, a.Name)
		}
	}
	return out, nil
}

// CheckManifest applies the rules that need only the manifest and its
// signatures (format, channel, signatures, expiry) at time now. A source
// calls it before downloading the artifacts the manifest names.
func (v *ReleaseVerifier) CheckManifest(manifest, sig []byte, now time.Time) error {
	trust := v.trustFor(manifest)
	_, err := release.Accept(&release.Bundle{Manifest: manifest, Signature: sig}, release.AcceptOptions{
		Trust: trust, Now: now, Channel: v.Channel, RequireList: true,
	})
	if err == nil || errors.Is(err, release.ErrMissing) {
		// Every manifest-level rule held; only the artifacts are absent.
		return nil
	}
	return err
}

// buildIndex streams the release's list into a new index. The list is
// decrypted in place and each entry goes straight into the builder, whose
// arrays are sized up front from the manifest's counts, so at no point are
// the ciphertext, a plaintext copy, a []release.ListEntry and the index
// held at once (at 1e7 PDQ entries that was 3.2 GB of peak RSS). It
// consumes the list artifacts of b and rel. Build uses up to workers
// goroutines (0: GOMAXPROCS).
func buildIndex(ctx context.Context, b *release.Bundle, rel *release.Release, key *release.EdgePrivateKey, o match.Options, workers int) (*match.Index, error) {
	bld, err := match.NewBuilder(o)
	if err != nil {
		return nil, err
	}
	bld.SetWorkers(workers)
	m := rel.Manifest
	listBytes := 0
	for _, role := range []string{release.RoleList, release.RoleListDelta} {
		for _, a := range m.ArtifactsByRole(role) {
			listBytes += len(b.Artifacts[a.Name])
			// rel shares these bytes; once decrypted they are garbage.
			delete(b.Artifacts, a.Name)
		}
	}
	growFromManifest(bld, m, listBytes)
	n := 0
	err = rel.EntriesFunc(key, func(l release.ListEntry) error {
		if n%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var err error
		if l.Kind == fingerprint.KindVPDQ {
			err = addListedVideo(bld, &l) // video_list.go
		} else {
			var e match.Entry
			if e, err = listEntry(&l); err == nil {
				err = bld.Add(e)
			}
		}
		if err != nil {
			return fmt.Errorf("edge: entry %d: %w", n, err)
		}
		n++
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("edge: loading the list of release %d: %w", m.Version, err)
	}
	// The decrypted list is garbage now: hand it back before the tables
	// are allocated, so that they reuse its pages rather than add to RSS,
	// and are faulted in fresh (match advises huge pages for them).
	debug.FreeOSMemory()
	ix, err := bld.Build()
	if err != nil {
		return nil, fmt.Errorf("edge: indexing release %d: %w", m.Version, err)
	}
	return ix, nil
}

// growFromManifest reserves the builder's arrays from the manifest's entry
// counts, so a large list is not appended by doubling (each step a copy
// and a peak). The counts are signed but only a hint: each is capped by
// what listBytes could hold (every encoded entry takes at least its value
// and four bytes), so a bad count cannot make the edge reserve more than
// the list's size warrants.
func growFromManifest(bld *match.Builder, m *release.Manifest, listBytes int) {
	for name, c := range m.Filter.Entries {
		k := fingerprint.ParseKind(name)
		vl := release.ValueLen(k)
		if vl == 0 {
			continue
		}
		bld.Grow(k, int(min(c, uint64(listBytes/(vl+4)))))
	}
}

// listEntry converts the release's raw form to the index's.
func listEntry(l *release.ListEntry) (match.Entry, error) {
	e := match.Entry{Kind: l.Kind, Labels: l.Labels, Source: l.Source, Added: l.Added}
	if n := release.ValueLen(l.Kind); n == 0 || len(l.Value) != n {
		return e, fmt.Errorf("edge: %s value of %d bytes", l.Kind, len(l.Value))
	}
	switch l.Kind {
	case fingerprint.KindPDQ:
		copy(e.PDQ[:], l.Value)
	case fingerprint.KindPHash, fingerprint.KindDHash, fingerprint.KindAHash:
		e.Hash64 = fingerprint.Hash64(binary.BigEndian.Uint64(l.Value))
	case fingerprint.KindSHA256:
		copy(e.SHA256[:], l.Value)
	case fingerprint.KindMD5:
		copy(e.MD5[:], l.Value)
	}
	return e, nil
}
