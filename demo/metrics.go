package demo

import (
	"context"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
)

// offerLabels selects the demo offer's series in the gate's metrics.
var offerLabels = fmt.Sprintf(`offer_namespace=%q,offer_name=%q`, OfferNamespace, OfferName)

// scrape fetches the gate's metrics in the Prometheus text format.
func scrape(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("scrape %s: %w", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return "", fmt.Errorf("scrape %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("scrape %s: %s", url, resp.Status)
	}
	return string(b), nil
}

// offerLines returns the offer's turnpike_* samples, without histogram buckets (the
// _sum and _count lines say enough for a person reading along).
func offerLines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if !strings.HasPrefix(l, "turnpike_") || !strings.Contains(l, offerLabels) || strings.Contains(l, "_bucket{") {
			continue
		}
		out = append(out, l)
	}
	return out
}

// sample returns the value of a metric summed over the offer's series (those whose
// labels include the offer), as an integer; absent series count as zero.
func sample(text, metric string) (*big.Int, error) {
	// Summed over the offer's series: the registry is per process, and a demo started
	// earlier in the same process (tests) on another chain id left series of its own.
	sum := new(big.Int)
	for _, l := range strings.Split(text, "\n") {
		if !strings.HasPrefix(l, metric+"{") || !strings.Contains(l, offerLabels) {
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		if i < 0 {
			return nil, fmt.Errorf("malformed sample %q", l)
		}
		v, ok := new(big.Int).SetString(l[i+1:], 10)
		if !ok {
			return nil, fmt.Errorf("sample %q is not an integer", l)
		}
		sum.Add(sum, v)
	}
	return sum, nil
}
