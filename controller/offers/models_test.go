package offers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
)

func TestListModels(t *testing.T) {
	cases := []struct {
		desc    string
		runtime string
		path    string // the path the upstream serves body on
		status  int
		body    string
		delay   time.Duration
		key     string // Authorization the upstream wants; empty: none
		want    []string
		wantErr string
	}{
		{desc: "ollama tags list name and model", runtime: v1alpha1.RuntimeOllama, path: "/api/tags", status: 200,
			body: `{"models":[{"name":"llama3.2:3b","model":"llama3.2:3b"},{"name":"qwen","model":"qwen:latest"}]}`,
			want: []string{"llama3.2:3b", "qwen", "qwen:latest"}},
		{desc: "vllm lists data ids", runtime: v1alpha1.RuntimeVLLM, path: "/v1/models", status: 200,
			body: `{"object":"list","data":[{"id":"meta-llama/Llama-3.1-8B-Instruct","object":"model"}]}`,
			want: []string{"meta-llama/Llama-3.1-8B-Instruct"}},
		{desc: "tgi uses the OpenAI listing", runtime: v1alpha1.RuntimeTGI, path: "/v1/models", status: 200,
			body: `{"data":[{"id":"tgi"}]}`, want: []string{"tgi"}},
		{desc: "openai-compatible by default", runtime: "", path: "/v1/models", status: 200,
			body: `{"data":[]}`, want: nil},
		{desc: "ollama asked on the OpenAI path only is a 404", runtime: v1alpha1.RuntimeOllama, path: "/v1/models", status: 200,
			body: `{"data":[]}`, wantErr: "GET /api/tags answered 404"},
		{desc: "error status", runtime: v1alpha1.RuntimeVLLM, path: "/v1/models", status: 500, body: `oops`, wantErr: "answered 500"},
		{desc: "not JSON", runtime: v1alpha1.RuntimeVLLM, path: "/v1/models", status: 200, body: `<html>`, wantErr: "not a model list"},
		{desc: "API-key server refuses without its key", runtime: v1alpha1.RuntimeVLLM, path: "/v1/models", status: 200,
			body: `{"data":[{"id":"m"}]}`, key: "Bearer sk-1", wantErr: "answered 401: the model list wants a credential"},
		{desc: "slow upstream times out", runtime: v1alpha1.RuntimeVLLM, path: "/v1/models", status: 200, body: `{"data":[]}`,
			delay: 500 * time.Millisecond, wantErr: "deadline exceeded"},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != c.path {
					http.NotFound(w, r)
					return
				}
				if c.key != "" && r.Header.Get("Authorization") != c.key {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				time.Sleep(c.delay)
				w.WriteHeader(c.status)
				_, _ = w.Write([]byte(c.body))
			}))
			defer srv.Close()
			h := &HTTPHealth{Timeout: 200 * time.Millisecond, BaseURL: func(*corev1.Service, int32) string { return srv.URL }}
			got, err := h.ListModels(context.Background(), &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "m", Namespace: "n"}}, 80, c.runtime)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("want error containing %q, got %v (models %v)", c.wantErr, err, got)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %v, %v; want %v", got, err, c.want)
			}
		})
	}
}

func TestListPreview(t *testing.T) {
	cases := []struct {
		desc  string
		names []string
		want  string
	}{
		{desc: "none", names: nil, want: "(none)"},
		{desc: "few", names: []string{"a", "b"}, want: `"a", "b"`},
		{desc: "cut at n", names: []string{"a", "b", "c"}, want: `"a", "b", … (1 more)`},
	}
	for _, c := range cases {
		if got := listPreview(c.names, 2, 300); got != c.want {
			t.Errorf("%s: %q, want %q", c.desc, got, c.want)
		}
	}
}
