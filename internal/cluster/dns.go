package cluster

import (
	"context"
	"fmt"
	"net"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"github.com/turnpike-x402/turnpike/internal/clusterdns"
)

const clusterDomain = "cluster.local"

// dnsServer is the cluster DNS: clusterdns answering from a Service and EndpointSlice
// informer, listening on the node IP. The kube-system/kube-dns Service (ClusterIP
// DNSIP, the address the kubelet writes into every pod's resolv.conf) points at it
// through a hand-made EndpointSlice, so pods reach it through kube-proxy like any
// cluster DNS.
type dnsServer struct {
	srv    *clusterdns.Server
	cancel context.CancelFunc
}

func (d *dnsServer) stop() {
	d.cancel()
	d.srv.Close()
}

func (c *Cluster) startDNS(ctx context.Context) error {
	records := clusterdns.NewRecords()
	srv, err := clusterdns.Listen(net.JoinHostPort(c.NodeIP, "53"), records)
	if err != nil {
		return fmt.Errorf("cluster DNS on %s:53: %w", c.NodeIP, err)
	}
	srv.Errorf = c.logf
	srv.Serve()
	ictx, cancel := context.WithCancel(context.Background())
	c.dns = &dnsServer{srv: srv, cancel: cancel}

	factory := informers.NewSharedInformerFactory(c.Client, 30*time.Second)
	svcInf := factory.Core().V1().Services().Informer()
	sliceInf := factory.Discovery().V1().EndpointSlices().Informer()
	refresh := func(ns, name string) {
		fqdn := name + "." + ns + ".svc." + clusterDomain
		obj, exists, err := svcInf.GetStore().GetByKey(ns + "/" + name)
		if err != nil || !exists {
			records.Set(fqdn, nil)
			return
		}
		svc := obj.(*corev1.Service)
		if svc.Spec.ClusterIP != "" && svc.Spec.ClusterIP != corev1.ClusterIPNone {
			records.Set(fqdn, []net.IP{net.ParseIP(svc.Spec.ClusterIP)})
			return
		}
		// Headless: the ready endpoints' addresses.
		var ips []net.IP
		for _, o := range sliceInf.GetStore().List() {
			s := o.(*discoveryv1.EndpointSlice)
			if s.Namespace != ns || s.Labels[discoveryv1.LabelServiceName] != name {
				continue
			}
			for _, ep := range s.Endpoints {
				if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
					continue
				}
				for _, a := range ep.Addresses {
					if ip := net.ParseIP(a); ip != nil {
						ips = append(ips, ip)
					}
				}
			}
		}
		records.Set(fqdn, ips)
	}
	onSvc := func(obj any) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		if svc, ok := obj.(*corev1.Service); ok {
			refresh(svc.Namespace, svc.Name)
		}
	}
	onSlice := func(obj any) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		if s, ok := obj.(*discoveryv1.EndpointSlice); ok && s.Labels[discoveryv1.LabelServiceName] != "" {
			refresh(s.Namespace, s.Labels[discoveryv1.LabelServiceName])
		}
	}
	if _, err := svcInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: onSvc, UpdateFunc: func(_, n any) { onSvc(n) }, DeleteFunc: onSvc,
	}); err != nil {
		return fmt.Errorf("service informer: %w", err)
	}
	if _, err := sliceInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: onSlice, UpdateFunc: func(_, n any) { onSlice(n) }, DeleteFunc: onSlice,
	}); err != nil {
		return fmt.Errorf("endpointslice informer: %w", err)
	}
	factory.Start(ictx.Done())
	for typ, ok := range factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("cluster DNS: %v cache never synced", typ)
		}
	}
	return c.publishDNS(ctx)
}

// publishDNS creates kube-system/kube-dns at DNSIP, served by the node-IP server.
func (c *Cluster) publishDNS(ctx context.Context) error {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "kube-dns", Namespace: "kube-system", Labels: map[string]string{"k8s-app": "kube-dns"}},
		Spec: corev1.ServiceSpec{
			ClusterIP: c.DNSIP,
			Ports: []corev1.ServicePort{
				{Name: "dns", Protocol: corev1.ProtocolUDP, Port: 53, TargetPort: intstr.FromInt32(53)},
				{Name: "dns-tcp", Protocol: corev1.ProtocolTCP, Port: 53, TargetPort: intstr.FromInt32(53)},
			},
		},
	}
	if _, err := c.Client.CoreV1().Services("kube-system").Create(ctx, svc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("kube-dns Service: %w", err)
	}
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: "kube-dns-node", Namespace: "kube-system", Labels: map[string]string{
			discoveryv1.LabelServiceName: "kube-dns",
			// Not the EndpointSlice controller's: it must leave this slice alone.
			discoveryv1.LabelManagedBy: "turnpike-cluster",
		}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{c.NodeIP}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)}}},
		Ports: []discoveryv1.EndpointPort{
			{Name: ptr.To("dns"), Protocol: ptr.To(corev1.ProtocolUDP), Port: ptr.To(int32(53))},
			{Name: ptr.To("dns-tcp"), Protocol: ptr.To(corev1.ProtocolTCP), Port: ptr.To(int32(53))},
		},
	}
	if _, err := c.Client.DiscoveryV1().EndpointSlices("kube-system").Create(ctx, slice, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("kube-dns EndpointSlice: %w", err)
	}
	return nil
}
