package main

import (
	"errors"
	"io"
	"os"
	"strconv"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/canon"
	"github.com/hashgate/hashgate/fingerprint/media"
)

// errNotImage marks a file whose perceptual hashes could not be computed;
// its digests are valid all the same.
var errNotImage = errors.New("no perceptual hashes")

// fingerprintFile fingerprints one file as the edge does (fingerprint/media:
// header first, pixel limit, EXIF orientation, the canonical pipeline), with
// media's byte limit. A file that is not an image media decodes, or is over
// the limit, still gets its SHA-256 and MD5 (streamed, for a large one); the
// error, which then matches errNotImage, says why it got nothing else. Any
// other error means the file could not be read.
func fingerprintFile(path string) (fingerprint.Fingerprints, error) {
	var fp fingerprint.Fingerprints
	f, err := os.Open(path)
	if err != nil {
		return fp, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, media.DefaultMaxBytes+1))
	if err != nil {
		return fp, err
	}
	if len(data) > media.DefaultMaxBytes {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fp, err
		}
		if fp.SHA256, fp.MD5, _, err = fingerprint.DigestReader(f); err != nil {
			return fp, err
		}
		return fp, errors.Join(errNotImage, errors.New("over "+strconv.Itoa(media.DefaultMaxBytes)+" bytes"))
	}
	if fp, err = media.FingerprintBytes(data, media.Options{}); err != nil {
		fp = fingerprint.Fingerprints{}
		fp.SHA256, fp.MD5 = fingerprint.Digest(data)
		return fp, errors.Join(errNotImage, err)
	}
	return fp, nil
}

// imageValues are the raw values of what fp holds that hash lists and the
// browser filter carry: the digests, and with perceptual the PDQ hash and
// pHash.
func imageValues(fp fingerprint.Fingerprints, perceptual bool) []kindValue {
	out := []kindValue{
		{fingerprint.KindSHA256, fp.SHA256[:]},
		{fingerprint.KindMD5, fp.MD5[:]},
	}
	if perceptual {
		out = append(out, kindValue{fingerprint.KindPDQ, fp.PDQ[:]}, kindValue{fingerprint.KindPHash, hash64Bytes(fp.PHash)})
	}
	return out
}

// kindValue is one fingerprint as raw bytes (fingerprint.Kind.ValueLen).
type kindValue struct {
	kind  fingerprint.Kind
	value []byte
}

func hash64Bytes(h fingerprint.Hash64) []byte {
	b := make([]byte, 8)
	for i := range b {
		b[i] = byte(h >> (56 - 8*i))
	}
	return b
}

// listVariants decodes an image file again and returns the extra PDQ
// hashes vs asks for: its sub-crops (canon.ListCrops) and its turns
// (media.ListTurns), which the publisher lists beside the whole image's. A
// file that does not decode gets none.
func listVariants(path string, vs mediaVariants) []fingerprint.PDQHash {
	b, err := os.ReadFile(path)
	if err != nil || len(b) > media.DefaultMaxBytes {
		return nil
	}
	img, err := media.DecodeBytes(b, media.Options{})
	if err != nil {
		return nil
	}
	var out []fingerprint.PDQHash
	if vs.crops {
		out = canon.ListCrops(img)
	}
	if vs.turns {
		out = append(out, media.ListTurns(img)...)
	}
	return out
}

// dihedralValues are the PDQ hashes of fp's rotations and mirror images
// other than the upright one, which the browser also looks up.
func dihedralValues(fp *fingerprint.Fingerprints) []kindValue {
	var out []kindValue
	for i := 1; i < len(fp.PDQDihedral); i++ {
		if fp.PDQDihedral[i] != fp.PDQ {
			out = append(out, kindValue{fingerprint.KindPDQ, fp.PDQDihedral[i][:]})
		}
	}
	return out
}
