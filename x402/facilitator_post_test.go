package x402

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

// TestPostEncodedMatchesGeneralCall compares the gate's short path (postEncoded,
// taken with CallHeader headers) with facilitatorCallWith (taken when the per-call
// headers lack the defaults) on the same answers: same result, same error, same
// request headers at the facilitator.
func TestPostEncodedMatchesGeneralCall(t *testing.T) {
	tests := []struct {
		desc   string
		status int
		body   string
	}{
		{desc: "valid, defining key first", status: 200, body: `{"isValid":true,"payer":"0xabc","extensions":{"turnpike-claim":{"attempt":"a"}}}`},
		{desc: "success first", status: 200, body: `{"success":true,"transaction":"0x1","network":"eip155:1"}`},
		{desc: "defining key later", status: 200, body: `{"payer":"0xabc","isValid":true,"success":true}`},
		{desc: "refused with 400", status: 400, body: `{"isValid":false,"invalidReason":"insufficient_funds","success":false,"errorReason":"x"}`},
		{desc: "key absent", status: 200, body: `{"payer":"0xabc"}`},
		{desc: "key spelled in another case", status: 200, body: `{"IsValid":true,"Success":true}`},
		{desc: "key only nested", status: 200, body: `{"x":{"isValid":true,"success":true}}`},
		{desc: "prefix but broken JSON", status: 200, body: `{"isValid":true,"success":true`},
		{desc: "prefix but wrong type", status: 200, body: `{"isValid":"yes","success":"yes"}`},
		{desc: "prefix but a type error later", status: 200, body: `{"isValid":true,"success":true,"payer":5}`},
		{desc: "null key value", status: 200, body: `{"isValid":null,"success":null}`},
		{desc: "whitespace first", status: 200, body: ` {"isValid":true,"success":true}`},
		{desc: "not JSON", status: 502, body: `<html>bad gateway</html>`},
		{desc: "empty", status: 200, body: ``},
		{desc: "JSON null", status: 200, body: `null`},
		{desc: "duplicate key, last false", status: 200, body: `{"isValid":true,"success":true,"isValid":false,"success":false}`},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			var seen []http.Header
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				h := r.Header.Clone()
				delete(h, "Content-Length")
				seen = append(seen, h)
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			c, err := NewFacilitatorClient(srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			body := []byte(`{"x402Version":2}`)
			short := CallHeader("0123456789abcdef0123456789abcdef")
			general := http.Header{HeaderAttempt: short[HeaderAttempt]}
			v1, e1 := VerifyEncodedWith(c, context.Background(), body, short)
			v2, e2 := VerifyEncodedWith(c, context.Background(), body, general)
			if !reflect.DeepEqual(v1, v2) || errString(e1) != errString(e2) {
				t.Errorf("verify: short %+v, %v; general %+v, %v", v1, e1, v2, e2)
			}
			verifyErr := errString(e2)
			s1, e1 := SettleEncodedWith(c, context.Background(), body, short)
			s2, e2 := SettleEncodedWith(c, context.Background(), body, general)
			if !reflect.DeepEqual(s1, s2) || errString(e1) != errString(e2) {
				t.Errorf("settle: short %+v, %v; general %+v, %v", s1, e1, s2, e2)
			}
			var vi VerifyResponse
			var si SettleResponse
			ei, ej := VerifyInto(c, context.Background(), body, short, &vi), SettleInto(c, context.Background(), body, short, &si)
			if !reflect.DeepEqual(vi, v2) || !reflect.DeepEqual(si, s2) || errString(ei) != verifyErr || errString(ej) != errString(e2) {
				t.Errorf("Into: verify %+v, %v; settle %+v, %v", vi, ei, si, ej)
			}
			if len(seen) != 6 || !reflect.DeepEqual(seen[0], seen[1]) || !reflect.DeepEqual(seen[2], seen[3]) {
				t.Errorf("request headers differ: %v", seen)
			}
			if len(short) != 3 {
				t.Errorf("the call changed the shared header map: %v", short)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
