package edge

import (
	"bytes"
	"strconv"
	"strings"

	vm "github.com/VictoriaMetrics/metrics"
)

// opsMetrics are the series of the false-positive overrides, the policy
// and the match events.
type opsMetrics struct {
	set               *vm.Set
	events            *vm.Counter
	auditErrors       *vm.Counter
	webhookDelivered  *vm.Counter
	webhookFailures   *vm.Counter
	webhookDropped    *vm.Counter
	allowlistFailures *vm.Counter
	adminAuthFailures *vm.Counter
	// gauges reads the values /metrics reports at scrape time (the
	// Server sets it): allowlist size, withdrawals in force, queue length,
	// policy rules.
	gauges func() opsGauges
}

type opsGauges struct {
	allowlist, withdrawn, queue int
	rules                       []PolicyRule
}

func init() {
	for k, v := range map[string]string{
		"hashgate_edge_allowlist_hits_total":            "Files let through by the operator's allowlist, by how they matched it (sha256, md5, pdq).",
		"hashgate_edge_allowlist_entries":               "Entries on the operator's allowlist.",
		"hashgate_edge_allowlist_reload_failures_total": "Allowlist file reloads that failed (the previous allowlist stayed in use).",
		"hashgate_edge_withdrawn_matches_total":         "Matches dropped because the publisher withdrew or disabled the entry, by list.",
		"hashgate_edge_withdrawn_entries":               "Withdrawals and disablements the release in use carries.",
		"hashgate_edge_monitored_matches_total":         "Matches recorded but not enforced (monitor mode or outside a rollout), by list and label.",
		"hashgate_edge_policy_rollout_percent":          "Share of content whose matches are enforced, by policy rule.",
		"hashgate_edge_match_events_total":              "Match events recorded (every blocked or monitored match).",
		"hashgate_edge_audit_errors_total":              "Match events the audit file could not take.",
		"hashgate_edge_webhook_deliveries_total":        "Match events the webhook accepted.",
		"hashgate_edge_webhook_failures_total":          "Webhook attempts that failed (each retry counts).",
		"hashgate_edge_webhook_dropped_total":           "Match events the webhook never got: queue full, or every attempt failed.",
		"hashgate_edge_webhook_queue_length":            "Match events waiting for the webhook.",
		"hashgate_edge_admin_auth_failures_total":       "Admin API requests refused for a missing or wrong token.",
	} {
		metricHelp[k] = v
	}
}

func newOpsMetrics(s *vm.Set) opsMetrics {
	return opsMetrics{
		set:               s,
		events:            s.NewCounter("hashgate_edge_match_events_total"),
		auditErrors:       s.NewCounter("hashgate_edge_audit_errors_total"),
		webhookDelivered:  s.NewCounter("hashgate_edge_webhook_deliveries_total"),
		webhookFailures:   s.NewCounter("hashgate_edge_webhook_failures_total"),
		webhookDropped:    s.NewCounter("hashgate_edge_webhook_dropped_total"),
		allowlistFailures: s.NewCounter("hashgate_edge_allowlist_reload_failures_total"),
		adminAuthFailures: s.NewCounter("hashgate_edge_admin_auth_failures_total"),
	}
}

func (m *opsMetrics) allowlistHit(kind string) {
	m.set.GetOrCreateCounter(`hashgate_edge_allowlist_hits_total{kind="` + kind + `"}`).Inc()
}

func (m *opsMetrics) withdrawn(list string) {
	var b strings.Builder
	b.WriteString("hashgate_edge_withdrawn_matches_total{list=")
	writeLabelValue(&b, list)
	b.WriteByte('}')
	m.set.GetOrCreateCounter(b.String()).Inc()
}

func (m *opsMetrics) monitored(list string, labels []string) {
	if len(labels) == 0 {
		labels = []string{""}
	}
	for _, l := range labels {
		var b strings.Builder
		b.WriteString("hashgate_edge_monitored_matches_total{list=")
		writeLabelValue(&b, list)
		b.WriteString(",label=")
		writeLabelValue(&b, l)
		b.WriteByte('}')
		m.set.GetOrCreateCounter(b.String()).Inc()
	}
}

// writeOps writes the scrape-time gauges.
func (m *opsMetrics) writeOps(buf *bytes.Buffer) {
	if m.gauges == nil {
		return
	}
	g := m.gauges()
	vm.WriteGaugeUint64(buf, "hashgate_edge_allowlist_entries", uint64(g.allowlist))
	vm.WriteGaugeUint64(buf, "hashgate_edge_withdrawn_entries", uint64(g.withdrawn))
	vm.WriteGaugeUint64(buf, "hashgate_edge_webhook_queue_length", uint64(g.queue))
	if len(g.rules) == 0 {
		return
	}
	buf.WriteString("# HELP hashgate_edge_policy_rollout_percent\n# TYPE hashgate_edge_policy_rollout_percent gauge\n")
	for _, r := range g.rules {
		var b strings.Builder
		b.WriteString("hashgate_edge_policy_rollout_percent{scope=")
		writeLabelValue(&b, r.Scope)
		b.WriteString(",name=")
		writeLabelValue(&b, r.Name)
		b.WriteString(",mode=")
		mode := "rollout" // a share enforced, the rest monitored
		switch r.Enforce {
		case 0:
			mode = "monitor"
		case 100:
			mode = "enforce"
		}
		writeLabelValue(&b, mode)
		b.WriteString("} ")
		b.WriteString(strconv.FormatFloat(r.Enforce, 'g', -1, 64))
		b.WriteByte('\n')
		buf.WriteString(b.String())
	}
}
