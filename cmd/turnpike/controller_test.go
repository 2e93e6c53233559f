package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// Flag mistakes are refused before anything connects to a cluster or a chain.
func TestControllerFlagErrors(t *testing.T) {
	cases := []struct {
		desc string
		args []string
		want string
	}{
		{"routes ConfigMap without namespace", []string{"--routes-configmap=routes"}, "--routes-configmap"},
		{"no routes shard", []string{"--routes-shards=0"}, "--routes-shards"},
		{"more routes shards than watches a gate should hold", []string{"--routes-shards=257"}, "--routes-shards"},
		{"gateway with too many parts", []string{"--gateway=a/b/c/d"}, "--gateway"},
		{"discovery service without port", []string{"--discovery-service=svc"}, "--discovery-service"},
		{"token check entry without URL", []string{"--token-check-rpc=eip155:1"}, "--token-check-rpc"},
		{"registry without a key file", []string{"--registry=eip155:1:0x8004A169FB4a3325136EB29fA0ceB6D2e539a432", "--public-base-url=https://x.example"}, "--registry-key-file"},
		{"registry without a registration URI", []string{"--registry=eip155:1:0x8004A169FB4a3325136EB29fA0ceB6D2e539a432"}, "--agent-uri"},
		{"buyer URL without a scheme", []string{"--buyer-url=turnpike-buyer.agents:8402"}, "--buyer-url"},
		{"unknown flag", []string{"--no-such-flag"}, "no-such-flag"},
		{"unknown facilitator provider", []string{"--facilitator-provider=coinbase"}, "--facilitator-provider"},
		{"cdp default without a key Secret", []string{"--facilitator-provider=cdp"}, "--cdp-secret"},
		{"facilitator URL without a scheme", []string{"--facilitator-url=turnpike-facilitator:8080"}, "--facilitator-url"},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			err := runController(context.Background(), streams{stdout: io.Discard, stderr: io.Discard}, c.args)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want an error naming %s, got %v", c.want, err)
			}
		})
	}
}
