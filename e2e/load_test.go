//go:build e2e || bench

package e2e

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/turnpike-x402/turnpike/internal/proccpu"
)

// loadResult is one load run: a fixed number of requests over keep-alive connections.
type loadResult struct {
	Requests    int
	Concurrency int
	Elapsed     time.Duration
	P50, P99    time.Duration
	// CPUPerReq is the measured processes' CPU time over the run divided by
	// Requests (zero when no pid was given): to the nanosecond from each thread's
	// schedstat, or from utime+stime in 10 ms ticks when CPUExact is false (see
	// internal/proccpu).
	CPUPerReq time.Duration
	CPUExact  bool
	// Unexpected counts answers whose status was not the expected one (or failed).
	Unexpected int
	FirstError string
}

// RPS is requests per second over the whole run.
func (r loadResult) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// loadSpec is what to send.
type loadSpec struct {
	N           int
	Concurrency int
	// Request builds request i; it is called by the workers, so it must be cheap
	// (prepare headers beforehand).
	Request    func(i int) (*http.Request, error)
	WantStatus int
	// PIDs whose CPU time is measured over the run (summed).
	PIDs []int
}

// newLoadClient returns a client that keeps one connection per worker alive.
func newLoadClient(conns int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			MaxIdleConns:        conns * 2,
			MaxIdleConnsPerHost: conns * 2,
			MaxConnsPerHost:     conns,
			DisableCompression:  true,
			IdleConnTimeout:     30 * time.Second,
		},
		Timeout: 30 * time.Second,
	}
}

// runLoad sends spec.N requests from spec.Concurrency workers and measures latency per
// request, throughput and the CPU the given processes spent.
func runLoad(spec loadSpec) (loadResult, error) {
	if spec.Concurrency <= 0 {
		spec.Concurrency = 1
	}
	client := newLoadClient(spec.Concurrency)
	defer client.CloseIdleConnections()

	lat := make([]time.Duration, spec.N)
	var next atomic.Int64
	var unexpected atomic.Int64
	var firstErr sync.Once
	var firstErrMsg string
	var wg sync.WaitGroup

	cpu0, err := sampleCPU(spec.PIDs)
	if err != nil {
		return loadResult{}, err
	}
	start := time.Now()
	for w := 0; w < spec.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= spec.N {
					return
				}
				req, err := spec.Request(i)
				if err != nil {
					unexpected.Add(1)
					firstErr.Do(func() { firstErrMsg = err.Error() })
					continue
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
				}
				lat[i] = time.Since(t0)
				if err != nil || resp.StatusCode != spec.WantStatus {
					unexpected.Add(1)
					msg := ""
					if err != nil {
						msg = err.Error()
					} else {
						msg = fmt.Sprintf("status %d, want %d", resp.StatusCode, spec.WantStatus)
					}
					firstErr.Do(func() { firstErrMsg = msg })
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu1, err := sampleCPU(spec.PIDs)
	if err != nil {
		return loadResult{}, err
	}
	sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
	res := loadResult{
		Requests:    spec.N,
		Concurrency: spec.Concurrency,
		Elapsed:     elapsed,
		P50:         percentile(lat, 0.50),
		P99:         percentile(lat, 0.99),
		Unexpected:  int(unexpected.Load()),
		FirstError:  firstErrMsg,
	}
	if len(spec.PIDs) > 0 && spec.N > 0 {
		used, exact := cpuUsed(cpu0, cpu1)
		res.CPUPerReq = used / time.Duration(spec.N)
		res.CPUExact = exact
	}
	return res, nil
}

// sampleCPU samples each process of pids.
func sampleCPU(pids []int) ([]proccpu.Sample, error) {
	out := make([]proccpu.Sample, len(pids))
	for i, pid := range pids {
		s, err := proccpu.Read(pid)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// cpuUsed sums what each process used between two sampleCPU calls; exact only when
// every process's figure is.
func cpuUsed(a, b []proccpu.Sample) (time.Duration, bool) {
	var total time.Duration
	exact := true
	for i := range a {
		d, ok := proccpu.Used(a[i], b[i])
		total += d
		exact = exact && ok
	}
	return total, exact
}

// percentile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return sorted[i]
}
