// Package browsertest drives the console's pages in headless Chromium
// (Debian's /usr/bin/chromium, through chromedp) for tests.
//
// One Chromium runs per test package, started on first use; each Tab is a
// fresh browser context (its own cookies), so tests may run in parallel.
// A Tab records what a page must never do: a console error, an uncaught
// exception, a Content-Security-Policy violation, a request to another
// origin than the server under test. CheckLayout loads a page at 375 and
// 1440 px, fails when the document is wider than the window and saves a
// screenshot of each width (in OUTREACH_SCREENSHOTS when set, else in the
// test's temporary directory).
//
// When CI=true a missing Chromium fails the test; elsewhere it skips.
//
//	func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }
//
//	func TestPage(t *testing.T) {
//		tab := browsertest.NewTab(t, srv.URL)
//		tab.Do(chromedp.Navigate(srv.URL + "/console/login"))
//		tab.CheckLayout("login")
//		tab.CheckClean()
//	}
package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/outreach-dev/outreach/internal/chromiumtest"
)

// Widths are the viewport widths CheckLayout checks: a phone and a desktop.
var Widths = []int64{375, 1440}

// tabTimeout bounds everything one Tab does.
const tabTimeout = 2 * time.Minute

// browser is the package's Chromium, started by the first NewTab.
var browser struct {
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	err    error
	path   string
}

// Path returns the Chromium binary: /usr/bin/chromium, else one on PATH,
// else "".
func Path() string { return chromiumtest.Find() }

// Main runs the package's tests and then stops Chromium; call it from
// TestMain. It returns the exit code for os.Exit.
func Main(m *testing.M) int {
	code := m.Run()
	Stop()
	return code
}

// Stop stops the package's Chromium, if it started; for a TestMain that
// runs the tests by other means (pgtest.Run).
func Stop() {
	if browser.cancel != nil {
		browser.cancel()
	}
}

func start(dir string) {
	browser.path = Path()
	if browser.path == "" {
		browser.err = fmt.Errorf("chromium not found in /usr/bin or PATH: install it with `apt-get install -y chromium`")
		return
	}
	opts := append(chromiumtest.Options(browser.path, dir), chromedp.Flag("disable-extensions", true))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	// The first Run starts the browser; it lives as long as ctx.
	if err := chromedp.Do(ctx); err != nil {
		cancelCtx()
		cancelAlloc()
		browser.err = fmt.Errorf("start chromium %s: %w", browser.path, err)
		return
	}
	browser.ctx = ctx
	browser.cancel = func() { cancelCtx(); cancelAlloc(); os.RemoveAll(dir) }
}

// Tab is one browser tab in its own browser context.
type Tab struct {
	t      *testing.T
	Ctx    context.Context
	origin string

	mu       sync.Mutex
	problems []string
}

// NewTab opens a tab for pages of the server at origin (e.g. an
// httptest.Server's URL). It skips the test when Chromium is missing,
// unless CI=true, where it fails.
func NewTab(t *testing.T, origin string) *Tab {
	t.Helper()
	browser.once.Do(func() {
		dir, err := os.MkdirTemp("", "browsertest-profile-")
		if err != nil {
			browser.err = err
			return
		}
		start(dir)
	})
	if browser.err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(browser.err)
		}
		t.Skip(browser.err)
	}
	ctx, cancel := chromedp.NewContext(browser.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tab := &Tab{t: t, origin: strings.TrimRight(origin, "/")}
	if err := chromedp.Listen(ctx, tab.event); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	// A listener for CSP violations, added by DevTools and so not itself
	// subject to the page's policy.
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `document.addEventListener("securitypolicyviolation", function (e) {
			console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline"));
		});`,
	})
	if err != nil {
		t.Fatalf("install the CSP listener: %v", err)
	}
	tctx, tcancel := context.WithTimeout(ctx, tabTimeout)
	t.Cleanup(tcancel)
	tab.Ctx = tctx
	return tab
}

// event records the events that mean a page misbehaved. It runs on the
// tab's reading goroutine, so it only appends under the lock.
func (tb *Tab) event(ev any) {
	var p string
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range e.Args {
				if a.Value != nil {
					parts = append(parts, strings.Trim(string(a.Value), `"`))
				} else {
					parts = append(parts, a.Description)
				}
			}
			p = "console error: " + strings.Join(parts, " ")
		}
	case *runtime.EventExceptionThrown:
		p = "uncaught exception: " + e.ExceptionDetails.Text
		if ex := e.ExceptionDetails.Exception; ex != nil {
			p += " " + ex.Description
		}
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError || e.Entry.Source == log.EntrySourceSecurity {
			p = fmt.Sprintf("browser log (%s): %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL)
		}
	case *network.EventRequestWillBeSent:
		u := e.Request.URL
		if !strings.HasPrefix(u, tb.origin+"/") && u != tb.origin && !strings.HasPrefix(u, "data:") && u != "about:blank" {
			p = "request to another origin: " + u
		}
	}
	if p != "" {
		tb.mu.Lock()
		tb.problems = append(tb.problems, p)
		tb.mu.Unlock()
	}
}

// Problems returns what the tab recorded so far and forgets it.
func (tb *Tab) Problems() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	p := tb.problems
	tb.problems = nil
	return p
}

// Settle waits until the page has loaded (images and scripts included) and
// the tasks queued by then, such as CSP violation events, have run, so the
// events they send are recorded.
func (tb *Tab) Settle() {
	tb.t.Helper()
	_, err := chromedp.Run(tb.Ctx, chromedp.Evaluate[bool](`new Promise(function (done) {
		function after() { setTimeout(function () { done(true); }, 0); }
		if (document.readyState === "complete") { after(); } else { window.addEventListener("load", after); }
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("wait for the page to settle: %v", err)
	}
}

// CheckClean waits for the page to settle and fails the test for every
// problem recorded since the last call: console errors, exceptions, CSP
// violations, requests to another origin.
func (tb *Tab) CheckClean() {
	tb.t.Helper()
	tb.Settle()
	for _, p := range tb.Problems() {
		tb.t.Errorf("page problem: %s", p)
	}
}

// Do runs actions in the tab and fails the test on an error.
func (tb *Tab) Do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.Ctx, actions...); err != nil {
		tb.t.Fatalf("chromium: %v", err)
	}
}

// Eval evaluates a JavaScript expression in the page and returns its value.
func Eval[T any](tb *Tab, expr string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.Ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// Text returns the text of the first node matching the CSS selector.
func (tb *Tab) Text(css string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.Ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		tb.t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// Location returns the tab's URL.
func (tb *Tab) Location() string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.Ctx, chromedp.Location())
	if err != nil {
		tb.t.Fatalf("location: %v", err)
	}
	return s
}

// CheckLayout shows the current page at each of Widths, fails the test
// when the document is wider than the window (horizontal overflow), and
// saves a screenshot NAME-WIDTH.png of each. It leaves the tab at the
// last width.
func (tb *Tab) CheckLayout(name string) {
	tb.t.Helper()
	for _, w := range Widths {
		if sw, iw := tb.Widths(w); sw > iw {
			tb.t.Errorf("%s at %d px: the page is %d px wide, wider than the window (%d px): something overflows", name, w, sw, iw)
		}
		tb.Screenshot(fmt.Sprintf("%s-%d", name, w))
	}
}

// Widths sets the viewport to width px and returns the document's scroll
// width and the window's inner width; the first exceeds the second when
// something overflows horizontally.
func (tb *Tab) Widths(width int64) (scrollWidth, innerWidth int64) {
	tb.t.Helper()
	tb.Do(chromedp.EmulateViewport(width, 900))
	return Eval[int64](tb, `document.documentElement.scrollWidth`), Eval[int64](tb, `window.innerWidth`)
}

// Screenshot saves a full-page PNG named name.png and returns its path.
func (tb *Tab) Screenshot(name string) string {
	tb.t.Helper()
	b, err := chromedp.Run(tb.Ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := os.Getenv("OUTREACH_SCREENSHOTS")
	if dir == "" {
		dir = tb.t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	return p
}
