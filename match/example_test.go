package match_test

import (
	"fmt"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/match"
)

func ExampleNewIndex() {
	listed, _ := fingerprint.ParsePDQ("d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")
	ix, err := match.NewIndex([]match.Entry{
		{Kind: fingerprint.KindPDQ, PDQ: listed, Labels: []string{"tve"}, Source: "gifct",
			Added: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
	}, match.DefaultOptions())
	if err != nil {
		panic(err)
	}

	// An upload whose hash differs in a few bits (a re-encoded copy).
	upload := listed
	upload[0] ^= 0x81
	upload[31] ^= 0x01
	for _, r := range ix.Match(match.Query{PDQ: &upload, PDQQuality: 100}) {
		fmt.Println(r.Kind, r.Distance, r.Entry.Labels, r.Entry.Source, r.Entry.Added.Format(time.DateOnly))
	}
	// Output:
	// pdq 3 [tve] gifct 2026-01-02
}

func ExampleIndex_MatchReport() {
	listed, _ := fingerprint.ParsePDQ("d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")
	ix, _ := match.NewIndex([]match.Entry{{Kind: fingerprint.KindPDQ, PDQ: listed}}, match.DefaultOptions())

	// A near-flat image has a low-quality PDQ hash: it is not searched, and
	// the report says why there is no PDQ match.
	rep := ix.MatchReport(match.Query{PDQ: &listed, PDQQuality: 20})
	fmt.Println(len(rep.Results), rep.PDQ)
	rep = ix.MatchReport(match.Query{PDQ: &listed, PDQQuality: 80})
	fmt.Println(len(rep.Results), rep.PDQ)
	// Output:
	// 0 low-quality
	// 1 searched
}

func ExampleOptions_dihedral() {
	// The reference hashes of one image and of its copy rotated by 90 degrees.
	orig, _ := fingerprint.ParsePDQ("d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")
	rot90, _ := fingerprint.ParsePDQ("f0a10efd51c83d429053d48d0fffbc52e34e0e17ada956a9d29685211ea9e58f")
	rot180, _ := fingerprint.ParsePDQ("adad5a64b5a102e55b62a88052dacd5ae63b847fc337b4b766b399361bc93188")
	rot270, _ := fingerprint.ParsePDQ("a5f0b457248995e8c1065c275aaa56d8b61ba4bdf8fcfc0383c32f8b0bfc4f05")

	o := match.DefaultOptions()
	o.Dihedral = true
	ix, _ := match.NewIndex([]match.Entry{{Kind: fingerprint.KindPDQ, PDQ: orig, Labels: []string{"bridge"}}}, o)

	// The upload is the rotated copy; its variants (original, rot90,
	// rot180, rot270, ...) bring the listed image back as variant 3.
	q := match.Query{PDQ: &rot90, PDQQuality: 100, PDQDihedral: []fingerprint.PDQHash{rot90, rot180, rot270, orig}}
	for _, r := range ix.Match(q) {
		fmt.Println(r.Entry.Labels, "variant", r.Variant, "distance", r.Distance)
	}
	// Output:
	// [bridge] variant 3 distance 0
}

func ExampleNewBuilder() {
	b, err := match.NewBuilder(match.DefaultOptions())
	if err != nil {
		panic(err)
	}
	b.Grow(fingerprint.KindSHA256, 1)
	b.Grow(fingerprint.KindPHash, 1)
	sha, _ := fingerprint.ParseSHA256("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
	_ = b.Add(match.Entry{Kind: fingerprint.KindSHA256, SHA256: sha, Labels: []string{"tve"}, Source: "tat"})
	_ = b.Add(match.Entry{Kind: fingerprint.KindPHash, Hash64: 0xf0f0f0f0f0f0f0f0, Labels: []string{"tve"}, Source: "gifct"})
	ix, err := b.Build()
	if err != nil {
		panic(err)
	}
	ph := fingerprint.Hash64(0xf0f0f0f0f0f0f0ff) // 4 bits away
	for _, r := range ix.Match(match.Query{SHA256: &sha, PHash: &ph}) {
		fmt.Println(r.Kind, r.Distance, r.Entry.Source)
	}
	fmt.Println(ix.Len())
	// Output:
	// sha256 0 tat
	// phash 4 gifct
	// 2
}

func ExampleIndex_MatchVideo() {
	scene := func(b byte) fingerprint.PDQHash {
		var h fingerprint.PDQHash
		for i := range h {
			h[i] = b ^ byte(i*37)
		}
		return h
	}
	listed := match.Video{ID: "attack-clip", Labels: []string{"tve"}, Source: "gifct"}
	for i := range 10 {
		listed.Frames = append(listed.Frames, match.Frame{PDQ: scene(byte(i)), Quality: 100, Timestamp: time.Duration(i) * time.Second})
	}
	b, _ := match.NewBuilder(match.DefaultOptions())
	if err := b.AddVideo(listed); err != nil {
		panic(err)
	}
	ix, _ := b.Build()

	// A 30-second upload that contains the clip from its 12th second.
	var upload []match.Frame
	for i := range 30 {
		h := scene(byte(100 + i))
		if i >= 12 && i < 22 {
			h = scene(byte(i - 12))
			h[0] ^= 0x11 // re-encoded: two bits off
		}
		upload = append(upload, match.Frame{PDQ: h, Quality: 90, Timestamp: time.Duration(i) * time.Second})
	}
	for _, r := range ix.MatchVideo(upload).Results {
		fmt.Printf("%s %v: %.0f%% of the upload, %.0f%% of the listed video, at %v-%v\n",
			r.Video.ID, r.Rule, r.QueryPercent, r.IndexPercent, r.Ranges[0].Start, r.Ranges[0].End)
	}
	// Output:
	// attack-clip contains: 33% of the upload, 100% of the listed video, at 12s-21s
}
