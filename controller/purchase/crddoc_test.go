package purchase_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	"github.com/turnpike-x402/turnpike/controller/purchase"
	"github.com/turnpike-x402/turnpike/internal/testenv"
)

// TestMaxSpendPerDayDocumentsTheRollingWindow: `kubectl explain` must describe the cap
// the reconciler enforces (Allowance sums the signings of the last purchase.Window), not
// a calendar day that would allow twice the cap around midnight.
func TestMaxSpendPerDayDocumentsTheRollingWindow(t *testing.T) {
	if purchase.Window.Hours() != 24 {
		t.Fatalf("the window is %s; the CRD text below says 24 h", purchase.Window)
	}
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "manifests", "crds", "x402.turnpike.dev_purchaserequests.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		t.Fatal(err)
	}
	if len(crd.Spec.Versions) == 0 || crd.Spec.Versions[0].Schema == nil {
		t.Fatal("the CRD has no schema")
	}
	desc := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["autoRefill"].Properties["maxSpendPerDay"].Description
	for _, tc := range []struct {
		desc, text string
		want       bool
	}{
		{desc: "names the rolling window", text: "rolling 24 h", want: true},
		{desc: "does not promise a UTC day", text: "UTC day", want: false},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			if got := strings.Contains(desc, tc.text); got != tc.want {
				t.Fatalf("description contains %q = %v, want %v: %q", tc.text, got, tc.want, desc)
			}
		})
	}
}
