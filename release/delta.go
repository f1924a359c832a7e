package release

import (
	"errors"
	"strconv"
	"time"

	"github.com/hashgate/hashgate/bloom"
)

// ErrRemoval is returned by Delta when the new list drops entries of the old
// one: filters only grow, so removals need a full release (a new base).
var ErrRemoval = errors.New("release: a delta cannot remove entries; build a full release")

// DeltaOptions configure Delta. Zero fields keep the base release's values.
type DeltaOptions struct {
	Version    uint64        // > the base release's version; default base+1
	Created    time.Time     // default now
	TTL        time.Duration // default: the base release's validity period
	Signer     *Signer       // signs the delta manifest (or Publisher, like Build)
	Publisher  []PublicKey
	Recipients []PublicKey // edges the list delta is encrypted to; required if the base has a list
	NextKeys   []PublicKey
	// Withdrawals take entries of the new list out of matching
	// (withdraw.go), encrypted to Recipients: a delta may carry only
	// these, adding no entry.
	Withdrawals []Withdrawal
}

// Delta makes a delta release: the base release's artifacts unchanged
// (same files, same release key and epoch) plus one delta filter of the
// keys of added entries and one list delta of those entries. Clients that
// hold the base download only the new, small files; base plus deltas answer
// for every listed entry exactly as a full build of newEntries does.
// baseEntries are the entries of the base release (all of them, deltas
// included), newEntries the complete new list. It returns ErrRemoval if
// newEntries lacks any base entry.
func Delta(base *Bundle, baseRel *Release, baseEntries, newEntries []ListEntry, o DeltaOptions) (*Bundle, int, error) {
	bm := baseRel.Manifest
	if baseRel.Keyer == nil {
		return nil, 0, errors.New("release: delta of an oblivious-mode release is not supported")
	}
	have := make(map[string]struct{}, len(baseEntries))
	for _, e := range baseEntries {
		have[entryKey(e)] = struct{}{}
	}
	newEntries = SortList(newEntries)
	var added []ListEntry
	seen := make(map[string]struct{}, len(have))
	for _, e := range newEntries {
		k := entryKey(e)
		if _, ok := have[k]; ok {
			seen[k] = struct{}{}
			continue
		}
		added = append(added, e)
	}
	if removed := len(have) - len(seen); removed > 0 {
		return nil, 0, wrap(strconv.Itoa(removed)+" entries of the base are not in the new list", ErrRemoval)
	}
	if o.Version == 0 {
		o.Version = bm.Version + 1
	}
	if o.Version <= bm.Version {
		return nil, 0, errors.New("release: delta version must be greater than the base's " + strconv.FormatUint(bm.Version, 10))
	}
	if o.Created.IsZero() {
		o.Created = time.Now()
	}
	o.Created = o.Created.UTC().Truncate(time.Second)
	if o.TTL == 0 {
		o.TTL = bm.Expires.Sub(bm.Created)
	}
	bo := BuildOptions{Signer: o.Signer, Publisher: o.Publisher}
	if bo.Signer == nil && len(bo.Publisher) == 0 {
		return nil, 0, errors.New("release: delta needs a signer or the publisher's public keys")
	}

	m := &Manifest{
		Channel: bm.Channel, Version: o.Version, Epoch: bm.Epoch,
		Created: o.Created, Expires: o.Created.Add(o.TTL),
		PublisherKeys: bo.publisherRefs(),
		Filter:        bm.Filter,
		Previous:      baseRel.Digest,
		NextKeys:      o.NextKeys,
	}
	m.Filter.Entries = countKinds(newEntries)
	b := &Bundle{Artifacts: map[string][]byte{}}
	for _, a := range bm.Artifacts {
		data, ok := base.Artifacts[a.Name]
		if !ok {
			return nil, 0, errors.New("release: base artifact " + a.Name + " missing")
		}
		b.Artifacts[a.Name] = data
		m.Artifacts = append(m.Artifacts, a)
	}
	keys := FilterKeys(baseRel.Keyer, added, nil)
	if len(keys) > 0 {
		kind, err := bloom.ParseKind(bm.Filter.Kind)
		if err != nil {
			return nil, 0, wrap("release: delta", err)
		}
		f, err := bloom.Build(keys, bloom.BuildOptions{Kind: kind, TargetFPR: bm.Filter.TargetFPR, KeyID: baseRel.Keyer.KeyID()})
		if err != nil {
			return nil, 0, wrap("release: delta filter", err)
		}
		fb, err := bloom.Marshal(f)
		if err != nil {
			return nil, 0, wrap("release: delta filter", err)
		}
		m.Filter.Keys += uint64(f.Len())
		m.Artifacts = append(m.Artifacts, addArtifact(b, RoleDelta, "delta-", ".bin", fb))
	}
	if len(bm.ArtifactsByRole(RoleList)) > 0 && len(added) > 0 {
		if len(o.Recipients) == 0 {
			return nil, 0, errors.New("release: the base has an edge list: the list delta needs recipients")
		}
		ct, err := EncryptList(added, o.Recipients, nil)
		if err != nil {
			return nil, 0, err
		}
		m.Artifacts = append(m.Artifacts, addArtifact(b, RoleListDelta, "listdelta-", ".hpke", ct))
	}
	if err := addWithdrawals(b, m, newEntries, o.Withdrawals, o.Recipients, nil); err != nil {
		return nil, 0, err
	}
	out, err := finish(b, m, o.Signer)
	return out, len(added), err
}

// entryKey identifies an entry by kind and value.
func entryKey(e ListEntry) string { return string(byte(e.Kind)) + string(e.Value) }

// Entries decrypts a release's list and list deltas with an edge key
// and returns every entry, base first.
func (r *Release) Entries(key *EdgePrivateKey) ([]ListEntry, error) {
	if r.List == nil {
		return nil, errors.New("release: the release has no edge list")
	}
	all, err := DecryptList(r.List, key)
	if err != nil {
		return nil, err
	}
	for _, d := range r.ListDeltas {
		more, err := DecryptList(d, key)
		if err != nil {
			return nil, err
		}
		all = append(all, more...)
	}
	return all, nil
}

// EntriesFunc is Entries for an edge loading a large list:
// it calls fn with every entry, base first, without building the slice,
// and decrypts each list artifact in place (DecryptListInPlace). It
// consumes the release's lists: r.List and r.ListDeltas are set to nil,
// and their bytes, which the accepted Bundle's Artifacts share, are
// overwritten. On an error, fn may have seen some entries; discard what
// it built.
func (r *Release) EntriesFunc(key *EdgePrivateKey, fn func(ListEntry) error) error {
	if r.List == nil {
		return errors.New("release: the release has no edge list")
	}
	lists := append([][]byte{r.List}, r.ListDeltas...)
	r.List, r.ListDeltas = nil, nil
	for i, l := range lists {
		lists[i] = nil // each list's storage is free once its entries are out
		if err := DecryptListInPlace(l, key, fn); err != nil {
			return err
		}
	}
	return nil
}
