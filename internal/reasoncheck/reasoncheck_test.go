// Package reasoncheck keeps the reason codes of the gate, the facilitator and the
// buyer inside the x402 vocabulary (x402/vocabulary.go) and docs/reasons.md in step
// with it. Run `go test ./internal/reasoncheck -update` after changing the table.
package reasoncheck

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/turnpike-x402/turnpike/x402"
)

var update = flag.Bool("update", false, "rewrite docs/reasons.md from the vocabulary")

// roots are the trees whose production code writes or reads reason codes.
var roots = []string{"plugin", "facilitator", "buyer", "x402"}

// vocabularyFiles may spell codes as literals: they define them.
var vocabularyFiles = map[string]bool{"x402/vocabulary.go": true, "x402/reasons.go": true, "x402/claim.go": true}

// reasonNames are the identifiers that hold a reason code: struct fields, variables,
// parameters and the payment's failure code.
var reasonName = regexp.MustCompile(`^(?i:reason|code|errorreason|invalidreason|x402err|x402error)$|^[Rr]eason[A-Z]`)

// reasonCalls maps a called function's name to the argument that is a reason code.
var reasonCalls = map[string]int{
	"reject":     0, // facilitator.reject(reason, format, ...)
	"Error":      2, // buyer proxy.Error(w, status, reason, msg)
	"fail":       0, // buyer's failure counter
	"Fail":       1, // plugin metrics.Fail(series, reason)
	"refuseWith": 3,
}

var repoRoot = func() string {
	dir, _ := filepath.Abs("../..")
	return dir
}()

type finding struct {
	pos  string
	code string
	why  string
}

// scan parses every non-test Go file under the roots and reports string literals
// in reason positions (every one must be a const of the vocabulary) and literals
// equal to a vocabulary code anywhere (they must use the const).
func scan(t *testing.T) []finding {
	t.Helper()
	var out []finding
	fset := token.NewFileSet()
	for _, root := range roots {
		err := filepath.WalkDir(filepath.Join(repoRoot, root), func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "testdata" || d.Name() == "vendor") {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			rel, _ := filepath.Rel(repoRoot, path)
			rel = filepath.ToSlash(rel)
			if vocabularyFiles[rel] || strings.Contains(rel, "/internal/") && strings.HasSuffix(filepath.Dir(rel), "test") {
				return nil // fakes of foreign sellers speak other vocabularies on purpose
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			out = append(out, scanFile(fset, f)...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func scanFile(fset *token.FileSet, f *ast.File) []finding {
	var out []finding
	report := func(e ast.Expr, why string) {
		if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			s, err := strconv.Unquote(lit.Value)
			if err == nil && s != "" {
				out = append(out, finding{pos: fset.Position(lit.Pos()).String(), code: s, why: why})
			}
		}
	}
	named := func(e ast.Expr) string {
		switch x := e.(type) {
		case *ast.Ident:
			return x.Name
		case *ast.SelectorExpr:
			return x.Sel.Name
		}
		return ""
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.BasicLit:
			if x.Kind == token.STRING {
				if s, err := strconv.Unquote(x.Value); err == nil && x402.KnownReason(s) {
					out = append(out, finding{pos: fset.Position(x.Pos()).String(), code: s, why: "a vocabulary code spelled as a literal; use its x402 const"})
				}
			}
		case *ast.KeyValueExpr:
			if reasonName.MatchString(named(x.Key)) {
				report(x.Value, "literal in a reason field")
			}
		case *ast.AssignStmt:
			for i, l := range x.Lhs {
				if reasonName.MatchString(named(l)) && i < len(x.Rhs) {
					report(x.Rhs[i], "literal assigned to a reason")
				}
			}
		case *ast.ValueSpec:
			for i, name := range x.Names {
				if reasonName.MatchString(name.Name) && i < len(x.Values) {
					report(x.Values[i], "reason const or var outside the vocabulary")
				}
			}
		case *ast.BinaryExpr:
			if x.Op == token.EQL || x.Op == token.NEQ {
				if reasonName.MatchString(named(x.X)) {
					report(x.Y, "reason compared with a literal")
				}
				if reasonName.MatchString(named(x.Y)) {
					report(x.X, "reason compared with a literal")
				}
			}
		case *ast.CallExpr:
			if i, ok := reasonCalls[named(x.Fun)]; ok && i < len(x.Args) {
				report(x.Args[i], "literal passed as a reason")
			}
		}
		return true
	})
	return out
}

func TestCodesComeFromTheVocabulary(t *testing.T) {
	for _, f := range scan(t) {
		if x402.KnownReason(f.code) {
			t.Errorf("%s: %q: %s", f.pos, f.code, f.why)
		} else {
			t.Errorf("%s: %q: %s, and the vocabulary lacks it: add it to x402/vocabulary.go", f.pos, f.code, f.why)
		}
	}
}

// TestScannerFindsReasons keeps the scanner honest: each snippet holds one literal
// in a reason position and must be reported.
func TestScannerFindsReasons(t *testing.T) {
	for _, tc := range []struct {
		desc, src string
	}{
		{desc: "field of a composite literal", src: `var _ = x{Reason: "made_up_code"}`},
		{desc: "assignment to a failure code", src: `func f(p *q) { p.code = "made_up_code" }`},
		{desc: "private reason const", src: `const reasonMadeUp = "made_up_code"`},
		{desc: "comparison", src: `func f(r x) bool { return r.ErrorReason == "made_up_code" }`},
		{desc: "facilitator reject", src: `func f() { reject("made_up_code", "msg") }`},
		{desc: "buyer error", src: `func f() { Error(w, 500, "made_up_code", "msg") }`},
		{desc: "known code as a literal anywhere", src: `var _ = []string{"settlement_unknown"}`},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "x.go", "package p\n"+tc.src, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := scanFile(fset, f); len(got) != 1 {
				t.Fatalf("findings %v, want exactly one", got)
			}
		})
	}
}

var snake = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)+$`)

func TestVocabularyIsWellFormed(t *testing.T) {
	fates := map[x402.Fate]bool{x402.FateUnspent: true, x402.FateRetryLater: true, x402.FateRejected: true,
		x402.FateSpent: true, x402.FateMaybeSpent: true, x402.FateNone: true}
	seen := map[string]bool{}
	for _, r := range x402.Reasons {
		if !snake.MatchString(r.Code) {
			t.Errorf("%q is not snake_case", r.Code)
		}
		if seen[r.Code] {
			t.Errorf("%q is listed twice", r.Code)
		}
		seen[r.Code] = true
		if !fates[r.Fate] {
			t.Errorf("%q has fate %q", r.Code, r.Fate)
		}
		if r.Meaning == "" || strings.Contains(r.Meaning, "|") {
			t.Errorf("%q: meaning %q must be set and free of |", r.Code, r.Meaning)
		}
	}
	// Every exported Reason const of the x402 package is in the table.
	for _, c := range exportedReasonConsts(t) {
		if !seen[c] {
			t.Errorf("x402 declares %q but the Reasons table lacks it", c)
		}
	}
	if x402.FateOf("no_such_code_here") != x402.FateUnknown || x402.KnownReason("no_such_code_here") {
		t.Error("an unknown code must have FateUnknown")
	}
}

func exportedReasonConsts(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	var out []string
	for f := range vocabularyFiles {
		file, err := parser.ParseFile(fset, filepath.Join(repoRoot, f), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if strings.HasPrefix(n.Name, "Reason") && i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok {
							v, _ := strconv.Unquote(lit.Value)
							out = append(out, v)
						}
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// renderDoc is docs/reasons.md.
func renderDoc() string {
	var b strings.Builder
	b.WriteString("# Reason codes\n\n")
	b.WriteString("Generated from `x402/vocabulary.go` by `go test ./internal/reasoncheck -update`; do not edit.\n\n")
	b.WriteString("Every refusal by the gate, the facilitator and the buyer carries one of these codes.\n")
	b.WriteString("Non-402 refusals are `{\"error\",\"reason\",\"message\"}` (`x402.ErrorBody`): `error` and\n")
	b.WriteString("`reason` both hold the code. 402 refusals keep the x402 wire shape: `error` is x402's\n")
	b.WriteString("(the facilitator's code, or the spec's title for an unpaid request), `reason` the gate's code.\n")
	b.WriteString("The fate says what the code means for the payment the refused request carried; the\n")
	b.WriteString("buyer decides by it alone whether an authorization may be offered again:\n\n")
	b.WriteString("| fate | meaning |\n|---|---|\n")
	b.WriteString("| `unspent` | refused before anything could be spent; may be offered again |\n")
	b.WriteString("| `retry_later` | unspent, and the same request may succeed later |\n")
	b.WriteString("| `rejected` | the authorization can never be accepted; nothing was spent |\n")
	b.WriteString("| `spent` | used up (settled, or its nonce used on chain); never offer it again |\n")
	b.WriteString("| `maybe_spent` | a settlement may have happened; never offer it for another request, reconcile |\n")
	b.WriteString("| `none` | not about a payment |\n\n")
	b.WriteString("| code | fate | meaning |\n|---|---|---|\n")
	for _, r := range x402.Reasons {
		b.WriteString("| `" + r.Code + "` | `" + string(r.Fate) + "` | " + r.Meaning + " |\n")
	}
	return b.String()
}

func TestReasonsDoc(t *testing.T) {
	path := filepath.Join(repoRoot, "docs", "reasons.md")
	want := renderDoc()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/reasoncheck -update)", err)
	}
	if string(got) != want {
		t.Fatal("docs/reasons.md differs from x402/vocabulary.go: run go test ./internal/reasoncheck -update")
	}
}
