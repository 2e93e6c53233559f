package facilitator

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/turnpike-x402/turnpike/x402"
)

// Handler serves the facilitator HTTP API: POST /verify, POST /settle, POST /release
// (turnpike-claim), GET /supported, GET /healthz, GET /readyz, and GET /metrics from
// gatherer (nil: no /metrics).
func (f *Facilitator) Handler(gatherer prometheus.Gatherer) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /verify", func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(w, r)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, x402.VerifyResponse{InvalidReason: x402.ReasonInvalidPayload, InvalidMessage: err.Error()})
			return
		}
		attempt, rej := attemptHeader(r)
		if rej != nil {
			writeJSON(w, http.StatusOK, x402.VerifyResponse{InvalidReason: rej.Reason, InvalidMessage: rej.Message})
			return
		}
		writeJSON(w, http.StatusOK, f.VerifyAttempt(r.Context(), body, attempt))
	})
	mux.HandleFunc("POST /settle", func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(w, r)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, x402.SettleResponse{ErrorReason: x402.ReasonInvalidPayload, ErrorMessage: err.Error()})
			return
		}
		attempt, rej := attemptHeader(r)
		if rej != nil {
			writeJSON(w, http.StatusOK, x402.SettleResponse{ErrorReason: rej.Reason, ErrorMessage: rej.Message})
			return
		}
		writeJSON(w, http.StatusOK, f.SettleAttempt(r.Context(), body, attempt))
	})
	mux.HandleFunc("POST /release", func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(w, r)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, x402.ReleaseResponse{Reason: x402.ReasonInvalidPayload})
			return
		}
		attempt, rej := attemptHeader(r)
		if rej == nil && attempt == "" {
			rej = reject(x402.ReasonInvalidAttempt, "release needs the %s header of the attempt that holds the claim", x402.HeaderAttempt)
		}
		if rej != nil {
			writeJSON(w, http.StatusOK, x402.ReleaseResponse{Reason: rej.Reason})
			return
		}
		writeJSON(w, http.StatusOK, f.Release(r.Context(), body, attempt))
	})
	mux.HandleFunc("GET /supported", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, f.Supported())
	})
	// /healthz is liveness: the process serves, whatever the chains do (restarting
	// the pod would not fix a provider outage). /readyz also needs every chain's RPC.
	health := func(w http.ResponseWriter, r *http.Request, strict bool) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if err := f.Healthy(ctx); err != nil {
			status := http.StatusOK
			if strict {
				status = http.StatusServiceUnavailable
			}
			writeJSON(w, status, map[string]string{"status": "chain_unreachable", "error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { health(w, r, false) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { health(w, r, true) })
	if gatherer != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
	}
	return mux
}

// attemptHeader reads X-Turnpike-Attempt; present but empty or repeated is malformed.
func attemptHeader(r *http.Request) (string, *Rejection) {
	vals, present := r.Header[http.CanonicalHeaderKey(x402.HeaderAttempt)]
	if !present {
		return "", nil
	}
	if len(vals) != 1 || vals[0] == "" {
		return "", reject(x402.ReasonInvalidAttempt, "header %s must appear once with 32 lowercase hex characters", x402.HeaderAttempt)
	}
	return vals[0], checkAttempt(vals[0])
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errors.New("request body exceeds 64 KiB")
		}
		return nil, err
	}
	return body, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
