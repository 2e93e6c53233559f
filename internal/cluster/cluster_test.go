package cluster

import (
	"net"
	"strings"
	"testing"
)

func TestNthIP(t *testing.T) {
	cases := []struct {
		desc, cidr string
		n          int
		want       string
	}{
		{desc: "bridge gateway of the pod CIDR", cidr: "10.244.0.0/24", n: 1, want: "10.244.0.1"},
		{desc: "cluster DNS in the service CIDR", cidr: "10.96.0.0/16", n: 10, want: "10.96.0.10"},
		{desc: "carries into the next octet", cidr: "10.96.0.0/16", n: 256, want: "10.96.1.0"},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			_, n, err := net.ParseCIDR(tc.cidr)
			if err != nil {
				t.Fatal(err)
			}
			if got := nthIP(n, tc.n).String(); got != tc.want {
				t.Fatalf("nthIP(%s, %d) = %s, want %s", tc.cidr, tc.n, got, tc.want)
			}
		})
	}
}

func TestUnescapeMount(t *testing.T) {
	cases := []struct{ desc, in, want string }{
		{desc: "plain path", in: "/tmp/x/kubelet/pods", want: "/tmp/x/kubelet/pods"},
		{desc: "space escaped as octal", in: `/tmp/a\040b`, want: "/tmp/a b"},
		{desc: "backslash itself", in: `/tmp/a\134b`, want: `/tmp/a\b`},
		{desc: "trailing backslash kept", in: `/tmp/a\`, want: `/tmp/a\`},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			if got := unescapeMount(tc.in); got != tc.want {
				t.Fatalf("unescapeMount(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// The generated node configuration must carry the settings this machine needs; a
// kubelet without failCgroupV1: false does not start on a cgroup v1 host.
func TestNodeConfigs(t *testing.T) {
	c := &Cluster{cfg: withDefaults(Config{Dir: "/tmp/c", Runc: "/usr/sbin/runc"}), NodeIP: "192.0.2.10", DNSIP: "10.96.0.10",
		bridgeIP: "10.244.0.1", ContainerdSocket: "/tmp/c/containerd/containerd.sock", pki: &pki{CAFile: "/tmp/c/pki/ca.crt"}}
	cases := []struct {
		desc, doc string
		want      []string
	}{
		{desc: "kubelet", doc: c.kubeletConfig(), want: []string{"failCgroupV1: false", "cgroupDriver: cgroupfs", `cgroupRoot: "/turnpike"`,
			"containerRuntimeEndpoint: unix:///tmp/c/containerd/containerd.sock", `clusterDNS: ["10.96.0.10"]`, `nodefs.available: "0%"`}},
		{desc: "containerd", doc: c.containerdConfig(), want: []string{"SystemdCgroup = false", `sandbox = "turnpike.local/pause:v1"`,
			`BinaryName = "/usr/sbin/runc"`, "netns_mounts_under_state_dir = true", "restrict_oom_score_adj = true", `address = "/tmp/c/containerd/containerd.sock"`}},
		{desc: "CNI", doc: c.cniConfig(), want: []string{`"bridge": "tpcni0"`, `"ipMasq": false`, `"subnet": "10.244.0.0/24"`, `"gateway": "10.244.0.1"`}},
		{desc: "kube-proxy", doc: c.kubeProxyConfig(), want: []string{"mode: iptables", `clusterCIDR: "10.244.0.0/24"`, "maxPerCore: 0"}},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			for _, w := range tc.want {
				if !strings.Contains(tc.doc, w) {
					t.Errorf("%s config lacks %q:\n%s", tc.desc, w, tc.doc)
				}
			}
			if strings.Contains(tc.doc, "%!") {
				t.Errorf("%s config has a formatting error:\n%s", tc.desc, tc.doc)
			}
		})
	}
}
