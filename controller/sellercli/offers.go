package sellercli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
)

const offersAbout = `
Lists the ServiceOffers with what a seller checks at a glance: where buyers call, the
price, the type and model, whether the offer is Ready (and why not), its ERC-8004
registration, whether it is draining and until when, and the revenue the gate has
counted.

Revenue comes from the gate's Prometheus metrics (turnpike_charged_requests_total and
turnpike_charged_amount_total) at --metrics-url, e.g. a port-forward of Traefik's gate
metrics listener: http://127.0.0.1:9464/metrics. The counters start at zero when the
gate's process starts. If the metrics cannot be read the column shows "-" and a note
goes to stderr; the listing itself does not fail.`

// OfferRow is one offer as `turnpike offers` shows it (and -o json prints it).
type OfferRow struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Type      string `json:"type"`
	Model     string `json:"model,omitempty"`
	Path      string `json:"path"`
	URL       string `json:"url,omitempty"`
	Price     string `json:"price"`
	Network   string `json:"network,omitempty"`

	Ready        string `json:"ready"` // True, False or Unknown
	ReadyReason  string `json:"readyReason,omitempty"`
	ReadyMessage string `json:"readyMessage,omitempty"`

	Registration string `json:"registration"`      // off, or the registration phase
	AgentID      string `json:"agentId,omitempty"` // ERC-721 token id

	Draining    bool       `json:"draining"`
	DrainEndsAt *time.Time `json:"drainEndsAt,omitempty"`
	DrainEnded  bool       `json:"drainEnded,omitempty"`

	// Revenue is nil when the metrics were not read, empty when the gate has no
	// charged requests for the offer.
	Revenue []Revenue `json:"revenue"`
}

// Row summarises one offer at now.
func Row(o *v1alpha1.ServiceOffer, now time.Time) OfferRow {
	r := OfferRow{
		Namespace: o.Namespace,
		Name:      o.Name,
		Type:      o.OfferType(),
		Path:      o.EffectivePath(),
		URL:       o.Status.URL,
		Price:     o.Status.Price,
		Ready:     "Unknown",
	}
	if o.Status.Endpoint != "" {
		r.Path = o.Status.Endpoint
	}
	if o.Spec.Model != nil {
		r.Model = o.Spec.Model.Name
	}
	if len(o.Spec.Payment.Accepts) > 0 {
		a := o.Spec.Payment.Accepts[0]
		r.Network = a.Network
		if r.Price == "" { // not yet reconciled: say what the spec asks for
			switch {
			case a.Price != "":
				r.Price = a.Price
			case a.PerMTok != "":
				r.Price = a.PerMTok + "/Mtok"
			case a.Amount != "":
				r.Price = a.Amount + " atomic"
			}
		}
	}
	if c := meta.FindStatusCondition(o.Status.Conditions, v1alpha1.ConditionReady); c != nil {
		r.Ready, r.ReadyReason, r.ReadyMessage = string(c.Status), c.Reason, c.Message
	}
	r.Registration = "off"
	if o.RegistrationEnabled() {
		r.Registration = "pending"
	}
	if reg := o.Status.Registration; reg != nil {
		if reg.Phase != "" {
			r.Registration = reg.Phase
		}
		r.AgentID = reg.AgentID
	}
	if o.IsDraining() {
		r.Draining = true
		end := o.DrainEndsAt().UTC()
		if o.Status.DrainEndsAt != nil {
			end = o.Status.DrainEndsAt.UTC()
		}
		r.DrainEndsAt = &end
		r.DrainEnded = !now.Before(end)
	}
	return r
}

// offersCommand is the parsed command line of `turnpike offers`.
type offersCommand struct {
	kube       kubeFlags
	all        bool
	output     outputFlag
	metricsURL string
}

func parseOffers(args []string, stdout io.Writer) (*offersCommand, error) {
	cmd := &offersCommand{output: outputFlag{allowed: []string{"json"}}}
	fs := newFlags("offers", "[-n NAMESPACE | -A] [-o json] [--metrics-url URL]", offersAbout)
	cmd.kube.register(fs)
	fs.BoolVar(&cmd.all, "A", false, "list the offers of every namespace")
	fs.BoolVar(&cmd.all, "all-namespaces", false, "same as -A")
	fs.Var(&cmd.output, "o", "json: print the rows as a JSON array")
	fs.StringVar(&cmd.metricsURL, "metrics-url", os.Getenv("TURNPIKE_METRICS_URL"), "the gate's Prometheus metrics, for revenue (default $TURNPIKE_METRICS_URL)")
	pos, err := parseArgs(fs, args, stdout)
	if err != nil {
		return nil, err
	}
	if len(pos) > 0 {
		return nil, usagef("unexpected argument %q (flags only)", pos[0])
	}
	if cmd.all && cmd.kube.namespace != "" {
		return nil, usagef("-A and -n exclude each other")
	}
	if cmd.metricsURL != "" && !strings.HasPrefix(cmd.metricsURL, "http://") && !strings.HasPrefix(cmd.metricsURL, "https://") {
		return nil, usagef("--metrics-url %q: want an http(s) URL such as http://127.0.0.1:9464/metrics", cmd.metricsURL)
	}
	return cmd, nil
}

// RunOffers is `turnpike offers`.
func RunOffers(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	cmd, err := parseOffers(args, stdout)
	if err != nil {
		return err
	}
	c, err := cmd.kube.client()
	if err != nil {
		return err
	}
	var list v1alpha1.ServiceOfferList
	var opts []client.ListOption
	where := "all namespaces"
	if !cmd.all {
		ns := cmd.kube.resolveNamespace()
		opts = append(opts, client.InNamespace(ns))
		where = "namespace " + ns
	}
	if err := c.List(ctx, &list, opts...); err != nil {
		return fmt.Errorf("list serviceoffers in %s: %w", where, err)
	}
	sort.Slice(list.Items, func(i, j int) bool {
		a, b := list.Items[i], list.Items[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})

	now := time.Now()
	rows := make([]OfferRow, 0, len(list.Items))
	for i := range list.Items {
		rows = append(rows, Row(&list.Items[i], now))
	}

	if cmd.metricsURL != "" {
		mctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		rev, err := fetchRevenue(mctx, http.DefaultClient, cmd.metricsURL)
		cancel()
		if err != nil {
			// The listing is still worth having: revenue stays "-".
			fmt.Fprintf(stderr, "note: revenue unknown: %v\n", err)
		} else {
			for i := range rows {
				rows[i].Revenue = rev[revenueKey{rows[i].Namespace, rows[i].Name}]
				if rows[i].Revenue == nil {
					rows[i].Revenue = []Revenue{}
				}
			}
		}
	}

	if cmd.output.value == "json" {
		b, err := json.MarshalIndent(rows, "", "  ")
		if err != nil {
			return fmt.Errorf("encode offers: %w", err)
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	if len(rows) == 0 {
		fmt.Fprintf(stdout, "No ServiceOffers in %s. Create one with `turnpike sell`.\n", where)
		return nil
	}
	return writeTable(stdout, rows, cmd.all, now)
}

// writeTable prints the rows for people, one line per offer.
func writeTable(w io.Writer, rows []OfferRow, withNS bool, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head := "NAME\tTYPE\tURL\tPRICE\tREADY\tREGISTRATION\tDRAIN\tREVENUE"
	if withNS {
		head = "NAMESPACE\t" + head
	}
	fmt.Fprintln(tw, head)
	for _, r := range rows {
		typ := r.Type
		if r.Model != "" {
			typ += " " + r.Model
		}
		where := r.Path
		if r.URL != "" {
			where = r.URL
		}
		price := r.Price
		if r.Network != "" {
			price += " on " + r.Network
		}
		ready := r.Ready
		if r.ReadyReason != "" && r.Ready != "True" {
			ready += " (" + r.ReadyReason + ")"
		}
		reg := r.Registration
		if r.AgentID != "" {
			reg += " agent " + r.AgentID
		}
		drain := "-"
		if r.Draining {
			end := r.DrainEndsAt.Format(time.RFC3339)
			if r.DrainEnded {
				drain = "drained at " + end
			} else {
				drain = "draining until " + end + " (in " + r.DrainEndsAt.Sub(now).Round(time.Second).String() + ")"
			}
		}
		line := strings.Join([]string{r.Name, typ, where, price, ready, reg, drain, revenueText(r.Revenue)}, "\t")
		if withNS {
			line = r.Namespace + "\t" + line
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}

func revenueText(rs []Revenue) string {
	if rs == nil {
		return "-"
	}
	if len(rs) == 0 {
		return "0"
	}
	parts := make([]string, 0, len(rs))
	for _, r := range rs {
		sym := r.Symbol
		if sym == "unknown" || sym == "" {
			sym = "units"
		}
		if len(rs) > 1 { // the same token on two chains must not read as one
			sym += "@" + r.Chain
		}
		parts = append(parts, fmt.Sprintf("%s %s (%d req)", r.Amount, sym, r.Requests))
	}
	return strings.Join(parts, ", ")
}
