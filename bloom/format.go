package bloom

import (
	"encoding/binary"
	"errors"

	"github.com/hashgate/hashgate/internal/wire"
)

// The binary format of one filter (format version 2). All integers are
// little-endian. The 64-byte header keeps the table 64-byte aligned when
// the input is, so a split-block look-up touches one cache line.
//
//	offset size field
//	     0    4 magic "HGBF"
//	     4    2 format version, 2
//	     6    1 kind: 1 split-block Bloom, 2 binary fuse 8-bit, 3 binary fuse 16-bit
//	     7    1 flags, 0 (reserved)
//	     8    8 key id (Keyer.KeyID of the release key the keys came from)
//	    16    8 number of distinct keys
//	    24    8 table length in bytes (must equal the input length - 64)
//	    32    8 binary fuse: key multiplier;   split-block: 0
//	    40    4 binary fuse: segment length;   split-block: number of 256-bit blocks
//	    44    4 binary fuse: segment count;    split-block: 0
//	    48   12 reserved, 0
//	    60    4 CRC-32C (Castagnoli) of bytes 0..59
//	    64    - table:
//	            split-block: blocks of eight uint32 words, block i at 64+32i;
//	            binary fuse: (segment count + 2) * segment length fingerprints
//	            of 1 or 2 bytes each.
//
// Version 1 hashed binary fuse keys with the library's seeded finaliser
// (field 32 was its seed); version 2 multiplies instead (see Fuse). Load
// refuses version 1 rather than answer wrongly.
//
// The header checksum catches a damaged or hand-edited header (every
// single-bit error); the table's integrity is the release manifest's
// SHA-256, checked before Load. Load still refuses any header whose fields
// do not describe exactly the bytes that follow.
const (
	headerSize    = 64
	formatVersion = 2
	magic         = "HGBF"
	maxSegLen     = 1 << 18 // the library's largest segment length
)

// Errors returned by Load. Every one matches ErrFormat with errors.Is, and
// the more specific sentinel too.
var (
	ErrFormat    = errors.New("bloom: malformed filter")
	ErrTruncated = errors.New("bloom: filter truncated")
	ErrVersion   = errors.New("bloom: unsupported filter format version")
	ErrChecksum  = errors.New("bloom: filter header checksum mismatch")
)

// crc32c is CRC-32C (Castagnoli) of b, as crc32.Checksum(b,
// crc32.MakeTable(crc32.Castagnoli)) computes it, bit by bit: the header is
// 60 bytes, and package hash/crc32's tables and their set-up cost the wasm
// module ~2 KB compressed.
func crc32c(b []byte) uint32 {
	c := ^uint32(0)
	for _, x := range b {
		c ^= uint32(x)
		for range 8 {
			c = c>>1 ^ 0x82f63b78&-(c&1)
		}
	}
	return ^c
}

// badFormat is a Load error: its own message, matching ErrFormat and, if
// given, one more specific sentinel.
func badFormat(sentinel error, msg string) error {
	if sentinel == ErrFormat {
		return wire.NewError(msg, ErrFormat)
	}
	return wire.NewError(msg, sentinel, ErrFormat)
}

// Marshal returns f in the binary format. f must come from Build, Load or
// NewSplitBlock.
func Marshal(f Filter) ([]byte, error) {
	var h [headerSize]byte
	var table []byte
	switch f := f.(type) {
	case *SplitBlock:
		table = f.body
		binary.LittleEndian.PutUint32(h[40:], f.nblocks)
	case *Fuse:
		table = f.table
		if len(f.table) > 0 {
			binary.LittleEndian.PutUint64(h[32:], f.mul)
		}
		binary.LittleEndian.PutUint32(h[40:], f.segLen)
		binary.LittleEndian.PutUint32(h[44:], f.segCount)
	default:
		return nil, wrap(ErrOptions, "bloom: Marshal of a filter not made by this package")
	}
	copy(h[0:4], magic)
	binary.LittleEndian.PutUint16(h[4:], formatVersion)
	h[6] = byte(f.Kind())
	id := f.KeyID()
	copy(h[8:16], id[:])
	binary.LittleEndian.PutUint64(h[16:], uint64(f.Len()))
	binary.LittleEndian.PutUint64(h[24:], uint64(len(table)))
	binary.LittleEndian.PutUint32(h[60:], crc32c(h[:60]))
	out := make([]byte, 0, headerSize+len(table))
	out = append(out, h[:]...)
	return append(out, table...), nil
}

// Load parses a filter in the binary format. It does not copy: the filter
// reads b, which must stay unmodified while the filter is in use. It never
// allocates more than a small fixed amount, whatever b claims.
func Load(b []byte) (Filter, error) {
	if len(b) < headerSize {
		return nil, badFormat(ErrTruncated, "bloom: filter truncated: "+itoa(uint64(len(b)))+" bytes, header needs 64")
	}
	h := b[:headerSize]
	if string(h[0:4]) != magic {
		return nil, badFormat(ErrFormat, "bloom: not a filter (bad magic)")
	}
	if crc32c(h[:60]) != binary.LittleEndian.Uint32(h[60:]) {
		return nil, badFormat(ErrChecksum, "bloom: filter header checksum mismatch")
	}
	if v := binary.LittleEndian.Uint16(h[4:]); v != formatVersion {
		return nil, badFormat(ErrVersion, "bloom: unsupported filter format version "+itoa(uint64(v)))
	}
	if h[7] != 0 {
		return nil, badFormat(ErrFormat, "bloom: unknown filter flags")
	}
	for _, c := range h[48:60] {
		if c != 0 {
			return nil, badFormat(ErrFormat, "bloom: reserved header bytes are not zero")
		}
	}
	var keyID [8]byte
	copy(keyID[:], h[8:16])
	n := binary.LittleEndian.Uint64(h[16:])
	tableLen := binary.LittleEndian.Uint64(h[24:])
	seed := binary.LittleEndian.Uint64(h[32:]) // binary fuse: the key multiplier
	p1 := binary.LittleEndian.Uint32(h[40:])
	p2 := binary.LittleEndian.Uint32(h[44:])
	have := uint64(len(b) - headerSize)
	if tableLen > have {
		return nil, badFormat(ErrTruncated, "bloom: filter truncated: table needs "+itoa(tableLen)+" bytes, have "+itoa(have))
	}
	if tableLen < have {
		return nil, badFormat(ErrFormat, "bloom: "+itoa(have-tableLen)+" bytes after the filter table")
	}
	if n > maxKeys {
		return nil, badFormat(ErrFormat, "bloom: key count out of range")
	}
	table := b[headerSize:]
	switch kind := Kind(h[6]); kind {
	case KindSplitBlock:
		if p1 == 0 || seed != 0 || p2 != 0 || uint64(p1)*blockBytes != tableLen {
			return nil, badFormat(ErrFormat, "bloom: split-block parameters do not match the table")
		}
		return &SplitBlock{body: table, nblocks: p1, n: n, keyID: keyID}, nil
	case KindBinaryFuse8, KindBinaryFuse16:
		f := &Fuse{n: n, keyID: keyID, width: uint32(kind - KindBinaryFuse8 + 1)}
		if n == 0 {
			if seed != 0 || p1 != 0 || p2 != 0 || tableLen != 0 {
				return nil, badFormat(ErrFormat, "bloom: empty binary fuse filter with parameters")
			}
			return f, nil
		}
		entries := (uint64(p2) + 2) * uint64(p1)
		if p1 == 0 || p1 > maxSegLen || p1&(p1-1) != 0 || p2 == 0 ||
			entries > 1<<32 || entries*uint64(f.width) != tableLen || n > entries {
			return nil, badFormat(ErrFormat, "bloom: binary fuse parameters do not match the table")
		}
		f.table = table
		if err := f.setParams(seed, p1, p2); err != nil {
			return nil, badFormat(ErrFormat, "bloom: binary fuse parameters do not match the table")
		}
		return f, nil
	}
	return nil, badFormat(ErrFormat, "bloom: unknown filter kind "+itoa(uint64(h[6])))
}

// itoa formats a decimal without strconv's larger tables or fmt.
func itoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}
