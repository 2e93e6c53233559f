package sellercli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
)

const drainAbout = `
Starts draining the ServiceOffer NAME: from now on it is no longer advertised (402
discovery, registration), but its route and gate keep serving for the grace period so
buyers holding pre-signed payments can use them up; then the controller removes the
route and the gate and keeps the offer as a record. --grace sets the period (default:
the offer's spec.drainGracePeriod, 1h unless set); --now ends it at the next reconcile.
Draining an offer that is already draining keeps its start and only changes the grace
period. --cancel clears the drain (spec.drainAt), which puts the offer back.`

// drainCommand is the parsed command line of `turnpike drain`.
type drainCommand struct {
	kube   kubeFlags
	name   string
	grace  time.Duration
	hasGr  bool
	now    bool
	cancel bool
}

func parseDrain(args []string, stdout io.Writer) (*drainCommand, error) {
	cmd := &drainCommand{}
	fs := newFlags("drain", "NAME [--grace 1h | --now | --cancel] [-n NAMESPACE]", drainAbout)
	cmd.kube.register(fs)
	var grace string
	fs.StringVar(&grace, "grace", "", "how long the route keeps serving after the drain starts, e.g. 30m or 2h")
	fs.BoolVar(&cmd.now, "now", false, "no grace period: the route goes at the next reconcile")
	fs.BoolVar(&cmd.cancel, "cancel", false, "cancel the drain")
	pos, err := parseArgs(fs, args, stdout)
	if err != nil {
		return nil, err
	}
	if len(pos) != 1 {
		return nil, usagef("want the offer's NAME, got %d arguments", len(pos))
	}
	cmd.name = pos[0]
	n := 0
	for _, b := range []bool{grace != "", cmd.now, cmd.cancel} {
		if b {
			n++
		}
	}
	if n > 1 {
		return nil, usagef("--grace, --now and --cancel exclude each other")
	}
	if grace != "" {
		d, err := time.ParseDuration(grace)
		if err != nil || d < 0 {
			return nil, usagef("--grace %q: want a duration such as 30m or 2h", grace)
		}
		cmd.grace, cmd.hasGr = d, true
	}
	if cmd.now {
		cmd.grace, cmd.hasGr = 0, true
	}
	return cmd, nil
}

// RunDrain is `turnpike drain`.
func RunDrain(ctx context.Context, stdout, _ io.Writer, args []string) error {
	cmd, err := parseDrain(args, stdout)
	if err != nil {
		return err
	}
	c, err := cmd.kube.client()
	if err != nil {
		return err
	}
	ns := cmd.kube.resolveNamespace()
	key := client.ObjectKey{Namespace: ns, Name: cmd.name}
	var so v1alpha1.ServiceOffer
	if err := c.Get(ctx, key, &so); err != nil {
		if apierrors.IsNotFound(err) {
			return fmt.Errorf("no serviceoffer %s in namespace %s (turnpike offers -n %s lists them)", cmd.name, ns, ns)
		}
		return fmt.Errorf("read serviceoffer %s/%s: %w", ns, cmd.name, err)
	}
	now := time.Now().UTC().Truncate(time.Second)

	spec := map[string]any{}
	if cmd.cancel {
		if !so.IsDraining() {
			fmt.Fprintf(stdout, "serviceoffer %s/%s is not draining; nothing to cancel.\n", ns, cmd.name)
			return nil
		}
		spec["drainAt"] = nil
	} else {
		start := now
		if so.IsDraining() {
			start = so.Spec.DrainAt.UTC()
		} else {
			spec["drainAt"] = now.Format(time.RFC3339)
		}
		if cmd.hasGr {
			spec["drainGracePeriod"] = cmd.grace.String()
		}
		if len(spec) == 0 {
			fmt.Fprintf(stdout, "serviceoffer %s/%s is already draining since %s; the route goes at %s.\n",
				ns, cmd.name, start.Format(time.RFC3339), so.DrainEndsAt().UTC().Format(time.RFC3339))
			return nil
		}
	}
	// A merge patch of the drain fields only: the resourceVersion makes it fail
	// rather than act on an offer that changed since it was read.
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"resourceVersion": so.ResourceVersion},
		"spec":     spec,
	})
	if err != nil {
		return fmt.Errorf("encode patch: %w", err)
	}
	if err := c.Patch(ctx, &so, client.RawPatch(types.MergePatchType, patch), client.FieldOwner(FieldManager)); err != nil {
		return fmt.Errorf("patch serviceoffer %s/%s: %w", ns, cmd.name, err)
	}

	if cmd.cancel {
		msg := "it is advertised again and its route stays"
		if so.Status.RouteRemovedAt != nil {
			msg = "its drain had already ended, so the controller publishes the route again"
		}
		fmt.Fprintf(stdout, "serviceoffer %s/%s: drain cancelled; %s.\n", ns, cmd.name, msg)
		return nil
	}
	start, end := so.Spec.DrainAt.UTC(), so.DrainEndsAt().UTC()
	if !end.After(now) {
		fmt.Fprintf(stdout, "serviceoffer %s/%s draining since %s: no longer advertised; the route and the gate are removed now (next reconcile).\n",
			ns, cmd.name, start.Format(time.RFC3339))
		return nil
	}
	fmt.Fprintf(stdout, "serviceoffer %s/%s draining since %s: no longer advertised; the route and the gate keep serving until %s (in %s), then are removed.\nCancel with: turnpike drain %s --cancel -n %s\n",
		ns, cmd.name, start.Format(time.RFC3339), end.Format(time.RFC3339), end.Sub(now).Round(time.Second), cmd.name, ns)
	return nil
}
