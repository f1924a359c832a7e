package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/hashgate/hashgate/bloom"
	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/release"
)

// inspectReport is inspect's output; --json prints it as is.
type inspectReport struct {
	Dir      string          `json:"dir"`
	Format   string          `json:"format"`
	Channel  string          `json:"channel"`
	Version  uint64          `json:"version"`
	Epoch    uint64          `json:"epoch"`
	Created  time.Time       `json:"created"`
	Expires  time.Time       `json:"expires"`
	Expired  bool            `json:"expired"`
	Previous string          `json:"previous,omitempty"`
	Signers  []inspectSigner `json:"signers"`
	NextKeys []string        `json:"next_keys,omitempty"`
	Filter   inspectFilter   `json:"filter"`
	// Oblivious is an oblivious release's VOPRF suite and public key.
	Oblivious *inspectOblivious `json:"oblivious,omitempty"`
	Entries   map[string]uint64 `json:"entries_by_type"`
	Labels    map[string]int    `json:"entries_by_label,omitempty"`
	Sources   map[string]int    `json:"entries_by_source,omitempty"`
	// Videos are the listed videos (vpdq entries), read from the list with
	// --edge-key; VideoFrames their frame hashes.
	Videos      []inspectVideo    `json:"videos,omitempty"`
	VideoFrames int               `json:"video_frames,omitempty"`
	Artifacts   []inspectArtifact `json:"artifacts"`
	Verified    *bool             `json:"verified,omitempty"`
	Refusal     string            `json:"refusal,omitempty"`
}

type inspectOblivious struct {
	Suite     string `json:"suite"`
	PublicKey []byte `json:"public_key"` // base64 in JSON, as in the manifest
}

type inspectVideo struct {
	ID      string   `json:"id"`
	Frames  int      `json:"frames"`
	Seconds float64  `json:"last_frame_seconds"`
	Labels  []string `json:"labels,omitempty"`
	Source  string   `json:"source,omitempty"`
}

type inspectSigner struct {
	Alg       string `json:"alg"`
	KeyID     string `json:"key_id"`
	Signature bool   `json:"signature_present"`
}

type inspectFilter struct {
	Kind       string  `json:"kind"`
	Layout     string  `json:"layout"`
	Keys       uint64  `json:"keys"`
	SizeBytes  int     `json:"size_bytes"`
	BitsPerKey float64 `json:"bits_per_key"`
	TargetFPR  float64 `json:"target_fpr"`
	// LookupFPR is the false-positive rate of one look-up for the filters as
	// built; ImageFPR the chance that a clean image (every key its
	// fingerprints produce) is a false candidate.
	LookupFPR    float64 `json:"lookup_fpr"`
	KeysPerImage int     `json:"keys_per_image"`
	ImageFPR     float64 `json:"image_false_candidate_rate"`
	Deltas       int     `json:"deltas"`
}

type inspectArtifact struct {
	Role       string   `json:"role"`
	Name       string   `json:"name"`
	Length     uint64   `json:"length"`
	Present    bool     `json:"present"`
	Recipients []string `json:"recipients,omitempty"`
}

func runInspect(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("inspect", "DIR [--json] [--pub KEYS] [--edge-key KEY]", `
Describe a release: channel, version, expiry, signers, filter kind, size and
false-positive rates, counts of entries by type, and the artifacts. With
--edge-key (an edge or publisher key the list is encrypted to) it also
counts entries by label and source; with --pub it runs the acceptance rules
too. Human text by default, --json for tools.`, stdout, stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	pub := fs.String("pub", "", "publisher public keys: also verify the release")
	edgeKey := fs.String("edge-key", "", "edge private key file or keygen --edge directory: count labels from the list")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if fs.NArg() != 1 {
		return usageErr(stderr, "inspect", "want one release DIR")
	}
	rep, err := inspect(fs.Arg(0), *pub, *edgeKey)
	if err != nil {
		return fail(stderr, "inspect", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fail(stderr, "inspect", err)
		}
		return 0
	}
	printInspect(stdout, rep)
	return 0
}

func inspect(dir, pub, edgeKey string) (*inspectReport, error) {
	b, err := release.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	m, err := release.ParseManifest(b.Manifest)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	rep := &inspectReport{
		Dir: dir, Format: fmt.Sprintf("%d.%d", m.FormatMajor, m.FormatMinor), Channel: m.Channel,
		Version: m.Version, Epoch: m.Epoch, Created: m.Created, Expires: m.Expires,
		Expired: !now.Before(m.Expires), Entries: m.Filter.Entries,
	}
	if m.Previous != ([32]byte{}) {
		rep.Previous = fmt.Sprintf("%x", m.Previous)
	}
	if m.Oblivious != nil {
		rep.Oblivious = &inspectOblivious{Suite: m.Oblivious.Suite, PublicKey: m.Oblivious.PublicKey}
	}
	sigs, _ := release.ParseSignatures(b.Signature)
	for _, k := range m.PublisherKeys {
		s := inspectSigner{Alg: k.Alg, KeyID: k.ID}
		for _, sg := range sigs {
			if sg.Alg == k.Alg && sg.KeyID == k.ID {
				s.Signature = true
			}
		}
		rep.Signers = append(rep.Signers, s)
	}
	for _, k := range m.NextKeys {
		rep.NextKeys = append(rep.NextKeys, k.Alg+" "+k.ID())
	}
	f := &rep.Filter
	f.Kind, f.Layout, f.Keys, f.TargetFPR = m.Filter.Kind, m.Filter.Layout, m.Filter.Keys, m.Filter.TargetFPR
	var lookupMiss = 1.0
	for _, a := range m.Artifacts {
		data, ok := b.Artifacts[a.Name]
		ia := inspectArtifact{Role: a.Role, Name: a.Name, Length: a.Length, Present: ok}
		switch a.Role {
		case release.RoleFilter, release.RoleDelta:
			if a.Role == release.RoleDelta {
				f.Deltas++
			}
			if ok {
				if flt, err := bloom.Load(data); err == nil {
					f.SizeBytes += flt.SizeBytes()
					lookupMiss *= 1 - filterFPR(flt)
				}
			}
		case release.RoleList, release.RoleListDelta:
			if ok {
				ia.Recipients, _ = release.ListRecipients(data)
			}
		}
		rep.Artifacts = append(rep.Artifacts, ia)
	}
	f.LookupFPR = 1 - lookupMiss
	if f.Keys > 0 {
		f.BitsPerKey = float64(8*f.SizeBytes) / float64(f.Keys)
	}
	if l, err := bloom.ParseLayout(m.Filter.Layout); err == nil {
		// A clean image looks up its PDQ keys plus one each for pHash,
		// SHA-256 and MD5.
		f.KeysPerImage = l.QueryKeysPerPDQ() + 3
		f.ImageFPR = 1 - math.Pow(1-f.LookupFPR, float64(f.KeysPerImage))
	}
	if pub != "" {
		trust, err := loadTrust(pub)
		if err != nil {
			return nil, err
		}
		ok := true
		if _, err := release.Accept(b, release.AcceptOptions{Trust: trust}); err != nil {
			ok = false
			rep.Refusal = err.Error()
		}
		rep.Verified = &ok
	}
	if edgeKey != "" {
		k, err := loadEdgeKey(edgeKey)
		if err != nil {
			return nil, err
		}
		rep.Labels, rep.Sources = map[string]int{}, map[string]int{}
		for _, a := range m.Artifacts {
			if a.Role != release.RoleList && a.Role != release.RoleListDelta {
				continue
			}
			data, ok := b.Artifacts[a.Name]
			if !ok {
				return nil, fmt.Errorf("%s is missing", a.Name)
			}
			entries, err := release.DecryptList(data, k)
			if err != nil {
				return nil, err
			}
			for _, e := range entries {
				for _, l := range e.Labels {
					rep.Labels[l]++
				}
				if len(e.Labels) == 0 {
					rep.Labels["(none)"]++
				}
				rep.Sources[e.Source]++
				if e.Kind == fingerprint.KindVPDQ {
					id, frames, err := release.ParseVideoValue(e.Value)
					if err != nil {
						return nil, err
					}
					rep.Videos = append(rep.Videos, inspectVideo{ID: id, Frames: len(frames),
						Seconds: float64(frames[len(frames)-1].Millis) / 1000, Labels: e.Labels, Source: e.Source})
					rep.VideoFrames += len(frames)
				}
			}
		}
	}
	return rep, nil
}

// filterFPR is one look-up's false-positive rate for a filter as built.
func filterFPR(f bloom.Filter) float64 {
	switch f.Kind() {
	case bloom.KindBinaryFuse8:
		return 1.0 / 256
	case bloom.KindBinaryFuse16:
		return 1.0 / 65536
	case bloom.KindSplitBlock:
		return bloom.SplitBlockFPR(f.Len(), f.SizeBytes()/32)
	}
	return math.NaN()
}

func printInspect(w io.Writer, r *inspectReport) {
	status := "valid for " + time.Until(r.Expires).Round(time.Minute).String()
	if r.Expired {
		status = "EXPIRED"
	}
	fmt.Fprintf(w, "release    %s (format %s)\n", r.Dir, r.Format)
	fmt.Fprintf(w, "channel    %s  version %d  epoch %d\n", r.Channel, r.Version, r.Epoch)
	fmt.Fprintf(w, "created    %s\nexpires    %s (%s)\n", r.Created.Format(time.RFC3339), r.Expires.Format(time.RFC3339), status)
	if r.Previous != "" {
		fmt.Fprintf(w, "previous   %s\n", r.Previous)
	}
	for _, s := range r.Signers {
		state := "signature present"
		if !s.Signature {
			state = "NO SIGNATURE"
		}
		fmt.Fprintf(w, "signer     %-9s %s  %s\n", s.Alg, s.KeyID, state)
	}
	for _, k := range r.NextKeys {
		fmt.Fprintf(w, "next key   %s\n", k)
	}
	if r.Verified != nil {
		if *r.Verified {
			fmt.Fprintf(w, "verified   yes: every acceptance rule holds\n")
		} else {
			fmt.Fprintf(w, "verified   NO: %s\n", r.Refusal)
		}
	}
	f := r.Filter
	fmt.Fprintf(w, "filter     %s, layout %s, %d keys, %d bytes (%.1f bits/key), %d delta(s)\n",
		f.Kind, f.Layout, f.Keys, f.SizeBytes, f.BitsPerKey, f.Deltas)
	if o := r.Oblivious; o != nil {
		fmt.Fprintf(w, "oblivious  %s, public key %s: keys only through an edge's POST /v1/oprf\n", o.Suite, base64.StdEncoding.EncodeToString(o.PublicKey))
	}
	fmt.Fprintf(w, "rates      target %.3g per look-up, %.3g as built; %d look-ups per image: %.3g false candidates per clean image\n",
		f.TargetFPR, f.LookupFPR, f.KeysPerImage, f.ImageFPR)
	fmt.Fprintf(w, "entries   ")
	for _, k := range sortedKeys(r.Entries) {
		fmt.Fprintf(w, " %s %d", k, r.Entries[k])
	}
	fmt.Fprintln(w)
	if r.Labels != nil {
		fmt.Fprintf(w, "labels    ")
		for _, k := range sortedKeys(r.Labels) {
			fmt.Fprintf(w, " %s %d", k, r.Labels[k])
		}
		fmt.Fprintf(w, "\nsources   ")
		for _, k := range sortedKeys(r.Sources) {
			fmt.Fprintf(w, " %s %d", k, r.Sources[k])
		}
		fmt.Fprintln(w)
	}
	if len(r.Videos) > 0 {
		fmt.Fprintf(w, "videos     %d listed, %d frame hashes (each frame's PDQ keys are in the filter)\n", len(r.Videos), r.VideoFrames)
		for i, v := range r.Videos {
			if i == maxInspectVideos {
				fmt.Fprintf(w, "             ... and %d more (--json lists all)\n", len(r.Videos)-i)
				break
			}
			fmt.Fprintf(w, "  video    %s  %d frames to %.1f s  %v %s\n", v.ID, v.Frames, v.Seconds, v.Labels, v.Source)
		}
	}
	for _, a := range r.Artifacts {
		present := ""
		if !a.Present {
			present = "  (not in the directory)"
		}
		fmt.Fprintf(w, "artifact   %-10s %s %d bytes%s\n", a.Role, a.Name, a.Length, present)
		for _, id := range a.Recipients {
			fmt.Fprintf(w, "             encrypted to edge key %s\n", id)
		}
	}
}

// maxInspectVideos bounds the videos the text report names.
const maxInspectVideos = 20

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
