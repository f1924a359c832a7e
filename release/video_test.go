package release

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/hashgate/hashgate/bloom"
	"github.com/hashgate/hashgate/fingerprint"
)

func testFrames(n int, seed uint64) []VideoFrame {
	r := rand.New(rand.NewPCG(seed, 5))
	out := make([]VideoFrame, n)
	for i := range out {
		for j := range out[i].PDQ {
			out[i].PDQ[j] = byte(r.Uint32())
		}
		out[i].Quality = uint8(50 + r.IntN(51))
		out[i].Millis = uint32(1000 * i)
	}
	return out
}

func videoEntry(t testing.TB, id string, frames []VideoFrame) ListEntry {
	t.Helper()
	v, err := VideoValue(id, frames)
	if err != nil {
		t.Fatal(err)
	}
	return ListEntry{Kind: fingerprint.KindVPDQ, Value: v, Labels: []string{"tve"}, Source: "gifct"}
}

func TestVideoValue(t *testing.T) {
	frames := testFrames(30, 1)
	v, err := VideoValue("clip-1", frames)
	if err != nil {
		t.Fatal(err)
	}
	id, got, err := ParseVideoValue(v)
	if err != nil || id != "clip-1" || !reflect.DeepEqual(got, frames) {
		t.Fatalf("round trip: %q %v", id, err)
	}
	if id, err := VideoID(v); err != nil || id != "clip-1" {
		t.Fatalf("VideoID = %q, %v", id, err)
	}
	for i := range len(v) {
		if _, _, err := ParseVideoValue(v[:i]); !errors.Is(err, ErrList) {
			t.Fatalf("truncated to %d bytes: %v", i, err)
		}
	}
	bad := bytes.Clone(v)
	bad[len(bad)-5] = 101 // the last frame's quality
	if _, _, err := ParseVideoValue(bad); !errors.Is(err, ErrList) {
		t.Fatalf("quality 101: %v", err)
	}
	for name, c := range map[string]struct {
		id     string
		frames []VideoFrame
	}{
		"no frames": {"x", nil},
		"long id":   {string(make([]byte, MaxVideoIDLen+1)), frames},
		"too many":  {"x", make([]VideoFrame, MaxVideoFrames+1)},
		"quality":   {"x", []VideoFrame{{Quality: 101}}},
	} {
		if _, err := VideoValue(c.id, c.frames); !errors.Is(err, ErrList) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if a, b := DefaultVideoID(frames), DefaultVideoID(frames[1:]); a == b || len(a) != 21 || a != DefaultVideoID(frames) {
		t.Fatalf("DefaultVideoID: %q %q", a, b)
	}
}

// TestListVideos: a list with videos is HGL2 and round-trips; one without
// stays HGL1 for edges that predate videos; HGL1 cannot carry a video.
func TestListVideos(t *testing.T) {
	entries := SortList(append(testEntries(50, 2), videoEntry(t, "a", testFrames(20, 3)), videoEntry(t, "b", testFrames(1, 4))))
	b, err := EncodeList(entries)
	if err != nil {
		t.Fatal(err)
	}
	if string(b[:4]) != listMagic2 {
		t.Fatalf("magic %q, want %q", b[:4], listMagic2)
	}
	if enc, _ := newListEncoder(entries); enc.size != len(b) {
		t.Fatalf("precomputed size %d, encoded %d bytes", enc.size, len(b))
	}
	got, err := DecodeList(b)
	if err != nil || !reflect.DeepEqual(got, entries) {
		t.Fatalf("round trip: %v", err)
	}
	for i := range len(b) {
		if _, err := DecodeList(b[:i]); !errors.Is(err, ErrList) {
			t.Fatalf("truncated to %d bytes: %v", i, err)
		}
	}
	old, _ := EncodeList(SortList(testEntries(50, 2)))
	if string(old[:4]) != listMagic {
		t.Fatalf("a list without videos has magic %q", old[:4])
	}
	v1 := bytes.Clone(b)
	copy(v1, listMagic)
	if _, err := DecodeList(v1); !errors.Is(err, ErrList) {
		t.Fatalf("HGL1 with a video entry: %v", err)
	}
	if _, err := EncodeList([]ListEntry{{Kind: fingerprint.KindVPDQ, Value: []byte{0, 1}}}); !errors.Is(err, ErrList) {
		t.Fatalf("malformed video value encoded: %v", err)
	}
}

// TestFilterKeysVideo: every frame of a listed video is in the filter
// under the plain PDQ query keys, so a browser needs nothing new to look
// frames up.
func TestFilterKeysVideo(t *testing.T) {
	frames := testFrames(40, 7)
	k, err := bloom.NewKeyer([32]byte{9}, bloom.DefaultLayout)
	if err != nil {
		t.Fatal(err)
	}
	keys := FilterKeys(k, []ListEntry{videoEntry(t, "v", frames)}, nil)
	f, err := bloom.Build(keys, bloom.BuildOptions{KeyID: k.KeyID()})
	if err != nil {
		t.Fatal(err)
	}
	hit := func(h fingerprint.PDQHash) bool {
		for _, q := range k.QueryKeys(bloom.TypePDQ, h[:], nil) {
			if f.Contains(q) {
				return true
			}
		}
		return false
	}
	for i, fr := range frames {
		near := fr.PDQ
		near[3] ^= 0x21
		if !hit(fr.PDQ) || !hit(near) {
			t.Fatalf("frame %d not found", i)
		}
	}
	if hit(fingerprint.PDQHash{1, 2, 3}) {
		t.Fatal("an unlisted hash hit (false positive at 1 in 1e6 or a bug)")
	}
}

// FuzzParseVideoValue: every value either fails with ErrList or
// re-encodes to the same bytes.
func FuzzParseVideoValue(f *testing.F) {
	v, _ := VideoValue("seed", testFrames(3, 1))
	f.Add(v)
	f.Add([]byte{0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		id, frames, err := ParseVideoValue(b)
		if err != nil {
			if !errors.Is(err, ErrList) {
				t.Fatalf("error %v does not match ErrList", err)
			}
			return
		}
		again, err := VideoValue(id, frames)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("re-encoded value differs: %v", err)
		}
	})
}
