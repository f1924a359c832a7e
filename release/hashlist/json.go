package hashlist

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/release"
)

// JSON lists come as one object per line (NDJSON), a JSON array of
// objects, or a Graph API page {"data": [...]}. An object is one of:
//
//   - a line of `hashgate hash --json`: an image's "pdq" (with
//     "pdq_quality"), "phash", "dhash", "ahash", "sha256", "md5", or a
//     video's ("kind": "video") "vpdq" frames [{"quality","pdq",
//     "timestamp"}], "sha256", "md5"; its "path" names a video;
//   - an HMA 2.0 bank content item (GET /c/bank/NAME/content/ID with
//     include_signals): "signals" {signal_type: signal}, "bank" {"name"}
//     as the source, "id";
//   - a ThreatExchange threat descriptor or threat update: "type"
//     (HASH_PDQ, HASH_MD5, ...), "raw_indicator" or "indicator" (a string,
//     or an object holding "indicator" and "type"), "tags" (a list of
//     strings, or {"data": [{"text"}]}), "added_on"; a threat update with
//     "should_delete" true lists nothing;
//   - a flat record with the CSV column names (signal_type, signal,
//     labels, quality, source, added, id and their aliases).

// maxJSONRecord bounds one object: a video's frame list with room to spare.
const maxJSONRecord = MaxLineLen

func (l *List) addJSON(br *bufio.Reader, name string, o Options) error {
	head, _ := br.Peek(4096)
	first := firstLine(head)
	if first[0] == '{' && json.Valid([]byte(first)) {
		return l.addNDJSON(br, name, o)
	}
	dec := json.NewDecoder(br)
	dec.UseNumber()
	n := 0
	rec := func(raw json.RawMessage) error {
		n++
		return l.addJSONRecord(raw, name, 0, "record "+strconv.Itoa(n)+": ", o)
	}
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("hashlist: %s: JSON: %w", name, err)
	}
	switch tok {
	case json.Delim('['):
		err = streamArray(dec, rec)
	case json.Delim('{'):
		// One object: a page {"data": [...], "paging": ...} or a record
		// written over several lines.
		var raw json.RawMessage
		found := false
		for dec.More() && err == nil {
			var key json.Token
			if key, err = dec.Token(); err != nil {
				break
			}
			if key == "data" && !found {
				found = true
				if tok, err = dec.Token(); err == nil && tok != json.Delim('[') {
					err = fmt.Errorf("data is not a list")
				}
				if err == nil {
					err = streamArray(dec, rec)
				}
				continue
			}
			err = dec.Decode(&raw)
		}
		if err == nil && !found {
			return fmt.Errorf("hashlist: %s: a JSON object that is not a list: want one object per line, a JSON array, or {\"data\": [...]}", name)
		}
	default:
		err = fmt.Errorf("want an object or an array")
	}
	if err != nil {
		return fmt.Errorf("hashlist: %s: JSON: %w", name, err)
	}
	return nil
}

func streamArray(dec *json.Decoder, rec func(json.RawMessage) error) error {
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if len(raw) > maxJSONRecord {
			return fmt.Errorf("a record longer than %d bytes", maxJSONRecord)
		}
		if err := rec(raw); err != nil {
			return err
		}
	}
	_, err := dec.Token() // ']'
	return err
}

func (l *List) addNDJSON(r io.Reader, name string, o Options) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxJSONRecord)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 || b[0] == '#' {
			continue
		}
		if err := l.addJSONRecord(b, name, line, "", o); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("hashlist: %s:%d: %w", name, line+1, err)
	}
	return nil
}

// jsonRecord holds every field the accepted objects use; unknown fields
// are ignored.
type jsonRecord struct {
	// hashgate hash --json
	Path       string          `json:"path"`
	Kind       string          `json:"kind"`
	PDQ        string          `json:"pdq"`
	PDQQuality *int            `json:"pdq_quality"`
	PHash      string          `json:"phash"`
	DHash      string          `json:"dhash"`
	AHash      string          `json:"ahash"`
	SHA256     string          `json:"sha256"`
	MD5        string          `json:"md5"`
	VPDQ       json.RawMessage `json:"vpdq"`
	// HMA 2.0 bank content
	Signals map[string]string `json:"signals"`
	Bank    *struct {
		Name string `json:"name"`
	} `json:"bank"`
	// ThreatExchange
	Type         string          `json:"type"`
	RawIndicator string          `json:"raw_indicator"`
	Indicator    json.RawMessage `json:"indicator"`
	Tags         json.RawMessage `json:"tags"`
	AddedOn      string          `json:"added_on"`
	ShouldDelete bool            `json:"should_delete"`
	Descriptors  *struct {
		Data []struct {
			Tags    json.RawMessage `json:"tags"`
			AddedOn string          `json:"added_on"`
		} `json:"data"`
	} `json:"descriptors"`
	// flat records
	SignalType string          `json:"signal_type"`
	Signal     json.RawMessage `json:"signal"`
	SignalStr  string          `json:"signal_str"`
	HashType   string          `json:"hash_type"`
	HashValue  string          `json:"hash_value"`
	Labels     json.RawMessage `json:"labels"`
	Quality    *int            `json:"quality"`
	Source     string          `json:"source"`
	Added      string          `json:"added"`
	ID         json.RawMessage `json:"id"`
	Data       json.RawMessage `json:"data"`
}

// jsonFrame is one frame of `hashgate hash --json`'s vpdq list.
type jsonFrame struct {
	Quality   int     `json:"quality"`
	PDQ       string  `json:"pdq"`
	Timestamp float64 `json:"timestamp"`
}

// addJSONRecord adds one object; at is "record N: " for a record of a
// document (line 0) and "" for a line.
func (l *List) addJSONRecord(raw []byte, name string, line int, at string, o Options) error {
	bad := func(msg string) error { return l.problem(name, line, o, at+msg) }
	if len(raw) == 0 || raw[0] != '{' {
		return bad("want a JSON object")
	}
	var r jsonRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return bad("JSON: " + trunc(err.Error()))
	}
	if len(r.Data) > 0 && r.Data[0] == '[' && r.Type == "" && r.Signals == nil && r.SignalType == "" {
		// A Graph API page on one line.
		var recs []json.RawMessage
		if err := json.Unmarshal(r.Data, &recs); err != nil {
			return bad("JSON: data: " + trunc(err.Error()))
		}
		for i, rec := range recs {
			if err := l.addJSONRecord(rec, name, line, at+"data["+strconv.Itoa(i)+"]: ", o); err != nil {
				return err
			}
		}
		return nil
	}
	labels := l.labelSet(strings.Join(jsonLabels(r.Labels), ","))
	if len(r.Tags) > 0 {
		labels = l.labelSet(strings.Join(append(labels, jsonLabels(r.Tags)...), ","))
	}
	added := time.Time{}
	for _, a := range []string{r.Added, r.AddedOn} {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		t, err := parseDate(a)
		if err != nil {
			return bad("added " + quote(a) + " is not RFC 3339 or YYYY-MM-DD")
		}
		added = t
		break
	}
	if r.Descriptors != nil && len(r.Descriptors.Data) > 0 {
		d := r.Descriptors.Data[0]
		if added.IsZero() && d.AddedOn != "" {
			if t, err := parseDate(d.AddedOn); err == nil {
				added = t
			}
		}
		var tags []string
		for _, d := range r.Descriptors.Data {
			tags = append(tags, jsonLabels(d.Tags)...)
		}
		labels = l.labelSet(strings.Join(append(labels, tags...), ","))
	}
	src := strings.TrimSpace(r.Source)
	if src == "" && r.Bank != nil {
		src = strings.TrimSpace(r.Bank.Name)
	}
	id := jsonID(r.ID)
	quality := -1
	for _, q := range []*int{r.Quality, r.PDQQuality} {
		if q != nil {
			if *q < 0 || *q > 100 {
				return bad("quality " + strconv.Itoa(*q) + " is not 0-100")
			}
			quality = *q
			break
		}
	}
	add := func(kind fingerprint.Kind, value string, what string) error {
		if kind == fingerprint.KindVPDQ {
			return l.addVideoJSON([]byte(value), id, labels, src, added, name, line, withAt(o, at))
		}
		q := -1
		if kind == fingerprint.KindPDQ {
			q = quality
		}
		if err := l.addValue(kind, []byte(value), labels, q, src, added, name, line, withAt(o, at+what)); err != nil {
			return err
		}
		return nil
	}

	switch {
	case r.ShouldDelete:
		return nil // a ThreatExchange update retracting the indicator
	case r.Signals != nil: // HMA 2.0 bank content
		if len(r.Signals) == 0 {
			return bad("HMA bank content without signals")
		}
		for _, st := range sortedKeys(r.Signals) {
			k, ok := ParseSignalType(st)
			if !ok {
				if err := bad("unsupported signal type " + quote(st)); err != nil {
					return err
				}
				continue
			}
			if err := add(k, r.Signals[st], ""); err != nil {
				return err
			}
		}
		return nil
	case r.Type != "" || r.RawIndicator != "" || len(r.Indicator) > 0: // ThreatExchange
		typ, value := r.Type, r.RawIndicator
		if len(r.Indicator) > 0 {
			var s string
			var obj struct{ Indicator, Type string }
			if json.Unmarshal(r.Indicator, &s) == nil {
				if value == "" {
					value = s
				}
			} else if json.Unmarshal(r.Indicator, &obj) == nil {
				if value == "" {
					value = obj.Indicator
				}
				if typ == "" {
					typ = obj.Type
				}
			}
		}
		k, ok := ParseSignalType(typ)
		if !ok {
			return bad("unsupported signal type " + quote(typ))
		}
		if value == "" {
			return bad("no indicator")
		}
		return add(k, value, "")
	case r.SignalType != "" || r.HashType != "": // flat record
		typ := r.SignalType
		if typ == "" {
			typ = r.HashType
		}
		k, ok := ParseSignalType(typ)
		if !ok {
			return bad("unsupported signal type " + quote(typ))
		}
		value := r.SignalStr
		if value == "" {
			value = r.HashValue
		}
		if len(r.Signal) > 0 {
			// A vpdq signal may be the frame list itself rather than its
			// JSON text in a string.
			var s string
			if json.Unmarshal(r.Signal, &s) == nil {
				value = s
			} else if k == fingerprint.KindVPDQ {
				value = string(r.Signal)
			} else {
				return bad("signal is not a string")
			}
		}
		return add(k, value, "")
	}
	// hashgate hash --json: every fingerprint of one file.
	n := 0
	if r.Kind == "video" || len(r.VPDQ) > 0 {
		var frames []jsonFrame
		if err := json.Unmarshal(r.VPDQ, &frames); err != nil {
			return bad("vpdq: want a list of {\"quality\",\"pdq\",\"timestamp\"}")
		}
		if len(frames) > release.MaxVideoFrames {
			return bad("vpdq: more than " + strconv.Itoa(release.MaxVideoFrames) + " frames")
		}
		vf := make([]release.VideoFrame, 0, len(frames))
		for i, f := range frames {
			var h fingerprint.PDQHash
			raw, msg := decodeValue(h[:], fingerprint.KindPDQ, []byte(f.PDQ))
			ms, ok := secondsMillis(f.Timestamp)
			if msg == "" && (f.Quality < 0 || f.Quality > 100 || !ok) {
				msg = "quality or timestamp out of range"
			}
			if msg != "" {
				return bad("vpdq frame " + strconv.Itoa(i) + ": " + msg)
			}
			copy(h[:], raw)
			vf = append(vf, release.VideoFrame{PDQ: h, Quality: uint8(f.Quality), Millis: ms})
		}
		vid := id
		if vid == "" && r.Path != "" {
			vid = baseName(r.Path)
		}
		if len(vf) > 0 {
			if _, err := l.addVideo(vid, vf, labels, src, added, name, line, withAt(o, at)); err != nil {
				return err
			}
			n++
		}
	}
	for _, kv := range []struct {
		k fingerprint.Kind
		v string
	}{{fingerprint.KindPDQ, r.PDQ}, {fingerprint.KindPHash, r.PHash}, {fingerprint.KindDHash, r.DHash},
		{fingerprint.KindAHash, r.AHash}, {fingerprint.KindSHA256, r.SHA256}, {fingerprint.KindMD5, r.MD5}} {
		if kv.v == "" {
			continue
		}
		if kv.k != fingerprint.KindPDQ && kv.k != fingerprint.KindSHA256 && kv.k != fingerprint.KindMD5 && quality >= 0 && quality < o.minQuality() && !o.KeepLowQuality {
			// A featureless image's other perceptual hashes match every
			// such image too: list it by its digests, as build does.
			continue
		}
		if err := add(kv.k, kv.v, kv.k.String()+": "); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return bad("no signal: want a hashgate hash --json line, an HMA bank item, a ThreatExchange descriptor or a {\"signal_type\",\"signal\"} record")
	}
	return nil
}

// withAt returns o with problems prefixed: addValue reports through
// l.problem, which knows only the line.
func withAt(o Options, at string) Options {
	o.at = at
	return o
}

func (o Options) minQuality() int {
	if o.MinPDQQuality == 0 {
		return DefaultMinPDQQuality
	}
	return o.MinPDQQuality
}

// jsonLabels reads labels as a string (comma-separated), a list of
// strings, or ThreatExchange's {"data": [{"text": ...}]}.
func jsonLabels(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{s}
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var te struct {
		Data []struct {
			Text string `json:"text"`
		} `json:"data"`
	}
	if json.Unmarshal(raw, &te) == nil {
		for _, d := range te.Data {
			list = append(list, d.Text)
		}
	}
	return list
}

// jsonID reads an id written as a string or a number.
func jsonID(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
