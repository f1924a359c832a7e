package oblivious_test

import (
	"fmt"

	"github.com/hashgate/hashgate/oblivious"
)

// One check: the checker blinds its inputs, the edge evaluates them with
// one proof, the checker verifies and finalises. Its keys are the ones the
// publisher inserted, and the edge never saw the inputs.
func Example() {
	sk, _ := oblivious.GenerateKey(nil)                  // the publisher's; edges get it encrypted
	pub, _ := oblivious.ParsePublicKey(sk.PublicBytes()) // the checker's, from the signed manifest
	inputs := [][]byte{[]byte("band 0 of a PDQ hash"), []byte("an MD5")}

	client := oblivious.NewClient(pub)
	pending, request, _ := client.Blind(inputs)                 // POST /v1/oprf body
	response, _ := oblivious.NewEvaluator(sk).Evaluate(request) // at the edge
	keys, err := client.Keys(pending, response, nil)            // proof verified here

	inserted, _ := sk.FilterKey(inputs[0])
	fmt.Println(err, len(keys), keys[0] == inserted)

	response[len(response)-1] ^= 1 // a tampered proof
	_, err = client.Keys(pending, response, nil)
	fmt.Println(err)
	// Output:
	// <nil> 2 true
	// oblivious: the edge's proof does not verify against the release's public key
}
