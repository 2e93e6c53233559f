package manifests_test

import (
	"reflect"
	"sort"
	"testing"
)

// TestPurchaseRBAC: the PurchaseRequest reconciler reads a request's Secret (get, never
// list or watch: the controller must not cache Secrets) and creates and updates the
// buyer ConfigMaps, in the namespace the example grants, bound to the controller's
// service account. Nothing of it is cluster-wide.
func TestPurchaseRBAC(t *testing.T) {
	objs := decode(t, render(t, "examples/purchase-rbac"))
	for _, o := range objs {
		if o.kind() == "ClusterRole" || o.kind() == "ClusterRoleBinding" {
			t.Errorf("%s: the PurchaseRequest grant must be namespaced", o.id())
		}
	}
	role := findObj(objs, "Role", "agent-demo", "turnpike-controller-purchases")
	if role == nil {
		t.Fatal("no Role agent-demo/turnpike-controller-purchases")
	}
	got := map[string][]string{}
	for _, r := range rbacRules(role) {
		if g := strs(list(r, "apiGroups")); !reflect.DeepEqual(g, []string{""}) {
			t.Errorf("rule for API groups %v", g)
		}
		for _, res := range strs(list(r, "resources")) {
			got[res] = append(got[res], strs(list(r, "verbs"))...)
		}
	}
	for _, tc := range []struct {
		desc, resource string
		verbs          []string
	}{
		{desc: "signer and pre-signed Secrets are read one by one", resource: "secrets", verbs: []string{"get"}},
		{desc: "buyer ConfigMaps are read, created and updated", resource: "configmaps", verbs: []string{"create", "get", "update"}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			v := append([]string(nil), got[tc.resource]...)
			sort.Strings(v)
			if !reflect.DeepEqual(v, tc.verbs) {
				t.Fatalf("%s verbs %v, want %v", tc.resource, v, tc.verbs)
			}
		})
	}
	if len(got) != 2 {
		t.Errorf("the Role grants %v, want secrets and configmaps only", got)
	}
	rb := findObj(objs, "RoleBinding", "agent-demo", "turnpike-controller-purchases")
	if rb == nil {
		t.Fatal("no RoleBinding")
	}
	if str(rb, "roleRef", "kind") != "Role" || str(rb, "roleRef", "name") != "turnpike-controller-purchases" {
		t.Errorf("roleRef %v", get(rb, "roleRef"))
	}
	subjects := list(rb, "subjects")
	if len(subjects) != 1 || str(subjects[0], "kind") != "ServiceAccount" || str(subjects[0], "name") != "turnpike-controller" || str(subjects[0], "namespace") != "turnpike-system" {
		t.Errorf("subjects %v, want the controller's service account", subjects)
	}
}
