package cluster

import (
	"fmt"
	"os"
	"path/filepath"
)

// The node's configuration files. Values that are not defaults are explained where
// they matter on this kind of machine (cgroup v1, no systemd, nested memory cgroup,
// no registry).

func writeFile(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("mkdir for %s: %w", path, err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// containerdConfig: own root, state and socket, so the cluster never touches a
// system containerd; cgroupfs (no systemd here); the sandbox (pause) image is a local
// one because nothing can be pulled.
func (c *Cluster) containerdConfig() string {
	return fmt.Sprintf(`version = 3
root = %[1]q
state = %[2]q
imports = []

[grpc]
  address = %[3]q

[debug]
  level = "info"

[plugins]
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = "overlayfs"
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = %[5]q

  [plugins.'io.containerd.cri.v1.runtime']
    # Network namespaces under our state dir, so teardown finds every one.
    netns_mounts_under_state_dir = true
    # This VM's capability bounding set lacks CAP_SYS_RESOURCE, so no process here
    # may lower its oom_score_adj below 0. Without this, containerd asks runc to set
    # -998 on every pod sandbox (and kubelet asks -997 for Guaranteed pods); runc
    # init fails on the write and runc only reports "can't get final child's PID
    # from pipe: EOF". With it, scores are clamped to containerd's own (0).
    restrict_oom_score_adj = true
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = "runc"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          BinaryName = %[6]q
          Root = %[4]q
          SystemdCgroup = false
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = [%[7]q]
      conf_dir = %[8]q
      max_conf_num = 1
`, c.path("containerd/root"), c.path("containerd/state"), c.ContainerdSocket, c.path("containerd/state/runc"),
		c.cfg.PauseImage, c.cfg.Runc, c.cfg.CNIBinDir, c.path("cni/net.d"))
}

// cniConfig: one bridge for the pod CIDR. No ipMasq: pods need no egress (there is no
// registry to reach), and a CNI masquerade rule would outlive a killed sandbox;
// kube-proxy masquerades Service traffic itself.
func (c *Cluster) cniConfig() string {
	return fmt.Sprintf(`{
  "cniVersion": "1.0.0",
  "name": "turnpike",
  "plugins": [
    {
      "type": "bridge",
      "bridge": %q,
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": %q,
        "ranges": [[{"subnet": %q, "gateway": %q}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
`, c.cfg.Bridge, c.path("cni/ipam"), c.cfg.PodCIDR, c.bridgeIP)
}

// kubeletConfig: cgroup v1 must be allowed explicitly (failCgroupV1 defaults to true
// since 1.35); cgroupfs driver; a cgroup root of our own so teardown can remove every
// pod cgroup; disk eviction off (a shared build machine's disk use is not ours to
// react to); an empty resolv.conf so pods resolve only cluster names.
func (c *Cluster) kubeletConfig() string {
	return fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: %[1]q
cgroupsPerQOS: true
enforceNodeAllocatable: ["pods"]
containerRuntimeEndpoint: unix://%[2]s
address: %[3]q
port: %[4]d
healthzBindAddress: 127.0.0.1
healthzPort: %[5]d
readOnlyPort: 0
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: %[6]q}
authorization:
  mode: Webhook
tlsCertFile: %[7]q
tlsPrivateKeyFile: %[8]q
clusterDomain: cluster.local
clusterDNS: [%[9]q]
resolvConf: %[10]q
failSwapOn: false
evictionHard:
  memory.available: "100Mi"
  nodefs.available: "0%%"
  nodefs.inodesFree: "0%%"
  imagefs.available: "0%%"
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
registerNode: true
maxPods: 60
podPidsLimit: -1
protectKernelDefaults: false
makeIPTablesUtilChains: false
localStorageCapacityIsolation: true
syncFrequency: 10s
fileCheckFrequency: 5s
nodeStatusUpdateFrequency: 5s
`, c.cfg.CgroupRoot, c.ContainerdSocket, c.NodeIP, c.kubeletPort, c.kubeletHealthzPort, c.pki.CAFile,
		c.path("pki/kubelet-serving.crt"), c.path("pki/kubelet-serving.key"), c.DNSIP, c.path("resolv.conf"))
}

// kubeProxyConfig: iptables mode; conntrack sysctls left alone (maxPerCore 0 and zero
// timeouts mean "do not set"), because the machine is shared.
func (c *Cluster) kubeProxyConfig() string {
	return fmt.Sprintf(`apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection:
  kubeconfig: %q
hostnameOverride: %q
clusterCIDR: %q
bindAddress: 0.0.0.0
healthzBindAddress: 127.0.0.1:%d
metricsBindAddress: 127.0.0.1:%d
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
iptables:
  localhostNodePorts: false
  syncPeriod: 10s
  minSyncPeriod: 0s
`, c.path("pki/kube-proxy.kubeconfig"), c.cfg.NodeName, c.cfg.PodCIDR, c.proxyHealthzPort, c.proxyMetricsPort)
}
