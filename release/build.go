package release

import (
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hashgate/hashgate/bloom"
	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/internal/wire"
)

// BuildOptions configure Build.
type BuildOptions struct {
	Channel string // default "stable"
	Version uint64 // >= 1
	Epoch   uint64
	Created time.Time     // default now, truncated to seconds
	TTL     time.Duration // expires = created + TTL; default 30 days

	Layout    bloom.Layout // default bloom.DefaultLayout
	Kind      bloom.Kind   // default bloom.KindAuto (smallest at TargetFPR)
	TargetFPR float64      // default bloom.DefaultFPR
	// ReleaseKey keys the filter PRF; zero means a fresh random key. Open
	// mode only.
	ReleaseKey [32]byte
	// OPRFKey is the VOPRF key of an oblivious-mode layout
	// (oblivious.GenerateKey), required there. It is encrypted to
	// Recipients, which oblivious mode also requires: without the key no
	// edge could answer a check.
	OPRFKey OPRFKey

	// Signer signs the manifest. Without one, Publisher must name the public
	// keys that will sign it later (hashgate sign) and the bundle has no
	// signature.
	Signer    *Signer
	Publisher []PublicKey

	// Recipients are the edge keys the full list is encrypted to; with none
	// the release carries no list (a browser-only release).
	Recipients []PublicKey

	// Withdrawals take listed entries out of matching (withdraw.go); each
	// must name one of the entries. They are encrypted to Recipients.
	Withdrawals []Withdrawal

	Previous [32]byte    // SHA-256 of the previous manifest.json
	NextKeys []PublicKey // key rotation: the keys that sign the next release

	Rand io.Reader // default crypto/rand
}

func (o *BuildOptions) defaults() error {
	if o.Channel == "" {
		o.Channel = "stable"
	}
	if o.Created.IsZero() {
		o.Created = time.Now()
	}
	o.Created = o.Created.UTC().Truncate(time.Second)
	if o.TTL == 0 {
		o.TTL = 30 * 24 * time.Hour
	}
	if o.Layout == (bloom.Layout{}) {
		o.Layout = bloom.DefaultLayout
	}
	if o.TargetFPR == 0 {
		o.TargetFPR = bloom.DefaultFPR
	}
	if o.Rand == nil {
		o.Rand = cryptoRandReader
	}
	if o.Layout.Mode == bloom.ModeOblivious {
		if len(o.Recipients) == 0 {
			return errors.New("release: an oblivious release needs edge recipients: only edges can compute its keys")
		}
		if o.OPRFKey == nil {
			return errors.New("release: an oblivious release needs its VOPRF key (oblivious.GenerateKey)")
		}
	} else if o.ReleaseKey == ([32]byte{}) {
		if _, err := io.ReadFull(o.Rand, o.ReleaseKey[:]); err != nil {
			return wrap("release: reading randomness", err)
		}
	}
	if o.Signer == nil && len(o.Publisher) == 0 {
		return errors.New("release: build needs a signer or the publisher's public keys")
	}
	return nil
}

func (o *BuildOptions) publisherRefs() []KeyRef {
	if o.Signer != nil {
		return o.Signer.Refs()
	}
	var refs []KeyRef
	for _, k := range o.Publisher {
		if knownAlg(k.Alg) {
			refs = append(refs, k.Ref())
		}
	}
	return refs
}

// FilterKeys appends the filter keys a publisher inserts for entries (kinds
// without filter keys, dHash and aHash, contribute none: edges match them).
// A vpdq video contributes the PDQ keys of each of its frames, so a browser
// looks a video's frames up exactly as it looks up photos' PDQ hashes.
func FilterKeys(k *bloom.Keyer, entries []ListEntry, dst []bloom.Key) []bloom.Key {
	for _, e := range entries {
		if e.Kind == fingerprint.KindVPDQ {
			_, frames, msg := splitVideoValue(e.Value)
			if msg != "" {
				continue // EncodeList refuses the entry
			}
			for i := 0; i < len(frames); i += videoFrameSize {
				dst = k.InsertKeys(bloom.TypePDQ, frames[i:i+32], dst)
			}
			continue
		}
		if bloom.Type(e.Kind).ValueLen() == 0 {
			continue
		}
		dst = k.InsertKeys(bloom.Type(e.Kind), e.Value, dst)
	}
	return dst
}

// Build makes a full release of entries (sorted and de-duplicated first):
// the base filter, the encrypted list, the manifest and, with a Signer, its
// signatures. WriteDir stores it.
func Build(entries []ListEntry, o BuildOptions) (*Bundle, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	entries = SortList(entries)
	keys, keyID, err := buildKeys(entries, &o)
	if err != nil {
		return nil, err
	}
	f, err := bloom.Build(keys, bloom.BuildOptions{Kind: o.Kind, TargetFPR: o.TargetFPR, KeyID: keyID})
	if err != nil {
		return nil, wrap("release: build", err)
	}
	keys = nil
	fbytes, err := bloom.Marshal(f)
	if err != nil {
		return nil, wrap("release: build", err)
	}
	m := &Manifest{
		Channel: o.Channel, Version: o.Version, Epoch: o.Epoch,
		Created: o.Created, Expires: o.Created.Add(o.TTL),
		PublisherKeys: o.publisherRefs(),
		Filter: FilterParams{
			Kind: f.Kind().String(), Layout: o.Layout.String(), TargetFPR: o.TargetFPR,
			Keys: uint64(f.Len()), Entries: countKinds(entries),
		},
		Previous: o.Previous,
		NextKeys: o.NextKeys,
	}
	if o.Layout.Mode == bloom.ModeOpen {
		m.Filter.ReleaseKey = o.ReleaseKey
	}
	b := &Bundle{Artifacts: map[string][]byte{}}
	m.Artifacts = append(m.Artifacts, addArtifact(b, RoleFilter, "filter-", ".bin", fbytes))
	if o.Layout.Mode == bloom.ModeOblivious {
		m.Oblivious = &Oblivious{Suite: oprfSuite, PublicKey: o.OPRFKey.PublicBytes()}
		ct, err := EncryptOPRFKey(o.OPRFKey, o.Recipients, o.Rand)
		if err != nil {
			return nil, err
		}
		m.Artifacts = append(m.Artifacts, addArtifact(b, RoleOPRFKey, "oprfkey-", ".hpke", ct))
	}
	if len(o.Recipients) > 0 {
		ct, err := EncryptList(entries, o.Recipients, o.Rand)
		if err != nil {
			return nil, err
		}
		m.Artifacts = append(m.Artifacts, addArtifact(b, RoleList, "list-", ".hpke", ct))
	}
	if err := addWithdrawals(b, m, entries, o.Withdrawals, o.Recipients, o.Rand); err != nil {
		return nil, err
	}
	return finish(b, m, o.Signer)
}

// buildKeys derives the filter keys of entries and the filter's key id:
// the release key's Keyer in open mode, VOPRF outputs in oblivious mode.
func buildKeys(entries []ListEntry, o *BuildOptions) ([]bloom.Key, [8]byte, error) {
	if o.Layout.Mode == bloom.ModeOblivious {
		if err := o.Layout.Validate(); err != nil {
			return nil, [8]byte{}, wrap("release: build", err)
		}
		keys, err := obliviousKeys(o.OPRFKey, o.Epoch, o.Layout, entries)
		if err != nil {
			return nil, [8]byte{}, wrap("release: build", err)
		}
		return keys, obliviousKeyID(o.OPRFKey.PublicBytes()), nil
	}
	keyer, err := bloom.NewKeyer(o.ReleaseKey, o.Layout)
	if err != nil {
		return nil, [8]byte{}, wrap("release: build", err)
	}
	keys := FilterKeys(keyer, entries, make([]bloom.Key, 0, len(entries)*o.Layout.Bands+len(entries)))
	return keys, keyer.KeyID(), nil
}

func finish(b *Bundle, m *Manifest, s *Signer) (*Bundle, error) {
	man, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	b.Manifest = man
	if s != nil {
		if b.Signature, err = s.Sign(man); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// addArtifact stores data in b under its content address and returns its
// manifest entry.
func addArtifact(b *Bundle, role, prefix, suffix string, data []byte) Artifact {
	sum := sha256.Sum256(data)
	name := prefix + wire.HexString(sum[:]) + suffix
	b.Artifacts[name] = data
	return Artifact{Role: role, Name: name, Length: uint64(len(data)), SHA256: sum}
}

func countKinds(entries []ListEntry) map[string]uint64 {
	c := map[string]uint64{}
	for _, e := range entries {
		c[e.Kind.String()]++
	}
	return c
}

// WriteDir writes the bundle into dir (created if needed): the artifacts
// first, then manifest.sig, then manifest.json, each through a temporary
// file and a rename, so a reader never sees a manifest whose artifacts are
// not there yet.
func WriteDir(dir string, b *Bundle) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return wrap("release: creating "+dir, err)
	}
	for name, data := range b.Artifacts {
		if !plainName(name) {
			return errors.New("release: artifact name " + wire.Quote(name) + " is not a plain file name")
		}
		if err := writeFileAtomic(filepath.Join(dir, name), data); err != nil {
			return err
		}
	}
	if b.Signature != nil {
		if err := writeFileAtomic(filepath.Join(dir, SignatureFile), b.Signature); err != nil {
			return err
		}
	}
	return writeFileAtomic(filepath.Join(dir, ManifestFile), b.Manifest)
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return wrap("release: writing "+path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return wrap("release: writing "+path, err)
	}
	return nil
}
