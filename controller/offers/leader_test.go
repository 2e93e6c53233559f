package offers_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/retry"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/manager"
	"github.com/turnpike-x402/turnpike/controller/offers"
	"github.com/turnpike-x402/turnpike/controller/render"
	"github.com/turnpike-x402/turnpike/internal/testutil"
)

// The leader-election test runs the controller as separate OS processes: this test
// binary re-executed with TURNPIKE_TEST_CONTROLLER set, running the same
// manager.Run as `turnpike controller`.
const childEnv = "TURNPIKE_TEST_CONTROLLER"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	ctrllog.SetLogger(logr.Discard())
	os.Exit(m.Run())
}

func runChild() int {
	// JSON logs on stderr, as the real binary writes them; the test reads them.
	ctrllog.SetLogger(logr.FromSlogHandler(slog.NewJSONHandler(os.Stderr, nil)))
	cfg, err := clientcmd.BuildConfigFromFlags("", os.Getenv("TEST_KUBECONFIG"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	err = manager.Run(ctx, manager.Options{
		Config:                  cfg,
		Settings:                settings(),
		MetricsAddress:          "0",
		HealthAddress:           "0",
		LeaderElect:             true,
		LeaderElectionNamespace: systemNS,
		LeaderElectionID:        "turnpike-controller",
		Identity:                os.Getenv(childEnv),
		LeaseDuration:           3 * time.Second,
		RenewDeadline:           2 * time.Second,
		RetryPeriod:             500 * time.Millisecond,
		HealthBaseURL:           os.Getenv("TEST_HEALTH_URL"),
		DiscoveryAddress:        os.Getenv("TEST_DISCOVERY_ADDR"),
		RecheckAfter:            2 * time.Second,
		RetryAfter:              time.Second,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "controller exited:", err)
		return 1
	}
	return 0
}

type child struct {
	id        string
	discovery string
	cmd       *exec.Cmd
	done      chan error
	mu        sync.Mutex
	log       strings.Builder
}

func startChild(t *testing.T, cp *controlPlane, healthURL, id string) *child {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{id: id, done: make(chan error, 1), discovery: testutil.FreeAddr(t)}
	c.cmd = exec.Command(exe, "-test.run=^$")
	c.cmd.Env = append(os.Environ(), childEnv+"="+id, "TEST_KUBECONFIG="+cp.kubeconfig, "TEST_HEALTH_URL="+healthURL,
		"TEST_DISCOVERY_ADDR="+c.discovery)
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			c.mu.Lock()
			c.log.WriteString(sc.Text() + "\n")
			c.mu.Unlock()
		}
		c.done <- c.cmd.Wait()
	}()
	t.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			_ = c.cmd.Process.Kill()
			<-c.done
		}
		if t.Failed() {
			c.mu.Lock()
			t.Logf("--- controller %s log (tail) ---\n%s", id, tail(c.log.String(), 4000))
			c.mu.Unlock()
		}
	})
	return c
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

func (cp *controlPlane) leaseHolder(t *testing.T) string {
	t.Helper()
	var l coordinationv1.Lease
	if err := cp.c.Get(context.Background(), types.NamespacedName{Namespace: systemNS, Name: "turnpike-controller"}, &l); err != nil {
		return ""
	}
	if l.Spec.HolderIdentity == nil {
		return ""
	}
	return *l.Spec.HolderIdentity
}

// TestLeaderElection runs two controller processes: one leads, the other stands by
// and does nothing; killing the leader hands over to the other without repeating
// side effects; a leader that loses its Lease exits.
func TestLeaderElection(t *testing.T) {
	cp := startControlPlane(t)
	up, _ := upstream(t)
	ctx := context.Background()
	cp.namespace(t, "shop")
	cp.service(t, "shop", "api")

	a := startChild(t, cp, up.URL, "controller-a")
	testutil.EventuallyNoError(t, 60*time.Second, "controller-a leads", func() error {
		if h := cp.leaseHolder(t); h != "controller-a" {
			return fmt.Errorf("holder %q", h)
		}
		return nil
	})
	b := startChild(t, cp, up.URL, "controller-b")

	if err := cp.c.Create(ctx, newOffer("shop", "first")); err != nil {
		t.Fatal(err)
	}
	cp.condition(t, "shop", "first", v1alpha1.ConditionReady, metav1.ConditionTrue, offers.ReasonServing)
	// Let both processes run for a while with the offer in place (several rechecks).
	time.Sleep(5 * time.Second)
	if h := cp.leaseHolder(t); h != "controller-a" {
		t.Fatalf("leadership moved without a reason: %q", h)
	}
	b.mu.Lock()
	standbyLog := b.log.String()
	b.mu.Unlock()
	if strings.Contains(standbyLog, `"reconcileID"`) || strings.Contains(standbyLog, "Starting workers") {
		t.Fatalf("the standby reconciled while not leading:\n%s", tail(standbyLog, 2000))
	}
	// The standby serves the discovery documents from its own cache.
	testutil.EventuallyNoError(t, 10*time.Second, "standby serves services.json", func() error {
		resp, err := http.Get("http://" + b.discovery + "/api/services.json")
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), `"name": "first"`) {
			return fmt.Errorf("%d %s", resp.StatusCode, body)
		}
		return nil
	})
	gen := generation(t, cp)
	mw, err := cp.child(render.MiddlewareGVK, "shop", "first")
	if err != nil {
		t.Fatal(err)
	}
	mwVersion := mw.GetResourceVersion()

	// Kill the leader without letting it release the Lease.
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-a.done
	killed := time.Now()
	testutil.EventuallyNoError(t, 30*time.Second, "controller-b takes over", func() error {
		if h := cp.leaseHolder(t); h != "controller-b" {
			return fmt.Errorf("holder %q", h)
		}
		return nil
	})
	t.Logf("takeover %s after the kill", time.Since(killed).Round(100*time.Millisecond))

	// The new leader works...
	if err := cp.c.Create(ctx, newOffer("shop", "second", func(o *v1alpha1.ServiceOffer) { o.Spec.Path = "/services/second" })); err != nil {
		t.Fatal(err)
	}
	cp.condition(t, "shop", "second", v1alpha1.ConditionReady, metav1.ConditionTrue, offers.ReasonServing)
	// ...and re-reconciling everything repeated nothing: one new offer is exactly one
	// new generation, and the first offer's Middleware was not rewritten.
	time.Sleep(3 * time.Second)
	if g := generation(t, cp); g != gen+1 {
		t.Fatalf("routes generation %d -> %d across the takeover; want exactly one step for the new offer", gen, g)
	}
	mw, err = cp.child(render.MiddlewareGVK, "shop", "first")
	if err != nil {
		t.Fatal(err)
	}
	if mw.GetResourceVersion() != mwVersion {
		t.Fatalf("Middleware rewritten by the new leader: resourceVersion %s -> %s", mwVersion, mw.GetResourceVersion())
	}
	if err := countEvents(cp, "shop", "first", offers.ReasonServing, v1alpha1.ConditionReady, 1); err != nil {
		t.Fatal(err)
	}

	// A leader whose Lease is taken exits instead of carrying on. The leader renews
	// the Lease every few seconds, so the takeover is retried on a conflict.
	intruder, long := "intruder", int32(3600)
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var l coordinationv1.Lease
		if err := cp.c.Get(ctx, types.NamespacedName{Namespace: systemNS, Name: "turnpike-controller"}, &l); err != nil {
			return err
		}
		now := metav1.NewMicroTime(time.Now())
		l.Spec.HolderIdentity, l.Spec.LeaseDurationSeconds, l.Spec.RenewTime, l.Spec.AcquireTime = &intruder, &long, &now, &now
		return cp.c.Update(ctx, &l)
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-b.done:
		if err == nil {
			t.Fatal("controller-b exited 0 after losing its lease; want a failure exit")
		}
		b.mu.Lock()
		logText := b.log.String()
		b.mu.Unlock()
		if !strings.Contains(logText, "leader election lost") {
			t.Fatalf("exit without the reason in the log:\n%s", tail(logText, 2000))
		}
	case <-time.After(30 * time.Second):
		t.Fatal("controller-b kept running after losing its lease")
	}
}

func countEvents(cp *controlPlane, ns, name, reason, action string, want int) error {
	var n int
	var list []string
	evs, err := listEvents(cp, ns)
	if err != nil {
		return err
	}
	for _, e := range evs {
		if e.Regarding.Name == name {
			list = append(list, e.Reason+"/"+e.Action)
			if e.Reason == reason && e.Action == action {
				n++
			}
		}
	}
	if n != want {
		return fmt.Errorf("%d %s/%s events for %s, want %d (all: %v)", n, reason, action, name, want, list)
	}
	return nil
}
