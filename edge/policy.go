package edge

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/match"
	"github.com/hashgate/hashgate/release"
)

// What happens to a match between the index and the answer, in order:
//
//  1. a withdrawn entry (the publisher's override, in the release) is
//     dropped, as is every match of a file on the operator's allowlist
//     (allowlist.go): neither is a match at all, only a counted, logged
//     non-event;
//  2. what is left gets an action from the policy: "block" (enforced: 451
//     in proxy mode, "match": true in a verdict) or "monitor" (recorded,
//     reported and evented, the upload let through);
//  3. every match, blocked or monitored, gets a match id and an event
//     (events.go).

// MonitorHeader, in proxy mode, tells the origin that an upload it gets
// matched in monitor mode: the match ids, comma-separated, for its
// moderation queue. The edge drops any the client sent.
const MonitorHeader = "X-Hashgate-Monitor"

// Actions a match can get.
const (
	ActionBlock   = "block"
	ActionMonitor = "monitor"
)

// PolicyRule is the enforcement of one list, one label, or (Scope "*")
// everything no other rule names. Enforce is the share of content (0..100,
// by a keyed hash of the file's fingerprint) whose matches are enforced;
// the others' are monitored. "monitor" is Enforce 0, "enforce" 100.
type PolicyRule struct {
	Scope   string // "list", "label" or "*"
	Name    string // the list's or label's name; empty for "*"
	Enforce float64
}

// ErrPolicy is wrapped by ParsePolicy's errors.
var ErrPolicy = errors.New("edge: bad policy")

// ParsePolicy reads a rule: SELECTOR=MODE, SELECTOR being list:NAME,
// label:NAME or *, MODE enforce, monitor or enforce@PERCENT (a gradual
// rollout: that share of files enforced, the rest monitored). The last "="
// separates the two, so names may hold "=" and ":".
func ParsePolicy(s string) (PolicyRule, error) {
	var r PolicyRule
	i := strings.LastIndexByte(s, '=')
	if i < 0 {
		return r, fmt.Errorf("%w: %q: want SELECTOR=MODE (e.g. list:tat=monitor, label:gifct:x=enforce@50, *=enforce)", ErrPolicy, s)
	}
	sel, mode := s[:i], s[i+1:]
	switch {
	case sel == "*":
		r.Scope = "*"
	case strings.HasPrefix(sel, "list:") && len(sel) > 5:
		r.Scope, r.Name = "list", sel[5:]
	case strings.HasPrefix(sel, "label:") && len(sel) > 6:
		r.Scope, r.Name = "label", sel[6:]
	default:
		return r, fmt.Errorf("%w: selector %q: want list:NAME, label:NAME or *", ErrPolicy, sel)
	}
	switch {
	case mode == "enforce":
		r.Enforce = 100
	case mode == "monitor":
		r.Enforce = 0
	case strings.HasPrefix(mode, "enforce@"):
		p, err := strconv.ParseFloat(strings.TrimSuffix(mode[8:], "%"), 64)
		if err != nil || !(p >= 0 && p <= 100) {
			return r, fmt.Errorf("%w: %q: the rollout percentage must be a number in 0..100", ErrPolicy, mode)
		}
		r.Enforce = p
	default:
		return r, fmt.Errorf("%w: mode %q: want enforce, monitor or enforce@PERCENT", ErrPolicy, mode)
	}
	return r, nil
}

// String is the rule in ParsePolicy's form.
func (r PolicyRule) String() string {
	sel := "*"
	if r.Scope != "*" {
		sel = r.Scope + ":" + r.Name
	}
	return sel + "=" + r.mode()
}

func (r PolicyRule) mode() string {
	switch r.Enforce {
	case 100:
		return "enforce"
	case 0:
		return "monitor"
	}
	return "enforce@" + strconv.FormatFloat(r.Enforce, 'f', -1, 64)
}

// policy is the rules by scope, and the key of the rollout hash.
type policy struct {
	lists, labels map[string]PolicyRule
	def           *PolicyRule
	rules         []PolicyRule // as configured, for /metrics
	key           []byte
}

func newPolicy(rules []PolicyRule, key []byte) (*policy, error) {
	p := &policy{lists: map[string]PolicyRule{}, labels: map[string]PolicyRule{}, key: key}
	for _, r := range rules {
		if !(r.Enforce >= 0 && r.Enforce <= 100) {
			return nil, fmt.Errorf("%w: %s: the rollout percentage must be in 0..100", ErrPolicy, r)
		}
		var dup bool
		switch r.Scope {
		case "*":
			dup = p.def != nil
			p.def = &r
		case "list":
			_, dup = p.lists[r.Name]
			p.lists[r.Name] = r
		case "label":
			_, dup = p.labels[r.Name]
			p.labels[r.Name] = r
		default:
			return nil, fmt.Errorf("%w: scope %q", ErrPolicy, r.Scope)
		}
		if dup {
			return nil, fmt.Errorf("%w: two rules for %s", ErrPolicy, r)
		}
		p.rules = append(p.rules, r)
	}
	partial := false
	for _, r := range p.rules {
		partial = partial || (r.Enforce > 0 && r.Enforce < 100)
	}
	if partial && len(key) == 0 {
		return nil, fmt.Errorf("%w: a rollout percentage needs Config.RolloutKey", ErrPolicy)
	}
	return p, nil
}

// action decides one match of an entry of list with labels, for content
// whose rollout bucket is bucket (0 <= bucket < 100). The entry's label
// rules decide when it has any (blocked if any of them enforces), else its
// list's rule, else the "*" rule, else it is enforced.
func (p *policy) action(list string, labels []string, bucket float64) (string, *PolicyRule) {
	var first *PolicyRule
	for _, l := range labels {
		if r, ok := p.labels[l]; ok {
			if bucket < r.Enforce {
				return ActionBlock, &r
			}
			if first == nil {
				first = &r
			}
		}
	}
	if first == nil {
		if r, ok := p.lists[list]; ok {
			first = &r
		} else {
			first = p.def
		}
		if first == nil || bucket < first.Enforce {
			return ActionBlock, first
		}
	}
	return ActionMonitor, first
}

// bucket places content in 0..100 by HMAC-SHA256 of its fingerprint under
// the rollout key: the same file always lands in the same place, on every
// edge sharing the key, and nobody without the key can tell which files
// fall inside a rollout.
func (p *policy) bucket(fp []byte) float64 {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte("hashgate-rollout-v1\x00"))
	m.Write(fp)
	var sum [32]byte
	v := binary.BigEndian.Uint64(m.Sum(sum[:0]))
	return float64(v>>11) / (1 << 53) * 100
}

// subject is what the edge knows of the file a match is for: its name, its
// digests and PDQ hashes (for the allowlist), and the fingerprint the
// rollout hashes.
type subject struct {
	snap   *Snapshot
	file   string
	sha256 *fingerprint.SHA256Digest
	md5    *fingerprint.MD5Digest
	pdq    []fingerprint.PDQHash // every PDQ hash the edge searched for it
	frame0 *fingerprint.PDQHash  // a video's first frame, when no digest is known

	allow   *allowHit // memoised allowlist look-up
	checked bool
}

// rolloutKey is the fingerprint the rollout decision hashes: the SHA-256
// of the file when known (a scan or proxied upload always; a browser's
// verify call sends it), else its PDQ hash, MD5 or first video frame.
func (sub *subject) rolloutKey() []byte {
	switch {
	case sub.sha256 != nil:
		return append([]byte("sha256:"), sub.sha256[:]...)
	case len(sub.pdq) > 0:
		return append([]byte("pdq:"), sub.pdq[0][:]...)
	case sub.md5 != nil:
		return append([]byte("md5:"), sub.md5[:]...)
	case sub.frame0 != nil:
		return append([]byte("vpdq:"), sub.frame0[:]...)
	}
	return nil
}

// subjectOfQuery is the subject of a verify call or a scanned image.
func subjectOfQuery(snap *Snapshot, file string, q *match.Query) *subject {
	sub := &subject{snap: snap, file: file, sha256: q.SHA256, md5: q.MD5}
	if q.PDQ != nil {
		sub.pdq = append(sub.pdq, *q.PDQ)
	}
	sub.pdq = append(sub.pdq, q.PDQDihedral...)
	for _, r := range q.Robust {
		if r.Name != "" {
			sub.pdq = append(sub.pdq, r.Dihedral[:]...)
		}
	}
	return sub
}

// entryValue is an index entry's raw list value, from which its id is
// computed.
func entryValue(e *match.Entry, buf *[32]byte) []byte {
	switch e.Kind {
	case fingerprint.KindPDQ:
		copy(buf[:], e.PDQ[:])
		return buf[:32]
	case fingerprint.KindPHash, fingerprint.KindDHash, fingerprint.KindAHash:
		binary.BigEndian.PutUint64(buf[:8], uint64(e.Hash64))
		return buf[:8]
	case fingerprint.KindSHA256:
		copy(buf[:], e.SHA256[:])
		return buf[:32]
	case fingerprint.KindMD5:
		copy(buf[:], e.MD5[:])
		return buf[:16]
	}
	return nil
}

// entryID is the release.EntryID of a matched entry.
func entryID(e *match.Entry) string {
	var buf [32]byte
	return release.EntryID(e.Kind, entryValue(e, &buf))
}

// screen applies steps 1 and 2 to one matched entry: it returns false for
// a withdrawn entry or an allowlisted file (counting and logging it), else
// the match's action.
func (s *Server) screen(sub *subject, m *matchJSON) (string, *PolicyRule, bool) {
	if sub.snap != nil && len(sub.snap.Withdrawn) > 0 {
		if w, ok := sub.snap.Withdrawn[m.entry]; ok && w.Active(s.now()) {
			s.metrics.withdrawn(m.List)
			until := "never"
			if !w.Until.IsZero() {
				until = w.Until.Format("2006-01-02T15:04:05Z")
			}
			s.log.Info("edge: match on a withdrawn entry dropped", "entry", m.entry, "list", m.List,
				"release", sub.snap.Version, "until", until, "reason", w.Reason, "file", sub.file)
			return "", nil, false
		}
	}
	if s.allowlist != nil {
		if !sub.checked {
			sub.allow, sub.checked = s.allowlist.check(sub), true
			if sub.allow != nil {
				s.metrics.allowlistHit(sub.allow.kind)
				s.log.Info("edge: allowlisted file passed", "allow_kind", sub.allow.kind, "allow_entry", sub.allow.id,
					"distance", sub.allow.distance, "note", sub.allow.note, "file", sub.file)
			}
		}
		if sub.allow != nil {
			return "", nil, false
		}
	}
	var bucket float64
	if s.policy.key != nil {
		bucket = s.policy.bucket(sub.rolloutKey())
	}
	action, rule := s.policy.action(m.List, m.Labels, bucket)
	if action == ActionMonitor {
		s.metrics.monitored(m.List, m.Labels)
	}
	return action, rule, true
}
