package onchain_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/discovery"
	"github.com/turnpike-x402/turnpike/controller/erc8004"
	"github.com/turnpike-x402/turnpike/controller/internal/kubetest"
	"github.com/turnpike-x402/turnpike/controller/manager"
	"github.com/turnpike-x402/turnpike/controller/onchain"
	"github.com/turnpike-x402/turnpike/controller/render"
	"github.com/turnpike-x402/turnpike/devchain"
	"github.com/turnpike-x402/turnpike/internal/testutil"
)

const agentURI = "https://api.example.com/.well-known/agent-registration.json"

func offer(name string, info devchain.Info, mut ...func(*v1alpha1.ServiceOffer)) *v1alpha1.ServiceOffer {
	dec := int32(info.Token.Decimals)
	o := &v1alpha1.ServiceOffer{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name},
		Spec: v1alpha1.ServiceOfferSpec{
			Upstream: v1alpha1.UpstreamSpec{Service: "api", Port: 8080},
			// No Gateway here: an IngressRoute counts once applied.
			Route: v1alpha1.RouteSpec{Kind: v1alpha1.RouteKindIngressRoute},
			Payment: v1alpha1.PaymentSpec{
				PayTo: "0x1111111111111111111111111111111111111111",
				Accepts: []v1alpha1.PaymentOption{{
					Network: info.Network, Amount: "1000",
					Asset: v1alpha1.AssetSpec{Address: info.Token.Address.Hex(), Symbol: info.Token.Symbol, Decimals: &dec,
						EIP712Name: info.Token.Name, EIP712Version: info.Token.Version},
				}},
			},
			Registration: &v1alpha1.RegistrationSpec{Enabled: true, Name: "Chain test seller", SupportedTrust: []string{"reputation"}},
		},
	}
	for _, m := range mut {
		m(o)
	}
	return o
}

func waitCond(t *testing.T, k *kubetest.Cluster, name, typ string, status metav1.ConditionStatus, reason string) *v1alpha1.ServiceOffer {
	t.Helper()
	var o v1alpha1.ServiceOffer
	testutil.EventuallyNoError(t, 30*time.Second, fmt.Sprintf("%s %s=%s/%s", name, typ, status, reason), func() error {
		if err := k.Client.Get(context.Background(), types.NamespacedName{Namespace: "shop", Name: name}, &o); err != nil {
			return err
		}
		c := meta.FindStatusCondition(o.Status.Conditions, typ)
		if c == nil || c.Status != status || (reason != "" && c.Reason != reason) {
			return fmt.Errorf("condition %+v", c)
		}
		return nil
	})
	return &o
}

// TestRegistrationOnChain runs the controller against a real API server and the
// in-process dev chain with the ERC-8004 registry: a registration signed and persisted
// by a controller that then crashed is finished with that very transaction, a second
// offer shares the agent without a second transaction, the registration file carries
// the agent, and a token whose EIP-712 domain does not match the offer is refused.
func TestRegistrationOnChain(t *testing.T) {
	ctx := context.Background()
	chain, k, key, upURL := startWorld(t)
	info := chain.Info()
	owner := crypto.PubkeyToAddress(key.PublicKey)

	// A controller signed alpha's registration, persisted it and crashed before
	// broadcasting: the status holds the raw transaction in phase Signed.
	other, err := erc8004.New(ctx, chain.Client(), info.Registry.Address, key, erc8004.Options{})
	if err != nil {
		t.Fatal(err)
	}
	stx, existing, err := other.PrepareRegister(ctx, agentURI)
	if err != nil || existing != nil {
		t.Fatalf("prepare: %v %v", err, existing)
	}
	alpha := offer("alpha", info)
	if err := k.Client.Create(ctx, alpha); err != nil {
		t.Fatal(err)
	}
	alpha.Status.Registration = &v1alpha1.RegistrationStatus{
		Chain: info.Network, Registry: info.Registry.AgentRegistry, Owner: owner.Hex(),
		SignedTx: stx.Raw, TxHash: stx.Hash, Phase: onchain.PhaseSigned, AgentURI: agentURI,
	}
	if err := k.Client.Status().Update(ctx, alpha); err != nil {
		t.Fatal(err)
	}
	if n, _ := chain.Client().NonceAt(ctx, owner, nil); n != 0 {
		t.Fatalf("owner nonce %d before the controller ran", n)
	}

	addrs := runController(t, k, chain, key, upURL)

	t.Run("a persisted registration is finished with the same transaction", func(t *testing.T) {
		o := waitCond(t, k, "alpha", v1alpha1.ConditionRegistered, metav1.ConditionTrue, "Registered")
		r := o.Status.Registration
		if r.TxHash != stx.Hash || r.AgentID == "" || r.Phase != onchain.PhaseRegistered || r.SignedTx != "" || r.AgentURI != agentURI {
			t.Fatalf("registration status %+v (want tx %s)", r, stx.Hash)
		}
		if n, _ := chain.Client().NonceAt(ctx, owner, nil); n != 1 {
			t.Fatalf("owner sent %d transactions, want exactly 1", n)
		}
		found, err := other.Lookup(ctx)
		if err != nil || found == nil || found.AgentID.String() != r.AgentID {
			t.Fatalf("on chain: %+v %v, status agent %s", found, err, r.AgentID)
		}
		waitCond(t, k, "alpha", v1alpha1.ConditionReady, metav1.ConditionTrue, "Serving")
	})

	t.Run("a second offer shares the agent without a transaction", func(t *testing.T) {
		if err := k.Client.Create(ctx, offer("beta", info, func(o *v1alpha1.ServiceOffer) { o.Spec.Path = "/services/beta" })); err != nil {
			t.Fatal(err)
		}
		b := waitCond(t, k, "beta", v1alpha1.ConditionReady, metav1.ConditionTrue, "Serving")
		a := waitCond(t, k, "alpha", v1alpha1.ConditionReady, metav1.ConditionTrue, "Serving")
		if b.Status.Registration.AgentID != a.Status.Registration.AgentID {
			t.Fatalf("agents differ: %s vs %s", b.Status.Registration.AgentID, a.Status.Registration.AgentID)
		}
		if n, _ := chain.Client().NonceAt(ctx, owner, nil); n != 1 {
			t.Fatalf("owner nonce %d, want 1: the second offer must not register again", n)
		}
	})

	t.Run("the registration file carries the agent", func(t *testing.T) {
		resp, err := http.Get("http://" + addrs.Discovery + discovery.PathRegistration)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var f discovery.RegistrationFile
		if err := json.Unmarshal(body, &f); err != nil {
			t.Fatal(err)
		}
		a := waitCond(t, k, "alpha", v1alpha1.ConditionReady, metav1.ConditionTrue, "")
		if !f.Active || !f.X402Support || len(f.Services) != 2 || len(f.Registrations) != 1 ||
			string(f.Registrations[0].AgentID) != a.Status.Registration.AgentID || f.Registrations[0].AgentRegistry != info.Registry.AgentRegistry ||
			f.Name != "Chain test seller" {
			t.Fatalf("registration file:\n%s", body)
		}
	})

	t.Run("a token whose EIP-712 domain differs is refused", func(t *testing.T) {
		cases := []struct {
			desc, name, reason string
			mut                func(*v1alpha1.ServiceOffer)
		}{
			{"wrong name", "badname", "TokenNameMismatch", func(o *v1alpha1.ServiceOffer) { o.Spec.Payment.Accepts[0].Asset.EIP712Name = "USDC" }},
			{"wrong version", "badversion", "TokenVersionMismatch", func(o *v1alpha1.ServiceOffer) { o.Spec.Payment.Accepts[0].Asset.EIP712Version = "1" }},
		}
		for _, c := range cases {
			t.Run(c.desc, func(t *testing.T) {
				if err := k.Client.Create(ctx, offer(c.name, info, func(o *v1alpha1.ServiceOffer) {
					o.Spec.Path = "/services/" + c.name
					o.Spec.Registration = nil
					c.mut(o)
				})); err != nil {
					t.Fatal(err)
				}
				o := waitCond(t, k, c.name, v1alpha1.ConditionPaymentGateReady, metav1.ConditionFalse, c.reason)
				if cond := meta.FindStatusCondition(o.Status.Conditions, v1alpha1.ConditionReady); cond == nil || cond.Status != metav1.ConditionFalse {
					t.Fatalf("ready %+v", cond)
				}
			})
		}
	})
}

// startWorld starts the dev chain (with its ERC-8004 registry) and an API server with
// the shop namespace and its upstream Service; it returns the registry owner's key and
// the upstream's URL.
func startWorld(t *testing.T) (*devchain.Chain, *kubetest.Cluster, *ecdsa.PrivateKey, string) {
	t.Helper()
	ctrllog.SetLogger(logr.Discard())
	chain, err := devchain.Start(context.Background(), devchain.Options{})
	if err != nil {
		t.Fatalf("dev chain: %v", err)
	}
	t.Cleanup(func() { _ = chain.Close() })
	k := kubetest.Start(t)
	k.Namespace(t, "turnpike-system")
	k.Namespace(t, "shop")
	k.Service(t, "shop", "api", 8080)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(up.Close)
	key, err := devchain.DevKey(devchain.RoleController)
	if err != nil {
		t.Fatal(err)
	}
	return chain, k, key, up.URL
}

// runController runs the controller with the dev chain's registry, owned by key,
// until the test ends.
func runController(t *testing.T, k *kubetest.Cluster, chain *devchain.Chain, key *ecdsa.PrivateKey, healthURL string) manager.Addresses {
	t.Helper()
	ctx := context.Background()
	info := chain.Info()
	reg, tokens, closeChains, err := onchain.Setup(ctx, onchain.Config{
		Registry: info.Registry.AgentRegistry, RegistryRPC: info.RPCURL,
		OwnerKeyHex: hex.EncodeToString(crypto.FromECDSA(key)), AgentURI: agentURI,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeChains)

	runCtx, cancel := context.WithCancel(ctx)
	started := make(chan manager.Addresses, 1)
	done := make(chan error, 1)
	go func() {
		done <- manager.Run(runCtx, manager.Options{
			Config: k.Config,
			Settings: render.Settings{PluginName: "turnpike", RoutesConfigMapNamespace: "turnpike-system", RoutesConfigMapName: "turnpike-routes",
				FacilitatorURL: "https://facilitator.example", PublicBaseURL: "https://api.example.com"},
			Agent:            discovery.Agent{Name: "Configured"},
			DiscoveryAddress: "127.0.0.1:0",
			MetricsAddress:   "0", HealthAddress: "0",
			HealthBaseURL: healthURL, RetryAfter: time.Second, RecheckAfter: 5 * time.Second,
			Registrar: reg, Tokens: tokens,
			OnStarted: func(a manager.Addresses) { started <- a },
			// Tests in this package run a manager each.
			SkipNameValidation: true,
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("controller: %v", err)
		}
	})
	select {
	case a := <-started:
		return a
	case err := <-done:
		t.Fatalf("controller exited: %v", err)
	}
	return manager.Addresses{}
}

// TestFreshRegistrationStatusIsWhole: a registration signed, persisted and mined in
// one reconcile must land whole in the status written with Registered=True: agentId
// and phase Registered, no signed transaction left. The status write before the
// broadcast replaces the registration struct the registrar was editing; the real
// cluster caught Registered=True beside agentId "" and phase Signed.
func TestFreshRegistrationStatusIsWhole(t *testing.T) {
	ctx := context.Background()
	chain, k, key, upURL := startWorld(t)
	// Every version of the offer, in order: a later reconcile would mend a partial
	// status within milliseconds, so only the first one with Registered=True tells.
	wc, err := client.NewWithWatch(k.Config, client.Options{Scheme: k.Client.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	wctx, stop := context.WithTimeout(ctx, 60*time.Second)
	defer stop()
	w, err := wc.Watch(wctx, &v1alpha1.ServiceOfferList{}, client.InNamespace("shop"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	runController(t, k, chain, key, upURL)
	if err := k.Client.Create(ctx, offer("fresh", chain.Info())); err != nil {
		t.Fatal(err)
	}
	var first *v1alpha1.ServiceOffer
	for ev := range w.ResultChan() {
		o, ok := ev.Object.(*v1alpha1.ServiceOffer)
		if ok && meta.IsStatusConditionTrue(o.Status.Conditions, v1alpha1.ConditionRegistered) {
			first = o
			break
		}
	}
	if first == nil {
		t.Fatalf("no version of the offer had Registered=True within a minute")
	}
	r := first.Status.Registration
	if r == nil || r.AgentID == "" || r.Phase != onchain.PhaseRegistered || r.SignedTx != "" || r.TxHash == "" {
		t.Fatalf("Registered=True was first written (resourceVersion %s) with registration status %+v", first.ResourceVersion, r)
	}
	if n, _ := chain.Client().NonceAt(ctx, crypto.PubkeyToAddress(key.PublicKey), nil); n != 1 {
		t.Fatalf("owner sent %d transactions, want exactly 1", n)
	}
}
