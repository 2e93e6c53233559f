package manifests_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// Every kustomization renders, and each carries the objects it is for.
func TestKustomizationsRender(t *testing.T) {
	want := map[string][]string{
		".": {
			"CustomResourceDefinition /serviceoffers.x402.turnpike.dev",
			"CustomResourceDefinition /purchaserequests.x402.turnpike.dev",
			"Namespace /turnpike-system",
			"Deployment turnpike-system/turnpike-controller",
			"Role turnpike-system/turnpike-routes-reader",
		},
		"base":                   {"Deployment turnpike-system/turnpike-controller", "ClusterRole /turnpike-controller"},
		"base/rbac":              {"ClusterRole /turnpike-controller", "Role turnpike-system/turnpike-controller"},
		"monitoring":             {"PodMonitor turnpike-system/turnpike-gate", "PrometheusRule turnpike-system/turnpike", "ConfigMap turnpike-system/turnpike-grafana-dashboard", "ServiceMonitor turnpike-system/turnpike-controller", "ServiceMonitor turnpike-system/turnpike-facilitator", "PodMonitor turnpike-system/turnpike-buyer"},
		"overlays/facilitator":   {"Deployment turnpike-system/turnpike-controller", "Deployment turnpike-system/turnpike-facilitator", "Service turnpike-system/turnpike-facilitator"},
		"overlays/monitoring":    {"Deployment turnpike-system/turnpike-controller", "PrometheusRule turnpike-system/turnpike"},
		"overlays/full":          {"Deployment turnpike-system/turnpike-controller", "Deployment turnpike-system/turnpike-facilitator", "PrometheusRule turnpike-system/turnpike"},
		"examples/buyer-sidecar": {"Deployment agent-demo/agent", "PersistentVolumeClaim agent-demo/turnpike-buyer-state"},
		"examples/purchase-rbac": {"Role agent-demo/turnpike-controller-purchases", "RoleBinding agent-demo/turnpike-controller-purchases"},
		"examples/offers":        {"ServiceOffer /weather-api", "ServiceOffer /llama", "ServiceOffer /research-agent"},
		"examples/devnet":        {"Namespace /turnpike-devnet", "Deployment turnpike-devnet/turnpike-devnet", "Service turnpike-devnet/turnpike-devnet"},
		"examples/devnet/facilitator": {"ConfigMap turnpike-system/turnpike-facilitator", "Deployment turnpike-system/turnpike-facilitator",
			"Deployment turnpike-system/turnpike-controller"},
	}
	dirs := kustomizations(t)
	for _, d := range dirs {
		if _, ok := want[d]; !ok {
			t.Errorf("kustomization %s has no expectations in this test", d)
		}
	}
	for _, desc := range sortedKeys(want) {
		t.Run(desc, func(t *testing.T) {
			objs := decode(t, render(t, desc))
			have := map[string]bool{}
			for _, o := range objs {
				if have[o.id()] {
					t.Errorf("%s rendered twice", o.id())
				}
				have[o.id()] = true
			}
			for _, id := range want[desc] {
				if !have[id] {
					t.Errorf("missing %s", id)
				}
			}
		})
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// The root kustomization lists controller-gen's output file by file (kustomize can only
// reference a folder that holds a kustomization, and crds/ is generated): the list
// must be exactly what is on disk.
func TestCRDListMatchesGenerated(t *testing.T) {
	onDisk, err := filepath.Glob("crds/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(onDisk) == 0 {
		t.Fatal("manifests/crds/ holds no CRDs: run `make generate`")
	}
	raw, err := os.ReadFile("kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, l := range strings.Split(string(raw), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "- crds/") {
			listed = append(listed, strings.TrimPrefix(l, "- "))
		}
	}
	sort.Strings(onDisk)
	sort.Strings(listed)
	if !reflect.DeepEqual(onDisk, listed) {
		t.Fatalf("manifests/kustomization.yaml lists %v, crds/ holds %v", listed, onDisk)
	}
}

// podSpecs returns the pod templates of all workloads in objs, keyed by object id.
func podSpecs(objs []obj) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, o := range objs {
		switch o.kind() {
		case "Deployment", "StatefulSet", "DaemonSet", "Job":
			if spec, ok := get(o, "spec", "template", "spec").(map[string]any); ok {
				out[o.id()] = spec
			}
		}
	}
	return out
}

// checkRestricted reports what keeps a pod spec from the restricted Pod Security
// Standard plus our own additions (read-only root filesystem, resource limits).
func checkRestricted(spec map[string]any) []string {
	var problems []string
	if get(spec, "securityContext", "runAsNonRoot") != true {
		problems = append(problems, "pod securityContext.runAsNonRoot is not true")
	}
	if str(spec, "securityContext", "seccompProfile", "type") != "RuntimeDefault" {
		problems = append(problems, "pod seccompProfile is not RuntimeDefault")
	}
	if get(spec, "hostNetwork") == true || get(spec, "hostPID") == true || get(spec, "hostIPC") == true {
		problems = append(problems, "pod uses host namespaces")
	}
	containers := append(list(spec, "containers"), list(spec, "initContainers")...)
	for _, c := range containers {
		name := str(c, "name")
		if get(c, "securityContext", "allowPrivilegeEscalation") != false {
			problems = append(problems, name+": allowPrivilegeEscalation is not false")
		}
		if get(c, "securityContext", "readOnlyRootFilesystem") != true {
			problems = append(problems, name+": readOnlyRootFilesystem is not true")
		}
		drops := list(c, "securityContext", "capabilities", "drop")
		if len(drops) != 1 || drops[0] != "ALL" {
			problems = append(problems, name+": capabilities.drop is not [ALL]")
		}
		if len(list(c, "securityContext", "capabilities", "add")) > 0 {
			problems = append(problems, name+": adds capabilities")
		}
		if get(c, "securityContext", "privileged") == true {
			problems = append(problems, name+": privileged")
		}
		if get(c, "resources", "limits", "memory") == nil || get(c, "resources", "requests", "cpu") == nil {
			problems = append(problems, name+": no memory limit or cpu request")
		}
	}
	return problems
}

func TestCheckRestricted(t *testing.T) {
	good := func() map[string]any {
		return map[string]any{
			"securityContext": map[string]any{"runAsNonRoot": true, "seccompProfile": map[string]any{"type": "RuntimeDefault"}},
			"containers": []any{map[string]any{
				"name": "c",
				"securityContext": map[string]any{"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
					"capabilities": map[string]any{"drop": []any{"ALL"}}},
				"resources": map[string]any{"limits": map[string]any{"memory": "1Mi"}, "requests": map[string]any{"cpu": "1m"}},
			}},
		}
	}
	cases := []struct {
		desc   string
		mutate func(map[string]any)
		bad    bool
	}{
		{"compliant", func(map[string]any) {}, false},
		{"root allowed", func(s map[string]any) { get(s, "securityContext").(map[string]any)["runAsNonRoot"] = false }, true},
		{"no seccomp", func(s map[string]any) { delete(get(s, "securityContext").(map[string]any), "seccompProfile") }, true},
		{"writable root fs", func(s map[string]any) {
			get(list(s, "containers")[0], "securityContext").(map[string]any)["readOnlyRootFilesystem"] = false
		}, true},
		{"capability added", func(s map[string]any) {
			get(list(s, "containers")[0], "securityContext", "capabilities").(map[string]any)["add"] = []any{"NET_ADMIN"}
		}, true},
		{"no limits", func(s map[string]any) { delete(list(s, "containers")[0].(map[string]any), "resources") }, true},
		{"host network", func(s map[string]any) { s["hostNetwork"] = true }, true},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			s := good()
			c.mutate(s)
			if got := checkRestricted(s); (len(got) > 0) != c.bad {
				t.Fatalf("checkRestricted = %v, want bad=%v", got, c.bad)
			}
		})
	}
}

// Every workload we ship, in every overlay and example, keeps the restricted posture.
func TestWorkloadsRestricted(t *testing.T) {
	for _, dir := range kustomizations(t) {
		for id, spec := range podSpecs(decode(t, render(t, dir))) {
			for _, p := range checkRestricted(spec) {
				t.Errorf("%s: %s: %s", dir, id, p)
			}
		}
	}
}

func envNames(c any) map[string]string {
	out := map[string]string{}
	for _, e := range list(c, "env") {
		out[str(e, "name")] = str(e, "valueFrom", "fieldRef", "fieldPath")
	}
	return out
}

func TestControllerDeployment(t *testing.T) {
	objs := decode(t, render(t, "base"))
	d := findObj(objs, "Deployment", "turnpike-system", "turnpike-controller")
	if d == nil {
		t.Fatal("no controller Deployment")
	}
	if r, _ := get(d, "spec", "replicas").(float64); r != 2 {
		t.Errorf("replicas = %v, want 2 (leader election keeps one active)", get(d, "spec", "replicas"))
	}
	spec := get(d, "spec", "template", "spec")
	if u, _ := get(spec, "securityContext", "runAsUser").(float64); u != 65532 {
		t.Errorf("runAsUser = %v, want 65532", u)
	}
	if str(spec, "serviceAccountName") != "turnpike-controller" {
		t.Errorf("serviceAccountName = %q", str(spec, "serviceAccountName"))
	}
	c := list(spec, "containers")[0]
	env := envNames(c)
	if env["POD_NAME"] != "metadata.name" || env["POD_NAMESPACE"] != "metadata.namespace" {
		t.Errorf("downward API env = %v", env)
	}
	var args []string
	for _, a := range list(c, "args") {
		args = append(args, a.(string))
	}
	if len(args) == 0 || args[0] != "controller" || !contains(args, "--leader-elect=true") {
		t.Errorf("args = %v, want the controller subcommand with leader election", args)
	}
	for _, probe := range []string{"livenessProbe", "readinessProbe"} {
		if get(c, probe, "httpGet") == nil {
			t.Errorf("%s missing", probe)
		}
	}
	if findObj(objs, "PodDisruptionBudget", "turnpike-system", "turnpike-controller") == nil {
		t.Error("no PodDisruptionBudget for the controller")
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func TestBuyerExample(t *testing.T) {
	objs := decode(t, render(t, "examples/buyer-sidecar"))
	pvc := findObj(objs, "PersistentVolumeClaim", "agent-demo", "turnpike-buyer-state")
	if pvc == nil {
		t.Fatal("no state PVC")
	}
	if modes := list(pvc, "spec", "accessModes"); len(modes) != 1 || modes[0] != "ReadWriteOnce" {
		t.Errorf("accessModes = %v, want [ReadWriteOnce]", modes)
	}
	d := findObj(objs, "Deployment", "agent-demo", "agent")
	if d == nil {
		t.Fatal("no agent Deployment")
	}
	if str(d, "spec", "strategy", "type") != "Recreate" {
		t.Errorf("strategy = %q, want Recreate (one writer of the state volume)", str(d, "spec", "strategy", "type"))
	}
	var stateMounted bool
	for _, c := range list(d, "spec", "template", "spec", "containers") {
		if str(c, "name") != "turnpike-buyer" {
			continue
		}
		if a := list(c, "args"); len(a) == 0 || a[0] != "buyer" {
			t.Errorf("sidecar args = %v, want the buyer subcommand", a)
		}
		for _, m := range list(c, "volumeMounts") {
			if str(m, "name") == "state" && get(m, "subPath") == nil {
				stateMounted = true
			}
		}
	}
	if !stateMounted {
		t.Error("buyer sidecar does not mount the state volume")
	}
	var claimed bool
	for _, v := range list(d, "spec", "template", "spec", "volumes") {
		if str(v, "persistentVolumeClaim", "claimName") == "turnpike-buyer-state" {
			claimed = true
		}
	}
	if !claimed {
		t.Error("pod does not use the state PVC")
	}
}

// rbacRules returns the rules of a Role/ClusterRole.
func rbacRules(o obj) []any { return list(o, "rules") }

func strs(v []any) []string {
	out := make([]string, 0, len(v))
	for _, x := range v {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func TestRBACLeastPrivilege(t *testing.T) {
	objs := decode(t, render(t, "overlays/full"))
	var roles int
	for _, o := range objs {
		if o.kind() != "Role" && o.kind() != "ClusterRole" {
			continue
		}
		roles++
		for _, r := range rbacRules(o) {
			for _, field := range []string{"apiGroups", "resources", "verbs"} {
				if contains(strs(list(r, field)), "*") {
					t.Errorf("%s: wildcard in %s", o.id(), field)
				}
			}
			if contains(strs(list(r, "resources")), "secrets") {
				t.Errorf("%s: grants access to Secrets", o.id())
			}
			if contains(strs(list(r, "resources")), "configmaps") && o.kind() == "ClusterRole" {
				t.Errorf("%s: cluster-wide ConfigMap access", o.id())
			}
		}
	}
	if roles < 3 {
		t.Fatalf("found %d roles", roles)
	}
	reader := findObj(objs, "Role", "turnpike-system", "turnpike-routes-reader")
	if reader == nil {
		t.Fatal("no routes reader Role")
	}
	rules := rbacRules(reader)
	if len(rules) != 1 {
		t.Fatalf("routes reader has %d rules, want 1", len(rules))
	}
	r := rules[0]
	if got := strs(list(r, "resourceNames")); !reflect.DeepEqual(got, []string{"turnpike-routes"}) {
		t.Errorf("resourceNames = %v", got)
	}
	if got := strs(list(r, "verbs")); !reflect.DeepEqual(got, []string{"get", "list", "watch"}) {
		t.Errorf("verbs = %v", got)
	}
}

// The devnet facilitator overlay must name the dev chain's Service and port as
// examples/devnet declares them, or the facilitator dials nothing and never gets ready.
func TestDevnetFacilitatorPointsAtDevnet(t *testing.T) {
	chain := decode(t, render(t, "examples/devnet"))
	svc := findObj(chain, "Service", "turnpike-devnet", "turnpike-devnet")
	dep := findObj(chain, "Deployment", "turnpike-devnet", "turnpike-devnet")
	if svc == nil || dep == nil {
		t.Fatal("examples/devnet has no turnpike-devnet Service or Deployment")
	}
	ports := list(svc, "spec", "ports")
	if len(ports) != 1 {
		t.Fatalf("devnet Service ports %v, want one", ports)
	}
	port, _ := get(ports[0], "port").(float64)
	want := fmt.Sprintf("http://turnpike-devnet.turnpike-devnet.svc.cluster.local:%d", int(port))
	cm := findObj(decode(t, render(t, "examples/devnet/facilitator")), "ConfigMap", "turnpike-system", "turnpike-facilitator")
	if cm == nil {
		t.Fatal("no facilitator ConfigMap")
	}
	if got := str(cm, "data", "rpc-urls"); got != want {
		t.Errorf("rpc-urls = %q, want %q", got, want)
	}
	// The chain must listen beyond loopback and write nothing on the read-only root.
	args := strs(list(list(dep, "spec", "template", "spec", "containers")[0], "args"))
	for _, a := range []string{"devnet", fmt.Sprintf("-listen=0.0.0.0:%d", int(port)), "-info-file="} {
		if !contains(args, a) {
			t.Errorf("devnet args %v lack %q", args, a)
		}
	}
}
