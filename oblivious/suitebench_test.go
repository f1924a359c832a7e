package oblivious

import (
	"crypto/rand"
	"strconv"
	"testing"

	"github.com/cloudflare/circl/oprf"
)

// BenchmarkSuites compares the two RFC 9497 suites the design allows, through
// circl's own verifiable-mode client and server: per element (batch 1) and a
// batch of N elements under one DLEQ proof, the shape of one check.
func BenchmarkSuites(b *testing.B) {
	for _, s := range []struct {
		name  string
		suite oprf.Suite
	}{{"ristretto255", oprf.SuiteRistretto255}, {"P256", oprf.SuiteP256}} {
		sk, err := oprf.GenerateKey(s.suite, rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		srv := oprf.NewVerifiableServer(s.suite, sk)
		cl := oprf.NewVerifiableClient(s.suite, sk.Public())
		for _, n := range []int{1, 8, 67} {
			inputs := make([][]byte, n)
			for i := range inputs {
				inputs[i] = []byte("hashgate bench input " + strconv.Itoa(i))
			}
			fin, req, err := cl.Blind(inputs)
			if err != nil {
				b.Fatal(err)
			}
			ev, err := srv.Evaluate(req)
			if err != nil {
				b.Fatal(err)
			}
			pre := s.name + "/n=" + strconv.Itoa(n)
			b.Run(pre+"/blind", func(b *testing.B) {
				for b.Loop() {
					if _, _, err := cl.Blind(inputs); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(pre+"/evaluate", func(b *testing.B) {
				for b.Loop() {
					if _, err := srv.Evaluate(req); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(pre+"/finalize", func(b *testing.B) {
				for b.Loop() {
					if _, err := cl.Finalize(fin, ev); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkCheck is the path hashgate runs for one check of n inputs: the
// checker's Blind, the edge's Evaluate (evaluations and one batched proof),
// the checker's Finalize (proof check, unblinding). n=67 is a photo with
// its 8 dihedral PDQ hashes under 8x32/oblivious (64 band inputs) plus
// pHash, SHA-256 and MD5. evals/s is per core for Evaluate.
func BenchmarkCheck(b *testing.B) {
	sk := testKey(b)
	c, ev := NewClient(sk.Public()), NewEvaluator(sk)
	for _, n := range []int{1, 8, 67} {
		in := testInputs(n)
		p, req, err := c.Blind(in)
		if err != nil {
			b.Fatal(err)
		}
		resp, err := ev.Evaluate(req)
		if err != nil {
			b.Fatal(err)
		}
		pre := "n=" + strconv.Itoa(n)
		b.Run(pre+"/blind", func(b *testing.B) {
			for b.Loop() {
				if _, _, err := c.Blind(in); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(pre+"/evaluate", func(b *testing.B) {
			for b.Loop() {
				if _, err := ev.Evaluate(req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "evals/s")
		})
		b.Run(pre+"/finalize", func(b *testing.B) {
			for b.Loop() {
				if _, err := c.Finalize(p, resp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
