package edge

import (
	"context"
	"encoding/json"
	"log/slog"
	"mime"
	"strconv"

	"github.com/valyala/fasthttp"

	"github.com/hashgate/hashgate/match"
)

// verdict is the JSON answer of /v1/verify and /v1/scan.
type verdict struct {
	Match   bool        `json:"match"`
	Release uint64      `json:"release"`
	Matches []matchJSON `json:"matches"`
	Files   *int        `json:"files,omitempty"`
}

// matchJSON is one matched entry as clients see it: what it is listed for
// and by whom, never the listed hash or the distance (both would guide an
// evader's edits).
type matchJSON struct {
	Kind   string   `json:"kind"`
	Labels []string `json:"labels"`
	List   string   `json:"list"`
	File   string   `json:"file,omitempty"`
	// Video is set for a listed video (kind vpdq): video.go.
	Video *videoMatchJSON `json:"video,omitempty"`
	// MatchID names the match's event (events.go), for an appeal; Action
	// is ActionBlock or ActionMonitor (policy.go).
	MatchID string `json:"match_id"`
	Action  string `json:"action"`

	entry    string // the entry's id, for the event only
	distance int
	rule     *PolicyRule
}

func writeJSON(ctx *fasthttp.RequestCtx, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // only our own types get here
		writeError(ctx, fasthttp.StatusInternalServerError, CodeInternal, "encoding the answer failed")
		return
	}
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	ctx.SetBody(append(b, '\n'))
}

// ready returns the snapshot in use, or answers 503 and returns nil.
func (s *Server) ready(ctx *fasthttp.RequestCtx) *Snapshot {
	snap := s.snap.Load()
	if snap == nil || snap.Index == nil {
		writeError(ctx, fasthttp.StatusServiceUnavailable, CodeNotReady, "no verified release loaded")
		return nil
	}
	return snap
}

func (s *Server) verify(ctx *fasthttp.RequestCtx) {
	if !s.allow(ctx) {
		return
	}
	if ct := ctx.Request.Header.ContentType(); len(ct) > 0 && string(ct) != "application/json" {
		if mt, _, err := mime.ParseMediaType(string(ct)); err != nil || mt != "application/json" {
			writeError(ctx, fasthttp.StatusUnsupportedMediaType, CodeUnsupportedMedia, "send application/json")
			return
		}
	}
	if !s.readBody(ctx, verifyBodyLimit(ctx)) { // verify_video.go
		return
	}
	body := ctx.PostBody()
	q, err := parseVerify(body)
	if err != nil {
		writeError(ctx, fasthttp.StatusBadRequest, CodeBadRequest, err.Error())
		return
	}
	snap := s.ready(ctx)
	if snap == nil {
		return
	}
	res := snap.Index.Match(q.query())
	var vres []match.VideoResult
	if q.Frames != nil {
		vres = s.verifyVideo(snap, q.Frames) // verify_video.go
	}
	if len(res) == 0 && len(vres) == 0 {
		writeNoMatch(ctx, snap.Version)
		return
	}
	qq := q.query()
	sub := subjectOfQuery(snap, "", &qq)
	if len(q.Frames) > 0 {
		sub.frame0 = &q.Frames[0].PDQ
	}
	v := verdict{Release: snap.Version, Matches: []matchJSON{}}
	v.Matches = s.appendMatches(v.Matches, res, sub)
	v.Matches = s.appendVideoMatches(v.Matches, vres, sub)
	if len(v.Matches) == 0 {
		writeNoMatch(ctx, snap.Version) // withdrawn or allowlisted
		return
	}
	v.Match = s.recordMatches(ctx, routeVerify, snap, v.Matches) // events.go
	writeJSON(ctx, fasthttp.StatusOK, &v)
}

// writeNoMatch answers the common verdict, no match, as writeJSON would
// (TestWriteNoMatch) without encoding/json's reflection.
func writeNoMatch(ctx *fasthttp.RequestCtx, release uint64) {
	ctx.SetStatusCode(fasthttp.StatusOK)
	ctx.SetContentType("application/json")
	var buf [64]byte
	b := append(buf[:0], `{"match":false,"release":`...)
	b = strconv.AppendUint(b, release, 10)
	b = append(b, `,"matches":[]}`+"\n"...)
	ctx.SetBody(b)
}

// appendMatches converts results, after the withdrawals, the allowlist
// and the policy (policy.go) have had their say, and counts them in the
// metrics.
func (s *Server) appendMatches(dst []matchJSON, res []match.Result, sub *subject) []matchJSON {
	for _, r := range res {
		labels := r.Entry.Labels
		if labels == nil {
			labels = []string{}
		}
		m := matchJSON{Kind: r.Kind.String(), Labels: labels, List: r.Entry.Source, File: sub.file,
			entry: entryID(r.Entry), distance: r.Distance}
		var ok bool
		if m.Action, m.rule, ok = s.screen(sub, &m); !ok {
			continue
		}
		dst = append(dst, m)
		s.metrics.match(r.Entry.Source, r.Entry.Labels)
	}
	return dst
}

// logMatch records a match: labels, lists and (for uploads) the matching
// file's name, never a fingerprint.
func (s *Server) logMatch(route string, snap *Snapshot, ms []matchJSON) {
	if !s.log.Enabled(context.Background(), slog.LevelInfo) {
		return // spare collecting the attributes
	}
	var labels, lists, files, ids, actions []string
	for _, m := range ms {
		ids = append(ids, m.MatchID)
		actions = append(actions, m.Action)
		labels = append(labels, m.Labels...)
		lists = append(lists, m.List)
		if m.File != "" {
			files = append(files, m.File)
		}
	}
	s.log.Info("edge: match", "route", route, "release", snap.Version, "labels", dedupStrings(labels),
		"lists", dedupStrings(lists), "files", dedupStrings(files), "match_ids", ids, "actions", dedupStrings(actions))
}

func dedupStrings(in []string) []string {
	out := in[:0:0]
	for _, s := range in {
		seen := false
		for _, o := range out {
			if o == s {
				seen = true
				break
			}
		}
		if !seen {
			out = append(out, s)
		}
	}
	return out
}
