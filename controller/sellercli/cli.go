// Package sellercli is the seller's command line over ServiceOffers: `turnpike sell`
// writes an offer with server-side apply (its own field manager, so what kubectl or
// another tool set on the same object survives), `turnpike offers` shows every offer
// at a glance with the revenue the gate's metrics report, and `turnpike drain` starts
// or cancels a drain. The cluster stays the source of truth: nothing is stored
// locally, and every command is a thin view over the ServiceOffer API.
//
// It lives under controller/ so its tests can run against the real kube-apiserver of
// controller/internal/kubetest.
package sellercli

import (
	"flag"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/turnpike-x402/turnpike/controller/api/v1alpha1"

	"github.com/turnpike-x402/turnpike/internal/cliflags"
)

// FieldManager owns the fields `turnpike sell` and `turnpike drain` write. Fields
// other managers (kubectl edit, a GitOps tool) set are theirs and left alone.
const FieldManager = "turnpike-cli"

// UsageError is a mistake in the command line itself: the caller exits 2 and points
// at -h. It is the one type every turnpike command uses (internal/cliflags).
type UsageError = cliflags.UsageError

var (
	usagef    = cliflags.Usagef
	newFlags  = cliflags.New
	parseArgs = cliflags.ParseInterleaved
)

// kubeFlags are the cluster flags every command shares.
type kubeFlags struct {
	kubeconfig string
	namespace  string
}

func (k *kubeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&k.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster)")
	fs.StringVar(&k.namespace, "n", "", "namespace (default: the kubeconfig context's, else default)")
	fs.StringVar(&k.namespace, "namespace", "", "same as -n")
}

// clientConfig loads the kubeconfig the way kubectl does: --kubeconfig, else
// $KUBECONFIG, else ~/.kube/config, else the in-cluster service account.
func (k *kubeFlags) clientConfig() clientcmd.ClientConfig {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = k.kubeconfig
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{})
}

// resolveNamespace is -n, else the kubeconfig context's namespace, else "default".
// A missing kubeconfig is not an error here: `sell -o yaml` works without a cluster.
func (k *kubeFlags) resolveNamespace() string {
	if k.namespace != "" {
		return k.namespace
	}
	if ns, _, err := k.clientConfig().Namespace(); err == nil && ns != "" {
		return ns
	}
	return "default"
}

// client connects to the cluster with a scheme that knows ServiceOffers.
func (k *kubeFlags) client() (client.Client, error) {
	cfg, err := k.clientConfig().ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubernetes config: %w", err)
	}
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{v1alpha1.AddToScheme, corev1.AddToScheme} {
		if err := add(scheme); err != nil {
			return nil, fmt.Errorf("scheme: %w", err)
		}
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	return c, nil
}

// outputFlag is -o: empty (people), yaml or json.
type outputFlag struct {
	value   string
	allowed []string
}

func (o *outputFlag) String() string { return o.value }

func (o *outputFlag) Set(s string) error {
	for _, a := range o.allowed {
		if s == a {
			o.value = s
			return nil
		}
	}
	return fmt.Errorf("must be %s", strings.Join(o.allowed, " or "))
}
