package demo

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/turnpike-x402/turnpike/x402"
)

// RunOptions configures Run, which is `turnpike demo`.
type RunOptions struct {
	Options
	// Requests is how many paid requests the script makes (default 5).
	Requests int
	// Serve keeps everything running after the script until ctx ends, and prints
	// commands to try by hand.
	Serve bool
	// WaitFor, when set (a terminal on stdin), keeps everything running after the
	// script until a line is read from it (or ctx ends), with the same commands.
	WaitFor io.Reader
}

// Run starts the stack, runs the script and, when asked, keeps serving. It returns
// an error when any step of the flow failed, so it can gate CI.
func Run(ctx context.Context, o RunOptions) error {
	start := time.Now()
	if o.Out == nil {
		o.Out = io.Discard
	}
	s, err := Start(ctx, o.Options)
	if err != nil {
		return err
	}
	defer func() {
		fmt.Fprintf(o.Out, "\nStopping ... ")
		if err := s.Close(); err != nil {
			fmt.Fprintf(o.Out, "%v\n", err)
			return
		}
		fmt.Fprintln(o.Out, "done.")
	}()
	_, scriptErr := s.RunScript(ctx, o.Requests)
	fmt.Fprintf(o.Out, "\nDemo finished in %s.\n", round(time.Since(start)))
	if scriptErr != nil {
		return scriptErr
	}
	if !o.Serve && o.WaitFor == nil {
		return nil
	}
	if err := s.PrintTryIt(o.Out); err != nil {
		return err
	}
	if o.Serve {
		fmt.Fprintln(o.Out, "\nServing until Ctrl-C.")
		<-ctx.Done()
		return nil
	}
	fmt.Fprintln(o.Out, "\nEverything keeps running until you press Enter (run with --serve to wait for Ctrl-C instead).")
	line := make(chan struct{})
	go func() {
		_, _ = bufio.NewReader(o.WaitFor).ReadString('\n')
		close(line)
	}()
	select {
	case <-line:
	case <-ctx.Done():
	}
	return nil
}

// clientNotes tells x402 client users what this chain needs: the v1 network name (or
// that v1 clients cannot name it), and the one setting v2 clients need to pay a token
// that is not among their default assets.
func clientNotes(s *Stack) string {
	var b strings.Builder
	token := s.Info.Token.Address.Hex()
	if name, ok := x402.V1Name(s.Info.Network); ok {
		fmt.Fprintf(&b, "  # x402 v1 clients (x402-fetch, x402-axios) pay as is: the chain is %q in v1 terms;\n"+
			"  # give them a viem wallet client on JSON-RPC %s (chain id %d)\n", name, s.Info.RPCURL, s.Info.ChainID)
	} else {
		fmt.Fprintf(&b, "  # x402 v1 clients cannot pay here: v1 has no name for %s (run with -chain-id 84532,\n"+
			"  # a local stand-in for Base Sepolia, \"base-sepolia\" in v1 terms)\n", s.Info.Network)
	}
	fmt.Fprintf(&b, "  # x402 v2 clients (@x402/fetch, @x402/axios) pay only assets they know unless told; allow the\n"+
		"  # test token with the client's spend controls:\n"+
		"  #   client.setSpendControls({ allowedAssets: [{ network: %q, asset: %q, maxAmountPerPayment: %q }] })\n",
		s.Info.Network, token, s.Price.String())
	return b.String()
}

// PrintTryIt prints commands to try the running stack by hand, with a few payments
// signed in advance (valid for an hour) so plain curl can pay.
func (s *Stack) PrintTryIt(w io.Writer) error {
	var files []string
	for i := 1; i <= 3; i++ {
		url := fmt.Sprintf("%s%s/city-%d", s.GatewayURL, PathPrefix, i)
		h, err := s.signFor(url, time.Hour)
		if err != nil {
			return fmt.Errorf("demo: pre-sign payment: %w", err)
		}
		f := filepath.Join(s.Dir, fmt.Sprintf("payment-%d.b64", i))
		if err := os.WriteFile(f, []byte(h+"\n"), 0o600); err != nil {
			return fmt.Errorf("demo: write pre-signed payment: %w", err)
		}
		files = append(files, f)
	}
	g := s.GatewayURL + PathPrefix
	var b strings.Builder
	fmt.Fprintf(&b, "\n== Try it by hand %s\n", strings.Repeat("=", 62))
	fmt.Fprintf(&b, "  # free path, passes straight through\n  curl -i %s/health\n\n", g)
	fmt.Fprintf(&b, "  # unpaid: 402 with the PAYMENT-REQUIRED header (base64 JSON) and a v1 JSON body\n  curl -i %s/paris\n", g)
	fmt.Fprintf(&b, "  # the same header, decoded\n  curl -s -D - -o /dev/null %s/paris | tr -d '\\r' | sed -n 's/^payment-required: //Ip' | base64 -d; echo\n\n", g)
	fmt.Fprintf(&b, "  # paid: three authorizations signed in advance by the buyer's DEV-ONLY key (one use each, valid 1 h)\n")
	for i, f := range files {
		fmt.Fprintf(&b, "  curl -i %s/city-%d -H \"PAYMENT-SIGNATURE: $(cat %s)\"\n", g, i+1, f)
	}
	fmt.Fprintf(&b, "  # the receipt (PAYMENT-RESPONSE) names the settlement transaction; decode it like the challenge\n")
	fmt.Fprintf(&b, "  # sending the same file twice is refused: payment_already_used\n")
	fmt.Fprintf(&b, "\n%s", clientNotes(s))
	fmt.Fprintf(&b, "\n  # a browser gets the HTML paywall: open %s/paris\n", g)
	fmt.Fprintf(&b, "  # the gate's metrics (Prometheus text format)\n  curl -s %s | grep '^turnpike_'\n\n", s.MetricsURL)
	fmt.Fprintf(&b, "  # the facilitator: what it settles, and its health\n  curl -s %s/supported\n  curl -s %s/healthz\n\n", s.FacilitatorURL, s.FacilitatorURL)
	fmt.Fprintf(&b, "  # the routes document the gate serves from: edit it (e.g. the amount) and the gate reloads it\n  %s\n", s.RoutesFile)
	fmt.Fprintf(&b, "  # the Traefik dynamic configuration the gate was built from (Traefik's file provider reads it as is)\n  %s\n", s.GateConfig)
	fmt.Fprintf(&b, "  # ... and a second gate from it, as its own process, in front of the same upstream\n")
	fmt.Fprintf(&b, "  ./bin/turnpike gateway -config %s -upstream %s -listen 127.0.0.1:8402\n\n", s.GateConfig, s.UpstreamURL)
	fmt.Fprintf(&b, "  # the dev chain: JSON-RPC %s; chain id, contract addresses and the accounts'\n", s.Info.RPCURL)
	fmt.Fprintf(&b, "  # DEV-ONLY keys are in\n  %s\n", s.InfoFile)
	fmt.Fprintf(&b, "  # components' logs (facilitator, ...)\n  %s\n", s.LogFile)
	_, err := io.WriteString(w, b.String())
	return err
}
