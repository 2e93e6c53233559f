package manifests_test

import (
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func loadYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

const pluginModule = "github.com/turnpike-x402/turnpike"

// The Helm values wire the gate the way the chart expects a non-flat local plugin: a
// localPath volume that exists in additionalVolumes and that an init container fills.
func TestTraefikHelmValues(t *testing.T) {
	v := loadYAML(t, "traefik/values.yaml")
	checks := []struct {
		desc string
		got  any
		want any
	}{
		{"abortOnPluginFailure", get(v, "experimental", "abortOnPluginFailure"), true},
		{"plugin module", get(v, "experimental", "localPlugins", "turnpike", "moduleName"), pluginModule},
		{"plugin type", get(v, "experimental", "localPlugins", "turnpike", "type"), "localPath"},
		{"plugin mount path", get(v, "experimental", "localPlugins", "turnpike", "mountPath"), "/plugins-local/src/" + pluginModule},
		{"log level (DEBUG logs resolved Secrets)", get(v, "logs", "general", "level"), "INFO"},
		{"kubernetesCRD provider", get(v, "providers", "kubernetesCRD", "enabled"), true},
		{"kubernetesGateway provider", get(v, "providers", "kubernetesGateway", "enabled"), true},
		{"no entrypoint on the metrics port", get(v, "ports", "x402metrics"), nil},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.desc, c.got, c.want)
		}
	}
	vol := str(v, "experimental", "localPlugins", "turnpike", "volumeName")
	var haveVolume bool
	for _, av := range list(v, "deployment", "additionalVolumes") {
		if str(av, "name") == vol {
			haveVolume = true
		}
	}
	if vol == "" || !haveVolume {
		t.Errorf("localPlugins.turnpike.volumeName %q is not in deployment.additionalVolumes", vol)
	}
	var filled bool
	for _, ic := range list(v, "deployment", "initContainers") {
		args := strs(list(ic, "args"))
		for _, m := range list(ic, "volumeMounts") {
			if str(m, "name") == vol && len(args) > 0 && args[0] == "install-plugin" &&
				contains(args, "--to="+str(m, "mountPath")) {
				filled = true
			}
		}
	}
	if !filled {
		t.Error("no init container runs `turnpike install-plugin` into the plugin volume")
	}
	if p := checkRestricted(map[string]any{
		"securityContext": get(v, "podSecurityContext"),
		"containers":      list(v, "deployment", "initContainers"),
	}); len(p) > 0 {
		t.Errorf("init container: %v", p)
	}
}

func TestTraefikStaticConfig(t *testing.T) {
	s := loadYAML(t, "traefik/traefik.yml")
	if get(s, "experimental", "abortOnPluginFailure") != true {
		t.Error("abortOnPluginFailure is not true")
	}
	if str(s, "experimental", "localPlugins", "turnpike", "moduleName") != pluginModule {
		t.Error("local plugin turnpike is not declared")
	}
	// At DEBUG Traefik logs each dynamic configuration with the Secret values it
	// resolved (CDP key, upstream credential); docs/go-live.md says why INFO stays.
	if lvl := strings.ToUpper(str(s, "log", "level")); lvl == "DEBUG" || lvl == "TRACE" || lvl == "" {
		t.Errorf("log.level = %q: the shipped static configuration must log at INFO or above", lvl)
	}
	for _, p := range []string{"kubernetesCRD", "kubernetesGateway"} {
		if _, ok := get(s, "providers").(map[string]any)[p]; !ok {
			t.Errorf("provider %s missing", p)
		}
	}
	d := loadYAML(t, "traefik/turnpike-dynamic.yml")
	cfg := get(d, "http", "middlewares", "weather-x402", "plugin", "turnpike")
	for _, k := range []string{"offer", "routesFile", "facilitatorURL", "metricsAddress"} {
		if str(cfg, k) == "" {
			t.Errorf("dynamic example: plugin key %s missing", k)
		}
	}
}

// encodedCharacterOptions are Traefik v3.6's entryPoints.<ep>.http.encodedCharacters
// options (pkg/config/static/entrypoints.go); each defaults to true (allowed).
var encodedCharacterOptions = []string{
	"allowEncodedSlash", "allowEncodedBackSlash", "allowEncodedNullCharacter", "allowEncodedSemicolon",
	"allowEncodedPercent", "allowEncodedQuestionMark", "allowEncodedHash",
}

// Both shipped configurations refuse every ambiguous encoded character at the edge
// and keep sanitizePath on, on both entry points.
func TestTraefikPathHardening(t *testing.T) {
	static := loadYAML(t, "traefik/traefik.yml")
	values := loadYAML(t, "traefik/values.yaml")
	args := map[string]bool{}
	for _, a := range strs(list(values, "additionalArguments")) {
		args[a] = true
	}
	for _, ep := range []string{"web", "websecure"} {
		if got := get(static, "entryPoints", ep, "http", "sanitizePath"); got != true {
			t.Errorf("traefik.yml: entryPoints.%s.http.sanitizePath = %v, want true", ep, got)
		}
		if !args["--entryPoints."+ep+".http.sanitizePath=true"] {
			t.Errorf("values.yaml: no --entryPoints.%s.http.sanitizePath=true", ep)
		}
		for _, opt := range encodedCharacterOptions {
			if got := get(static, "entryPoints", ep, "http", "encodedCharacters", opt); got != false {
				t.Errorf("traefik.yml: entryPoints.%s.http.encodedCharacters.%s = %v, want false", ep, opt, got)
			}
			if a := "--entryPoints." + ep + ".http.encodedCharacters." + opt + "=false"; !args[a] {
				t.Errorf("values.yaml: additionalArguments lacks %s", a)
			}
		}
	}
}
