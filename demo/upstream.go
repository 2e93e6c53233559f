package demo

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// PayerHeader is where the gate tells the upstream who paid (the verified payer
// address); the upstream never sees the payment itself.
const PayerHeader = "X-Turnpike-Payer"

// upstream is the seller's service in the demo: a tiny weather API that knows nothing
// about payments (made-up data, deterministic per city). It counts requests that still
// carried a payment header, which the gate must strip, so the script can check that.
type upstream struct {
	requests, withPayment atomic.Int64
}

func (u *upstream) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /weather/health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"status": "ok"})
	})
	mux.HandleFunc("GET /weather/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-store")
		f, _ := w.(http.Flusher)
		for i, city := range []string{"berlin", "lagos", "lima"} {
			b, _ := json.Marshal(report(city, r.Header.Get(PayerHeader)))
			fmt.Fprintf(w, "id: %d\nevent: weather\ndata: %s\n\n", i+1, b)
			if f != nil {
				f.Flush()
			}
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
	mux.HandleFunc("GET /weather/{city}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, report(r.PathValue("city"), r.Header.Get(PayerHeader)))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":"not found","hint":"try GET /weather/<city>"}` + "\n"))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.requests.Add(1)
		if r.Header.Get("PAYMENT-SIGNATURE") != "" || r.Header.Get("X-PAYMENT") != "" {
			u.withPayment.Add(1)
		}
		mux.ServeHTTP(w, r)
	})
}

type weatherReport struct {
	City       string `json:"city"`
	TempC      int    `json:"tempC"`
	Conditions string `json:"conditions"`
	PaidBy     string `json:"paidBy,omitempty"`
	Note       string `json:"note"`
}

func report(city, payer string) weatherReport {
	h := fnv.New32a()
	_, _ = h.Write([]byte(strings.ToLower(city)))
	n := h.Sum32()
	conds := []string{"sunny", "cloudy", "rain", "windy", "fog", "snow"}
	return weatherReport{
		City:       city,
		TempC:      int(n%40) - 5,
		Conditions: conds[n%uint32(len(conds))],
		PaidBy:     payer,
		Note:       "made-up demo data",
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	b, _ := json.Marshal(v)
	_, _ = w.Write(append(b, '\n'))
}
