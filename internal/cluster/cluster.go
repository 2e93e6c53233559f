// Package cluster runs a real one-node Kubernetes on this machine for end-to-end
// tests: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, containerd
// (with runc and the CNI bridge), kubelet and kube-proxy, all as child processes with
// their logs in files, plus a small cluster DNS server of ours. Stop tears everything
// down (pods, containers, mounts, iptables rules, the bridge, cgroups) so that the
// next run starts clean.
//
// The binaries come from $TURNPIKE_BIN (scripts/install-test-deps.sh for etcd and
// kube-apiserver, scripts/install-cluster-deps.sh for the rest) and Debian (runc, CNI
// plugins, iptables). It needs root.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Config says where things are and how the node's network looks. Zero values take
// the defaults below.
type Config struct {
	// Dir holds every file of the cluster (certificates, etcd data, containerd's
	// root, kubelet's root, logs under Dir/logs). Required.
	Dir string
	// BinDir holds etcd, kube-apiserver, kube-node (kubelet, kube-proxy,
	// kube-scheduler, kube-controller-manager), containerd, its shim and ctr.
	BinDir      string
	NodeName    string // "turnpike-node"
	PodCIDR     string // "10.244.0.0/24"
	ServiceCIDR string // "10.96.0.0/16"; the API server is .1 and cluster DNS .10
	Bridge      string // "tpcni0"
	CgroupRoot  string // "/turnpike": kubelet puts kubepods under it in every controller
	Runc        string // "/usr/sbin/runc"
	CNIBinDir   string // "/usr/lib/cni" (Debian's containernetworking-plugins)
	// PauseImage names the sandbox image; PauseImageTar is an OCI archive holding it,
	// imported before the kubelet starts because nothing can be pulled here.
	PauseImage    string
	PauseImageTar string
	// Logf receives progress lines (t.Logf); nil means silent.
	Logf func(format string, args ...any)
}

// Cluster is a running one-node cluster.
type Cluster struct {
	cfg Config
	pki *pki

	NodeIP           string
	DNSIP            string
	APIServerURL     string
	Kubeconfig       string // cluster-admin (system:masters)
	RESTConfig       *rest.Config
	Client           kubernetes.Interface
	ContainerdSocket string
	// Timings of the start, by phase, for the report.
	Timings []Timing

	bridgeIP           string
	kubeletPort        int
	kubeletHealthzPort int
	proxyHealthzPort   int
	proxyMetricsPort   int
	procs              []*proc
	dns                *dnsServer
	netnsBefore        map[string]bool
}

// Timing is how long one start phase took.
type Timing struct {
	Phase string
	Took  time.Duration
}

func (c *Cluster) path(rel string) string { return filepath.Join(c.cfg.Dir, rel) }

func (c *Cluster) logf(format string, args ...any) {
	if c.cfg.Logf != nil {
		c.cfg.Logf(format, args...)
	}
}

func (c *Cluster) bin(name string) string { return filepath.Join(c.cfg.BinDir, name) }

func withDefaults(cfg Config) Config {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&cfg.NodeName, "turnpike-node")
	def(&cfg.PodCIDR, "10.244.0.0/24")
	def(&cfg.ServiceCIDR, "10.96.0.0/16")
	def(&cfg.Bridge, "tpcni0")
	def(&cfg.CgroupRoot, "/turnpike")
	def(&cfg.Runc, "/usr/sbin/runc")
	def(&cfg.CNIBinDir, "/usr/lib/cni")
	def(&cfg.PauseImage, "turnpike.local/pause:v1")
	return cfg
}

// Start brings the cluster up and returns when the node is Ready, kube-proxy has
// programmed the API server's Service and cluster DNS answers. On error everything
// already started is torn down.
func Start(ctx context.Context, cfg Config) (_ *Cluster, err error) {
	cfg = withDefaults(cfg)
	if cfg.Dir == "" || cfg.BinDir == "" {
		return nil, errors.New("cluster: Config.Dir and Config.BinDir are required")
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("cluster: a node needs root (mounts, cgroups, iptables, network namespaces)")
	}
	c := &Cluster{cfg: cfg}
	defer func() {
		if err != nil {
			if serr := c.Stop(context.Background()); serr != nil {
				c.logf("cluster: teardown after failed start: %v", serr)
			}
		}
	}()
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"preflight", c.preflight},
		{"pki", c.writePKI},
		{"etcd+apiserver", c.startControlPlane},
		{"containerd", c.startContainerd},
		{"kubelet", c.startKubelet},
		{"proxy+scheduler+controllers", c.startNodeServices},
		{"dns", c.startDNS},
		{"node ready", c.waitNodeReady},
	}
	for _, s := range steps {
		t0 := time.Now()
		if err := s.fn(ctx); err != nil {
			return nil, fmt.Errorf("cluster start, %s: %w", s.name, err)
		}
		c.Timings = append(c.Timings, Timing{Phase: s.name, Took: time.Since(t0)})
		c.logf("cluster: %s ready in %v", s.name, time.Since(t0).Round(time.Millisecond))
	}
	return c, nil
}

func (c *Cluster) preflight(ctx context.Context) error {
	for _, b := range []string{"etcd", "kube-apiserver", "kube-node", "containerd", "containerd-shim-runc-v2", "ctr"} {
		if _, err := os.Stat(c.bin(b)); err != nil {
			return fmt.Errorf("%s missing in %s (run `make cluster-deps`): %w", b, c.cfg.BinDir, err)
		}
	}
	for _, p := range []string{c.cfg.Runc, filepath.Join(c.cfg.CNIBinDir, "bridge"), filepath.Join(c.cfg.CNIBinDir, "host-local")} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%s missing (run `make cluster-deps`): %w", p, err)
		}
	}
	for _, tool := range []string{"iptables", "conntrack", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not on PATH (run `make cluster-deps`): %w", tool, err)
		}
	}
	ip, err := nodeIP()
	if err != nil {
		return err
	}
	c.NodeIP = ip
	_, podNet, err := net.ParseCIDR(c.cfg.PodCIDR)
	if err != nil {
		return fmt.Errorf("pod CIDR %q: %w", c.cfg.PodCIDR, err)
	}
	c.bridgeIP = nthIP(podNet, 1).String()
	_, svcNet, err := net.ParseCIDR(c.cfg.ServiceCIDR)
	if err != nil {
		return fmt.Errorf("service CIDR %q: %w", c.cfg.ServiceCIDR, err)
	}
	c.DNSIP = nthIP(svcNet, 10).String()
	c.ContainerdSocket = c.path("containerd/containerd.sock")
	// Pods reach Services through the bridge: bridged packets must pass iptables,
	// and the host must forward between the bridge and itself.
	for path, want := range map[string]string{
		"/proc/sys/net/ipv4/ip_forward":                 "1",
		"/proc/sys/net/bridge/bridge-nf-call-iptables":  "1",
		"/proc/sys/net/bridge/bridge-nf-call-ip6tables": "1",
		"/proc/sys/net/ipv4/conf/all/route_localnet":    "1",
	} {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			return fmt.Errorf("sysctl %s=%s: %w", path, want, err)
		}
	}
	// A run that was killed leaves its bridge, cgroups and rules behind: clear them.
	c.removeNodeLeftovers(ctx)
	if err := c.blockServiceLeaks(ctx); err != nil {
		return err
	}
	c.netnsBefore = listNetns()
	for _, d := range []string{"logs", "etcd", "containerd", "kubelet", "cni/net.d", "cni/ipam"} {
		if err := os.MkdirAll(c.path(d), 0o755); err != nil {
			return fmt.Errorf("mkdir %s: %w", d, err)
		}
	}
	ports, err := freePorts(4)
	if err != nil {
		return err
	}
	c.kubeletPort, c.kubeletHealthzPort, c.proxyHealthzPort, c.proxyMetricsPort = ports[0], ports[1], ports[2], ports[3]
	return nil
}

func (c *Cluster) writePKI(ctx context.Context) error {
	p, err := newPKI(c.path("pki"))
	if err != nil {
		return err
	}
	c.pki = p
	_, svcNet, _ := net.ParseCIDR(c.cfg.ServiceCIDR)
	hosts := []string{"127.0.0.1", c.NodeIP, nthIP(svcNet, 1).String(), "localhost", "kubernetes", "kubernetes.default",
		"kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}
	if _, _, err := p.issue("apiserver", "kube-apiserver", nil, hosts); err != nil {
		return err
	}
	if _, _, err := p.issue("apiserver-kubelet-client", "kube-apiserver-kubelet-client", []string{"system:masters"}, nil); err != nil {
		return err
	}
	if _, _, err := p.issue("kubelet-serving", "system:node:"+c.cfg.NodeName, []string{"system:nodes"}, []string{c.NodeIP, c.cfg.NodeName}); err != nil {
		return err
	}
	return p.serviceAccountKey("sa")
}

// kubeconfigs are written once the API server's address is known.
func (c *Cluster) writeKubeconfigs() error {
	ids := []struct{ name, user, group string }{
		{"admin", "turnpike-admin", "system:masters"},
		{"kubelet", "system:node:" + c.cfg.NodeName, "system:nodes"},
		{"kube-proxy", "system:kube-proxy", ""},
		{"kube-scheduler", "system:kube-scheduler", ""},
		{"kube-controller-manager", "system:kube-controller-manager", ""},
	}
	for _, id := range ids {
		var groups []string
		if id.group != "" {
			groups = []string{id.group}
		}
		path, err := c.pki.kubeconfig(id.name, c.APIServerURL, id.user, groups)
		if err != nil {
			return err
		}
		if id.name == "admin" {
			c.Kubeconfig = path
		}
	}
	return nil
}

func (c *Cluster) start(name, bin string, args ...string) (*proc, error) {
	env := []string{"PATH=" + c.cfg.BinDir + ":" + os.Getenv("PATH")}
	p, err := startProc(c.path("logs"), name, bin, args, env)
	if err != nil {
		return nil, err
	}
	c.procs = append(c.procs, p)
	return p, nil
}

func (c *Cluster) startControlPlane(ctx context.Context) error {
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	etcd, err := c.start("etcd", c.bin("etcd"),
		"--data-dir="+c.path("etcd"), "--name=default",
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=default="+peerURL, "--unsafe-no-fsync=true", "--log-level=warn")
	if err != nil {
		return err
	}
	apiPort := ports[2]
	c.APIServerURL = fmt.Sprintf("https://%s:%d", c.NodeIP, apiPort)
	pki := c.path("pki")
	api, err := c.start("kube-apiserver", c.bin("kube-apiserver"),
		"--etcd-servers="+etcdURL,
		"--bind-address=0.0.0.0", "--secure-port="+strconv.Itoa(apiPort), "--advertise-address="+c.NodeIP,
		"--service-cluster-ip-range="+c.cfg.ServiceCIDR,
		"--tls-cert-file="+pki+"/apiserver.crt", "--tls-private-key-file="+pki+"/apiserver.key",
		"--client-ca-file="+c.pki.CAFile,
		"--kubelet-client-certificate="+pki+"/apiserver-kubelet-client.crt",
		"--kubelet-client-key="+pki+"/apiserver-kubelet-client.key",
		"--kubelet-preferred-address-types=InternalIP",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+pki+"/sa.pub",
		"--service-account-signing-key-file="+pki+"/sa.key",
		"--authorization-mode=Node,RBAC",
		// PodSecurity is on by default; NodeRestriction confines the kubelet to its node.
		"--enable-admission-plugins=NodeRestriction",
		"--allow-privileged=true",
		"--cert-dir="+pki,
		"--profiling=false",
	)
	if err != nil {
		return err
	}
	if err := c.writeKubeconfigs(); err != nil {
		return err
	}
	rc, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return fmt.Errorf("admin kubeconfig: %w", err)
	}
	c.RESTConfig = rc
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return fmt.Errorf("admin client: %w", err)
	}
	c.Client = cs
	return poll(ctx, 90*time.Second, func() (bool, error) {
		for _, p := range []*proc{etcd, api} {
			if done, werr := p.exited(); done {
				return false, fmt.Errorf("%s exited (%v): %s", p.name, werr, p.tail(3000))
			}
		}
		body, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err == nil && string(body) == "ok", nil
	})
}

func (c *Cluster) ctr(ctx context.Context, args ...string) (string, error) {
	full := append([]string{"--address", c.ContainerdSocket, "--namespace", "k8s.io"}, args...)
	// stdout only: ctr warns about cgroup v1 on stderr at every call.
	var stderr strings.Builder
	cmd := exec.CommandContext(ctx, c.bin("ctr"), full...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("ctr %s: %w: %s", strings.Join(args, " "), err, lastLines(stderr.String(), 3))
	}
	return string(out), nil
}

// ImportImage loads an OCI image archive into the node's containerd (the k8s.io
// namespace the kubelet uses); pods then run it with imagePullPolicy Never or
// IfNotPresent.
func (c *Cluster) ImportImage(ctx context.Context, tar string) error {
	if _, err := c.ctr(ctx, "images", "import", tar); err != nil {
		return fmt.Errorf("import %s: %w", tar, err)
	}
	return nil
}

func (c *Cluster) startContainerd(ctx context.Context) error {
	if err := writeFile(c.path("containerd/config.toml"), c.containerdConfig()); err != nil {
		return err
	}
	if err := writeFile(c.path("cni/net.d/10-turnpike.conflist"), c.cniConfig()); err != nil {
		return err
	}
	p, err := c.start("containerd", c.bin("containerd"), "--config", c.path("containerd/config.toml"))
	if err != nil {
		return err
	}
	if err := poll(ctx, 30*time.Second, func() (bool, error) {
		if done, werr := p.exited(); done {
			return false, fmt.Errorf("containerd exited (%v): %s", werr, p.tail(3000))
		}
		_, err := c.ctr(ctx, "version")
		return err == nil, nil
	}); err != nil {
		return err
	}
	if c.cfg.PauseImageTar != "" {
		if err := c.ImportImage(ctx, c.cfg.PauseImageTar); err != nil {
			return fmt.Errorf("pause image: %w", err)
		}
	}
	return nil
}

func (c *Cluster) startKubelet(ctx context.Context) error {
	// The kubelet refuses a cgroup root that does not exist.
	for _, ctl := range cgroupControllers() {
		if err := os.MkdirAll(filepath.Join("/sys/fs/cgroup", ctl, c.cfg.CgroupRoot), 0o755); err != nil {
			return fmt.Errorf("cgroup root in %s: %w", ctl, err)
		}
	}
	// A new v1 cpuset cgroup starts with no CPUs and no memory nodes, and no
	// process can join it until they are set: copy the parent's.
	for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
		b, err := os.ReadFile(filepath.Join("/sys/fs/cgroup/cpuset", f))
		if err != nil {
			continue // no v1 cpuset hierarchy
		}
		if err := os.WriteFile(filepath.Join("/sys/fs/cgroup/cpuset", c.cfg.CgroupRoot, f), b, 0o644); err != nil {
			return fmt.Errorf("cgroup root %s: %w", f, err)
		}
	}
	if err := writeFile(c.path("resolv.conf"), ""); err != nil {
		return err
	}
	if err := writeFile(c.path("kubelet/config.yaml"), c.kubeletConfig()); err != nil {
		return err
	}
	_, err := c.start("kubelet", c.bin("kubelet"),
		"--config="+c.path("kubelet/config.yaml"),
		"--kubeconfig="+c.path("pki/kubelet.kubeconfig"),
		"--root-dir="+c.path("kubelet"),
		"--hostname-override="+c.cfg.NodeName,
		"--node-ip="+c.NodeIP,
		"--v=2")
	return err
}

func (c *Cluster) startNodeServices(ctx context.Context) error {
	if err := writeFile(c.path("kube-proxy.yaml"), c.kubeProxyConfig()); err != nil {
		return err
	}
	if _, err := c.start("kube-proxy", c.bin("kube-proxy"), "--config="+c.path("kube-proxy.yaml"), "--v=2"); err != nil {
		return err
	}
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	sched := c.path("pki/kube-scheduler.kubeconfig")
	if _, err := c.start("kube-scheduler", c.bin("kube-scheduler"),
		"--kubeconfig="+sched, "--authentication-kubeconfig="+sched, "--authorization-kubeconfig="+sched,
		"--leader-elect=false", "--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(ports[0])); err != nil {
		return err
	}
	kcm := c.path("pki/kube-controller-manager.kubeconfig")
	_, err = c.start("kube-controller-manager", c.bin("kube-controller-manager"),
		"--kubeconfig="+kcm, "--authentication-kubeconfig="+kcm, "--authorization-kubeconfig="+kcm,
		"--leader-elect=false", "--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(ports[1]),
		"--service-account-private-key-file="+c.path("pki/sa.key"),
		"--root-ca-file="+c.pki.CAFile,
		"--use-service-account-credentials=true",
		"--cluster-signing-cert-file="+c.pki.CAFile,
		"--cluster-signing-key-file="+c.path("pki/ca.key"),
		"--service-cluster-ip-range="+c.cfg.ServiceCIDR)
	return err
}

func (c *Cluster) waitNodeReady(ctx context.Context) error {
	return poll(ctx, 120*time.Second, func() (bool, error) {
		for _, p := range c.procs {
			if done, werr := p.exited(); done {
				return false, fmt.Errorf("%s exited (%v): %s", p.name, werr, p.tail(4000))
			}
		}
		n, err := c.Client.CoreV1().Nodes().Get(ctx, c.cfg.NodeName, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
}

// Log returns the path of a component's log file (etcd, kube-apiserver, containerd,
// kubelet, kube-proxy, kube-scheduler, kube-controller-manager).
func (c *Cluster) Log(component string) string { return c.path("logs/" + component + ".log") }

func poll(ctx context.Context, timeout time.Duration, cond func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready after %v: %w", timeout, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// nodeIP is the IPv4 address of the interface that holds the default route: pods
// reach the API server and cluster DNS there.
func nodeIP() (string, error) {
	conn, err := net.Dial("udp4", "192.0.2.1:9") // no packet is sent for UDP dial
	if err == nil {
		defer conn.Close()
		if a, ok := conn.LocalAddr().(*net.UDPAddr); ok && !a.IP.IsLoopback() {
			return a.IP.String(), nil
		}
	}
	addrs, aerr := net.InterfaceAddrs()
	if aerr != nil {
		return "", fmt.Errorf("node IP: %w", aerr)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			return n.IP.String(), nil
		}
	}
	return "", fmt.Errorf("node IP: no non-loopback IPv4 address (dial: %v)", err)
}

func nthIP(n *net.IPNet, i int) net.IP {
	ip := make(net.IP, len(n.IP.To4()))
	copy(ip, n.IP.To4())
	v := uint32(ip[0])<<24 | uint32(ip[1])<<16 | uint32(ip[2])<<8 | uint32(ip[3])
	v += uint32(i)
	return net.IPv4(byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for len(ports) < n {
		l, err := net.Listen("tcp", "0.0.0.0:0")
		if err != nil {
			return nil, fmt.Errorf("free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
