package monitoring

import (
	"bytes"
	"fmt"
	"strings"
)

// RuleObject names the PrometheusRule the manifests ship.
type RuleObject struct {
	Name      string
	Namespace string
}

// DefaultRuleObject is the object in manifests/monitoring/prometheusrule.yaml.
var DefaultRuleObject = RuleObject{Name: "turnpike", Namespace: "turnpike-system"}

// PrometheusRule wraps a Prometheus rule file (a document whose top-level key is
// `groups:`) into a monitoring.coreos.com/v1 PrometheusRule: the groups become
// `spec.groups` verbatim, indented by two spaces. It works on text rather than
// re-encoding YAML so comments and block scalars (the multi-line expressions) survive
// and the manifest reads like the source. Comment lines before `groups:` are dropped.
func PrometheusRule(rules []byte, obj RuleObject) ([]byte, error) {
	lines := strings.Split(strings.TrimRight(string(rules), "\n"), "\n")
	start := -1
	for i, l := range lines {
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if l != "groups:" {
			return nil, fmt.Errorf("rule file: first key is %q, want \"groups:\"", l)
		}
		start = i
		break
	}
	if start < 0 {
		return nil, fmt.Errorf("rule file: no groups")
	}
	var b bytes.Buffer
	b.WriteString("# Generated from monitoring/rules.yaml by `make generate`. DO NOT EDIT.\n")
	b.WriteString("apiVersion: monitoring.coreos.com/v1\n")
	b.WriteString("kind: PrometheusRule\n")
	b.WriteString("metadata:\n")
	fmt.Fprintf(&b, "  name: %s\n", obj.Name)
	fmt.Fprintf(&b, "  namespace: %s\n", obj.Namespace)
	b.WriteString("  labels:\n")
	b.WriteString("    app.kubernetes.io/name: turnpike\n")
	b.WriteString("    app.kubernetes.io/component: monitoring\n")
	b.WriteString("spec:\n")
	for _, l := range lines[start:] {
		if strings.TrimSpace(l) == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString("  ")
		b.WriteString(l)
		b.WriteString("\n")
	}
	return b.Bytes(), nil
}
