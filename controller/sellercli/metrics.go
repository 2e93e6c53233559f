package sellercli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Series of the gate's metrics (plugin/metrics) that make up revenue. Each carries
// the labels offer_namespace, offer_name, chain and asset_symbol.
const (
	metricChargedRequests = "turnpike_charged_requests_total"
	metricChargedAmount   = "turnpike_charged_amount_total" // token units, decimal
)

// Revenue is what one offer earned in one asset since the gate's process started
// (the gate's counters; with several gate replicas, the one scraped).
type Revenue struct {
	Chain    string `json:"chain"`
	Symbol   string `json:"symbol"`
	Amount   string `json:"amount"` // token units, exact decimal
	Requests int64  `json:"chargedRequests"`
}

// revenueKey is an offer: namespace and name.
type revenueKey struct{ ns, name string }

// revenueAcc sums one (chain, symbol) exactly.
type revenueAcc struct {
	amount   *big.Rat
	requests float64
}

// fetchRevenue reads the gate's /metrics (Prometheus text exposition) and returns
// revenue per offer.
func fetchRevenue(ctx context.Context, hc *http.Client, url string) (map[revenueKey][]Revenue, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("metrics %s: %w", url, err)
	}
	req.Header.Set("Accept", "text/plain")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("metrics %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("metrics %s: HTTP %d", url, resp.StatusCode)
	}
	rev, err := parseRevenue(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("metrics %s: %w", url, err)
	}
	return rev, nil
}

// parseRevenue reads the text exposition format: `name{l="v",...} value [ts]` lines,
// comments and other families skipped. Series of the same offer and asset add up, so
// a scrape of several gates joined together still sums right.
func parseRevenue(r io.Reader) (map[revenueKey][]Revenue, error) {
	type assetKey struct {
		revenueKey
		chain, symbol string
	}
	acc := map[assetKey]*revenueAcc{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		name, labels, value, err := parseSample(text)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if name != metricChargedRequests && name != metricChargedAmount {
			continue
		}
		k := assetKey{revenueKey{labels["offer_namespace"], labels["offer_name"]}, labels["chain"], labels["asset_symbol"]}
		a := acc[k]
		if a == nil {
			a = &revenueAcc{amount: new(big.Rat)}
			acc[k] = a
		}
		switch name {
		case metricChargedAmount:
			v, ok := new(big.Rat).SetString(value)
			if !ok {
				return nil, fmt.Errorf("line %d: %s value %q is not a decimal", line, name, value)
			}
			a.amount.Add(a.amount, v)
		case metricChargedRequests:
			v, err := strconv.ParseFloat(value, 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: %s value %q: %w", line, name, value, err)
			}
			a.requests += v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	out := map[revenueKey][]Revenue{}
	for k, a := range acc {
		out[k.revenueKey] = append(out[k.revenueKey], Revenue{Chain: k.chain, Symbol: k.symbol, Amount: ratDecimal(a.amount), Requests: int64(a.requests)})
	}
	for _, rs := range out {
		sort.Slice(rs, func(i, j int) bool {
			if rs[i].Chain != rs[j].Chain {
				return rs[i].Chain < rs[j].Chain
			}
			return rs[i].Symbol < rs[j].Symbol
		})
	}
	return out, nil
}

// parseSample splits one sample line into metric name, labels and value.
func parseSample(s string) (string, map[string]string, string, error) {
	labels := map[string]string{}
	i := strings.IndexAny(s, "{ \t")
	if i < 0 {
		return "", nil, "", fmt.Errorf("sample %q has no value", s)
	}
	name, rest := s[:i], s[i:]
	if rest[0] == '{' {
		rest = rest[1:]
		for {
			rest = strings.TrimLeft(rest, " \t,")
			if strings.HasPrefix(rest, "}") {
				rest = rest[1:]
				break
			}
			eq := strings.IndexByte(rest, '=')
			if eq < 0 || len(rest) < eq+2 || rest[eq+1] != '"' {
				return "", nil, "", fmt.Errorf("metric %s: malformed labels", name)
			}
			key := strings.TrimSpace(rest[:eq])
			val, n, err := unquoteLabel(rest[eq+1:])
			if err != nil {
				return "", nil, "", fmt.Errorf("metric %s label %s: %w", name, key, err)
			}
			labels[key] = val
			rest = rest[eq+1+n:]
		}
	}
	fields := strings.Fields(rest)
	if len(fields) < 1 || len(fields) > 2 {
		return "", nil, "", fmt.Errorf("metric %s: want a value and an optional timestamp", name)
	}
	return name, labels, fields[0], nil
}

// unquoteLabel reads a quoted label value (escapes \\, \" and \n) from the start of
// s and returns it with the number of bytes consumed.
func unquoteLabel(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 >= len(s) {
				return "", 0, fmt.Errorf("unterminated escape")
			}
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			default:
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, fmt.Errorf("unterminated value")
}

// ratDecimal writes an exact decimal (the sums of decimal strings always are).
func ratDecimal(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	// Find the number of decimals that makes it exact: the denominator is 2^a 5^b.
	for prec := 1; prec <= 80; prec++ {
		s := r.FloatString(prec)
		if back, ok := new(big.Rat).SetString(s); ok && back.Cmp(r) == 0 {
			return s
		}
	}
	return r.FloatString(80)
}
