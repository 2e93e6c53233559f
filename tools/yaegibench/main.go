// Command yaegibench measures the gate the way Traefik runs it: the plugin is
// interpreted by Yaegi v0.16.1 from a GOPATH layout with only the standard library
// symbols, New() is called through the interpreter, and the returned handler is
// called from compiled code, as Traefik's router does. It prints the cost per request
// of the 402 challenge (repeated and unique URLs, short and 200-character) next to a
// baseline plugin that answers a fixed 402, so the gate's own cost is the difference.
//
// A nested module, so yaegi never enters the main go.mod (the plugin catalog refuses
// modules that require it). Run: make bench-gate-yaegi.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
)

const module = "github.com/turnpike-x402/turnpike"

// baseline is the smallest plugin that answers what the gate answers.
const baseline = `package baseline

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
)

type Config struct{ Body string }

func CreateConfig() *Config { return &Config{} }

type h struct{ body []byte }

func New(ctx context.Context, next http.Handler, c *Config, name string) (http.Handler, error) {
	return &h{body: []byte(c.Body)}, nil
}

func (t *h) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	hd := rw.Header()
	hd["Payment-Required"] = []string{"eyJ4NDAyVmVyc2lvbiI6Mn0="}
	hd["Content-Type"] = []string{"application/json"}
	hd["Cache-Control"] = []string{"no-store"}
	rw.WriteHeader(402)
	rw.Write(t.body)
}
`

func main() {
	repo := flag.String("repo", "../..", "Turnpike repository root")
	routesFile := flag.String("routes", "", "routes document (default: testdata/gateway/routes.json)")
	memProfile := flag.String("memprofile", "", "write an allocation profile of the measured cases (use -run to pick one)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the measured cases (use -run to pick one)")
	only := flag.String("run", "", "only the cases whose name contains this (e.g. \"paid\")")
	count := flag.Int("count", 1, "run each case this many times (the machine may be shared)")
	ruleCounts := flag.String("rules", "100,1000", "also measure unique-URL 402s with the offer holding this many path rules (comma list; \"\" for none)")
	reload := flag.String("reload", "", "instead, measure how long the interpreted gate takes to reload a routes shard of this many offers (comma list, e.g. 643,1990,2484)")
	flag.Parse()
	root, err := filepath.Abs(*repo)
	must(err)
	if *routesFile == "" {
		*routesFile = filepath.Join(root, "testdata", "gateway", "routes.json")
	}
	gopath, err := os.MkdirTemp("", "yaegibench")
	must(err)
	defer os.RemoveAll(gopath)
	must(os.MkdirAll(filepath.Join(gopath, "src", filepath.Dir(module)), 0o755))
	must(os.Symlink(root, filepath.Join(gopath, "src", module)))
	must(os.MkdirAll(filepath.Join(gopath, "src", "example.com", "baseline"), 0o755))
	must(os.WriteFile(filepath.Join(gopath, "src", "example.com", "baseline", "baseline.go"), []byte(baseline), 0o644))

	fac := httptest.NewServer(http.HandlerFunc(instantFacilitator))
	defer fac.Close()
	// The same facilitator without the turnpike-claim extension, as e2e's (c) row's:
	// the gate then settles before calling the upstream (unclaimedSettlement).
	facNoClaim := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("X-Turnpike-Attempt")
		instantFacilitator(w, r)
	}))
	defer facNoClaim.Close()
	if *reload != "" {
		for _, f := range strings.Split(*reload, ",") {
			n, err := strconv.Atoi(f)
			must(err)
			measureReload(gopath, fac.URL, n, *count)
		}
		return
	}
	gate := load(gopath, module+"/plugin", "plugin", map[string]any{
		"offer": "demo/weather", "routesFile": *routesFile, "facilitatorURL": fac.URL,
	})
	base := load(gopath, "example.com/baseline", "baseline", map[string]any{"Body": `{"x402Version":1,"accepts":[]}`})
	var gateBefore http.Handler
	if strings.Contains("gate paid (settle before, no claims)", *only) {
		gateBefore = load(gopath, module+"/plugin", "plugin", map[string]any{
			"offer": "demo/weather", "routesFile": *routesFile, "facilitatorURL": facNoClaim.URL,
		})
		waitRoutes(gateBefore)
	}

	long := "/services/weather/" + strings.Repeat("q", 200-len("http://example.test/services/weather/"))
	huge := "/services/weather/" + strings.Repeat("q", 2000-len("http://example.test/services/weather/"))
	cases := []benchCase{
		{"baseline plugin (fixed 402)", base, "/services/weather/today", false},
		// The same harness work as the unique-URL gate cases (a fresh request per
		// iteration, built with the timer stopped but inside the CPU count), so the
		// gate's own CPU per new URL is the difference of matching rows.
		{"baseline plugin, unique short URLs", base, "/services/weather/today", true},
		{"baseline plugin, unique 2000-char URLs", base, huge, true},
		{"gate 402, repeated short URL", gate, "/services/weather/today", false},
		{"gate 402, repeated 200-char URL", gate, long, false},
		{"gate 402, unique short URLs", gate, "/services/weather/today", true},
		{"gate 402, unique 200-char URLs", gate, long, true},
		{"gate 402, unique 2000-char URLs", gate, huge, true},
	}
	waitRoutes(gate)
	// The same offer with many more path rules in front of the one that matches, so
	// the lookup cannot stop early (the regexp this replaced tried every alternative).
	for _, f := range strings.Split(*ruleCounts, ",") {
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		must(err)
		if !strings.Contains(fmt.Sprintf("gate 402, unique short URLs, %d rules", n), *only) {
			continue
		}
		doc := manyRulesDoc(*routesFile, n, gopath)
		g := load(gopath, module+"/plugin", "plugin", map[string]any{
			"offer": "demo/weather", "routesFile": doc, "facilitatorURL": fac.URL,
		})
		waitRoutes(g)
		cases = append(cases, benchCase{fmt.Sprintf("gate 402, unique short URLs, %d rules", n), g, "/services/weather/today", true})
	}
	if *memProfile != "" {
		// Every allocation, of the cases -run selects (the harness's own request
		// building included: focus the profile on the gate's frames).
		runtime.MemProfileRate = 1
		defer func() {
			f, err := os.Create(*memProfile)
			must(err)
			must(pprof.Lookup("allocs").WriteTo(f, 0))
			must(f.Close())
		}()
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		must(err)
		must(pprof.StartCPUProfile(f))
		defer func() {
			pprof.StopCPUProfile()
			must(f.Close())
		}()
	}
	for n := 0; n < *count; n++ {
		benchCases(gate, cases, *only)
		if gateBefore != nil {
			benchPaid(gateBefore, "gate paid (settle before, no claims)")
		}
	}
}

// waitRoutes waits until the gate has loaded its routes document.
func waitRoutes(gate http.Handler) {
	for i := 0; ; i++ {
		rec := httptest.NewRecorder()
		gate.ServeHTTP(rec, httptest.NewRequest("GET", "http://example.test/services/weather/today", nil))
		if rec.Code == 402 {
			return
		}
		if i > 500 {
			fmt.Fprintln(os.Stderr, "gate never loaded its routes:", rec.Code, rec.Body.String())
			os.Exit(1)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// manyRulesDoc writes a copy of the routes document whose demo/weather offer holds n
// path rules: n-3 GET prefix rules that the benchmark's paths never match, then the
// offer's own three (the last, "/*", is the one that charges).
func manyRulesDoc(src string, n int, dir string) string {
	raw, err := os.ReadFile(src)
	must(err)
	var doc map[string]any
	must(json.Unmarshal(raw, &doc))
	for _, o := range doc["offers"].([]any) {
		offer := o.(map[string]any)
		if offer["namespace"] != "demo" || offer["name"] != "weather" {
			continue
		}
		own := offer["paths"].([]any)
		var paths []any
		for i := 0; i < n-len(own); i++ {
			paths = append(paths, map[string]any{"pattern": fmt.Sprintf("/r%d/items/*", i), "methods": []string{"GET"}})
		}
		offer["paths"] = append(paths, own...)
	}
	out, err := json.Marshal(doc)
	must(err)
	f := filepath.Join(dir, fmt.Sprintf("routes-%d-rules.json", n))
	must(os.WriteFile(f, out, 0o644))
	return f
}

type benchCase struct {
	name   string
	h      http.Handler
	path   string
	unique bool
}

func benchCases(gate http.Handler, cases []benchCase, only string) {
	for _, c := range cases {
		if !strings.Contains(c.name, only) {
			continue
		}
		var cpu cpuMeter
		r := testing.Benchmark(func(b *testing.B) {
			defer cpu.start(b)()
			reqs := make([]*http.Request, 0, 1024)
			for i := 0; i < cap(reqs); i++ {
				p := c.path
				if c.unique {
					p = p[:len(p)-len(fmt.Sprint(i))] + fmt.Sprint(i) + fmt.Sprintf("?n=%d", b.N)
				}
				reqs = append(reqs, serverRequest("http://example.test"+p))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req := reqs[0]
				if c.unique {
					req = reqs[i%len(reqs)]
					if i%len(reqs) == 0 && i > 0 {
						b.StopTimer()
						for j := range reqs {
							reqs[j] = serverRequest(fmt.Sprintf("http://example.test%s?r=%d", c.path, i+j))
						}
						b.StartTimer()
					}
				}
				rec := httptest.NewRecorder()
				c.h.ServeHTTP(rec, req)
				if rec.Code != 402 {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
		fmt.Printf("%-40s %8.1f us/op %8.1f CPU-us/op %6d allocs/op %7d B/op\n", c.name, float64(r.NsPerOp())/1000, cpu.perOp(), r.AllocsPerOp(), r.AllocedBytesPerOp())
	}
	if strings.Contains("gate paid (settle after)", only) {
		benchPaid(gate, "gate paid (settle after)")
	}
}

// benchPaid measures paid requests (fresh payments) answered by the upstream.
func benchPaid(gate http.Handler, name string) {
	var cpu cpuMeter
	r := testing.Benchmark(func(b *testing.B) {
		defer cpu.start(b)()
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			req := httptest.NewRequest("GET", "http://example.test/services/weather/today", nil)
			req.Header.Set("PAYMENT-SIGNATURE", payment(i, b.N))
			b.StartTimer()
			rec := httptest.NewRecorder()
			gate.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("paid: %d %s", rec.Code, rec.Body.String())
			}
		}
	})
	fmt.Printf("%-40s %8.1f us/op %8.1f CPU-us/op %6d allocs/op (incl. the in-process facilitator and loopback HTTP)\n", name, float64(r.NsPerOp())/1000, cpu.perOp(), r.AllocsPerOp())
}

// cpuMeter is the process CPU time (user+system, GC included) per operation of the
// last and longest run of a benchmark: on a shared machine wall time per operation
// mostly measures the other processes, CPU time much less so. It includes the set-up
// done with the timer stopped (building requests, signing nothing), the same for every
// gate and the baseline.
type cpuMeter struct {
	us float64
	n  int
}

func (m *cpuMeter) start(b *testing.B) func() {
	t0 := processCPU()
	return func() {
		m.us = float64(processCPU()-t0) / float64(time.Microsecond)
		m.n = b.N
	}
}

func (m *cpuMeter) perOp() float64 {
	if m.n == 0 {
		return 0
	}
	return m.us / float64(m.n)
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// serverRequest is a request as net/http's server hands it to Traefik: origin-form
// request-target, Host from the header.
func serverRequest(target string) *http.Request {
	req := httptest.NewRequest("GET", target, nil)
	req.RequestURI = req.URL.RequestURI()
	req.Header.Set("User-Agent", "bench/1")
	req.Header.Set("X-Forwarded-Proto", "http")
	return req
}

// instantFacilitator accepts everything at once.
func instantFacilitator(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/json")
	if strings.HasSuffix(r.URL.Path, "/verify") {
		// Confirms the turnpike-claim when the gate names an attempt (a gate that does
		// not ignores the extension), so both measure the settle-after path.
		ext := ""
		if a := r.Header.Get("X-Turnpike-Attempt"); a != "" {
			ext = `,"extensions":{"turnpike-claim":{"attempt":"` + a + `","expiresAt":4102444800}}`
		}
		_, _ = io.WriteString(w, `{"isValid":true,"payer":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"`+ext+`}`)
		return
	}
	_, _ = io.WriteString(w, `{"success":true,"transaction":"0x01","network":"eip155:84532","payer":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"}`)
}

var runID = time.Now().UnixNano()

// paymentSeq makes every payment's nonce unique across repeated cases.
var paymentSeq int

// payment is a v2 payment for the testdata offer with a fresh nonce.
func payment(i, n int) string {
	paymentSeq++
	now := time.Now().Unix()
	// In the key order of the official x402 TypeScript client (x402Version, payload
	// {authorization, signature}, resource, accepted), as real buyers send it.
	p := fmt.Sprintf(`{"x402Version":2,"payload":{"authorization":{"from":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","value":"1000","validAfter":"%d","validBefore":"%d","nonce":"0x%032x%032x"},"signature":"0x%0130x"},"resource":{"url":"http://example.test/services/weather/today"},"accepted":{"scheme":"exact","network":"eip155:84532","amount":"1000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}}`,
		now-600, now+60, runID, paymentSeq, 1)
	return base64.StdEncoding.EncodeToString([]byte(p))
}

// load interprets a plugin as Traefik does and returns its handler.
func load(gopath, importPath, pkg string, conf map[string]any) http.Handler {
	i := interp.New(interp.Options{GoPath: gopath, Env: os.Environ()})
	must(i.Use(stdlib.Symbols))
	_, err := i.Eval(`import "` + importPath + `"`)
	must(err)
	create, err := i.Eval(pkg + ".CreateConfig")
	must(err)
	cfg := create.Call(nil)[0]
	// Traefik decodes with mapstructure; the benchmark sets the few string fields
	// directly by case-insensitive name.
	elem := cfg.Elem()
	for k, v := range conf {
		f := elem.FieldByNameFunc(func(n string) bool { return strings.EqualFold(n, k) })
		if !f.IsValid() {
			panic("no field " + k)
		}
		f.Set(reflect.ValueOf(v))
	}
	newFn, err := i.Eval(pkg + ".New")
	must(err)
	next := http.HandlerFunc(upstream)
	out := newFn.Call([]reflect.Value{reflect.ValueOf(context.Background()), reflect.ValueOf(next), cfg, reflect.ValueOf("bench@file")})
	if !out[1].IsNil() {
		panic(out[1].Interface())
	}
	return out[0].Interface().(http.Handler)
}

// upstream answers as Traefik's reverse proxy does for a small upstream answer: it
// copies the upstream's headers into the writer's map, writes the status and then
// the body, so a writer the gate wraps sees the calls it sees in Traefik.
func upstream(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{"11"}
	h["Date"] = []string{"Mon, 07 Dec 2026 10:00:00 GMT"}
	w.Header().Del("Connection")
	w.WriteHeader(200)
	_, _ = w.Write([]byte(`{"ok":true}`))
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// measureReload times the interpreted gate reloading a routes document of n offers as
// the controller renders simple ones, the way it runs in Traefik: the gate polls the
// file every millisecond (the ConfigMap watch delivers the same bytes to the same
// parse and compile), and two versions alternate, one with the gate's own offer and
// one without it, so the gate's answer (402, then 503 offer_unknown) shows when the
// new version is in service. Each time is from the file's atomic replacement to the
// first answer from the new version: parse and table build plus at most one poll
// interval and one request.
func measureReload(gopath, facURL string, n, rounds int) {
	dir, err := os.MkdirTemp("", "reload")
	must(err)
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "routes.json")
	simple := simpleDocs(gopath)
	with := func(gen int) []byte { return simple(n, gen, 0) }
	without := func(gen int) []byte { return simple(n, gen, 1) }
	// First a document of offer-00000 alone, so the heap of n offers can be read as the
	// difference from it (same process, same interpreter, same metrics registry).
	must(os.WriteFile(file, simple(1, 1, 0), 0o644))
	gate := load(gopath, module+"/plugin", "plugin", map[string]any{
		"offer": "team-000/offer-00000", "routesFile": file, "facilitatorURL": facURL, "PollIntervalMs": 1,
	})
	answer := func() int {
		rec := httptest.NewRecorder()
		gate.ServeHTTP(rec, serverRequest("http://example.test/services/offer-00000/x"))
		return rec.Code
	}
	waitCode := func(code int) time.Duration {
		start := time.Now()
		for answer() != code {
			if time.Since(start) > 2*time.Minute {
				fmt.Fprintf(os.Stderr, "reload of %d offers: no %d after 2 minutes\n", n, code)
				os.Exit(1)
			}
			time.Sleep(200 * time.Microsecond)
		}
		return time.Since(start)
	}
	waitCode(402)
	// The paywall page is rendered on its first request (sync.Once): check it works
	// interpreted before timing anything.
	req := serverRequest("http://example.test/services/offer-00000/x")
	req.Header.Set("Accept", "text/html")
	req.Header.Set("User-Agent", "Mozilla/5.0")
	rec := httptest.NewRecorder()
	gate.ServeHTTP(rec, req)
	if rec.Code != 402 || !strings.Contains(rec.Body.String(), "Payment required") || !strings.Contains(rec.Body.String(), "/services/offer-00000/x") {
		fmt.Fprintf(os.Stderr, "paywall under Yaegi: %d %.200s\n", rec.Code, rec.Body.String())
		os.Exit(1)
	}
	h0 := liveHeap()
	// Offers 1..n (offer-00000 gone: the gate answers 503 once it reads it).
	tmp := file + ".tmp"
	must(os.WriteFile(tmp, without(2), 0o644))
	must(os.Rename(tmp, file))
	waitCode(503)
	h1 := liveHeap()
	fmt.Printf("heap under Yaegi, %d offers loaded: %.1f KiB per offer (live heap %.1f MiB with 1 offer, %.1f MiB with %d)\n",
		n, float64(h1-h0)/float64(n-1)/1024, float64(h0)/(1<<20), float64(h1)/(1<<20), n)
	var times []string
	gen := 2
	for r := 0; r < rounds*4; r++ {
		gen++
		doc, code := without(gen), 503
		if gen%2 == 1 {
			doc, code = with(gen), 402
		}
		must(os.WriteFile(tmp, doc, 0o644))
		must(os.Rename(tmp, file))
		times = append(times, fmt.Sprintf("%.1f", float64(waitCode(code).Microseconds())/1000))
	}
	fmt.Printf("reload under Yaegi, %d offers (%d bytes): %s ms\n", n, len(with(1)), strings.Join(times, " "))

	// The parse and validation alone (routes.Parse, interpreted), to split the time.
	i := interp.New(interp.Options{GoPath: gopath, Env: os.Environ()})
	must(i.Use(stdlib.Symbols))
	_, err = i.Eval(`import "` + module + `/plugin/routes"`)
	must(err)
	parse, err := i.Eval("routes.Parse")
	must(err)
	doc := reflect.ValueOf(with(1))
	times = times[:0]
	for r := 0; r < rounds*4; r++ {
		start := time.Now()
		out := parse.Call([]reflect.Value{doc})
		took := time.Since(start)
		if !out[1].IsNil() {
			panic(out[1].Interface())
		}
		times = append(times, fmt.Sprintf("%.1f", float64(took.Microseconds())/1000))
	}
	fmt.Printf("  of which routes.Parse (decode and validate): %s ms\n", strings.Join(times, " "))
}

// liveHeap is the heap in use after two collections (the second frees what the first
// only finalized), the least of several looks: the gate polls its file every
// millisecond here, and a look that catches a read in flight counts the whole file.
func liveHeap() int64 {
	least := int64(-1)
	for i := 0; i < 7; i++ {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		if least < 0 || int64(m.HeapAlloc) < least {
			least = int64(m.HeapAlloc)
		}
		time.Sleep(3 * time.Millisecond)
	}
	return least
}

// simpleDocs returns plugin/routes/routestest.Simple, interpreted: the same documents
// the plugin's compiled BenchmarkReloadShard reloads.
func simpleDocs(gopath string) func(n, gen, skip int) []byte {
	i := interp.New(interp.Options{GoPath: gopath, Env: os.Environ()})
	must(i.Use(stdlib.Symbols))
	_, err := i.Eval(`import "` + module + `/plugin/routes/routestest"`)
	must(err)
	fn, err := i.Eval("routestest.Simple")
	must(err)
	return func(n, gen, skip int) []byte {
		out := fn.Call([]reflect.Value{reflect.ValueOf(n), reflect.ValueOf(int64(gen)), reflect.ValueOf(skip)})
		return out[0].Bytes()
	}
}
