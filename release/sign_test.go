package release

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSignatureGolden(t *testing.T) {
	s := testSigner(t, 1)
	man, err := os.ReadFile(filepath.Join("testdata", "manifest-1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	sig, err := s.Sign(man)
	if err != nil {
		t.Fatal(err)
	}
	sigPath := filepath.Join("testdata", "manifest-1.0.sig")
	pubPath := filepath.Join("testdata", "publisher-1.pub")
	if *update {
		os.WriteFile(sigPath, sig, 0o644)
		os.WriteFile(pubPath, MarshalPublicKeys(s.Public()), 0o644)
	}
	wantSig, err := os.ReadFile(sigPath)
	if err != nil {
		t.Fatal(err)
	}
	// Both signatures are deterministic (RFC 8032; FIPS 204 deterministic
	// variant), so the file is a fixed vector for these seeds.
	if !bytes.Equal(sig, wantSig) {
		t.Errorf("signature file changed")
	}
	pub, err := os.ReadFile(pubPath)
	if err != nil {
		t.Fatal(err)
	}
	trust, err := ParseTrust(pub)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseManifest(man)
	if err != nil {
		t.Fatal(err)
	}
	if err := verifySignatures(man, m, wantSig, trust); err != nil {
		t.Errorf("golden signatures do not verify: %v", err)
	}
}

func TestVerifySignatures(t *testing.T) {
	s := testSigner(t, 1)
	other := testSigner(t, 9)
	man, err := sampleManifest(s).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	m, _ := ParseManifest(man)
	good, _ := s.Sign(man)
	sigs, _ := ParseSignatures(good)
	otherSig, _ := other.Sign(man)
	otherSigs, _ := ParseSignatures(otherSig)

	flip := func(i int) []byte {
		c := append([]Signature(nil), sigs...)
		c[i].Sig = bytes.Clone(c[i].Sig)
		c[i].Sig[3] ^= 1
		return MarshalSignatures(c)
	}
	tests := []struct {
		name    string
		sig     []byte
		trust   Trust
		wantErr string
	}{
		{"both good", good, s.Trust(), ""},
		{"ed25519 wrong", flip(0), s.Trust(), "ed25519 signature by key"},
		{"ml-dsa wrong", flip(1), s.Trust(), "ml-dsa-65 signature by key"},
		{"ml-dsa missing", MarshalSignatures(sigs[:1]), s.Trust(), "no valid ml-dsa-65 signature"},
		{"ed25519 missing", MarshalSignatures(sigs[1:]), s.Trust(), "no valid ed25519 signature"},
		{"other publisher", otherSig, s.Trust(), "no valid ed25519"},
		{"ml-dsa by an unpinned key", MarshalSignatures([]Signature{sigs[0], otherSigs[1]}), s.Trust(), "no valid ml-dsa-65"},
		{"pinned key not named in manifest", otherSig, other.Trust(), "no valid ed25519"},
		{"empty trust", good, Trust{}, "no valid ed25519"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verifySignatures(man, m, tt.sig, tt.trust)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
	// A signature over other bytes never verifies.
	man2 := bytes.Replace(man, []byte(`"version": 7`), []byte(`"version": 8`), 1)
	if err := verifySignatures(man2, m, good, s.Trust()); err == nil {
		t.Error("signature verified over modified bytes")
	}
}

func TestRotateTrust(t *testing.T) {
	oldKeys := testSigner(t, 1)
	newKeys := testSigner(t, 5)
	m := sampleManifest(oldKeys)
	m.NextKeys = newKeys.Public()
	man, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := oldKeys.Sign(man)

	// A manifest by the new keys is refused under the old trust...
	m2 := sampleManifest(newKeys)
	m2.Version = 8
	man2, _ := m2.Marshal()
	sig2, _ := newKeys.Sign(man2)
	if _, err := RotateTrust(oldKeys.Trust(), man2, sig2); !errors.Is(err, ErrSignature) {
		t.Fatalf("new keys accepted without the chain: %v", err)
	}
	// ...and accepted after following the rotation link.
	next, err := RotateTrust(oldKeys.Trust(), man, sig)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := RotateTrust(next, man2, sig2); err != nil {
		t.Fatalf("new keys refused after rotation: %v", err)
	}
	// The link itself must be signed by the old keys: a link signed by the
	// new keys (an attacker minting its own chain) is refused.
	forged, _ := newKeys.Sign(man)
	if _, err := RotateTrust(oldKeys.Trust(), man, forged); !errors.Is(err, ErrSignature) {
		t.Fatalf("self-signed rotation accepted: %v", err)
	}
}

func TestKeyFiles(t *testing.T) {
	s, err := GenerateSigner(nil)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := ParseSigner(s.MarshalPrivate())
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("m")
	sig, _ := s2.Sign(msg)
	m := &Manifest{PublisherKeys: s.Refs()}
	if err := verifySignatures(msg, m, sig, s.Trust()); err != nil {
		t.Errorf("reloaded private key signs differently: %v", err)
	}
	pub, err := ParsePublicKeys(MarshalPublicKeys(s.Public()))
	if err != nil || len(pub) != 2 || pub[1].ID() != s.Public()[1].ID() {
		t.Errorf("public key file round trip: %v %v", pub, err)
	}
	bad := []string{
		"",
		"ed25519\n",
		"ed25519 !!!\n",
		"ed25519 AAAA\n",
		"rsa AAAA\n",
	}
	for _, b := range bad {
		if _, err := ParsePublicKeys([]byte(b)); !errors.Is(err, ErrFormat) {
			t.Errorf("ParsePublicKeys(%q) = %v, want ErrFormat", b, err)
		}
	}
	if _, err := ParseSigner([]byte("ed25519-seed AAAA\n")); !errors.Is(err, ErrFormat) {
		t.Errorf("short seed accepted: %v", err)
	}
}

func FuzzParseSignatures(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "manifest-1.0.sig")); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"format":"1.2","signatures":[],"x":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		sigs, err := ParseSignatures(b)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not match ErrFormat", err)
			}
			return
		}
		back, err := ParseSignatures(MarshalSignatures(sigs))
		if err != nil || len(back) != len(sigs) {
			t.Fatalf("signature file does not round-trip: %v", err)
		}
	})
}

func FuzzParseKeyFiles(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "publisher-1.pub")); err == nil {
		f.Add(b)
	}
	f.Add(testSigner(f, 1).MarshalPrivate())
	k, _ := newEdgeKey([32]byte{1})
	f.Add(k.MarshalPrivate())
	f.Fuzz(func(t *testing.T, b []byte) {
		if keys, err := ParsePublicKeys(b); err == nil {
			again, err := ParsePublicKeys(MarshalPublicKeys(keys))
			if err != nil || len(again) != len(keys) {
				t.Fatalf("public keys do not round-trip: %v", err)
			}
		} else if !errors.Is(err, ErrFormat) {
			t.Fatalf("error %v does not match ErrFormat", err)
		}
		if s, err := ParseSigner(b); err == nil {
			if _, err := ParseSigner(s.MarshalPrivate()); err != nil {
				t.Fatalf("private key does not round-trip: %v", err)
			}
		}
		ParseEdgeKey(b)
	})
}
