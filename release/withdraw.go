package release

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/internal/wire"
)

// Withdrawals are the publisher's false-positive overrides: a listed entry
// taken out of matching, for good or until a time, without removing it
// from the list (a delta cannot remove entries, and a full release costs
// every client a full download). They travel as an artifact of role
// RoleWithdrawals, encrypted to the edges like the list (the reasons and
// the entries named are the list's business), in a full release or a
// delta. An edge drops a match on a withdrawn entry before it answers;
// browsers never see withdrawals: their filter still holds the entry's
// keys, and the edge's /v1/verify, which a browser consults on every local
// hit, answers clear.
//
// The plaintext encoding, integers unsigned LEB128 varints unless said
// otherwise:
//
//	"HGW1"                         magic and format version
//	n, then n ×:
//	  entry    len (<= 64), bytes   the entry id (EntryID)
//	  until    zig-zag varint, Unix seconds; 0 = withdrawn for good
//	  reason   len (<= 1024), bytes UTF-8
//
// The same HPKE envelope as the list (listcrypt.go) carries it.

// RoleWithdrawals is the artifact role of an encrypted withdrawal set.
const RoleWithdrawals = "withdrawals"

const (
	withdrawMagic   = "HGW1"
	maxEntryIDLen   = 64
	maxReasonLen    = 1024
	entryIDHexLen   = 32 // 16 bytes of SHA-256
	minWithdrawSize = 1 + 1 + 1
)

// ErrWithdrawal is matched by errors about a malformed withdrawal or
// withdrawal set; ErrUnknownEntry by a withdrawal naming no listed entry.
var (
	ErrWithdrawal   = errors.New("release: malformed withdrawal")
	ErrUnknownEntry = errors.New("release: withdrawal of an entry that is not listed")
)

func withdrawErr(msg string) error {
	return wire.NewError("release: withdrawals: "+msg, ErrWithdrawal)
}

// Withdrawal takes one listed entry out of matching.
type Withdrawal struct {
	Entry string    // the entry's id, as EntryID gives it
	Until time.Time // zero: withdrawn for good; else disabled until this instant
	// Reason says why, for the operators who read the edge's logs and
	// match lookups (e.g. "false positive: meme template, ticket 4411").
	Reason string
}

// Active reports whether w is in force at now: a withdrawal for good
// always is, a disablement until its Until.
func (w Withdrawal) Active(now time.Time) bool { return w.Until.IsZero() || now.Before(w.Until) }

// EntryID names a listed entry stably across releases, without its hash:
// the kind, "-", and 32 hex digits of the SHA-256 of a domain string, the
// kind byte and the raw value (for a vpdq video, its id instead of the
// value, which holds every frame). Match events carry it, so an appeal can
// be answered with a withdrawal naming the same id.
func EntryID(kind fingerprint.Kind, value []byte) string {
	h := sha256.New()
	h.Write([]byte("hashgate-entry-v1\x00"))
	h.Write([]byte{byte(kind)})
	h.Write(value)
	var sum [32]byte
	h.Sum(sum[:0])
	return kind.String() + "-" + wire.HexString(sum[:entryIDHexLen/2])
}

// ID is the entry's EntryID.
func (e *ListEntry) ID() string {
	if e.Kind == fingerprint.KindVPDQ {
		id, err := VideoID(e.Value)
		if err != nil {
			return ""
		}
		return EntryID(e.Kind, []byte(id))
	}
	return EntryID(e.Kind, e.Value)
}

// ValidEntryID reports whether s has the form EntryID writes.
func ValidEntryID(s string) bool {
	for _, k := range fingerprint.Kinds() {
		name := k.String()
		if len(s) == len(name)+1+entryIDHexLen && s[:len(name)] == name && s[len(name)] == '-' {
			return wire.IsLowerHex(s[len(name)+1:])
		}
	}
	return false
}

func (w *Withdrawal) check() error {
	if !ValidEntryID(w.Entry) {
		return withdrawErr("entry " + wire.Quote(trimID(w.Entry)) + " is not an entry id (kind-32 hex digits)")
	}
	if len(w.Reason) > maxReasonLen {
		return withdrawErr("reason longer than 1024 bytes")
	}
	if !w.Until.IsZero() && w.Until.Unix() == 0 {
		return withdrawErr("until at the Unix epoch is reserved for \"for good\"")
	}
	return nil
}

func trimID(s string) string {
	if len(s) > maxEntryIDLen {
		return s[:maxEntryIDLen] + "..."
	}
	return s
}

// CheckWithdrawals checks each withdrawal's form and that it names one of
// entries: a withdrawal of nothing is a typo that would leave the false
// positive in force. Errors match ErrWithdrawal or ErrUnknownEntry.
func CheckWithdrawals(entries []ListEntry, ws []Withdrawal) error {
	if len(ws) == 0 {
		return nil
	}
	ids := make(map[string]struct{}, len(entries))
	for i := range entries {
		ids[entries[i].ID()] = struct{}{}
	}
	for i := range ws {
		if err := ws[i].check(); err != nil {
			return err
		}
		if _, ok := ids[ws[i].Entry]; !ok {
			return wire.NewError("release: withdrawal of "+ws[i].Entry+": no such entry in the list", ErrUnknownEntry)
		}
	}
	return nil
}

// withdrawEncoder is a withdrawal set ready to seal.
type withdrawEncoder struct {
	ws   []Withdrawal
	size int
}

func newWithdrawEncoder(ws []Withdrawal) (*withdrawEncoder, error) {
	size := len(withdrawMagic) + uvarintLen(uint64(len(ws)))
	for i := range ws {
		if err := ws[i].check(); err != nil {
			return nil, err
		}
		w := &ws[i]
		size += uvarintLen(uint64(len(w.Entry))) + len(w.Entry) + varintLen(addedUnix(w.Until)) +
			uvarintLen(uint64(len(w.Reason))) + len(w.Reason)
	}
	return &withdrawEncoder{ws: ws, size: size}, nil
}

func (e *withdrawEncoder) encodedSize() int { return e.size }

func (e *withdrawEncoder) append(out []byte) []byte {
	out = append(out, withdrawMagic...)
	out = binary.AppendUvarint(out, uint64(len(e.ws)))
	for _, w := range e.ws {
		out = binary.AppendUvarint(out, uint64(len(w.Entry)))
		out = append(out, w.Entry...)
		out = binary.AppendVarint(out, addedUnix(w.Until))
		out = binary.AppendUvarint(out, uint64(len(w.Reason)))
		out = append(out, w.Reason...)
	}
	return out
}

// EncodeWithdrawals writes ws in the plaintext encoding above.
func EncodeWithdrawals(ws []Withdrawal) ([]byte, error) {
	enc, err := newWithdrawEncoder(ws)
	if err != nil {
		return nil, err
	}
	return enc.append(make([]byte, 0, enc.size)), nil
}

// DecodeWithdrawals parses the plaintext encoding. Errors match
// ErrWithdrawal; counts are checked against the input before anything is
// allocated.
func DecodeWithdrawals(b []byte) ([]Withdrawal, error) {
	if len(b) < len(withdrawMagic) || string(b[:len(withdrawMagic)]) != withdrawMagic {
		return nil, withdrawErr("not a withdrawal set (bad magic)")
	}
	r := &listReader{b: b, pos: len(withdrawMagic)}
	n := r.uvarint()
	if r.err != nil || n > uint64(len(b)-r.pos)/minWithdrawSize {
		return nil, withdrawErr("count exceeds the input")
	}
	out := make([]Withdrawal, 0, n)
	for range n {
		var w Withdrawal
		l := r.uvarint()
		if l > maxEntryIDLen {
			return nil, withdrawErr("entry id longer than 64 bytes")
		}
		w.Entry = string(r.bytes(l))
		if until := r.varint(); until != 0 {
			w.Until = time.Unix(until, 0).UTC()
		}
		l = r.uvarint()
		if l > maxReasonLen {
			return nil, withdrawErr("reason longer than 1024 bytes")
		}
		w.Reason = string(r.bytes(l))
		if r.err != nil {
			return nil, withdrawErr("truncated at byte " + strconv.Itoa(r.pos))
		}
		if err := w.check(); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	if r.pos != len(b) {
		return nil, withdrawErr("trailing bytes")
	}
	return out, nil
}

// EncryptWithdrawals encodes ws and encrypts them to recipients in the
// list's envelope; rand as for EncryptList.
func EncryptWithdrawals(ws []Withdrawal, recipients []PublicKey, rand io.Reader) ([]byte, error) {
	enc, err := newWithdrawEncoder(ws)
	if err != nil {
		return nil, err
	}
	return encryptList(enc, recipients, rand)
}

// DecryptWithdrawals opens an encrypted withdrawal set with an edge key.
func DecryptWithdrawals(ciphertext []byte, key *EdgePrivateKey) ([]Withdrawal, error) {
	plain, err := decryptBytes(ciphertext, key, false)
	if err != nil {
		return nil, err
	}
	return DecodeWithdrawals(plain)
}

// WithdrawalSet decrypts every withdrawal artifact of the release and
// returns the withdrawals in force by entry id: where several name one
// entry, the last (in manifest order, so a delta's over its base's) wins,
// which lets a later delta lift a disablement early by naming the entry
// with an Until in the past.
func (r *Release) WithdrawalSet(key *EdgePrivateKey) (map[string]Withdrawal, error) {
	out := map[string]Withdrawal{}
	for _, ct := range r.Withdrawals {
		ws, err := DecryptWithdrawals(ct, key)
		if err != nil {
			return nil, err
		}
		for _, w := range ws {
			out[w.Entry] = w
		}
	}
	return out, nil
}

// addWithdrawals checks ws against entries and adds their encrypted
// artifact to b and m.
func addWithdrawals(b *Bundle, m *Manifest, entries []ListEntry, ws []Withdrawal, recipients []PublicKey, rand io.Reader) error {
	if len(ws) == 0 {
		return nil
	}
	if len(recipients) == 0 {
		return errors.New("release: withdrawals need edge recipients (only edges read them)")
	}
	if err := CheckWithdrawals(entries, ws); err != nil {
		return err
	}
	ct, err := EncryptWithdrawals(ws, recipients, rand)
	if err != nil {
		return err
	}
	m.Artifacts = append(m.Artifacts, addArtifact(b, RoleWithdrawals, "withdraw-", ".hpke", ct))
	return nil
}
