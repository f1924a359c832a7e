package release_test

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/release"
)

// A publisher builds and signs a release; a client accepts it only with
// both signatures by the pinned keys, and keeps it when a tampered update
// arrives.
func Example() {
	signer, _ := release.GenerateSigner(nil)
	edge, _ := release.GenerateEdgeKey(nil)
	listed := fingerprint.MD5Digest{0xd3, 0x5c, 0x78, 0x55}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

	build := func(version uint64) *release.Bundle {
		b, err := release.Build([]release.ListEntry{
			{Kind: fingerprint.KindMD5, Value: listed[:], Labels: []string{"gifct:graphic-violence"}},
		}, release.BuildOptions{Version: version, Created: now, Signer: signer, Recipients: []release.PublicKey{edge.Public()}})
		if err != nil {
			panic(err)
		}
		return b
	}

	var cur release.Current
	opts := release.AcceptOptions{Trust: signer.Trust(), Now: now.Add(time.Hour), RequireList: true}
	if _, err := cur.Offer(build(1), opts); err != nil {
		panic(err)
	}

	bad := build(2)
	bad.Manifest[bytes.Index(bad.Manifest, []byte("stable"))] ^= 1 // one flipped byte
	_, err := cur.Offer(bad, opts)
	var re *release.RuleError
	fmt.Println(errors.As(err, &re), re.Rule, errors.Is(err, release.ErrSignature))
	fmt.Println("in use: version", cur.Load().Manifest.Version)

	entries, _ := release.DecryptList(cur.Load().List, edge)
	fmt.Println(entries[0].Kind, entries[0].Labels)
	// Output:
	// true signature true
	// in use: version 1
	// md5 [gifct:graphic-violence]
}

func ExampleParseManifest() {
	_, err := release.ParseManifest([]byte(`{"format": "2.0"}`))
	fmt.Println(errors.Is(err, release.ErrFormatVersion), errors.Is(err, release.ErrFormat))
	// Output: true true
}

// An edge loads a large list by streaming it: Release.EntriesFunc decrypts
// each list artifact in place and hands over one entry at a time, so the
// whole list is never held as a []ListEntry.
func ExampleRelease_EntriesFunc() {
	signer, _ := release.GenerateSigner(nil)
	edge, _ := release.GenerateEdgeKey(nil)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var entries []release.ListEntry
	for i := range 1000 {
		d := fingerprint.MD5Digest{byte(i >> 8), byte(i)}
		entries = append(entries, release.ListEntry{Kind: fingerprint.KindMD5, Value: d[:]})
	}
	b, err := release.Build(entries, release.BuildOptions{Version: 1, Created: now, Signer: signer,
		Recipients: []release.PublicKey{edge.Public()}})
	if err != nil {
		panic(err)
	}
	rel, err := release.Accept(b, release.AcceptOptions{Trust: signer.Trust(), Now: now, RequireList: true})
	if err != nil {
		panic(err)
	}

	md5s := map[fingerprint.MD5Digest]bool{}
	err = rel.EntriesFunc(edge, func(e release.ListEntry) error {
		// Value aliases the decrypted list: copy what is kept, or the
		// whole list stays reachable.
		md5s[fingerprint.MD5Digest(e.Value)] = true
		return nil
	})
	fmt.Println(len(md5s), err, rel.List == nil)
	// Output: 1000 <nil> true
}

// A checker looks a file's fingerprints up in an accepted release: any key
// found is a candidate, which the edge then confirms.
func ExampleRelease_Lookup() {
	signer, _ := release.GenerateSigner(nil)
	listed := fingerprint.MD5Digest{0xd3, 0x5c, 0x78, 0x55}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	b, err := release.Build([]release.ListEntry{{Kind: fingerprint.KindMD5, Value: listed[:]}},
		release.BuildOptions{Version: 1, Created: now, Signer: signer})
	if err != nil {
		panic(err)
	}
	r, err := release.Accept(b, release.AcceptOptions{Trust: signer.Trust(), Now: now})
	if err != nil {
		panic(err)
	}
	other := fingerprint.MD5Digest{1}
	fmt.Println(len(r.Lookup(fingerprint.KindMD5, listed[:], nil)), len(r.Lookup(fingerprint.KindMD5, other[:], nil)))
	fmt.Println(len(r.Lookup(fingerprint.KindMD5, listed[:4], nil))) // a value of the wrong length
	// Output:
	// 1 0
	// 0
}

func ExampleVideoValue() {
	var a, b fingerprint.PDQHash
	a[0], b[0] = 0xf0, 0x0f
	v, err := release.VideoValue("clip-17", []release.VideoFrame{
		{PDQ: a, Quality: 100, Millis: 0},
		{PDQ: b, Quality: 87, Millis: 1000},
	})
	if err != nil {
		panic(err)
	}
	entry := release.ListEntry{Kind: fingerprint.KindVPDQ, Value: v, Labels: []string{"tve"}}
	id, frames, _ := release.ParseVideoValue(entry.Value)
	fmt.Println(entry.Kind, id, len(frames), "frames,", len(v), "bytes")
	// Output:
	// vpdq clip-17 2 frames, 83 bytes
}
