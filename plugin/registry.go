package plugin

import (
	"io"
	"log"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/turnpike-x402/turnpike/plugin/answers"
	"github.com/turnpike-x402/turnpike/plugin/metrics"
	"github.com/turnpike-x402/turnpike/plugin/replay"
	"github.com/turnpike-x402/turnpike/plugin/source"
	"github.com/turnpike-x402/turnpike/x402"
)

// registry is the process-wide state. Traefik calls New() once per router using the
// middleware and again on every dynamic reload, all inside one interpreter, so
// loaders, the metrics listener, the replay guard and facilitator clients live here
// once per key instead of once per instance.
type registry struct {
	mu           sync.Mutex
	loaders      map[string]*loader
	facilitators map[string]*facilitator
	metrics      *metrics.Registry
	servers      *metrics.Listeners
	replay       *replay.Guard
	answers      *answers.Cache
	grace        time.Duration // guarded by mu
}

var reg = newRegistry()

func newRegistry() *registry {
	m := metrics.NewRegistry(failureReasons...)
	m.ChallengeCacheBytes = func() int64 { return atomic.LoadInt64(challengeCacheBytes) }
	return &registry{
		loaders:      map[string]*loader{},
		facilitators: map[string]*facilitator{},
		metrics:      m,
		servers:      metrics.NewListeners(),
		// Sized by the instances: each New() grows it to what its config asks for,
		// so a process whose instances all ask for fewer entries gets fewer.
		replay:  replay.New(0),
		answers: answers.New(defaultAnswerCacheBytes),
		grace:   defaultLoaderGrace,
	}
}

// defaultLoaderGrace keeps an unreferenced loader alive across a reload: Traefik
// cancels the old instances' context just before it builds the new ones, and
// restarting the watch in between would briefly answer 503.
const defaultLoaderGrace = 30 * time.Second

// acquireLoader returns the shared loader for the configured source, starting it on
// first use.
func (r *registry) acquireLoader(s *settings) *loader {
	var key string
	if s.routesFile != "" {
		key = "file:" + s.routesFile
	} else {
		api := s.kubeAPIURL
		if api == "" {
			api = "in-cluster"
		}
		key = "configmap:" + s.cmNamespace + "/" + s.cmName + "@" + api
		if s.kubeTokenFile != "" || s.kubeCAFile != "" {
			// Other credentials are another watch (and possibly other permissions).
			key += "#" + s.kubeTokenFile + "#" + s.kubeCAFile
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	l, ok := r.loaders[key]
	if ok {
		l.refs++
		if l.stopTimer != nil {
			l.stopTimer.Stop()
			l.stopTimer = nil
		}
		return l
	}
	l = newLoader(key, r.metrics)
	l.refs = 1
	r.loaders[key] = l
	if s.routesFile != "" {
		go source.PollFile(l.sink, s.routesFile, time.Duration(s.pollIntervalMs)*time.Millisecond, l.stop)
	} else {
		ks, err := source.NewKube(source.KubeConfig{APIURL: s.kubeAPIURL, TokenFile: s.kubeTokenFile, CAFile: s.kubeCAFile,
			Namespace: s.cmNamespace, Name: s.cmName})
		if err != nil {
			// A runtime condition (no service account yet, wrong CA path): requests
			// are answered 503 until the configuration is fixed.
			log.Printf("turnpike: cannot watch ConfigMap %s/%s: %v", s.cmNamespace, s.cmName, err)
			source.Missing(l.sink, err)
		} else {
			go ks.Run(l.sink, l.stop)
		}
	}
	return l
}

// releaseLoader drops one reference; the last one stops the loader after a grace.
func (r *registry) releaseLoader(l *loader) {
	r.mu.Lock()
	defer r.mu.Unlock()
	l.refs--
	if l.refs > 0 {
		return
	}
	l.stopTimer = time.AfterFunc(r.grace, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if l.refs > 0 || r.loaders[l.name] != l {
			return
		}
		delete(r.loaders, l.name)
		close(l.stop)
		if t := l.table(); t != nil {
			retireTable(t)
		}
		r.metrics.DropSource(l.name)
	})
}

// facilitator is a client plus any configuration error found while building it
// (answered per request as facilitator_unavailable).
type facilitator struct {
	client *x402.FacilitatorClient
	err    error
	// unclaimedLogged is set (atomically) once the gate logged that this facilitator
	// does not confirm turnpike-claims.
	unclaimedLogged int32
}

func (r *registry) facilitator(s *settings) *facilitator {
	names := make([]string, 0, len(s.facilitatorHeaders))
	for k := range s.facilitatorHeaders {
		names = append(names, k)
	}
	sort.Strings(names)
	var kb strings.Builder
	kb.WriteString(s.facilitatorURL + "\x00" + strconv.Itoa(s.verifyTimeoutMs) + "\x00" + strconv.Itoa(s.settleTimeoutMs) +
		"\x00" + s.cdpKeyID + "\x00" + s.cdpSecretFile + "\x00" + s.cdpSecret)
	for _, n := range names {
		kb.WriteString("\x00" + n + "=" + s.facilitatorHeaders[n])
	}
	key := kb.String()
	r.mu.Lock()
	defer r.mu.Unlock()
	if f, ok := r.facilitators[key]; ok {
		return f
	}
	f := &facilitator{}
	c, err := x402.NewFacilitatorClient(s.facilitatorURL, nil)
	if err != nil {
		f.err = err
	} else {
		c.VerifyTimeout = time.Duration(s.verifyTimeoutMs) * time.Millisecond
		c.SettleTimeout = time.Duration(s.settleTimeoutMs) * time.Millisecond
		c.Headers = http.Header{}
		for _, n := range names {
			c.Headers.Set(n, s.facilitatorHeaders[n])
		}
		if s.cdpKeyID != "" {
			secret, err := s.cdpSecretValue()
			if err == nil {
				var auth *x402.CDPAuth
				auth, err = x402.NewCDPAuth(s.cdpKeyID, secret)
				if err == nil {
					c.Auth = auth
				}
			}
			if err != nil {
				log.Printf("turnpike: facilitator authentication unusable, payments will be refused: %v", err)
				f.err = err
			}
		}
		f.client = c
	}
	// A secret read from a file may appear later: do not cache a failure forever.
	if f.err == nil {
		r.facilitators[key] = f
	}
	return f
}

// WriteMetrics writes this process's gate metrics in the Prometheus text format.
func WriteMetrics(w io.Writer) error { return reg.metrics.Write(w) }

// MetricsListenerAddr returns the bound address of the metrics listener configured
// as addr (useful with port 0), or "" when none is running.
func MetricsListenerAddr(addr string) string { return reg.servers.Addr(addr) }
