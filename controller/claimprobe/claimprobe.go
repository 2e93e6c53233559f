// Package claimprobe tells whether an x402 facilitator serializes authorizations
// across gate replicas (it lists the turnpike-claim extension in GET /supported). The
// controller says so in an offer's status: without claims the gate settles before the
// upstream by default, which a seller should know.
package claimprobe

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/turnpike-x402/turnpike/x402"
)

// Probe answers SupportsClaims from a per-URL cache, so a reconcile costs at most one
// GET per facilitator and TTL.
type Probe struct {
	Client *http.Client
	// TTL is how long an answer (or an error) is kept; default 5 minutes.
	TTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu    sync.Mutex
	cache map[string]entry
}

type entry struct {
	ok  bool
	err error
	at  time.Time
}

// SupportsClaims reports whether the facilitator at baseURL lists x402.ExtensionClaim.
// An unreachable facilitator or an unusable answer is an error, never a yes.
func (p *Probe) SupportsClaims(ctx context.Context, baseURL string) (bool, error) {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	ttl := p.TTL
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	key := strings.TrimRight(baseURL, "/")
	p.mu.Lock()
	if e, ok := p.cache[key]; ok && now().Sub(e.at) < ttl {
		p.mu.Unlock()
		return e.ok, e.err
	}
	p.mu.Unlock()
	ok, err := p.fetch(ctx, key)
	p.mu.Lock()
	if p.cache == nil {
		p.cache = map[string]entry{}
	}
	p.cache[key] = entry{ok: ok, err: err, at: now()}
	p.mu.Unlock()
	return ok, err
}

func (p *Probe) fetch(ctx context.Context, base string) (bool, error) {
	c := p.Client
	if c == nil {
		c = &http.Client{Timeout: 5 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/supported", nil)
	if err != nil {
		return false, fmt.Errorf("facilitator URL %q: %w", base, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return false, fmt.Errorf("GET %s/supported: %w", base, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return false, fmt.Errorf("GET %s/supported: reading the answer: %w", base, err)
	}
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("GET %s/supported: %s", base, resp.Status)
	}
	var s x402.SupportedResponse
	if err := json.Unmarshal(body, &s); err != nil {
		return false, fmt.Errorf("GET %s/supported: not a supported-kinds document: %w", base, err)
	}
	for _, e := range s.Extensions {
		if e == x402.ExtensionClaim {
			return true, nil
		}
	}
	return false, nil
}
