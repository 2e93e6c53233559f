package testupstream

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestCounts(t *testing.T) {
	u := New("x-turnpike-payer")
	cases := []struct {
		desc    string
		path    string
		headers map[string]string
		want    Stats
	}{
		{desc: "health is not counted", path: HealthPath, want: Stats{}},
		{desc: "unpaid request counted without payer", path: "/weather/lima", want: Stats{Requests: 1, WithoutPayer: 1}},
		{desc: "paid request counted by payer", path: "/weather/lima", headers: map[string]string{"X-Turnpike-Payer": "0xabc"},
			want: Stats{Requests: 2, WithoutPayer: 1, ByPayer: map[string]int64{"0xabc": 1}}},
		{desc: "leaked v2 payment header counted", path: "/x", headers: map[string]string{"X-Turnpike-Payer": "0xabc", "PAYMENT-SIGNATURE": "e30="},
			want: Stats{Requests: 3, WithoutPayer: 1, WithPaymentHeader: 1, ByPayer: map[string]int64{"0xabc": 2}}},
		{desc: "leaked v1 payment header counted", path: "/x", headers: map[string]string{"X-PAYMENT": "e30="},
			want: Stats{Requests: 4, WithoutPayer: 2, WithPaymentHeader: 2, ByPayer: map[string]int64{"0xabc": 2}}},
		{desc: "stats are not counted", path: StatsPath, want: Stats{Requests: 4, WithoutPayer: 2, WithPaymentHeader: 2, ByPayer: map[string]int64{"0xabc": 2}}},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, c.path, nil)
			for k, v := range c.headers {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			u.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			got := u.Snapshot()
			if got.Requests != c.want.Requests || got.WithoutPayer != c.want.WithoutPayer || got.WithPaymentHeader != c.want.WithPaymentHeader || len(got.ByPayer) != len(c.want.ByPayer) {
				t.Fatalf("stats %+v, want %+v", got, c.want)
			}
			for k, v := range c.want.ByPayer {
				if got.ByPayer[k] != v {
					t.Errorf("byPayer[%s] = %d, want %d", k, got.ByPayer[k], v)
				}
			}
		})
	}

	// The stats endpoint serves the same numbers as JSON.
	w := httptest.NewRecorder()
	u.ServeHTTP(w, httptest.NewRequest(http.MethodGet, StatsPath, nil))
	var s Stats
	if err := json.Unmarshal(w.Body.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if s.Requests != 4 || s.ByPayer["0xabc"] != 2 {
		t.Errorf("stats JSON %s", w.Body.String())
	}
}

func TestAnswerEchoes(t *testing.T) {
	u := New("X-Turnpike-Payer")
	r := httptest.NewRequest(http.MethodPost, "/api/forecast", nil)
	r.Header.Set("X-Turnpike-Payer", "0xdef")
	w := httptest.NewRecorder()
	u.ServeHTTP(w, r)
	var a Answer
	if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	if a.Method != http.MethodPost || a.Path != "/api/forecast" || a.Payer != "0xdef" || a.Seq != 1 {
		t.Errorf("answer %+v", a)
	}
}
