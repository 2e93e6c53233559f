package cluster

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// traefikValues is the part of manifests/traefik/values.yaml the chart turns into the
// Deployment's args, init containers, volumes and security settings.
type traefikValues struct {
	Logs struct {
		General struct {
			Level string `json:"level"`
		} `json:"general"`
	} `json:"logs"`
	Deployment struct {
		Replicas          int32              `json:"replicas"`
		InitContainers    []corev1.Container `json:"initContainers"`
		AdditionalVolumes []corev1.Volume    `json:"additionalVolumes"`
	} `json:"deployment"`
	Experimental struct {
		AbortOnPluginFailure bool `json:"abortOnPluginFailure"`
		LocalPlugins         map[string]struct {
			ModuleName string `json:"moduleName"`
			MountPath  string `json:"mountPath"`
			Type       string `json:"type"`
			VolumeName string `json:"volumeName"`
		} `json:"localPlugins"`
	} `json:"experimental"`
	AdditionalArguments []string `json:"additionalArguments"`
	Providers           struct {
		KubernetesCRD struct {
			Enabled             bool `json:"enabled"`
			AllowCrossNamespace bool `json:"allowCrossNamespace"`
		} `json:"kubernetesCRD"`
		KubernetesGateway struct {
			Enabled bool `json:"enabled"`
		} `json:"kubernetesGateway"`
	} `json:"providers"`
	PodSecurityContext *corev1.PodSecurityContext  `json:"podSecurityContext"`
	SecurityContext    *corev1.SecurityContext     `json:"securityContext"`
	Resources          corev1.ResourceRequirements `json:"resources"`
}

// chartDefaultArgs is what the chart renders before the values' own flags with its
// default ports (metrics 9100, traefik 8080, web 8000, websecure 8443 with TLS), api
// and ping, and Prometheus metrics.
var chartDefaultArgs = []string{
	"--entryPoints.metrics.address=:9100/tcp",
	"--entryPoints.traefik.address=:8080/tcp",
	"--entryPoints.web.address=:8000/tcp",
	"--entryPoints.websecure.address=:8443/tcp",
	"--api.dashboard=true",
	"--ping=true",
	"--metrics.prometheus=true",
	"--metrics.prometheus.entrypoint=metrics",
}

// chartArgs is the args list the chart renders from the values, in the chart's order,
// without the kubernetesGateway and kubernetesIngress providers the in-cluster manifest
// leaves out on purpose (see the header of testdata/incluster/traefik.yaml).
func chartArgs(v traefikValues) []string {
	args := append([]string(nil), chartDefaultArgs...)
	for name, p := range v.Experimental.LocalPlugins {
		args = append(args, "--experimental.localPlugins."+name+".moduleName="+p.ModuleName)
	}
	if v.Experimental.AbortOnPluginFailure {
		args = append(args, "--experimental.abortonpluginfailure=true")
	}
	if v.Providers.KubernetesCRD.Enabled {
		args = append(args, "--providers.kubernetescrd")
		if v.Providers.KubernetesCRD.AllowCrossNamespace {
			args = append(args, "--providers.kubernetescrd.allowCrossNamespace=true")
		}
		args = append(args, "--providers.kubernetescrd.allowEmptyServices=true")
	}
	args = append(args, "--entryPoints.websecure.http.tls=true")
	if v.Logs.General.Level != "" {
		args = append(args, "--log.level="+strings.ToUpper(v.Logs.General.Level))
	}
	return append(args, v.AdditionalArguments...)
}

func loadTraefikManifest(t *testing.T) (appsv1.Deployment, map[string]bool) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "incluster", "traefik.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var dep appsv1.Deployment
	kinds := map[string]bool{}
	for _, doc := range strings.Split(string(raw), "\n---\n") {
		var meta struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatalf("traefik.yaml: %v", err)
		}
		kinds[meta.Kind] = true
		if meta.Kind == "Deployment" {
			if err := yaml.UnmarshalStrict([]byte(doc), &dep); err != nil {
				t.Fatalf("traefik.yaml Deployment: %v", err)
			}
		}
	}
	return dep, kinds
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestTraefikManifestMatchesValues keeps the hand-written Traefik install the cluster
// test runs (no helm on the machine) equal to what the chart renders from the shipped
// values: a change to values.yaml that the manifest does not follow, or the reverse,
// fails here in the plain `go test ./...`, not only in the root-only cluster test.
func TestTraefikManifestMatchesValues(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "manifests", "traefik", "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var v traefikValues
	if err := yaml.Unmarshal(raw, &v); err != nil {
		t.Fatalf("values.yaml: %v", err)
	}
	dep, kinds := loadTraefikManifest(t)
	for _, k := range []string{"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment", "Service"} {
		if !kinds[k] {
			t.Errorf("traefik.yaml has no %s", k)
		}
	}
	spec := dep.Spec.Template.Spec
	if len(spec.Containers) != 1 {
		t.Fatalf("%d containers, want Traefik alone", len(spec.Containers))
	}
	traefik := spec.Containers[0]
	if len(v.Experimental.LocalPlugins) != 1 {
		t.Fatalf("values declare %d local plugins, the manifest is written for one", len(v.Experimental.LocalPlugins))
	}
	var plugin struct{ ModuleName, MountPath, Type, VolumeName string }
	for _, p := range v.Experimental.LocalPlugins {
		plugin = struct{ ModuleName, MountPath, Type, VolumeName string }(p)
	}
	mounts := map[string]string{}
	for _, m := range traefik.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	volumes := map[string]string{}
	for _, vol := range spec.Volumes {
		volumes[vol.Name] = asJSON(t, vol)
	}
	var pluginVolume string
	for _, av := range v.Deployment.AdditionalVolumes {
		if av.Name == plugin.VolumeName {
			pluginVolume = asJSON(t, av)
		}
	}

	checks := []struct {
		desc      string
		got, want any
	}{
		{desc: "args: the chart's, the plugin and provider flags, the additionalArguments", got: traefik.Args, want: chartArgs(v)},
		{desc: "log level is INFO (DEBUG logs resolved Secrets)", got: strings.ToUpper(v.Logs.General.Level), want: "INFO"},
		{desc: "plugin aborts Traefik when it fails to load", got: v.Experimental.AbortOnPluginFailure, want: true},
		{desc: "plugin module path", got: plugin.ModuleName, want: "github.com/turnpike-x402/turnpike"},
		{desc: "plugin mount path is plugins-local/src/<module>", got: plugin.MountPath, want: "/plugins-local/src/" + plugin.ModuleName},
		{desc: "plugin volume mounted in Traefik at the values' mountPath", got: mounts[plugin.VolumeName], want: plugin.MountPath},
		{desc: "plugin volume as in additionalVolumes", got: volumes[plugin.VolumeName], want: pluginVolume},
		{desc: "init containers exactly the values'", got: asJSON(t, spec.InitContainers), want: asJSON(t, v.Deployment.InitContainers)},
		{desc: "replicas", got: *dep.Spec.Replicas, want: v.Deployment.Replicas},
		{desc: "pod security context", got: asJSON(t, spec.SecurityContext), want: asJSON(t, v.PodSecurityContext)},
		{desc: "container security context", got: asJSON(t, traefik.SecurityContext), want: asJSON(t, v.SecurityContext)},
		{desc: "resources", got: asJSON(t, traefik.Resources), want: asJSON(t, v.Resources)},
		{desc: "service account of release traefik (the subject of base/traefik-rbac.yaml)", got: spec.ServiceAccountName, want: "traefik"},
		{desc: "writable /tmp under the read-only root", got: mounts["tmp"], want: "/tmp"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s:\n got  %v\n want %v", c.desc, c.got, c.want)
		}
	}
	// The init container fills exactly the directory Traefik loads the plugin from.
	for _, ic := range spec.InitContainers {
		if want := "--to=" + plugin.MountPath; !contains(ic.Args, want) {
			t.Errorf("init container %s args %v lack %s", ic.Name, ic.Args, want)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
