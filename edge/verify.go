package edge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/match"
)

// MaxVerifyBytes caps a /v1/verify body: the largest valid one (all eight
// dihedral PDQ variants, two robust hashes with theirs and every digest) is
// under 2.5 KiB.
const MaxVerifyBytes = 4 << 10

// verifyRequest is the JSON body of POST /v1/verify: the fingerprints a
// checker computed for a file that hit its local filter. Hashes use the
// project's hex forms (PDQ 64, pHash 16, SHA-256 64, MD5 32 hex digits).
type verifyRequest struct {
	PDQ         *string  `json:"pdq"`
	PDQQuality  *int     `json:"pdq_quality"`
	PDQDihedral []string `json:"pdq_dihedral"`
	// PDQRobust are the file's robust PDQ hashes (fingerprint/canon: the
	// picture with borders, bands and blurred fill trimmed), each with its
	// quality and eight dihedral variants, as the edge computes them.
	PDQRobust []verifyRobust `json:"pdq_robust"`
	PHash     *string        `json:"phash"`
	SHA256    *string        `json:"sha256"`
	MD5       *string        `json:"md5"`
	// VPDQ are a video's frame hashes in python-threatexchange's form,
	// "pdq_hex,quality,timestamp" (verify_video.go).
	VPDQ []string `json:"vpdq"`
}

type verifyRobust struct {
	Quality  *int     `json:"quality"`
	Dihedral []string `json:"dihedral"`
}

// verifyQuery is a parsed, checked verifyRequest.
type verifyQuery struct {
	PDQ        *fingerprint.PDQHash
	PDQQuality int
	Dihedral   []fingerprint.PDQHash
	Robust     []fingerprint.RobustPDQ
	PHash      *fingerprint.Hash64
	SHA256     *fingerprint.SHA256Digest
	MD5        *fingerprint.MD5Digest
	Frames     []match.Frame // a video's, when VPDQ was given
}

// ErrBadVerify is wrapped by parseVerify for a body that is not a valid
// verify request.
var ErrBadVerify = errors.New("edge: bad verify request")

func badVerify(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadVerify}, a...)...)
}

// parseVerify decodes and checks a /v1/verify body strictly: unknown fields,
// trailing data, malformed hashes and a PDQ hash without its quality are
// refused, and at least one fingerprint is required.
func parseVerify(body []byte) (verifyQuery, error) {
	var q verifyQuery
	if len(body) > MaxVerifyVideoBytes || (len(body) > MaxVerifyBytes && !bytes.Contains(body, []byte(`"vpdq"`))) {
		// Only a video's frames may take more than MaxVerifyBytes.
		return q, badVerify("body over %d bytes", MaxVerifyBytes)
	}
	var r verifyRequest
	if !fastVerify(body, &r) {
		r = verifyRequest{}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			return q, badVerify("%v", jsonMessage(err))
		}
		if _, err := dec.Token(); err != io.EOF {
			return q, badVerify("trailing data after the JSON object")
		}
	}
	if r.PDQ != nil {
		h, err := fingerprint.ParsePDQ(*r.PDQ)
		if err != nil {
			return q, badVerify("pdq: %w", err)
		}
		if r.PDQQuality == nil {
			return q, badVerify("pdq needs pdq_quality")
		}
		if *r.PDQQuality < 0 || *r.PDQQuality > 100 {
			return q, badVerify("pdq_quality %d outside 0..100", *r.PDQQuality)
		}
		q.PDQ, q.PDQQuality = &h, *r.PDQQuality
	} else if r.PDQQuality != nil || r.PDQDihedral != nil || r.PDQRobust != nil {
		return q, badVerify("pdq_quality, pdq_dihedral and pdq_robust need pdq")
	}
	if len(r.PDQRobust) > fingerprint.MaxRobust {
		return q, badVerify("pdq_robust has %d hashes, at most %d", len(r.PDQRobust), fingerprint.MaxRobust)
	}
	for i, x := range r.PDQRobust {
		if x.Quality == nil || *x.Quality < 0 || *x.Quality > 100 {
			return q, badVerify("pdq_robust[%d]: want a quality in 0..100", i)
		}
		if len(x.Dihedral) != 8 {
			return q, badVerify("pdq_robust[%d]: want 8 dihedral hashes, got %d", i, len(x.Dihedral))
		}
		rb := fingerprint.RobustPDQ{Name: "trim", Quality: *x.Quality}
		for k, s := range x.Dihedral {
			h, err := fingerprint.ParsePDQ(s)
			if err != nil {
				return q, badVerify("pdq_robust[%d].dihedral[%d]: %w", i, k, err)
			}
			rb.Dihedral[k] = h
		}
		q.Robust = append(q.Robust, rb)
	}
	if len(r.PDQDihedral) > 8 {
		return q, badVerify("pdq_dihedral has %d hashes, at most 8", len(r.PDQDihedral))
	}
	for i, s := range r.PDQDihedral {
		h, err := fingerprint.ParsePDQ(s)
		if err != nil {
			return q, badVerify("pdq_dihedral[%d]: %w", i, err)
		}
		q.Dihedral = append(q.Dihedral, h)
	}
	if r.PHash != nil {
		h, err := fingerprint.ParseHash64(*r.PHash)
		if err != nil {
			return q, badVerify("phash: %w", err)
		}
		q.PHash = &h
	}
	if r.SHA256 != nil {
		d, err := fingerprint.ParseSHA256(*r.SHA256)
		if err != nil {
			return q, badVerify("sha256: %w", err)
		}
		q.SHA256 = &d
	}
	if r.MD5 != nil {
		d, err := fingerprint.ParseMD5(*r.MD5)
		if err != nil {
			return q, badVerify("md5: %w", err)
		}
		q.MD5 = &d
	}
	if r.VPDQ != nil {
		if q.PDQ != nil || q.PHash != nil {
			return q, badVerify("vpdq (a video) cannot come with pdq or phash (an image)")
		}
		frames, err := parseVPDQFrames(r.VPDQ) // verify_video.go
		if err != nil {
			return q, err
		}
		q.Frames = frames
	} else if len(body) > MaxVerifyBytes {
		return q, badVerify("body over %d bytes (only a video's frames may take more)", MaxVerifyBytes)
	}
	if q.PDQ == nil && q.PHash == nil && q.SHA256 == nil && q.MD5 == nil && q.Frames == nil {
		return q, badVerify("no fingerprint given (pdq, phash, sha256, md5 or vpdq)")
	}
	return q, nil
}

// jsonMessage shortens encoding/json's errors to what a client can act on;
// they never echo more than a field name.
func jsonMessage(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q has the wrong type", typ.Field)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated JSON"
	}
	return "malformed JSON: " + err.Error()
}

// query converts to the index's query type.
func (q *verifyQuery) query() match.Query {
	return match.Query{
		PDQ:         q.PDQ,
		PDQQuality:  q.PDQQuality,
		PDQDihedral: q.Dihedral,
		Robust:      q.Robust,
		PHash:       q.PHash,
		SHA256:      q.SHA256,
		MD5:         q.MD5,
	}
}
