package cluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Stop tears the cluster down so that the next Start finds the machine as it was:
// pods are stopped through the kubelet first (so CNI releases their network), then
// any container left is killed through containerd, then the processes stop, and
// mounts, network namespaces, iptables chains, the bridge and the cgroups go.
// It returns every failure it saw, and keeps going after each.
func (c *Cluster) Stop(ctx context.Context) error {
	var errs []error
	// No controller may recreate what is being deleted.
	errs = c.stopProcs(errs, "kube-controller-manager", "kube-scheduler")
	if c.running("kubelet") && c.Client != nil {
		if err := c.drainPods(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	errs = c.stopProcs(errs, "kubelet", "kube-proxy")
	if c.running("containerd") {
		if err := c.killContainers(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	errs = c.stopProcs(errs, "containerd")
	if c.dns != nil {
		c.dns.stop()
	}
	errs = c.stopProcs(errs, "kube-apiserver", "etcd")
	if c.cfg.Dir != "" {
		if err := unmountUnder(c.cfg.Dir); err != nil {
			errs = append(errs, err)
		}
	}
	c.removeNodeLeftovers(ctx)
	if c.netnsBefore != nil {
		for name := range listNetns() {
			if c.netnsBefore[name] || !strings.HasPrefix(name, "cni-") {
				continue
			}
			p := filepath.Join("/var/run/netns", name)
			_ = syscall.Unmount(p, syscall.MNT_DETACH)
			if err := os.Remove(p); err != nil {
				errs = append(errs, fmt.Errorf("remove network namespace %s: %w", p, err))
			}
		}
	}
	return errors.Join(errs...)
}

func (c *Cluster) running(name string) bool {
	for _, p := range c.procs {
		if p.name == name {
			done, _ := p.exited()
			return !done
		}
	}
	return false
}

func (c *Cluster) stopProcs(errs []error, names ...string) []error {
	for _, name := range names {
		for _, p := range c.procs {
			if p.name != name {
				continue
			}
			if err := p.stop(15 * time.Second); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errs
}

// drainPods deletes every pod and waits for the kubelet to confirm each one gone,
// which is when their sandboxes are stopped and CNI has released their addresses.
func (c *Cluster) drainPods(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	nss, err := c.Client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("drain: list namespaces: %w", err)
	}
	zero := int64(0)
	for _, ns := range nss.Items {
		err := c.Client.CoreV1().Pods(ns.Name).DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: &zero}, metav1.ListOptions{})
		if err != nil {
			return fmt.Errorf("drain: delete pods in %s: %w", ns.Name, err)
		}
	}
	// Force deletion removes the objects at once; the kubelet then stops what still
	// runs. Wait until containerd has no running task left.
	return poll(ctx, 45*time.Second, func() (bool, error) {
		out, err := c.ctr(ctx, "tasks", "ls", "-q")
		if err != nil {
			return false, nil
		}
		return strings.TrimSpace(out) == "", nil
	})
}

// killContainers removes what the kubelet did not: tasks are killed and deleted,
// then their containers, so the shims exit and release their mounts.
func (c *Cluster) killContainers(ctx context.Context) error {
	var errs []error
	out, err := c.ctr(ctx, "tasks", "ls", "-q")
	if err != nil {
		return err
	}
	for _, id := range strings.Fields(out) {
		if _, err := c.ctr(ctx, "tasks", "kill", "-s", "SIGKILL", id); err != nil {
			errs = append(errs, err)
		}
	}
	for _, id := range strings.Fields(out) {
		for i := 0; i < 50; i++ {
			if _, err := c.ctr(ctx, "tasks", "delete", "-f", id); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	out, err = c.ctr(ctx, "containers", "ls", "-q")
	if err != nil {
		return err
	}
	for _, id := range strings.Fields(out) {
		if _, err := c.ctr(ctx, "containers", "delete", id); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// removeNodeLeftovers clears what a node leaves outside its folder: kube-proxy's
// iptables chains, the CNI bridge and the pod cgroups. Safe when none exist.
func (c *Cluster) removeNodeLeftovers(ctx context.Context) {
	c.unblockServiceLeaks(ctx)
	if kp := c.bin("kube-proxy"); fileExists(kp) {
		cmd := exec.CommandContext(ctx, kp, "--cleanup")
		if out, err := cmd.CombinedOutput(); err != nil {
			c.logf("cluster: kube-proxy --cleanup: %v: %s", err, lastLines(string(out), 5))
		}
	}
	if _, err := os.Stat(filepath.Join("/sys/class/net", c.cfg.Bridge)); err == nil {
		if out, err := exec.CommandContext(ctx, "ip", "link", "delete", c.cfg.Bridge).CombinedOutput(); err != nil {
			c.logf("cluster: delete bridge %s: %v: %s", c.cfg.Bridge, err, out)
		}
	}
	for _, ctl := range cgroupControllers() {
		root := filepath.Join("/sys/fs/cgroup", ctl, c.cfg.CgroupRoot)
		if err := removeCgroupTree(root); err != nil {
			c.logf("cluster: %v", err)
		}
	}
}

// removeCgroupTree kills whatever still runs in the tree (only our pods can live
// there) and removes it bottom-up.
func removeCgroupTree(root string) error {
	if !fileExists(root) {
		return nil
	}
	var dirs []string
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	var errs []error
	for _, d := range dirs {
		for i := 0; i < 50; i++ {
			pids := readPids(filepath.Join(d, "cgroup.procs"))
			for _, pid := range pids {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			if err := syscall.Rmdir(d); err == nil || errors.Is(err, syscall.ENOENT) {
				break
			} else if i == 49 {
				errs = append(errs, fmt.Errorf("remove cgroup %s: %w", d, err))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return errors.Join(errs...)
}

func readPids(path string) []int {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			pids = append(pids, n)
		}
	}
	return pids
}

// cgroupControllers lists the cgroup v1 hierarchies mounted under /sys/fs/cgroup
// (the kubelet creates its pod cgroups in each).
func cgroupControllers() []string {
	var out []string
	for _, m := range mounts() {
		if m.fstype == "cgroup" && strings.HasPrefix(m.point, "/sys/fs/cgroup/") {
			out = append(out, strings.TrimPrefix(m.point, "/sys/fs/cgroup/"))
		}
	}
	return out
}

type mount struct{ point, fstype string }

func mounts() []mount {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []mount
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		sep := -1
		for i, f := range fields {
			if f == "-" {
				sep = i
				break
			}
		}
		if len(fields) < 5 || sep < 0 || sep+1 >= len(fields) {
			continue
		}
		out = append(out, mount{point: unescapeMount(fields[4]), fstype: fields[sep+1]})
	}
	return out
}

// unescapeMount decodes the octal escapes (\040 for a space) of mountinfo.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unmountUnder lazily unmounts everything mounted below dir, deepest first
// (kubelet volumes, container root filesystems, sandbox /dev/shm).
func unmountUnder(dir string) error {
	prefix := filepath.Clean(dir) + "/"
	var points []string
	for _, m := range mounts() {
		if strings.HasPrefix(m.point, prefix) {
			points = append(points, m.point)
		}
	}
	sort.Slice(points, func(i, j int) bool { return len(points[i]) > len(points[j]) })
	var errs []error
	for _, p := range points {
		if err := syscall.Unmount(p, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOENT) {
			errs = append(errs, fmt.Errorf("unmount %s: %w", p, err))
		}
	}
	return errors.Join(errs...)
}

func listNetns() map[string]bool {
	out := map[string]bool{}
	entries, err := os.ReadDir("/var/run/netns")
	if err != nil {
		return out
	}
	for _, e := range entries {
		out[e.Name()] = true
	}
	return out
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
