# A real one-node Kubernetes on this machine (issue #12): kubelet, kube-proxy,
# kube-scheduler, kube-controller-manager (one multicall binary), containerd + runc,
# CNI bridge, and a cluster DNS of ours, all started by internal/cluster. `make e2e`
# runs e2e-cluster (the product installed in that cluster); it needs root, as CI is.
.PHONY: cluster-deps e2e-cluster-smoke e2e-cluster
cluster-deps: test-deps ## build/install the node: kube-node (kubelet, kube-proxy, scheduler, controller-manager), containerd 2.x, runc, CNI plugins, iptables (needs root)
	@t0=$$SECONDS; bash scripts/install-cluster-deps.sh >/dev/null; echo "[cluster-deps] ready after $$((SECONDS - t0)) s" >&2

e2e-cluster-smoke: cluster-deps ## a real one-node cluster (root): restricted Deployment + Service, reached by ClusterIP and DNS name; started twice
	$(GO) test -tags e2e -count=1 -timeout 15m -v -run '^TestClusterSmoke$$' ./internal/cluster/

# The product installed in that cluster as manifests/README.md says (kubectl apply -k
# manifests/, the dev chain pod, the facilitator overlay, an upstream and a ServiceOffer),
# Pod Security restricted, RBAC checked with the pods' own tokens, leader pod deleted,
# then Traefik as pods with paid traffic through it (rolling restart under load, price change).
# Root only: a non-root `make e2e` off CI says it skipped this (the node's packages and
# mounts need root); under CI, or as root, it runs.
e2e-cluster: cluster-deps image image-pause image-traefik image-testupstream ## the product in a real one-node cluster (root): manifests applied, controller + facilitator + dev chain + Traefik as pods, paid traffic through Traefik, rolling restart under load, price change
	$(GO) test -tags e2e -count=1 -timeout 20m -v -run '^TestProductInCluster$$' ./internal/cluster/

.PHONY: e2e-cluster-skipped
e2e-cluster-skipped:
	@echo "e2e-cluster: SKIPPED: a real cluster needs root (apt packages, mounts, cgroups, iptables); run make e2e as root (CI does)" >&2

ifneq ($(shell id -u),0)
ifeq ($(CI),)
E2E_TARGETS += e2e-cluster-skipped
else
E2E_TARGETS += e2e-cluster
endif
else
E2E_TARGETS += e2e-cluster
endif
