package bloom_test

import (
	"encoding/hex"
	"fmt"

	"github.com/hashgate/hashgate/bloom"
)

// A publisher derives keys from its list, builds and marshals the filter;
// a client loads it and looks up the keys of what it hashed.
func Example() {
	var releaseKey [32]byte // in a release: 32 random bytes, one per epoch
	keyer, err := bloom.NewKeyer(releaseKey, bloom.DefaultLayout)
	if err != nil {
		panic(err)
	}
	listed, _ := hex.DecodeString("d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")
	keys := keyer.InsertKeys(bloom.TypePDQ, listed, nil)

	f, err := bloom.Build(keys, bloom.BuildOptions{KeyID: keyer.KeyID()})
	if err != nil {
		panic(err)
	}
	b, _ := bloom.Marshal(f)

	loaded, err := bloom.Load(b)
	if err != nil {
		panic(err)
	}
	set := bloom.Set{Base: loaded}
	// An edited copy 5 bits away, with every 64-bit band touched: beyond
	// plain 4x64's guarantee (3), within 4x64+p1's (7).
	edited, _ := hex.DecodeString("d0f8f0cee0f4a84f063f022a078f67f0b26f2ed596621e1d32e6339c4e9c9b22")
	fmt.Println(f.Kind(), len(keys), "keys")
	fmt.Println("edited copy is a candidate:", set.ContainsAny(keyer.QueryKeys(bloom.TypePDQ, edited, nil)))
	// Output:
	// splitblock 4 keys
	// edited copy is a candidate: true
}

func ExampleParseLayout() {
	l, err := bloom.ParseLayout("4x64+p1")
	fmt.Println(l.Bands, l.BandBits, l.Probes, l.PigeonholeDistance(), l.QueryKeysPerPDQ(), err)
	_, err = bloom.ParseLayout("8x32")
	fmt.Println(err != nil)
	l, _ = bloom.ParseLayout("8x32+p1/oblivious")
	fmt.Println(l.PigeonholeDistance(), l.QueryKeysPerPDQ())
	// Output:
	// 4 64 1 7 260 <nil>
	// true
	// 15 264
}

func ExampleChooseKind() {
	for _, p := range []float64{1.0 / 256, 1e-3, 1.0 / 65536, 1e-6} {
		fmt.Println(p, bloom.ChooseKind(1_000_000, p))
	}
	// Output:
	// 0.00390625 binaryfuse8
	// 0.001 splitblock
	// 1.52587890625e-05 binaryfuse16
	// 1e-06 splitblock
}

func ExampleSplitBlock_Add() {
	f := bloom.NewSplitBlock(1000, 0.01, [8]byte{})
	f.Add(42)
	fmt.Println(f.Contains(42), f.Len(), f.SizeBytes())
	// Output: true 1 1344
}

func ExampleSet() {
	base, _ := bloom.Build([]bloom.Key{1, 2, 3}, bloom.BuildOptions{})
	delta, _ := bloom.Build([]bloom.Key{4}, bloom.BuildOptions{})
	s := bloom.Set{Base: base, Deltas: []bloom.Filter{delta}}
	fmt.Println(s.Contains(2), s.Contains(4), s.Len())
	// Output: true true 4
}
