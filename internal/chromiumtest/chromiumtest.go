// Package chromiumtest starts headless Chromium for UI tests (the Neo4j Browser test in
// e2e/browser, the Swagger UI test of /docs): Debian's chromium, which
// deploy/browser/install-chromium.sh installs, or TRIBUTARY_CHROMIUM.
package chromiumtest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path is the Chromium binary: TRIBUTARY_CHROMIUM, default /usr/bin/chromium.
func Path() string {
	if p := os.Getenv("TRIBUTARY_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// New starts a headless Chromium with a fresh profile, 1280x900, and returns a chromedp
// context for it, bounded by timeout. tb fails when Chromium is missing; the browser stops and
// its profile is removed when tb ends.
func New(tb testing.TB, timeout time.Duration) context.Context {
	tb.Helper()
	chromium := Path()
	if _, err := os.Stat(chromium); err != nil {
		tb.Fatalf("Chromium not found at %s (install it with deploy/browser/install-chromium.sh): %v", chromium, err)
	}
	// A fresh profile; Chromium's helpers may still write to it for a moment after exit, so
	// removal is retried instead of left to t.TempDir.
	profile, err := os.MkdirTemp("", "tributary-chromium-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		for range 50 {
			if err = os.RemoveAll(profile); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		tb.Logf("remove chromium profile: %v", err)
	})
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	// Cleanups run last in, first out: the browser, then the allocator, then the deadline.
	tb.Cleanup(cancel)
	tb.Cleanup(cancelAlloc)
	tb.Cleanup(cancelBrowser)
	return bctx
}
