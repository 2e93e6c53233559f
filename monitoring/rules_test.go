package monitoring

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/turnpike-x402/turnpike/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite manifests/monitoring/prometheusrule.yaml from rules.yaml")

func promtool(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(testenv.Bin(t, "promtool"), args...)
	cmd.Dir = "."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestRulesCheck(t *testing.T) {
	out := promtool(t, "check", "rules", "rules.yaml")
	if !strings.Contains(out, "SUCCESS") {
		t.Fatalf("promtool check rules: %s", out)
	}
}

// The scenarios (two replicas, a counter reset, low-traffic failures, absent families,
// last-payment age) live in rules_test.yaml.
func TestRulesUnit(t *testing.T) {
	out := promtool(t, "test", "rules", "rules_test.yaml")
	if !strings.Contains(out, "SUCCESS") {
		t.Fatalf("promtool test rules: %s", out)
	}
}

// A wrong rule must make promtool fail, or TestRulesUnit proves nothing: an epsilon of 1
// (the reference system's old bug) and an `and ... == 0` absence check both break it.
func TestRulesUnitCatchesKnownBugs(t *testing.T) {
	src, err := os.ReadFile("rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests, err := os.ReadFile("rules_test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		desc, from, to, wantFailure string
	}{
		{"division guard of 1 hides low-traffic failures", "1e-9", "1", "X402PaymentFailureRateHigh"},
		{"absence check with `and == 0` misses offers that never settled",
			"unless on (offer_namespace, offer_name)\n          sum by (offer_namespace, offer_name) (increase(turnpike_charged_requests_total[1h])) > 0",
			"and on (offer_namespace, offer_name)\n          sum by (offer_namespace, offer_name) (increase(turnpike_charged_requests_total[1h])) == 0",
			"X402NoSettlementsAfterChallenge"},
		{"sum of raw counters instead of increase()", "(increase(turnpike_charged_requests_total[24h]))", "(turnpike_charged_requests_total)", "x402:revenue:24h_by_offer_chain"},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			if !bytes.Contains(src, []byte(c.from)) {
				t.Fatalf("rules.yaml no longer contains %q; update this test", c.from)
			}
			dir := t.TempDir()
			mutated := bytes.ReplaceAll(src, []byte(c.from), []byte(c.to))
			if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), mutated, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "rules_test.yaml"), tests, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(testenv.Bin(t, "promtool"), "test", "rules", "rules_test.yaml")
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("promtool accepted the mutated rules:\n%s", out)
			}
			if !strings.Contains(string(out), c.wantFailure) {
				t.Fatalf("promtool failed, but not on %s:\n%s", c.wantFailure, out)
			}
		})
	}
}

var (
	counterRef   = regexp.MustCompile(`turnpike_[a-z_]+_total\b`)
	rateWrapped  = regexp.MustCompile(`(increase|rate)\(\s*$`)
	clampMinArgs = regexp.MustCompile(`clamp_min\(`)
	epsilonGuard = regexp.MustCompile(`,\s*1e-9\s*\)$`)
)

// lintExpr enforces the house rules on one expression: counters only inside
// increase()/rate(), and every clamp_min guard is 1e-9.
func lintExpr(expr string) []string {
	var problems []string
	for _, loc := range counterRef.FindAllStringIndex(expr, -1) {
		if !rateWrapped.MatchString(expr[:loc[0]]) {
			problems = append(problems, "counter "+expr[loc[0]:loc[1]]+" used outside increase()/rate()")
		}
	}
	for _, loc := range clampMinArgs.FindAllStringIndex(expr, -1) {
		depth, i := 1, loc[1]
		for ; i < len(expr) && depth > 0; i++ {
			switch expr[i] {
			case '(':
				depth++
			case ')':
				depth--
			}
		}
		if !epsilonGuard.MatchString(expr[loc[0]:i]) {
			problems = append(problems, "clamp_min guard is not 1e-9")
		}
	}
	return problems
}

func TestLintExpr(t *testing.T) {
	cases := []struct {
		desc    string
		expr    string
		wantBad bool
	}{
		{"increase of a counter", `sum by (a) (increase(turnpike_charged_requests_total[1h]))`, false},
		{"rate with spaces", `sum(rate( turnpike_requests_total[5m]))`, false},
		{"raw counter summed", `sum by (a) (turnpike_charged_requests_total)`, true},
		{"guard of 1", `x / clamp_min(sum(rate(turnpike_requests_total[1h])), 1)`, true},
		{"guard of 1e-9 across lines", "x / clamp_min(\n  sum(rate(turnpike_requests_total[1h])),\n  1e-9\n)", false},
		{"gauge needs no rate", `time() - max(turnpike_last_payment_success_timestamp_seconds)`, false},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			got := lintExpr(c.expr)
			if (len(got) > 0) != c.wantBad {
				t.Fatalf("lintExpr(%q) = %v, want bad=%v", c.expr, got, c.wantBad)
			}
		})
	}
}

// Every expression in rules.yaml obeys the house rules.
func TestRulesFollowHouseRules(t *testing.T) {
	src, err := os.ReadFile("rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	exprs := extractExprs(string(src))
	if len(exprs) < 10 {
		t.Fatalf("found only %d expressions in rules.yaml", len(exprs))
	}
	for _, e := range exprs {
		if p := lintExpr(e); len(p) > 0 {
			t.Errorf("%s:\n%s", strings.Join(p, "; "), e)
		}
	}
}

// extractExprs returns the `expr:` values of a rule file, single-line or `|` blocks.
func extractExprs(src string) []string {
	var out []string
	lines := strings.Split(src, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		idx := strings.Index(l, "expr: ")
		if idx < 0 || strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		v := strings.TrimSpace(l[idx+len("expr: "):])
		if v != "|" {
			out = append(out, v)
			continue
		}
		indent := len(l) - len(strings.TrimLeft(l, " "))
		var block []string
		for i+1 < len(lines) {
			n := lines[i+1]
			if strings.TrimSpace(n) != "" && len(n)-len(strings.TrimLeft(n, " ")) <= indent {
				break
			}
			block = append(block, strings.TrimSpace(n))
			i++
		}
		out = append(out, strings.Join(block, "\n"))
	}
	return out
}

func TestPrometheusRuleInSync(t *testing.T) {
	src, err := os.ReadFile("rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want, err := PrometheusRule(src, DefaultRuleObject)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(testenv.RepoRoot(t), "manifests", "monitoring", "prometheusrule.yaml")
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `make generate`)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from monitoring/rules.yaml: run `make generate`", path)
	}
}

func TestPrometheusRuleRender(t *testing.T) {
	cases := []struct {
		desc    string
		in      string
		want    string
		wantErr bool
	}{
		{"comments dropped, groups indented", "# c\ngroups:\n  - name: g\n\n    rules: []\n",
			"spec:\n  groups:\n    - name: g\n\n      rules: []\n", false},
		{"not a rule file", "apiVersion: v1\n", "", true},
		{"empty", "# only a comment\n", "", true},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			got, err := PrometheusRule([]byte(c.in), RuleObject{Name: "n", Namespace: "ns"})
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, c.wantErr)
			}
			if err == nil && !strings.HasSuffix(string(got), c.want) {
				t.Fatalf("got\n%s\nwant suffix\n%s", got, c.want)
			}
		})
	}
}
