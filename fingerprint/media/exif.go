package media

import "encoding/binary"

// JPEGOrientation returns the EXIF orientation (1..8) of a JPEG file, or 1
// when there is none or it cannot be read. It walks the marker segments up
// to the first scan, takes the first APP1 segment that starts with the EXIF
// identifier, and reads tag 0x0112 from IFD0 of its TIFF structure
// (EXIF 2.3, section 4.6). Every offset is bounds-checked: the input is
// untrusted.
func JPEGOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xff || b[1] != 0xd8 {
		return 1
	}
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xff {
			return 1
		}
		marker := b[i+1]
		switch {
		case marker == 0xff: // fill byte
			i++
			continue
		case marker == 0xd8 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7):
			i += 2 // segments without a length
			continue
		case marker == 0xda || marker == 0xd9: // start of scan, end of image
			return 1
		}
		n := int(b[i+2])<<8 | int(b[i+3])
		if n < 2 || i+2+n > len(b) {
			return 1
		}
		seg := b[i+4 : i+2+n]
		if marker == 0xe1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			return TIFFOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

// TIFFOrientation reads the orientation tag from IFD0 of a TIFF-structured
// EXIF block (what follows "Exif\0\0" in APP1). It returns 1 when the tag
// is absent, malformed or out of range.
func TIFFOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(t[2:]) != 42 {
		return 1
	}
	off := uint64(bo.Uint32(t[4:]))
	if off < 8 || off+2 > uint64(len(t)) {
		return 1
	}
	count := uint64(bo.Uint16(t[off:]))
	entries := off + 2
	for k := uint64(0); k < count; k++ {
		e := entries + 12*k
		if e+12 > uint64(len(t)) {
			return 1
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		typ, n := bo.Uint16(t[e+2:]), bo.Uint32(t[e+4:])
		if typ != 3 || n != 1 { // one SHORT
			return 1
		}
		if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 1
	}
	return 1
}
