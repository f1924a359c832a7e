package oblivious

import "encoding/binary"

const inputLabel = "hashgate oprf v1\x00"

// InputLen is the length of an input for a value (or band) of n bytes.
func InputLen(n int) int { return len(inputLabel) + 8 + 3 + n }

// Input appends to dst the domain-separated VOPRF input of one value: an
// exact value (bands = 0, band = 0) or band number band of a PDQ hash split
// into bands bands (value is then the band's bytes). The layout is in
// doc.go. typ is a bloom.Type; this package does not import bloom.
func Input(dst []byte, epoch uint64, typ uint8, bands, band int, value []byte) []byte {
	dst = append(dst, inputLabel...)
	dst = binary.BigEndian.AppendUint64(dst, epoch)
	dst = append(dst, typ, byte(bands), byte(band))
	return append(dst, value...)
}

// BandInputs appends the inputs of every band of a 32-byte PDQ hash split
// into bands equal bands (bands divides 32), each its own slice.
func BandInputs(dst [][]byte, epoch uint64, typ uint8, bands int, hash []byte) [][]byte {
	if bands <= 0 || len(hash)%bands != 0 {
		return dst
	}
	w := len(hash) / bands
	for i := range bands {
		dst = append(dst, Input(make([]byte, 0, InputLen(w)), epoch, typ, bands, i, hash[i*w:(i+1)*w]))
	}
	return dst
}
