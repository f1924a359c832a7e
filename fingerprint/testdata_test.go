package fingerprint_test

import (
	"strconv"
	"testing"

	"github.com/hashgate/hashgate/fingerprint"
)

// pdqCell parses a PDQ hash from a vector file; a bad cell fails the test.
func pdqCell(t testing.TB, s string) fingerprint.PDQHash {
	t.Helper()
	h, err := fingerprint.ParsePDQ(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// intCell parses a number (a quality) from a vector file.
func intCell(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
