//go:build e2e

package cluster

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/turnpike-x402/turnpike/internal/testenv"
)

const (
	pauseImage = "turnpike.local/pause:v1"
	smokeImage = "turnpike.local/smoke:v1"
)

// TestClusterSmoke starts the one-node cluster twice (the second start proves that
// teardown left nothing behind that breaks a rerun, and measures a warm start); each
// time it runs a restricted Deployment behind a Service and reaches it through the
// ClusterIP from the host and by DNS name from another pod.
func TestClusterSmoke(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("the cluster smoke test needs root (mounts, cgroups, iptables)")
	}
	images := t.TempDir()
	app := filepath.Join(images, "smokeapp")
	build := exec.Command("go", "build", "-trimpath", "-o", app, "./testdata/smokeapp")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build smokeapp: %v\n%s", err, out)
	}
	bin, err := os.ReadFile(app)
	if err != nil {
		t.Fatal(err)
	}
	pauseTar, smokeTar := filepath.Join(images, "pause.tar"), filepath.Join(images, "smoke.tar")
	if err := writeOCIArchive(pauseTar, pauseImage, bin, "pause"); err != nil {
		t.Fatalf("pause image: %v", err)
	}
	if err := writeOCIArchive(smokeTar, smokeImage, bin); err != nil {
		t.Fatalf("smoke image: %v", err)
	}
	for round := 1; round <= 2; round++ {
		t.Run(fmt.Sprintf("round%d", round), func(t *testing.T) {
			smokeRound(t, pauseTar, smokeTar)
		})
		if t.Failed() {
			return
		}
	}
}

func smokeRound(t *testing.T, pauseTar, smokeTar string) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	t0 := time.Now()
	c, err := Start(ctx, Config{
		Dir:           dir,
		BinDir:        testenv.BinDir(),
		PauseImage:    pauseImage,
		PauseImageTar: pauseTar,
		Runc:          os.Getenv("TURNPIKE_RUNC"),
		Logf:          t.Logf,
	})
	if err != nil {
		t.Fatalf("start: %v (logs in %s)", err, filepath.Join(dir, "logs"))
	}
	started := time.Since(t0)
	t.Logf("cluster started in %v: %v", started.Round(time.Millisecond), c.Timings)
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			if err := c.Stop(context.Background()); err != nil {
				t.Errorf("stop: %v", err)
			}
		}
	})
	if err := c.ImportImage(ctx, smokeTar); err != nil {
		t.Fatal(err)
	}

	ns := "smoke"
	_, err = c.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: ns,
		Labels: map[string]string{
			"pod-security.kubernetes.io/enforce":         "restricted",
			"pod-security.kubernetes.io/enforce-version": "latest",
		},
	}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("namespace: %v", err)
	}

	// The controller-manager creates the namespace's default service account; pods
	// are refused until it exists.
	if err := poll(ctx, 30*time.Second, func() (bool, error) {
		_, err := c.Client.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	}); err != nil {
		t.Fatalf("default service account in %s: %v", ns, err)
	}

	// Pod Security must refuse a pod that is not restricted, or the check proves nothing.
	_, err = c.Client.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "not-restricted"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: smokeImage, Args: []string{"pause"}}}},
	}, metav1.CreateOptions{})
	if err == nil || !strings.Contains(err.Error(), "violates PodSecurity") {
		t.Fatalf("a non-restricted pod was not refused by Pod Security: %v", err)
	}

	labels := map[string]string{"app": "web"}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(int32(2)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: restrictedPod(corev1.Container{
					Name: "web", Image: smokeImage, ImagePullPolicy: corev1.PullNever,
					Args:  []string{"serve", ":8080"},
					Ports: []corev1.ContainerPort{{ContainerPort: 8080}},
					ReadinessProbe: &corev1.Probe{
						ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromInt32(8080)}},
						PeriodSeconds: 1,
					},
				}),
			},
		},
	}
	if _, err := c.Client.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatalf("deployment: %v", err)
	}
	svc, err := c.Client.CoreV1().Services(ns).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec:       corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("service: %v", err)
	}
	t1 := time.Now()
	err = poll(ctx, 90*time.Second, func() (bool, error) {
		d, err := c.Client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		return err == nil && d.Status.ReadyReplicas == 2, nil
	})
	if err != nil {
		t.Fatalf("deployment never ready: %v\n%s\ncontainerd: %s\nkubelet: %s", err, c.describe(ctx, ns),
			grepLog(c.Log("containerd"), "level=error", 5), grepLog(c.Log("kubelet"), "E1", 5))
	}
	t.Logf("deployment ready in %v (%v after Start was called)", time.Since(t1).Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))

	// From the host, through kube-proxy's rules for the ClusterIP.
	url := fmt.Sprintf("http://%s/", svc.Spec.ClusterIP)
	t2 := time.Now()
	var body string
	err = poll(ctx, 30*time.Second, func() (bool, error) {
		resp, err := http.Get(url)
		if err != nil {
			return false, nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		return resp.StatusCode == 200, nil
	})
	if err != nil || !strings.HasPrefix(body, "hello from web-") {
		t.Fatalf("GET %s from the host: %v, body %q", url, err, body)
	}
	t.Logf("ClusterIP %s answered the host in %v", svc.Spec.ClusterIP, time.Since(t2).Round(time.Millisecond))

	// From a pod, by name: cluster DNS, then the ClusterIP.
	client := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "client"},
		Spec: restrictedPod(corev1.Container{
			Name: "get", Image: smokeImage, ImagePullPolicy: corev1.PullNever,
			Args: []string{"get", "http://web." + ns + ".svc.cluster.local/", "hello from web-"},
		}),
	}
	client.Spec.RestartPolicy = corev1.RestartPolicyNever
	t3 := time.Now()
	if _, err := c.Client.CoreV1().Pods(ns).Create(ctx, client, metav1.CreateOptions{}); err != nil {
		t.Fatalf("client pod: %v", err)
	}
	var pod *corev1.Pod
	err = poll(ctx, 90*time.Second, func() (bool, error) {
		p, err := c.Client.CoreV1().Pods(ns).Get(ctx, "client", metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		pod = p
		return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed, nil
	})
	if err != nil || pod.Status.Phase != corev1.PodSucceeded {
		t.Fatalf("client pod by DNS name: %v, %s\n%s", err, termination(pod), c.describe(ctx, ns))
	}
	t.Logf("client pod by DNS name, created to Succeeded in %v: %s", time.Since(t3).Round(time.Millisecond), termination(pod))

	t4 := time.Now()
	stopped = true
	if err := c.Stop(context.Background()); err != nil {
		t.Fatalf("stop: %v", err)
	}
	t.Logf("stopped in %v", time.Since(t4).Round(time.Millisecond))
	assertClean(t, c)
}

func restrictedPod(ctr corev1.Container) corev1.PodSpec {
	ctr.SecurityContext = &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr.To(false),
		ReadOnlyRootFilesystem:   ptr.To(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
	return corev1.PodSpec{
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot:   ptr.To(true),
			RunAsUser:      ptr.To(int64(65532)),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		Containers:                    []corev1.Container{ctr},
		TerminationGracePeriodSeconds: ptr.To(int64(2)),
	}
}

func termination(p *corev1.Pod) string {
	if p == nil {
		return "no pod"
	}
	var parts []string
	for _, s := range p.Status.ContainerStatuses {
		if s.State.Terminated != nil {
			parts = append(parts, fmt.Sprintf("%s exit %d: %s", s.Name, s.State.Terminated.ExitCode, s.State.Terminated.Message))
		} else {
			parts = append(parts, fmt.Sprintf("%s %+v", s.Name, s.State))
		}
	}
	return fmt.Sprintf("phase %s %s", p.Status.Phase, strings.Join(parts, "; "))
}

// describe summarizes pods and recent events, for failure messages.
func (c *Cluster) describe(ctx context.Context, ns string) string {
	var b strings.Builder
	pods, _ := c.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if pods != nil {
		for i := range pods.Items {
			fmt.Fprintf(&b, "pod %s: %s\n", pods.Items[i].Name, termination(&pods.Items[i]))
		}
	}
	evs, _ := c.Client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	if evs != nil {
		for _, e := range evs.Items {
			fmt.Fprintf(&b, "event %s %s: %s\n", e.InvolvedObject.Name, e.Reason, e.Message)
		}
	}
	return b.String()
}

// assertClean checks that Stop left nothing on the machine a rerun would trip on.
func assertClean(t *testing.T, c *Cluster) {
	t.Helper()
	if _, err := os.Stat(filepath.Join("/sys/class/net", c.cfg.Bridge)); err == nil {
		t.Errorf("bridge %s still exists", c.cfg.Bridge)
	}
	for _, ctl := range cgroupControllers() {
		if p := filepath.Join("/sys/fs/cgroup", ctl, c.cfg.CgroupRoot); fileExists(p) {
			t.Errorf("cgroup %s still exists", p)
		}
	}
	for _, m := range mounts() {
		if strings.HasPrefix(m.point, c.cfg.Dir+"/") {
			t.Errorf("still mounted: %s", m.point)
		}
	}
	out, err := exec.Command("iptables", "-t", "nat", "-S").CombinedOutput()
	if err != nil {
		t.Errorf("iptables -t nat -S: %v: %s", err, out)
	} else if strings.Contains(string(out), "KUBE-SERVICES") {
		t.Errorf("kube-proxy's chains are still in the nat table:\n%s", lastLines(string(out), 10))
	}
}

// grepLog returns the last n lines of a log file that contain substr.
func grepLog(path, substr string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	var hits []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, substr) {
			hits = append(hits, l)
		}
	}
	if len(hits) > n {
		hits = hits[len(hits)-n:]
	}
	return strings.Join(hits, "\n")
}
