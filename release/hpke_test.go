package release

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"reflect"
	"testing"

	"github.com/cloudflare/circl/hpke"
	"github.com/cloudflare/circl/kem/xwing"
)

// The HPKE code in hpke.go is held to circl/hpke, the reference it
// replaces in the build (see hpke.go for why): same keys from the same
// seed, the same bytes from the same randomness, and each opens the other's
// ciphertexts. circl/hpke is imported by this test only.

var circlSuite = hpke.NewSuite(hpke.KEM_XWING, hpke.KDF_HKDF_SHA256, hpke.AEAD_AES256GCM)

func chacha(s string) *rand.ChaCha8 {
	var seed [32]byte
	copy(seed[:], s)
	return rand.NewChaCha8(seed)
}

func TestEdgeKeyMatchesCircl(t *testing.T) {
	r := chacha("edge keys")
	for range 20 {
		var seed [32]byte
		r.Read(seed[:])
		k, err := newEdgeKey(seed)
		if err != nil {
			t.Fatal(err)
		}
		pk, sk := hpke.KEM_XWING.Scheme().DeriveKeyPair(seed[:])
		want, _ := pk.MarshalBinary()
		if !bytes.Equal(k.Public().Key, want) {
			t.Fatalf("seed %x: public key differs from circl/hpke's DeriveKeyPair", seed)
		}
		wantSK, _ := sk.MarshalBinary()
		gotSK := make([]byte, len(wantSK))
		k.sk.Pack(gotSK)
		if !bytes.Equal(gotSK, wantSK) {
			t.Fatalf("seed %x: private key differs", seed)
		}
	}
}

func TestHPKEMatchesCircl(t *testing.T) {
	k, _ := newEdgeKey([32]byte{9})
	pk, err := hpke.KEM_XWING.Scheme().UnmarshalBinaryPublicKey(k.Public().Key)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, info, aad, pt string }{
		{"empty", "", "", ""},
		{"list key", "hashgate-list-v1", "0123456789abcdef", "thirty-two bytes of data key...."},
		{"long", "i", "a", string(bytes.Repeat([]byte("x"), 1000))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Same randomness in, same bytes out.
			sender, err := circlSuite.NewSender(pk, []byte(tc.info))
			if err != nil {
				t.Fatal(err)
			}
			wantEnc, sealer, err := sender.Setup(chacha(tc.name))
			if err != nil {
				t.Fatal(err)
			}
			wantCT, err := sealer.Seal([]byte(tc.pt), []byte(tc.aad))
			if err != nil {
				t.Fatal(err)
			}
			var xpk xwing.PublicKey
			if err := xpk.Unpack(k.Public().Key); err != nil {
				t.Fatal(err)
			}
			enc, ct, err := hpkeSeal(&xpk, chacha(tc.name), []byte(tc.info), []byte(tc.aad), []byte(tc.pt))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, wantEnc) || !bytes.Equal(ct, wantCT) {
				t.Fatal("hpkeSeal differs from circl/hpke for the same randomness")
			}
			// circl opens ours (with fresh randomness), we open circl's.
			enc, ct, _ = hpkeSeal(&xpk, chacha(tc.name+" 2"), []byte(tc.info), []byte(tc.aad), []byte(tc.pt))
			recv, _ := circlSuite.NewReceiver(k.sk, []byte(tc.info))
			opener, err := recv.Setup(enc)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := opener.Open(ct, []byte(tc.aad)); err != nil || string(got) != tc.pt {
				t.Fatalf("circl cannot open hpkeSeal's output: %v", err)
			}
			if got, err := hpkeOpen(k.sk, wantEnc, []byte(tc.info), []byte(tc.aad), wantCT); err != nil || string(got) != tc.pt {
				t.Fatalf("hpkeOpen cannot open circl's output: %v", err)
			}
			// Wrong info or aad is refused.
			if _, err := hpkeOpen(k.sk, wantEnc, []byte(tc.info+"!"), []byte(tc.aad), wantCT); !errors.Is(err, ErrList) {
				t.Errorf("other info: %v", err)
			}
			if _, err := hpkeOpen(k.sk, wantEnc, []byte(tc.info), []byte(tc.aad+"!"), wantCT); !errors.Is(err, ErrList) {
				t.Errorf("other aad: %v", err)
			}
			if _, err := hpkeOpen(k.sk, wantEnc[:100], []byte(tc.info), []byte(tc.aad), wantCT); !errors.Is(err, ErrList) {
				t.Errorf("short enc: %v", err)
			}
		})
	}
}

// testdata/list-20.hpke was written by the circl/hpke-based encoder this
// code replaced: list-20.bin's entries to the edge keys of seeds 0x07 and
// 0x08, with randomness from ChaCha8("hashgate list-20.hpke vector").
func TestEncryptListGolden(t *testing.T) {
	want, err := os.ReadFile("testdata/list-20.hpke")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := os.ReadFile("testdata/list-20.bin")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := DecodeList(plain)
	if err != nil {
		t.Fatal(err)
	}
	e1, _ := newEdgeKey([32]byte{7})
	e2, _ := newEdgeKey([32]byte{8})
	for _, k := range []*EdgePrivateKey{e1, e2} {
		got, err := DecryptList(want, k)
		if err != nil || !reflect.DeepEqual(got, entries) {
			t.Fatalf("edge %s cannot open the golden list: %v", k.Public().ID(), err)
		}
	}
	got, err := EncryptList(entries, []PublicKey{e1.Public(), e2.Public()}, chacha("hashgate list-20.hpke vector"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("EncryptList no longer writes the golden bytes for the same keys and randomness")
	}
}
