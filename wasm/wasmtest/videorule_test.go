package wasmtest

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/release"
)

// framesNeeded is web/src/videorule.js's rule at the edge's defaults (80 %
// of the upload's usable frames for RuleWhole, 5 frames for RuleContains):
// the browser asks the edge about a video's frame hits only when at least
// this many distinct usable frames hit. test/videorule.test.mjs tests the
// JavaScript itself; this test measures what the rule does to clean videos
// against the real module and a real release.
func framesNeeded(usable int) int {
	whole := max(1, int(math.Ceil(80*float64(usable)/100-1e-9)))
	return min(whole, 5)
}

type clipHits struct{ frames, keys int }

// lookupFrames checks every frame's PDQ in the module, one look-up per
// frame as the worker does, and counts the frames that hit and the distinct
// keys they hit.
func lookupFrames(t testing.TB, m *Module, frames []fingerprint.PDQHash) clipHits {
	t.Helper()
	var c clipHits
	keys := map[string]bool{}
	for _, f := range frames {
		res, err := m.Check("pdq " + f.String() + "\n")
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Hit  bool
			Hits []hit
		}
		if err := json.Unmarshal(res, &got); err != nil {
			t.Fatalf("%q: %v", res, err)
		}
		if got.Hit {
			c.frames++
		}
		for _, h := range got.Hits {
			keys[h.Key] = true
		}
	}
	c.keys = len(keys)
	return c
}

func randomPDQ(rng *rand.Rand) (h fingerprint.PDQHash) {
	for i := range h {
		h[i] = byte(rng.Uint32())
	}
	return h
}

// Clean 60-s clips (60 frame hashes each, unrelated to the list) against a
// release of 300 listed videos: with one look-up of ~260 keys a frame, about
// a fifth of clean clips have a stray frame hit, and before the rule each
// such clip sent its frame hashes to the edge. The rule must leave
// (practically) none of them asking, while a listed video's near copies
// still ask.
func TestVideoRuleFalseLocalHits(t *testing.T) {
	const (
		listed      = 300
		listedLen   = 30 // frames of each listed video
		clips       = 400
		framesAClip = 60
	)
	rng := rand.New(rand.NewPCG(16, 6))
	var entries []release.ListEntry
	videos := make([][]fingerprint.PDQHash, listed)
	for v := range videos {
		var frames []release.VideoFrame
		for i := range listedLen {
			h := randomPDQ(rng)
			videos[v] = append(videos[v], h)
			frames = append(frames, release.VideoFrame{PDQ: h, Quality: 100, Millis: uint32(1000 * i)})
		}
		val, err := release.VideoValue("v"+strconv.Itoa(v), frames)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, release.ListEntry{Kind: fingerprint.KindVPDQ, Value: val})
	}
	s := newSigner(t)
	var key [32]byte
	key[0] = 16 // a fixed filter key: the same stray hits on every run
	b, err := release.Build(entries, release.BuildOptions{Version: 1, Created: created, TTL: 30 * 24 * time.Hour, Signer: s, ReleaseKey: key})
	if err != nil {
		t.Fatal(err)
	}
	m := newModule(t)
	if _, err := m.SetTrust(release.MarshalPublicKeys(s.Public())); err != nil {
		t.Fatal(err)
	}
	if _, err := offer(t, m, b, 0, created.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	anyHit, oldRule, newRule, hitFrames := 0, 0, 0, 0
	for range clips {
		frames := make([]fingerprint.PDQHash, framesAClip)
		for i := range frames {
			frames[i] = randomPDQ(rng)
		}
		c := lookupFrames(t, m, frames)
		hitFrames += c.frames
		if c.frames >= 1 {
			anyHit++
		}
		if c.frames >= 2 && c.keys >= 2 { // the rule before: 2 frames through 2 distinct keys
			oldRule++
		}
		if c.frames >= framesNeeded(framesAClip) {
			newRule++
		}
	}
	p := float64(hitFrames) / (clips * framesAClip)
	t.Logf("clean 60-frame clips: per-frame false hit %.4f; clips with a frame hit %d of %d (%.1f %%), "+
		"asking under the old rule (2 frames, 2 keys) %d (%.1f %%), under framesNeeded=%d %d (%.2f %%)",
		p, anyHit, clips, 100*float64(anyHit)/clips, oldRule, 100*float64(oldRule)/clips,
		framesNeeded(framesAClip), newRule, 100*float64(newRule)/clips)
	// ~260 keys a frame at 2^-16: p ≈ 0.004, so ≈ 21 % of clips have a hit.
	if anyHit < clips/10 {
		t.Errorf("only %d of %d clean clips had a stray frame hit: the measurement lost its point", anyHit, clips)
	}
	if newRule > 0 {
		t.Errorf("%d of %d clean clips would ask the edge under the rule", newRule, clips)
	}

	// A listed video's near copies (re-encodes: each frame a few bits off,
	// trimmed to its first 6 s, and whole) still ask.
	for v := range 20 {
		for _, n := range []int{6, listedLen} {
			frames := make([]fingerprint.PDQHash, n)
			for i := range frames {
				frames[i] = videos[v][i]
				for range rng.IntN(4) {
					j := rng.IntN(256)
					frames[i][j/8] ^= 1 << (j % 8)
				}
			}
			if c := lookupFrames(t, m, frames); c.frames < framesNeeded(n) {
				t.Errorf("listed video %d, %d near frames: %d hit, the rule needs %d", v, n, c.frames, framesNeeded(n))
			}
		}
	}
}
