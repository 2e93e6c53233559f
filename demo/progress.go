package demo

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress prints one line per step with the time since the demo started and the
// step's own duration, so a person watching sees where the seconds go.
type progress struct {
	w     io.Writer
	start time.Time
}

func newProgress(w io.Writer) *progress {
	if w == nil {
		w = io.Discard
	}
	return &progress{w: w, start: time.Now()}
}

// step runs fn and prints "[  1.2s] what ... ok (300ms) detail" once it is done; the
// leading part is printed first so a slow step is visibly in progress.
func (p *progress) step(what string, fn func() (string, error)) error {
	fmt.Fprintf(p.w, "[%6.2fs] %-34s ", time.Since(p.start).Seconds(), what+" ...")
	t := time.Now()
	detail, err := fn()
	d := time.Since(t)
	if err != nil {
		fmt.Fprintf(p.w, "FAILED (%s)\n          %v\n", round(d), err)
		return fmt.Errorf("%s: %w", what, err)
	}
	line := fmt.Sprintf("ok (%s)", round(d))
	if detail != "" {
		line += "  " + detail
	}
	fmt.Fprintln(p.w, line)
	return nil
}

// printf writes free text (headings, tables) between steps.
func (p *progress) printf(format string, args ...any) {
	fmt.Fprintf(p.w, format, args...)
}

// section prints a heading that separates the parts of the report.
func (p *progress) section(title string) {
	fmt.Fprintln(p.w, "\n"+strings.TrimSpace("== "+title+" "+strings.Repeat("=", max(0, 74-len(title)))))
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}
