package video

import (
	"bufio"
	"errors"
	"io"
)

// GIFFrames counts the images of the GIF read from r, up to max (0: no
// limit), by walking its blocks without decoding a pixel. A GIF of more
// than one frame is animated: hashgate hashes it as a video (vPDQ) as well
// as by its first frame. It fails with ErrMalformed on bytes that are not
// a GIF's block structure; a GIF cut off after complete frames counts
// those frames (decoders show them).
func GIFFrames(r io.Reader, max int) (int, error) {
	br := bufio.NewReaderSize(r, 4<<10)
	var hdr [13]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return 0, errorf(ErrMalformed, "GIF header", err)
	}
	if sig := string(hdr[:6]); sig != "GIF87a" && sig != "GIF89a" {
		return 0, errorf(ErrMalformed, "not a GIF", nil)
	}
	if hdr[10]&0x80 != 0 { // global colour table
		if _, err := br.Discard(3 << (hdr[10]&7 + 1)); err != nil {
			return 0, errorf(ErrMalformed, "GIF colour table", err)
		}
	}
	frames := 0
	for max <= 0 || frames < max {
		b, err := br.ReadByte()
		if err != nil {
			return frames, truncated(frames, err)
		}
		switch b {
		case 0x3b: // trailer
			return frames, nil
		case 0x21: // extension: a label, then data sub-blocks
			if _, err := br.ReadByte(); err != nil {
				return frames, truncated(frames, err)
			}
			if err := skipSubBlocks(br); err != nil {
				return frames, truncated(frames, err)
			}
		case 0x2c: // image descriptor
			var d [9]byte
			if _, err := io.ReadFull(br, d[:]); err != nil {
				return frames, truncated(frames, err)
			}
			if d[8]&0x80 != 0 { // local colour table
				if _, err := br.Discard(3 << (d[8]&7 + 1)); err != nil {
					return frames, truncated(frames, err)
				}
			}
			if _, err := br.ReadByte(); err != nil { // LZW minimum code size
				return frames, truncated(frames, err)
			}
			if err := skipSubBlocks(br); err != nil {
				return frames, truncated(frames, err)
			}
			frames++
		default:
			return frames, errorf(ErrMalformed, "GIF block 0x"+hex2(b), nil)
		}
	}
	return frames, nil
}

// skipSubBlocks skips data sub-blocks up to the zero-length terminator.
func skipSubBlocks(br *bufio.Reader) error {
	for {
		n, err := br.ReadByte()
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if _, err := br.Discard(int(n)); err != nil {
			return err
		}
	}
}

// truncated is the result of a GIF that ends early: the complete frames
// count, and the end is no error unless no frame was complete.
func truncated(frames int, err error) error {
	if frames > 0 && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
		return nil
	}
	return errorf(ErrMalformed, "GIF cut off", err)
}

func hex2(b byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[b>>4], digits[b&15]})
}
