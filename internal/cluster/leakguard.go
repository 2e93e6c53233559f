package cluster

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// leakChain rejects traffic to the Service CIDR that kube-proxy did not rewrite.
//
// A ClusterIP is no address of this machine: until kube-proxy has programmed a
// Service, a connection to it follows the default route out of the VM, and here
// something out there accepts any TCP connection and answers HTTP 404. A client
// that polls a new Service then holds a keep-alive connection to that stranger and
// reads 404 for as long as it polls (TestProductInCluster saw it on the upstream's
// /healthz and, twice, as "Traefik serves no route"). The filter table sees a packet
// after the nat table's DNAT, so what reaches this rule still carrying a ClusterIP
// was not rewritten: refuse it here, and the client retries until kube-proxy is ready.
const leakChain = "TURNPIKE-SVC-NO-LEAK"

var leakHooks = []string{"OUTPUT", "FORWARD"}

func (c *Cluster) blockServiceLeaks(ctx context.Context) error {
	c.unblockServiceLeaks(ctx)
	steps := [][]string{
		{"-N", leakChain},
		{"-A", leakChain, "-d", c.cfg.ServiceCIDR, "-j", "REJECT"},
	}
	for _, hook := range leakHooks {
		steps = append(steps, []string{"-I", hook, "1", "-j", leakChain})
	}
	for _, args := range steps {
		if out, err := exec.CommandContext(ctx, "iptables", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("iptables %s: %w: %s", strings.Join(args, " "), err, out)
		}
	}
	return nil
}

// unblockServiceLeaks removes the chain and its jumps; safe when they do not exist.
func (c *Cluster) unblockServiceLeaks(ctx context.Context) {
	for _, hook := range leakHooks {
		for i := 0; i < 10; i++ { // one jump per start; more only after killed runs
			if exec.CommandContext(ctx, "iptables", "-D", hook, "-j", leakChain).Run() != nil {
				break
			}
		}
	}
	_ = exec.CommandContext(ctx, "iptables", "-F", leakChain).Run()
	_ = exec.CommandContext(ctx, "iptables", "-X", leakChain).Run()
}
