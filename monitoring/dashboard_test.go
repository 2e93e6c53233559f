package monitoring

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/turnpike-x402/turnpike/internal/testenv"
)

// Families are the metric families the gate exports (plugin/, DESIGN.md "Metrics").
var Families = []string{
	"turnpike_requests_total",
	"turnpike_payment_required_total",
	"turnpike_payment_verified_total",
	"turnpike_payment_failed_total",
	"turnpike_charged_requests_total",
	"turnpike_charged_amount_total",
	"turnpike_charged_amount_atomic_total",
	"turnpike_last_payment_success_timestamp_seconds",
	"turnpike_facilitator_request_duration_seconds",
}

// BuyerFamilies are the buyer sidecar's families the rules read (buyer/metrics).
var BuyerFamilies = []string{
	"turnpike_buyer_auth_remaining",
	"turnpike_buyer_state_write_failures_total",
}

var (
	recordRef = regexp.MustCompile(`x402:[a-z0-9_:]+`)
	familyRef = regexp.MustCompile(`turnpike_[a-z0-9_]+`)
	recordDef = regexp.MustCompile(`(?m)^\s*- record: (\S+)`)
)

func dashboardPath(t *testing.T) string {
	return filepath.Join(testenv.RepoRoot(t), "manifests", "monitoring", "dashboards", "turnpike-x402.json")
}

type dashboard struct {
	UID    string `json:"uid"`
	Panels []struct {
		Title   string `json:"title"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
	Templating struct {
		List []struct {
			Name  string          `json:"name"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

// dashboardQueries returns every PromQL query of the dashboard (panels and variables).
func dashboardQueries(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(dashboardPath(t))
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	if d.UID == "" || len(d.Panels) == 0 {
		t.Fatal("dashboard has no uid or no panels")
	}
	var out []string
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			out = append(out, tg.Expr)
		}
	}
	return out
}

func recordedNames(t *testing.T) map[string]bool {
	t.Helper()
	src, err := os.ReadFile("rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, m := range recordDef.FindAllStringSubmatch(string(src), -1) {
		out[m[1]] = true
	}
	return out
}

// Every series a dashboard panel reads is either recorded by rules.yaml or a family the
// gate exports: a renamed rule or metric must not leave an empty panel behind.
func TestDashboardReferencesExist(t *testing.T) {
	records := recordedNames(t)
	families := map[string]bool{}
	for _, f := range Families {
		families[f] = true
		families[f+"_bucket"] = true
	}
	queries := dashboardQueries(t)
	var used []string
	for _, q := range queries {
		for _, r := range recordRef.FindAllString(q, -1) {
			used = append(used, r)
			if !records[r] {
				t.Errorf("dashboard uses %s, which rules.yaml does not record", r)
			}
		}
		for _, f := range familyRef.FindAllString(q, -1) {
			if !families[f] {
				t.Errorf("dashboard uses %s, which is not a gate metric family", f)
			}
		}
	}
	sort.Strings(used)
	for _, must := range []string{"x402:revenue:24h_by_offer_chain", "x402:settlement_rate:1h_by_offer_chain", "x402:payment_failures:1h_by_offer_chain_reason"} {
		if !strings.Contains(strings.Join(used, " "), must) {
			t.Errorf("dashboard does not show %s", must)
		}
	}
}

// The rules only read families the gate and the buyer export.
func TestRulesReferenceKnownFamilies(t *testing.T) {
	src, err := os.ReadFile("rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, f := range append(append([]string(nil), Families...), BuyerFamilies...) {
		known[f] = true
		known[f+"_bucket"] = true
	}
	for _, e := range extractExprs(string(src)) {
		for _, f := range familyRef.FindAllString(e, -1) {
			if !known[f] {
				t.Errorf("rule reads unknown family %s", f)
			}
		}
	}
}
