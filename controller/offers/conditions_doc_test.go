package offers_test

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/turnpike-x402/turnpike/internal/testenv"
)

var updateDocs = flag.Bool("update-conditions", false, "rewrite docs/conditions.md from the table in conditions_doc_test.go")

// conditionRow is one reason a condition can carry, and what it tells the reader.
type conditionRow struct {
	kind, condition, status, reason, meaning string
}

// conditionTable is the source of docs/conditions.md. TestConditionsDoc fails when a
// Reason constant of the offers or purchase reconciler is missing from it, or when the
// document differs from its rendering.
var conditionTable = []conditionRow{
	{"ServiceOffer", "UpstreamHealthy", "True", "Healthy", "the upstream Service exists, has the port, and its health path answered 2xx within 2 s"},
	{"ServiceOffer", "UpstreamHealthy", "False", "MissingService", "the upstream Service does not exist (or could not be read)"},
	{"ServiceOffer", "UpstreamHealthy", "False", "MissingPort", "the upstream Service has no such port"},
	{"ServiceOffer", "UpstreamHealthy", "False", "Unhealthy", "the health path did not answer 2xx (the message has the status or error)"},
	{"ServiceOffer", "ModelReady", "True", "ModelListed", "inference offers only: the upstream's model list (ollama GET /api/tags, others GET /v1/models) contains spec.model.name"},
	{"ServiceOffer", "ModelReady", "True", "ModelListProtected", "the model list answered 401/403 and the offer sends an upstream credential the controller does not read (it never reads Secrets): the model is not checked"},
	{"ServiceOffer", "ModelReady", "False", "ModelNotListed", "the model list does not contain the model; the message quotes what it lists (truncated)"},
	{"ServiceOffer", "ModelReady", "False", "ModelListUnreadable", "the model list could not be read (error, non-2xx, not JSON, timeout)"},
	{"ServiceOffer", "ModelReady", "False", "WaitingForUpstream", "the model is checked once the upstream is healthy"},
	{"ServiceOffer", "PaymentGateReady", "True", "InRoutesDocument", "the Middleware gates the route and routes-document generation N carries the offer"},
	{"ServiceOffer", "PaymentGateReady", "False", "NotInRoutesDocument", "the Middleware is in place but the offer is not in the routes document, so the gate refuses its requests; the message says why"},
	{"ServiceOffer", "PaymentGateReady", "False", "WaitingForUpstream", "nothing is installed until the upstream (and, for inference, the model) is ready"},
	{"ServiceOffer", "PaymentGateReady", "False", "WaitingForRoute", "the gate is not in the routes document until the route is published (see RoutePublished)"},
	{"ServiceOffer", "PaymentGateReady, RoutePublished, Ready", "False", "WaitingForCRD", "Traefik's Middleware/IngressRoute or the Gateway API HTTPRoute CRD is not installed; the controller looks again every --crd-recheck-interval and publishes without a restart"},
	{"ServiceOffer", "PaymentGateReady, RoutePublished, Ready", "False", "ApplyFailed", "writing the Middleware, the route or the routes document failed"},
	{"ServiceOffer", "PaymentGateReady, Ready", "False", "RoutesShardFull", "the offer's routes ConfigMap would outgrow what a ConfigMap holds (1 MiB) with it: nothing is written, the gates keep the last document, and the offer waits (retried) until an offer leaves its shard or --routes-shards is raised. A Warning event RoutesShardFull says so, and RoutesShardNearlyFull warns from 80 %"},
	{"ServiceOffer", "PaymentGateReady, RoutePublished, Ready", "False", "PathConflict", "an older offer serves the same path on an overlapping host"},
	{"ServiceOffer", "PaymentGateReady, RoutePublished, Ready", "False", "Drained", "the drain ended; route and gate are torn down and the offer stays as a record"},
	{"ServiceOffer", "PaymentGateReady, RoutePublished, Ready", "False", "InvalidSpec, UnknownTokenDomain, TokenNameMismatch, TokenVersionMismatch, TokenDecimalsMismatch", "the spec does not render into terms the gate accepts, or the token on chain differs from them"},
	{"ServiceOffer", "PaymentGateReady, RoutePublished, Ready", "False", "TokenCheckFailed", "the token could not be read from the chain (retried)"},
	{"ServiceOffer", "RoutePublished", "True", "Published", "HTTPRoute: every parent Gateway exists and reports the route Accepted and ResolvedRefs for its current generation. IngressRoute: applied (Traefik reports no status for it, and the message says so)"},
	{"ServiceOffer", "RoutePublished", "False", "WaitingForUpstream", "the route is published once the upstream is ready"},
	{"ServiceOffer", "RoutePublished, Ready", "False", "NoParentGateway", "the HTTPRoute has no parentRefs and the controller has no default Gateway (--gateway): it attaches nowhere"},
	{"ServiceOffer", "RoutePublished, Ready", "False", "GatewayNotFound", "a parent Gateway does not exist"},
	{"ServiceOffer", "RoutePublished, Ready", "False", "WaitingForGateway", "the parent Gateway's controller has not reported the route Accepted and ResolvedRefs (for this generation) yet"},
	{"ServiceOffer", "RoutePublished, Ready", "False", "RouteNotAccepted", "the parent Gateway reported Accepted or ResolvedRefs False; the message quotes its reason"},
	{"ServiceOffer", "Registered", "True", "Registered", "ERC-8004 registration requested (spec.registration.enabled) and the agentId is known. Not requested: no Registered condition"},
	{"ServiceOffer", "Registered", "False", "RegistrarUnavailable", "registration requested but the controller has no registrar (--registry)"},
	{"ServiceOffer", "Registered", "False", "Registering", "the registration transaction is being prepared, sent or confirmed"},
	{"ServiceOffer", "Draining", "True", "Draining", "spec.drainAt passed; the offer is no longer advertised and is served until the message's end time"},
	{"ServiceOffer", "Draining", "False", "Active", "not draining"},
	{"ServiceOffer", "Draining", "False", "Drained", "the drain ended and the teardown finished"},
	{"ServiceOffer", "Ready", "True", "Serving", "every condition above holds: buyers reach the gate and it serves paid requests"},
	{"ServiceOffer", "Ready", "False", "(the blocking reason)", "Ready=False carries the reason and message of the first condition that blocks, e.g. Unhealthy, ModelNotListed, GatewayNotFound, Registering"},
	{"ServiceOffer", "(event only)", "Warning", "RoutesShardNearlyFull", "the routes ConfigMap the offer was just written to holds 80 % or more of what a ConfigMap holds: raise --routes-shards before offers are refused (metric turnpike_controller_routes_shard_fill_ratio)"},
	{"PurchaseRequest", "Probed", "True", "TermsMatch", "the seller's 402 offers the terms the request pays"},
	{"PurchaseRequest", "Probed", "False", "TermsMismatch", "the seller's terms differ from spec.payment (or spec.payment is invalid)"},
	{"PurchaseRequest", "Probed", "False", "ProbeFailed", "the seller could not be reached"},
	{"PurchaseRequest", "Probed", "False", "NoPaymentRequired", "the endpoint answered without a 402"},
	{"PurchaseRequest", "AuthorizationsReady", "True", "PoolReady", "N authorizations are ready in the buyer's pool"},
	{"PurchaseRequest", "AuthorizationsReady", "False", "PoolEmpty", "no usable authorization left"},
	{"PurchaseRequest", "AuthorizationsReady", "False", "SignerMissing", "no pre-signed authorizations and no signer Secret, or the signer cannot be read"},
	{"PurchaseRequest", "AuthorizationsReady", "False", "InvalidPreSignedAuths", "the pre-signed authorizations do not decode or do not match the terms"},
	{"PurchaseRequest", "(event only)", "Normal", "Signed", "a refill signed new authorizations"},
	{"PurchaseRequest", "(event only)", "Warning", "CapReached", "a refill signed fewer than wanted: maxTotal or maxSpendPerDay reached"},
	{"PurchaseRequest", "Ready", "True", "PoolReady", "the buyer can pay this seller"},
	{"PurchaseRequest", "Ready", "False", "(the blocking reason)", "Ready=False carries the reason of Probed or AuthorizationsReady, whichever blocks, and its message"},
}

func renderConditions() string {
	var b strings.Builder
	b.WriteString("# Conditions\n\n")
	b.WriteString("<!-- Generated from controller/offers/conditions_doc_test.go: go test ./controller/offers -run TestConditionsDoc -update-conditions -->\n\n")
	b.WriteString("What each status condition of a ServiceOffer and a PurchaseRequest says, by reason.\n")
	b.WriteString("Every change of a condition's status or reason is also a Kubernetes event, and every\n")
	b.WriteString("condition carries the `observedGeneration` it was computed from.\n")
	kind := ""
	for _, r := range conditionTable {
		if r.kind != kind {
			kind = r.kind
			b.WriteString("\n## " + kind + "\n\n| condition | status | reason | meaning |\n|---|---|---|---|\n")
		}
		reasons := strings.Split(r.reason, ", ")
		for i := range reasons {
			if !strings.HasPrefix(reasons[i], "(") {
				reasons[i] = "`" + reasons[i] + "`"
			}
		}
		conds := strings.Split(r.condition, ", ")
		for i := range conds {
			if !strings.HasPrefix(conds[i], "(") {
				conds[i] = "`" + conds[i] + "`"
			}
		}
		b.WriteString("| " + strings.Join(conds, ", ") + " | " + r.status + " | " + strings.Join(reasons, ", ") + " | " + r.meaning + " |\n")
	}
	return b.String()
}

// TestConditionsDoc keeps docs/conditions.md complete and in step with the reconcilers.
func TestConditionsDoc(t *testing.T) {
	root := testenv.RepoRoot(t)
	documented := map[string]bool{}
	for _, r := range conditionTable {
		for _, reason := range strings.Split(r.reason, ", ") {
			documented[reason] = true
		}
	}
	for _, file := range []string{"controller/offers/reconciler.go", "controller/purchase/reconciler.go"} {
		for _, reason := range reasonConstants(t, filepath.Join(root, file)) {
			if !documented[reason] {
				t.Errorf("%s: reason %s is not in docs/conditions.md (add it to conditionTable)", file, reason)
			}
		}
	}
	path := filepath.Join(root, "docs", "conditions.md")
	want := renderConditions()
	if *updateDocs {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != want {
		t.Fatalf("docs/conditions.md is out of date (%v): run go test ./controller/offers -run TestConditionsDoc -update-conditions", err)
	}
}

// reasonConstants returns the values of the string constants named Reason* in a file.
func reasonConstants(t *testing.T, path string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if !strings.HasPrefix(n.Name, "Reason") || i >= len(vs.Values) {
					continue
				}
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					v, _ := strconv.Unquote(lit.Value)
					out = append(out, v)
				}
			}
		}
	}
	if len(out) < 5 {
		t.Fatalf("%s: only %d Reason constants found: the parser is broken", path, len(out))
	}
	return out
}
