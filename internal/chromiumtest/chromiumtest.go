// Package chromiumtest starts a headless Chromium for tests: Debian's
// /usr/bin/chromium (or one on PATH), without a sandbox, with a throwaway
// profile. Without a browser a test is skipped, and fails when CI=true.
package chromiumtest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Find returns the path of a Chromium or Chrome binary, or "".
func Find() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Options are the flags every test browser runs with: headless, no
// sandbox (tests run as root), no GPU, and none of the background
// connections this machine's closed network refuses, with profileDir as a
// throwaway profile. internal/browsertest starts its browser with them too.
func Options(bin, profileDir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(profileDir),
	}
}

// Browser starts headless Chromium and returns a browser context (one
// tab), closed when the test ends.
func Browser(t *testing.T) context.Context {
	t.Helper()
	bin := Find()
	if bin == "" {
		msg := "chromium not found in /usr/bin or PATH: install it with `apt-get install -y chromium` to run this test"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	opts := Options(bin, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	return browser
}
