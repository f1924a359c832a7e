package wasmtest

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/oblivious"
	"github.com/hashgate/hashgate/release"
)

// moduleFP is the part of hg_fingerprint's answer a query is made of.
type moduleFP struct {
	PDQ      string   `json:"pdq"`
	PHash    string   `json:"phash"`
	Dihedral []string `json:"dihedral"`
	Robust   []struct {
		Quality  int      `json:"quality"`
		Dihedral []string `json:"dihedral"`
	} `json:"robust"`
}

// browserQuery is the query web/src/worker.js sends for one image: the
// PDQ, its dihedral variants, the robust hashes of quality >= 50 with
// theirs (each hash once), pHash and the digests.
func browserQuery(t testing.TB, m *Module, pix []byte, w, h int, file []byte) string {
	t.Helper()
	res, err := m.Fingerprint(pix, w, h)
	if err != nil {
		t.Fatal(err)
	}
	var fp moduleFP
	if err := json.Unmarshal(res, &fp); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var q strings.Builder
	add := func(h string) {
		if !seen[h] {
			seen[h] = true
			q.WriteString("pdq " + h + "\n")
		}
	}
	add(fp.PDQ)
	for _, d := range fp.Dihedral {
		add(d)
	}
	for _, r := range fp.Robust {
		if r.Quality >= 50 {
			for _, d := range r.Dihedral {
				add(d)
			}
		}
	}
	s, md := fingerprint.Digest(file)
	q.WriteString("phash " + fp.PHash + "\nsha256 " + s.String() + "\nmd5 " + md.String() + "\n")
	return q.String()
}

type checkAnswer struct {
	Hit  bool
	Hits []hit
}

// TestObliviousModuleSameVerdicts: one list of reference images built open
// and oblivious. In wazero, the open module's look-up and the
// oblivious-capable module's (blind, the edge's Evaluator, finalise) both
// flag every listed image and every mirror image or brightened copy whose
// PDQ (or a dihedral variant) lies within 7 bits of a listed hash (both
// layouts guarantee it), and flag images far from the list only by the
// filters' chance (inverted colours stand for unrelated images); the oblivious module's hits are the native checker's; the oblivious release
// in the open module, and an open release in hg_oprf_blind, are refused
// clearly; a tampered answer is CodeProof.
func TestObliviousModuleSameVerdicts(t *testing.T) {
	corpus := loadCorpus(t)
	var entries []release.ListEntry
	listed := map[int]bool{}
	for i, c := range corpus {
		if i%3 != 0 {
			continue
		}
		f, err := fingerprint.FromRGBA(c.pix, c.w, c.h)
		if err != nil {
			t.Fatal(err)
		}
		f.SHA256, f.MD5 = fingerprint.Digest(c.file)
		listed[i] = true
		entries = append(entries, listEntries(f)...)
	}
	s := newSigner(t)
	edgeKey, err := release.GenerateEdgeKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	sk, err := oblivious.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	// The open release at 1e-9 a look-up: at the default 2^-16 an open
	// check's thousands of look-ups (the raw and the trimmed PDQ with their
	// dihedral variants, 263 keys each) made a chance hit of about 6 % of
	// the far probes (0–2 of 23 a run, 6 in one CI run, over the bound
	// below); the oblivious layout's 67–131 keys a check stay at 2^-16.
	openB, err := release.Build(entries, release.BuildOptions{
		Version: 7, Created: created, TTL: 30 * 24 * time.Hour, Signer: s, TargetFPR: 1e-9,
	})
	if err != nil {
		t.Fatal(err)
	}
	oblB, err := release.Build(entries, release.BuildOptions{
		Version: 8, Created: created, TTL: 30 * 24 * time.Hour, Signer: s,
		Layout: release.DefaultObliviousLayout, OPRFKey: sk, Recipients: []release.PublicKey{edgeKey.Public()},
	})
	if err != nil {
		t.Fatal(err)
	}
	now := created.Add(time.Hour)
	oblRel, err := release.Accept(oblB, release.AcceptOptions{Trust: s.Trust(), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	keys := release.MarshalPublicKeys(s.Public())
	open, obl := newModule(t), newObliviousModule(t)
	for _, m := range []*Module{open, obl} {
		if _, err := m.SetTrust(keys); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := offer(t, open, openB, 0, now); err != nil {
		t.Fatal(err)
	}
	if _, err := offer(t, obl, oblB, 0, now); err != nil {
		t.Fatal(err)
	}
	ev := oblivious.NewEvaluator(sk)
	pub, err := oblivious.ParsePublicKey(oblRel.Manifest.Oblivious.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	native := oblivious.NewClient(pub)

	checkObl := func(q string) (checkAnswer, int) {
		t.Helper()
		req, err := obl.OPRFBlind(q)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := ev.Evaluate(req)
		if err != nil {
			t.Fatal(err)
		}
		res, err := obl.OPRFFinalize(resp)
		if err != nil {
			t.Fatal(err)
		}
		var a checkAnswer
		if err := json.Unmarshal(res, &a); err != nil {
			t.Fatal(err)
		}
		_, n, _ := oblivious.RequestCount(req)
		return a, n
	}
	checkOpen := func(q string) checkAnswer {
		t.Helper()
		res, err := open.Check(q)
		if err != nil {
			t.Fatal(err)
		}
		var a checkAnswer
		if err := json.Unmarshal(res, &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	// nativeObl is the same look-up through the Go checker's path.
	nativeObl := func(q string) []string {
		var inputs [][]byte
		var kinds []string
		for line := range strings.Lines(q) {
			kind, hx, _ := strings.Cut(strings.TrimSpace(line), " ")
			k := fingerprint.ParseKind(kind)
			v, err := hex.DecodeString(hx)
			if err != nil {
				t.Fatal(err)
			}
			n := len(inputs)
			inputs = oblRel.ObliviousInputs(k, v, inputs)
			for range len(inputs) - n {
				kinds = append(kinds, kind)
			}
		}
		p, req, err := native.Blind(inputs)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := ev.Evaluate(req)
		if err != nil {
			t.Fatal(err)
		}
		ks, err := native.Keys(p, resp, nil)
		if err != nil {
			t.Fatal(err)
		}
		var hits []string
		for i, k := range ks {
			if oblRel.Contains(k) {
				hits = append(hits, kinds[i])
			}
		}
		return hits
	}

	var listedPDQ []fingerprint.PDQHash
	var listedPHash []fingerprint.Hash64
	for _, e := range entries {
		switch e.Kind {
		case fingerprint.KindPDQ:
			listedPDQ = append(listedPDQ, fingerprint.PDQHash(e.Value))
		case fingerprint.KindPHash:
			listedPHash = append(listedPHash, fingerprint.Hash64(binary.BigEndian.Uint64(e.Value)))
		}
	}
	// nearest is the query's smallest PDQ and pHash distances to the list.
	nearest := func(q string) (pdq, ph int) {
		pdq, ph = 256, 64
		for line := range strings.Lines(q) {
			kind, hx, _ := strings.Cut(strings.TrimSpace(line), " ")
			switch kind {
			case "pdq":
				h, _ := fingerprint.ParsePDQ(hx)
				for _, l := range listedPDQ {
					pdq = min(pdq, h.Distance(l))
				}
			case "phash":
				h, _ := fingerprint.ParseHash64(hx)
				for _, l := range listedPHash {
					ph = min(ph, h.Distance(l))
				}
			}
		}
		return pdq, ph
	}
	type probe struct {
		name string
		pix  []byte
		w, h int
		file []byte
	}
	var probes []probe
	for i, c := range corpus {
		probes = append(probes, probe{name: c.name, pix: c.pix, w: c.w, h: c.h, file: c.file})
		if i%3 == 1 {
			// Colours inverted: far from every listed hash, for chance hits.
			probes = append(probes, probe{name: c.name + " inverted", pix: invert(c.pix), w: c.w, h: c.h, file: []byte("invert " + c.name)})
		}
		if listed[i] {
			probes = append(probes,
				probe{name: c.name + " mirrored", pix: mirror(c.pix, c.w, c.h), w: c.w, h: c.h, file: []byte("mirror " + c.name)},
				probe{name: c.name + " brightened", pix: brighten(c.pix, 12), w: c.w, h: c.h, file: []byte("bright " + c.name)})
		}
	}
	// Within 7 bits of a listed PDQ (the layouts' guarantee) both modes
	// must flag; far from every listed hash (PDQ over 40 bits, pHash over
	// 16) a flag is a filter's chance hit, bounded; in between the layouts'
	// chance coverage differs and the edge's exact search decides.
	var near, far, chanceOpen, chanceObl, most int
	for _, p := range probes {
		q := browserQuery(t, open, p.pix, p.w, p.h, p.file)
		o := checkOpen(q)
		b, n := checkObl(q)
		most = max(most, n)
		var got []string
		for _, h := range b.Hits {
			got = append(got, h.Kind)
		}
		if want := nativeObl(q); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: oblivious module hits %v, native %v", p.name, got, want)
		}
		d, dp := nearest(q)
		switch {
		case d <= 7:
			near++
			if !pdqHit(o) || !pdqHit(b) {
				t.Errorf("%s: PDQ %d bits from a listed hash: open %v, oblivious %v, want both", p.name, d, pdqHit(o), pdqHit(b))
			}
		case d > 40 && dp > 16:
			far++
			chanceOpen += b2i(o.Hit)
			chanceObl += b2i(b.Hit)

		}
	}
	if near < len(listedPDQ)*2 || far < 12 || chanceOpen > far/4 || chanceObl > far/4 {
		t.Errorf("%d probes within 7 bits (want >= %d), %d far from the list with chance hits open %d, oblivious %d",
			near, 2*len(listedPDQ), far, chanceOpen, chanceObl)
	}
	t.Logf("%d probes, up to %d evaluations a check; %d within 7 bits of the list; %d far from it, chance hits open %d, oblivious %d",
		len(probes), most, near, far, chanceOpen, chanceObl)

	q := browserQuery(t, open, corpus[0].pix, corpus[0].w, corpus[0].h, corpus[0].file)
	// Each mode's module refuses the other's look-up clearly.
	var e *Error
	if _, _, err := open.Call("hg_oprf_blind", 0, 0); err == nil {
		t.Error("the open module exports hg_oprf_blind")
	}
	if _, err := obl.Check(q); !errors.As(err, &e) || e.Code != CodeUnsupport {
		t.Errorf("hg_check of an oblivious release: %v, want CodeUnsupport", err)
	}
	// A tampered evaluation or proof is CodeProof, never an answer.
	for _, at := range []int{15, 15 + 31, -1, -33} {
		req, err := obl.OPRFBlind(q)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := ev.Evaluate(req)
		if err != nil {
			t.Fatal(err)
		}
		if at < 0 {
			at += len(resp)
		}
		resp[at] ^= 0x02
		if res, err := obl.OPRFFinalize(resp); !errors.As(err, &e) || e.Code != CodeProof {
			t.Errorf("byte %d of the answer changed: %s %v, want CodeProof", at, res, err)
		}
	}
	// An answer from another key: CodeProof too.
	other, _ := oblivious.GenerateKey(nil)
	req, _ := obl.OPRFBlind(q)
	oid := other.Public().KeyID()
	resp, _ := oblivious.NewEvaluator(other).Evaluate(append(req[:5:5], append(oid[:], req[13:]...)...))
	if _, err := obl.OPRFFinalize(resp); !errors.As(err, &e) || e.Code != CodeProof {
		t.Errorf("an answer under another key: %v, want CodeProof", err)
	}
	// Finalize without a blinded request, and an open release offered to
	// hg_oprf_blind.
	if _, err := obl.OPRFFinalize(resp); !errors.As(err, &e) || e.Code != CodeArgument {
		t.Errorf("finalize twice: %v, want CodeArgument", err)
	}
	if _, err := offer(t, obl, testRelease(t, s, 9, entries), 8, now); err != nil {
		t.Fatal(err)
	}
	if _, err := obl.OPRFBlind(q); !errors.As(err, &e) || e.Code != CodeUnsupport {
		t.Errorf("hg_oprf_blind of an open release: %v, want CodeUnsupport", err)
	}
}

func pdqHit(a checkAnswer) bool {
	for _, h := range a.Hits {
		if h.Kind == "pdq" {
			return true
		}
	}
	return false
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// mirror flips NRGBA pixels left to right.
func mirror(pix []byte, w, h int) []byte {
	out := make([]byte, len(pix))
	for y := range h {
		for x := range w {
			copy(out[4*(y*w+w-1-x):4*(y*w+w-x)], pix[4*(y*w+x):4*(y*w+x+1)])
		}
	}
	return out
}

// invert inverts every colour channel.
func invert(pix []byte) []byte {
	out := make([]byte, len(pix))
	for i, v := range pix {
		if i%4 == 3 {
			out[i] = v
		} else {
			out[i] = 255 - v
		}
	}
	return out
}

// brighten adds d to every colour channel, saturating.
func brighten(pix []byte, d int) []byte {
	out := make([]byte, len(pix))
	for i, v := range pix {
		if i%4 == 3 {
			out[i] = v
			continue
		}
		out[i] = byte(min(int(v)+d, 255))
	}
	return out
}
