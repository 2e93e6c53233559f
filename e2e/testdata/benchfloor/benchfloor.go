// Package benchfloor is the least an interpreted x402 middleware can do, with no
// decisions in it, so make bench can tell the gate's own cost from the interpreter's
// floor under it:
//
//   - mode "402" answers every request with a fixed 402 (a PAYMENT-REQUIRED header and
//     a body given in the configuration: the bytes the gate sends), which any gate's
//     challenge must at least do.
//   - mode "pay" makes, for every request carrying PAYMENT-SIGNATURE, the two
//     facilitator calls a gate must make (POST /verify, POST /settle, with the header
//     spliced into a fixed request body), then forwards and adds the receipt header.
//     It checks nothing and settles before the upstream, so it is strictly less work
//     than a gate that settles after it.
package benchfloor

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"time"
)

// Config holds the fixed answer (mode "402") or the facilitator (mode "pay").
type Config struct {
	Mode           string
	Header         string
	Body           string
	FacilitatorURL string
}

// CreateConfig returns the default configuration.
func CreateConfig() *Config { return &Config{Mode: "402"} }

type fixed402 struct {
	header []string
	ctype  []string
	cache  []string
	body   []byte
}

type pay struct {
	next           http.Handler
	client         *http.Client
	verify, settle string
	head, tail     string
	ctype          string
}

// New builds the middleware.
func New(_ context.Context, next http.Handler, cfg *Config, _ string) (http.Handler, error) {
	if cfg.Mode == "pay" {
		return &pay{
			next:   next,
			client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
			verify: cfg.FacilitatorURL + "/verify",
			settle: cfg.FacilitatorURL + "/settle",
			head:   `{"x402Version":2,"paymentPayload":"`,
			tail:   `"}`,
			ctype:  "application/json",
		}, nil
	}
	return &fixed402{header: []string{cfg.Header}, ctype: []string{"application/json"}, cache: []string{"no-store"}, body: []byte(cfg.Body)}, nil
}

func (f *fixed402) ServeHTTP(rw http.ResponseWriter, _ *http.Request) {
	h := rw.Header()
	h["Payment-Required"] = f.header
	h["Content-Type"] = f.ctype
	h["Cache-Control"] = f.cache
	rw.WriteHeader(http.StatusPaymentRequired)
	_, _ = rw.Write(f.body)
}

func (p *pay) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	body := p.head + req.Header.Get("Payment-Signature") + p.tail
	if !post(p, p.verify, body) || !post(p, p.settle, body) {
		rw.WriteHeader(http.StatusBadGateway)
		return
	}
	rw.Header()["Payment-Response"] = []string{"e30="}
	p.next.ServeHTTP(rw, req)
}

func post(p *pay, url, body string) bool {
	resp, err := p.client.Post(url, p.ctype, strings.NewReader(body))
	if err != nil {
		return false
	}
	raw, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	return err == nil && resp.StatusCode == http.StatusOK && bytes.Contains(raw, []byte(`true`))
}
