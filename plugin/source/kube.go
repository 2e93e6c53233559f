package source

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/turnpike-x402/turnpike/plugin/routes"
)

// In-cluster service-account files.
const (
	saTokenFile = "/var/run/secrets/kubernetes.io/serviceaccount/token"
	saCAFile    = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
)

// errGone means the watch's resourceVersion is too old: list again.
var errGone = errors.New("resource version gone (410)")

// KubeConfig says which ConfigMap to watch and how to reach the API server.
type KubeConfig struct {
	// APIURL is the API server's base URL; empty: in-cluster (KUBERNETES_SERVICE_HOST/PORT).
	APIURL string
	// TokenFile and CAFile default to the pod's service-account files (the CA only
	// in-cluster).
	TokenFile, CAFile string
	Namespace, Name   string
}

// Kube watches one ConfigMap through the Kubernetes API with plain net/http: list to
// get the object and a resourceVersion, then watch from it; reconnect with backoff;
// relist on 410 Gone. client-go does not load under Yaegi.
type Kube struct {
	apiURL    string
	tokenFile string
	namespace string
	name      string
	client    *http.Client
}

// NewKube checks the configuration and reads the CA; errors are runtime conditions
// (no service account yet, wrong CA path) the caller reports while answering 503.
func NewKube(c KubeConfig) (*Kube, error) {
	api := c.APIURL
	if api == "" {
		host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
		if host == "" || port == "" {
			return nil, errors.New("not running in a cluster (KUBERNETES_SERVICE_HOST/PORT unset) and kubernetesAPIURL is empty")
		}
		api = "https://" + net.JoinHostPort(host, port)
	}
	tokenFile := c.TokenFile
	if tokenFile == "" {
		tokenFile = saTokenFile
	}
	caFile := c.CAFile
	if caFile == "" && c.APIURL == "" {
		caFile = saCAFile
	}
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("read Kubernetes CA %s: %w", caFile, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("kubernetes CA %s holds no PEM certificate", caFile)
		}
		tlsConf.RootCAs = pool
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		// A closure, not the method value: Yaegi v0.16.1 cannot convert method values
		// of compiled types to func fields.
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		},
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		IdleConnTimeout:       90 * time.Second,
	}
	return &Kube{apiURL: api, tokenFile: tokenFile, namespace: c.Namespace, name: c.Name, client: &http.Client{Transport: tr}}, nil
}

// configMap is the part of a v1 ConfigMap the gate reads.
type configMap struct {
	Metadata struct {
		Name            string `json:"name"`
		ResourceVersion string `json:"resourceVersion"`
	} `json:"metadata"`
	Data map[string]string `json:"data"`
}

type configMapList struct {
	Metadata struct {
		ResourceVersion string `json:"resourceVersion"`
	} `json:"metadata"`
	Items []configMap `json:"items"`
}

type watchEvent struct {
	Type   string          `json:"type"`
	Object json.RawMessage `json:"object"`
}

type apiStatus struct {
	Code    int    `json:"code"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// Run lists and watches until stop closes, delivering to s.
func (k *Kube) Run(s *Sink, stop chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-stop
		cancel()
	}()
	backoff := 500 * time.Millisecond
	const maxBackoff = 30 * time.Second
	for {
		rv, err := k.list(ctx, s)
		if err == nil {
			backoff = 500 * time.Millisecond
			for err == nil {
				rv, err = k.watch(ctx, s, rv)
			}
			if errors.Is(err, errGone) {
				continue // relist at once
			}
		}
		if ctx.Err() != nil {
			return
		}
		Missing(s, err)
		log.Printf("turnpike: watching ConfigMap %s/%s: %v (retrying in %s)", k.namespace, k.name, err, backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff *= 2
		if backoff > maxBackoff {
			backoff = maxBackoff
		}
	}
}

func (k *Kube) path(extra url.Values) string {
	q := url.Values{}
	q.Set("fieldSelector", "metadata.name="+k.name)
	for key, vs := range extra {
		for _, v := range vs {
			q.Add(key, v)
		}
	}
	return k.apiURL + "/api/v1/namespaces/" + url.PathEscape(k.namespace) + "/configmaps?" + q.Encode()
}

func (k *Kube) do(ctx context.Context, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	// Projected service-account tokens rotate: read the file on every connection.
	if tok, err := os.ReadFile(k.tokenFile); err == nil {
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	} else if !os.IsNotExist(err) || k.tokenFile != saTokenFile {
		return nil, fmt.Errorf("read service-account token: %w", err)
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusGone {
		resp.Body.Close()
		return nil, errGone
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: HTTP %d: %s", u, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return resp, nil
}

func (k *Kube) list(ctx context.Context, s *Sink) (string, error) {
	resp, err := k.do(ctx, k.path(nil))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var list configMapList
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4*routes.MaxDocumentBytes)).Decode(&list); err != nil {
		return "", fmt.Errorf("decode ConfigMap list: %w", err)
	}
	found := false
	for i := range list.Items {
		if list.Items[i].Metadata.Name == k.name {
			k.deliver(s, &list.Items[i])
			found = true
		}
	}
	if !found {
		Missing(s, fmt.Errorf("ConfigMap %s/%s does not exist", k.namespace, k.name))
	}
	return list.Metadata.ResourceVersion, nil
}

// watch streams events from rv until the server closes the watch; it returns the
// newest resourceVersion seen so the next watch resumes there.
func (k *Kube) watch(ctx context.Context, s *Sink, rv string) (string, error) {
	q := url.Values{}
	q.Set("watch", "true")
	q.Set("resourceVersion", rv)
	q.Set("allowWatchBookmarks", "true")
	q.Set("timeoutSeconds", "300")
	resp, err := k.do(ctx, k.path(q))
	if err != nil {
		return rv, err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for {
		var ev watchEvent
		if err := dec.Decode(&ev); err != nil {
			if err == io.EOF {
				return rv, nil // server ended the watch; resume
			}
			return rv, fmt.Errorf("watch stream: %w", err)
		}
		switch ev.Type {
		case "ERROR":
			var st apiStatus
			_ = json.Unmarshal(ev.Object, &st)
			if st.Code == http.StatusGone {
				return rv, errGone
			}
			return rv, fmt.Errorf("watch error %d %s: %s", st.Code, st.Reason, st.Message)
		case "ADDED", "MODIFIED", "DELETED", "BOOKMARK":
			var cm configMap
			if err := json.Unmarshal(ev.Object, &cm); err != nil {
				return rv, fmt.Errorf("decode watch event: %w", err)
			}
			if cm.Metadata.ResourceVersion != "" {
				rv = cm.Metadata.ResourceVersion
			}
			switch ev.Type {
			case "ADDED", "MODIFIED":
				if cm.Metadata.Name == k.name {
					k.deliver(s, &cm)
				}
			case "DELETED":
				// Keep serving the last good document: a deleted ConfigMap is far more
				// likely an accident than the intent to charge nothing anywhere.
				Missing(s, fmt.Errorf("ConfigMap %s/%s was deleted", k.namespace, k.name))
			}
		}
	}
}

func (k *Kube) deliver(s *Sink, cm *configMap) {
	data, ok := cm.Data[routes.DataKey]
	if !ok {
		Missing(s, fmt.Errorf("ConfigMap %s/%s has no key %s", k.namespace, k.name, routes.DataKey))
		return
	}
	Deliver(s, []byte(data))
}
