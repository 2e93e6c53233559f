// Package browsertest drives a headless Chromium (Debian's package) from Go tests,
// with an optional EIP-1193 wallet injected into every page before the page's own
// scripts run. The wallet signs in Go with a dev key, so a test can click through a
// payment page exactly as a person with a browser wallet would.
package browsertest

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

//go:embed provider.js
var providerJS string

// Chromium finds the browser: $TURNPIKE_CHROMIUM, else chromium on PATH (installed
// by scripts/install-deps.d/70-chromium.sh).
func Chromium() (string, error) {
	if p := os.Getenv("TURNPIKE_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no Chromium: run scripts/install-deps.d/70-chromium.sh or set TURNPIKE_CHROMIUM")
}

// Browser is one headless Chromium process.
type Browser struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// Start launches Chromium for the test and stops it at cleanup. Without Chromium
// the test fails in CI and is skipped elsewhere.
func Start(t testing.TB) *Browser {
	t.Helper()
	path, err := Chromium()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	opts := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
	opts = append(opts,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox refuses to start
		chromedp.Flag("disable-gpu", true),
		chromedp.WindowSize(1000, 900),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "profile")),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	// One browser process; each page is a tab in it. Pages made on the allocator
	// instead would each launch a browser on the same profile, and Chromium refuses a
	// second one while the first holds the profile lock.
	bctx, cancelBrowser := chromedp.NewContext(actx)
	cancel := func() { cancelBrowser(); cancelAlloc() }
	t.Cleanup(cancel)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return &Browser{ctx: bctx, cancel: cancel}
}

// Page is one tab.
type Page struct {
	ctx    context.Context
	cancel context.CancelFunc
	t      testing.TB
}

// NewPage opens a tab; with a wallet, window.ethereum is there before any page
// script runs, in this document and every later one.
func (b *Browser) NewPage(t testing.TB, w *Wallet) *Page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	p := &Page{ctx: ctx, cancel: cancel, t: t}
	// The first action on a context starts the browser and the tab and ties them to
	// that context, so it runs here on the page's own, not on a per-call timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	if w != nil {
		err := chromedp.Do(ctx, chromedp.ExposeFunc("__turnpikeWallet", w.handle))
		if err != nil {
			t.Fatalf("expose the wallet: %v", err)
		}
		if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: providerJS}); err != nil {
			t.Fatalf("inject the wallet: %v", err)
		}
	}
	return p
}

func (p *Page) timeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(p.ctx, d)
}

// Open navigates to url and waits for the load.
func (p *Page) Open(url string) error {
	ctx, cancel := p.timeout(30 * time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		return fmt.Errorf("open %s: %w", url, err)
	}
	return nil
}

// Click clicks the element that matches the CSS selector.
func (p *Page) Click(sel string) error {
	ctx, cancel := p.timeout(15 * time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		return fmt.Errorf("click %s: %w", sel, err)
	}
	return nil
}

// Eval evaluates a JavaScript expression and returns its value as a string.
func (p *Page) Eval(expr string) (string, error) {
	ctx, cancel := p.timeout(15 * time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string]("String("+expr+")"))
	if err != nil {
		return "", fmt.Errorf("evaluate %s: %w", expr, err)
	}
	return v, nil
}

// Text is the text of the first element matching the CSS selector ("" if none).
func (p *Page) Text(sel string) string {
	v, err := p.Eval(fmt.Sprintf("(document.querySelector(%q)||{}).textContent||''", sel))
	if err != nil {
		return ""
	}
	return v
}

// WaitAttr waits until the root element's data-<name> attribute is one of want and
// returns it; on timeout the error holds the last value seen.
func (p *Page) WaitAttr(name string, timeout time.Duration, want ...string) (string, error) {
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		v, err := p.Eval("document.documentElement.getAttribute(" + fmt.Sprintf("%q", "data-"+name) + ")")
		if err == nil {
			last = v
			for _, w := range want {
				if v == w {
					return v, nil
				}
			}
		}
		if time.Now().After(deadline) {
			return last, fmt.Errorf("data-%s is %q after %v, want one of %s", name, last, timeout, strings.Join(want, ", "))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Screenshot saves a PNG of the whole page.
func (p *Page) Screenshot(path string) error {
	ctx, cancel := p.timeout(30 * time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("screenshot folder: %w", err)
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		return fmt.Errorf("write screenshot: %w", err)
	}
	return nil
}
