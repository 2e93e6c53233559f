// Package crddesc rejoins the hard-wrapped descriptions controller-gen writes into CRD
// schemas. controller-gen keeps every line break of a Go doc comment, so `kubectl
// explain` prints the comment's 80-column wrapping inside its own, narrower or wider,
// layout. A paragraph becomes one line; blank lines (paragraph breaks), list items and
// indented lines keep their breaks.
package crddesc

import (
	"bytes"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"
)

// Unwrap joins the lines of each paragraph of a description with spaces.
func Unwrap(desc string) string {
	lines := strings.Split(desc, "\n")
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			if joins(lines[i-1], l) {
				b.WriteByte(' ')
			} else {
				b.WriteByte('\n')
			}
		}
		if i > 0 && joins(lines[i-1], l) {
			l = strings.TrimLeft(l, " ")
		}
		b.WriteString(l)
	}
	return b.String()
}

// joins reports whether line continues the paragraph of prev: both hold text, and
// line does not open a list item or an indented (code) block.
func joins(prev, line string) bool {
	if strings.TrimSpace(prev) == "" || strings.TrimSpace(line) == "" {
		return false
	}
	if line[0] == ' ' || line[0] == '\t' {
		return false
	}
	return !startsListItem(line)
}

func startsListItem(line string) bool {
	if strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "* ") || strings.HasPrefix(line, "+ ") {
		return true
	}
	digits := 0
	for digits < len(line) && line[digits] >= '0' && line[digits] <= '9' {
		digits++
	}
	return digits > 0 && digits+1 < len(line) && (line[digits] == '.' || line[digits] == ')') && line[digits+1] == ' '
}

// Descriptions calls f with the path and value of every description in a decoded
// schema (a string under the key "description"; a property named description is a
// map and is walked into).
func Descriptions(v any, path string, f func(path, desc string) string) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if s, ok := val.(string); ok && k == "description" {
				t[k] = f(path, s)
				continue
			}
			t[k] = Descriptions(val, path+"."+k, f)
		}
	case []any:
		for i, val := range t {
			t[i] = Descriptions(val, fmt.Sprintf("%s[%d]", path, i), f)
		}
	}
	return v
}

// Rewrite unwraps every description of a CRD manifest (one YAML document, as
// controller-gen writes it) and re-encodes it the way controller-gen does.
func Rewrite(manifest []byte) ([]byte, error) {
	body := bytes.TrimPrefix(manifest, []byte("---\n"))
	var doc map[string]any
	if err := yaml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("decode CRD: %w", err)
	}
	Descriptions(doc, "", func(_, d string) string { return Unwrap(d) })
	out, err := yaml.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode CRD: %w", err)
	}
	return append([]byte("---\n"), out...), nil
}
