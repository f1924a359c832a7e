package edge

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashgate/hashgate/release"
)

// ErrState means the Reloader's state file cannot be read or written; the
// edge refuses to load releases until it can be (rollback protection that
// never reaches disk is no protection).
var ErrState = errors.New("edge: state file")

// stateFile is the StatePath file. Everything in it is written at once
// (write, sync, rename), so the version and the keys never disagree.
type stateFile struct {
	LastVersion uint64 `json:"last_version"`
	// Trust is what a key rotation has taught the edge. Absent in files
	// written before keys were persisted: --trust applies then.
	Trust *stateTrust `json:"trust,omitempty"`
}

type stateTrust struct {
	// Current verified release LastVersion (a restart may load it again);
	// Next verifies every later release. They differ right after a
	// release that named next keys.
	Current []stateKey `json:"current"`
	Next    []stateKey `json:"next"`
}

type stateKey struct {
	Alg string `json:"alg"`
	Key []byte `json:"key"` // base64 in the JSON
}

func toStateKeys(t release.Trust) []stateKey {
	out := make([]stateKey, 0, len(t.Keys))
	for _, k := range t.Keys {
		out = append(out, stateKey{Alg: k.Alg, Key: k.Key})
	}
	return out
}

// fromStateKeys checks the keys as a key file would be checked.
func fromStateKeys(ks []stateKey) (release.Trust, error) {
	var pub []release.PublicKey
	for _, k := range ks {
		pub = append(pub, release.PublicKey{Alg: k.Alg, Key: k.Key})
	}
	if len(pub) == 0 {
		return release.Trust{}, errors.New("no keys")
	}
	return release.ParseTrust(release.MarshalPublicKeys(pub))
}

// TrustState is the publisher trust of a Verifier whose pinned keys move
// with releases (key rotation): the keys that verified release Version,
// and the keys that verify the releases after it.
type TrustState struct {
	Version uint64
	Current release.Trust
	Next    release.Trust
}

// TrustKeeper is a Verifier whose trust the Reloader persists in its state
// file and restores on start. *ReleaseVerifier is one.
type TrustKeeper interface {
	TrustState() TrustState
	RestoreTrust(TrustState)
}

// CheckState reads the state file and proves it can be written (a file is
// created beside it and removed), so that an edge whose rollback floor
// cannot reach disk refuses to start instead of running without it. Poll
// calls it before the first fetch; a caller may call it earlier to fail at
// start. Errors match ErrState.
func (r *Reloader) CheckState() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.initState()
}

func (r *Reloader) initState() error {
	if r.inited {
		return nil
	}
	if err := r.readState(); err != nil {
		return err
	}
	if r.StatePath != "" {
		if st, err := os.Stat(r.StatePath); err == nil && !st.Mode().IsRegular() {
			return fmt.Errorf("%w %s: not a regular file", ErrState, r.StatePath)
		}
		tmp, err := os.CreateTemp(filepath.Dir(r.StatePath), ".state-probe-*")
		if err != nil {
			return fmt.Errorf("%w %s cannot be written: %w", ErrState, r.StatePath, err)
		}
		tmp.Close()
		os.Remove(tmp.Name())
	}
	r.inited = true
	return nil
}

func (r *Reloader) readState() error {
	if r.StatePath == "" {
		return nil
	}
	b, err := os.ReadFile(r.StatePath)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: reading: %w", ErrState, err)
	}
	var st stateFile
	if err := json.Unmarshal(b, &st); err != nil {
		// Refuse to start from a corrupt floor rather than silently
		// resetting it to zero, which would allow rollbacks.
		return fmt.Errorf("%w %s is corrupt: %w", ErrState, r.StatePath, err)
	}
	r.last = st.LastVersion
	tk, ok := r.Verifier.(TrustKeeper)
	if st.Trust == nil || !ok {
		return nil
	}
	cur, err := fromStateKeys(st.Trust.Current)
	if err != nil {
		return fmt.Errorf("%w %s is corrupt: current keys: %w", ErrState, r.StatePath, err)
	}
	next, err := fromStateKeys(st.Trust.Next)
	if err != nil {
		return fmt.Errorf("%w %s is corrupt: next keys: %w", ErrState, r.StatePath, err)
	}
	// The file's keys were reached by verified releases up to
	// LastVersion, so they are newer than the configured ones: a --trust
	// file still naming a retired key must not bring it back.
	pinned := tk.TrustState().Next
	if !sameKeys(pinned, next) {
		r.Server.log.Warn("edge: publisher keys from the state file replace --trust (rotated by a release up to the persisted version; remove the state file to start over from --trust)",
			"state", r.StatePath, "version", st.LastVersion, "keys", keyIDs(next), "configured_keys", keyIDs(pinned))
	}
	tk.RestoreTrust(TrustState{Version: st.LastVersion, Current: cur, Next: next})
	return nil
}

// writeState replaces the state file atomically (write, sync, rename).
func (r *Reloader) writeState(v uint64) error {
	if r.StatePath == "" {
		return nil
	}
	st := stateFile{LastVersion: v}
	if tk, ok := r.Verifier.(TrustKeeper); ok {
		ts := tk.TrustState()
		st.Trust = &stateTrust{Current: toStateKeys(ts.Current), Next: toStateKeys(ts.Next)}
	}
	b, _ := json.Marshal(st)
	tmp, err := os.CreateTemp(filepath.Dir(r.StatePath), ".state-*")
	if err != nil {
		return fmt.Errorf("%w: writing: %w", ErrState, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("%w: writing: %w", ErrState, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("%w: writing: %w", ErrState, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%w: writing: %w", ErrState, err)
	}
	if err := os.Rename(tmp.Name(), r.StatePath); err != nil {
		return fmt.Errorf("%w: writing: %w", ErrState, err)
	}
	return nil
}

func keyIDs(t release.Trust) string {
	ids := make([]string, 0, len(t.Keys))
	for _, k := range t.Keys {
		ids = append(ids, k.Alg+":"+k.ID())
	}
	return strings.Join(ids, ",")
}

func sameKeys(a, b release.Trust) bool {
	x, y := strings.Split(keyIDs(a), ","), strings.Split(keyIDs(b), ",")
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}
