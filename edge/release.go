package edge

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

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

	mu    sync.Mutex
	trust release.Trust
}

// NewReleaseVerifier pins trust.
func NewReleaseVerifier(trust release.Trust, edgeKey *release.EdgePrivateKey, o match.Options) *ReleaseVerifier {
	return &ReleaseVerifier{trust: trust, EdgeKey: edgeKey, Match: o}
}

// Verify implements Verifier. When the release names next keys, the pinned
// trust moves to them for the following releases.
func (v *ReleaseVerifier) Verify(ctx context.Context, b *release.Bundle, lastVersion uint64, now time.Time) (*Snapshot, error) {
	v.mu.Lock()
	trust := v.trust
	v.mu.Unlock()
	rel, err := release.Accept(b, release.AcceptOptions{
		Trust: trust, LastVersion: lastVersion, Now: now, Channel: v.Channel, RequireList: true,
	})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	list, err := release.ReleaseEntries(rel, v.EdgeKey)
	if err != nil {
		return nil, fmt.Errorf("edge: decrypting the list of release %d: %w", rel.Manifest.Version, err)
	}
	// The ciphertext is no longer needed: let it go before the index is
	// built, which lowers the peak of a reload by the list's size.
	rel.List, rel.ListDeltas = nil, nil
	for _, role := range []string{release.RoleList, release.RoleListDelta} {
		for _, a := range rel.Manifest.ArtifactsByRole(role) {
			delete(b.Artifacts, a.Name)
		}
	}
	ix, err := buildIndex(ctx, list, v.Match)
	if err != nil {
		return nil, fmt.Errorf("edge: indexing release %d: %w", rel.Manifest.Version, err)
	}
	m := rel.Manifest
	snap := &Snapshot{
		Version: m.Version, Created: m.Created, Expires: m.Expires,
		Manifest: b.Manifest, Signature: b.Signature,
		Filters: map[string][]byte{}, Index: ix,
	}
	for _, role := range []string{release.RoleFilter, release.RoleDelta} {
		for _, a := range m.ArtifactsByRole(role) {
			if data, ok := b.Artifacts[a.Name]; ok {
				snap.Filters[hex.EncodeToString(a.SHA256[:])] = data
			}
		}
	}
	v.mu.Lock()
	v.trust = rel.NextTrust(trust)
	v.mu.Unlock()
	return snap, nil
}

// CheckManifest applies the rules that need only the manifest and its
// signatures (format, channel, signatures, expiry) at time now. A source
// calls it before downloading the artifacts the manifest names.
func (v *ReleaseVerifier) CheckManifest(manifest, sig []byte, now time.Time) error {
	v.mu.Lock()
	trust := v.trust
	v.mu.Unlock()
	_, err := release.Accept(&release.Bundle{Manifest: manifest, Signature: sig}, release.AcceptOptions{
		Trust: trust, Now: now, Channel: v.Channel, RequireList: true,
	})
	if err == nil || errors.Is(err, release.ErrMissing) {
		// Every manifest-level rule held; only the artifacts are absent.
		return nil
	}
	return err
}

// buildIndex converts list entries and indexes them, dropping each batch
// of list entries as it goes so a large list is not held twice.
func buildIndex(ctx context.Context, list []release.ListEntry, o match.Options) (*match.Index, error) {
	b, err := match.NewBuilder(o)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if i%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		e, err := listEntry(&list[i])
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		if err := b.Add(e); err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		list[i] = release.ListEntry{}
	}
	return b.Build()
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
