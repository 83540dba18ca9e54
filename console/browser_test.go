package console_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/outreach-dev/outreach/internal/browsertest"
	"github.com/outreach-dev/outreach/store"
)

var linkInMail = regexp.MustCompile(`http://\S+/console/auth/\S+`)

// browserSignIn signs email in through the pages, as a person does: the
// form, the mailed link, the button.
func browserSignIn(t *testing.T, e *env, tab *browsertest.Tab, email string) {
	t.Helper()
	before := len(e.mail.all())
	tab.Do(chromedp.Navigate(e.srv.URL+"/console/"), chromedp.WaitVisible(chromedp.CSS("#email")))
	if loc := tab.Location(); !strings.HasSuffix(loc, "/console/login") {
		t.Fatalf("signed out, /console/ led to %s, want the sign-in form", loc)
	}
	tab.Do(chromedp.SendKeys(chromedp.CSS("#email"), email), chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	e.cons.WaitMail()
	msgs := e.mail.all()
	if len(msgs) != before+1 {
		t.Fatalf("%d sign-in mails, want %d", len(msgs), before+1)
	}
	link := linkInMail.FindString(msgs[len(msgs)-1].Text)
	tab.Do(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("button.primary")))
	tab.Do(chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS(".signout")))
	if loc := tab.Location(); loc != e.srv.URL+"/console/" {
		t.Fatalf("after sign-in at %s, want the home page", loc)
	}
}

// status navigates to u and returns the HTTP status of the page.
func status(t *testing.T, tab *browsertest.Tab, u string) int64 {
	t.Helper()
	res, err := chromedp.RunResponse(tab.Ctx, chromedp.Navigate(u))
	if err != nil {
		t.Fatalf("open %s: %v", u, err)
	}
	return res.Status
}

// TestBrowserSignIn: in Chromium, the sign-in form mails a link, the link
// shows a button, the button starts a session on the home page; every page
// on the way is clean (no CSP violation, no console error, nothing from
// another origin) and fits 375 and 1440 px.
func TestBrowserSignIn(t *testing.T) {
	e := newEnv(t, store.SQLite)
	tab := browsertest.NewTab(t, e.srv.URL)

	tab.Do(chromedp.Navigate(e.srv.URL + "/console/login"))
	tab.CheckLayout("login")
	tab.CheckClean()
	browserSignIn(t, e, tab, "ada@vendor.example")
	if who := tab.Text(".who"); !strings.Contains(who, "ada@vendor.example") || !strings.Contains(who, "admin") {
		t.Errorf("header says %q", who)
	}
	tab.CheckLayout("home")
	tab.CheckClean()

	cookies, err := chromedp.Call(tab.Ctx, network.GetCookies, network.GetCookiesParams{})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, c := range cookies.Cookies {
		if c.Name != "outreach_console" {
			continue
		}
		found = true
		if !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax || c.Path != "/console/" || c.Secure || !c.Session {
			t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/console/, not Secure on http, no expiry", c)
		}
	}
	if !found {
		t.Fatal("no outreach_console cookie after sign-in")
	}
	if js := browsertest.Eval[string](tab, `document.cookie`); strings.Contains(js, "outreach_console") {
		t.Errorf("the session cookie is readable from JavaScript: %q", js)
	}

	// The audit log (admins) shows the sign-in, and fits both widths.
	tab.Do(chromedp.Navigate(e.srv.URL+"/console/audit"), chromedp.WaitVisible(chromedp.CSS("table")))
	if txt := tab.Text("table"); !strings.Contains(txt, "console.sign_in") {
		t.Errorf("audit log: %q", txt)
	}
	tab.CheckLayout("audit")
	tab.CheckClean()

	// A POST without the CSRF token is refused, even from the page itself.
	st, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[int](`fetch("/console/logout", {method: "POST"}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || st != http.StatusForbidden {
		t.Errorf("POST /console/logout without the token: %d %v, want 403", st, err)
	}
	st, err = chromedp.Run(tab.Ctx, chromedp.Evaluate[int](`fetch("/console/logout", {method: "POST", redirect: "manual",
		headers: {"X-CSRF-Token": document.querySelector('meta[name="csrf-token"]').content}}).then(r => r.type === "opaqueredirect" ? 303 : r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || st != http.StatusSeeOther {
		t.Errorf("POST /console/logout with the header token: %d %v, want 303", st, err)
	}
	if st := status(t, tab, e.srv.URL+"/console/audit"); st != http.StatusOK || !strings.HasSuffix(tab.Location(), "/console/login?next=%2Fconsole%2Faudit") {
		t.Errorf("after sign-out, /console/audit: %d at %s, want the sign-in form", st, tab.Location())
	}
	tab.Problems() // the 403 of the refused fetch is logged by the browser, on purpose
}

// TestBrowserLinkErrors: a reused and an expired link each get a clear
// page and a 4xx, at both widths.
func TestBrowserLinkErrors(t *testing.T) {
	e := newEnv(t, store.SQLite)
	tab := browsertest.NewTab(t, e.srv.URL)
	used := e.link(t, "mo@vendor.example")
	e.signInWith(t, used)
	expired := e.link(t, "mo@vendor.example")
	e.clock.Add(16 * time.Minute)
	for _, c := range []struct{ name, link, want string }{
		{"link-used", used, "already used"},
		{"link-expired", expired, "expired"},
		{"link-unknown", e.srv.URL + "/console/auth/nonsense", "not valid"},
	} {
		tab.Do(chromedp.Navigate(c.link), chromedp.WaitVisible(chromedp.CSS("button.primary")))
		res, err := chromedp.RunResponse(tab.Ctx, chromedp.Click(chromedp.CSS("button.primary")))
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != http.StatusGone || !strings.Contains(tab.Text("h1"), c.want) {
			t.Errorf("%s: %d %q, want 410 and %q", c.name, res.Status, tab.Text("h1"), c.want)
		}
		tab.Problems() // the browser logs the 410 itself
		tab.CheckLayout(c.name)
		tab.CheckClean()
	}
}

// TestBrowserRoles: a cs session gets the 403 page on an admin page, and
// its navigation does not offer it.
func TestBrowserRoles(t *testing.T) {
	e := newEnv(t, store.SQLite)
	tab := browsertest.NewTab(t, e.srv.URL)
	browserSignIn(t, e, tab, "cy@vendor.example")
	if nav := tab.Text("nav"); strings.Contains(nav, "Audit") || strings.Contains(nav, "Campaigns") {
		t.Errorf("cs navigation offers %q", nav)
	}
	if st := status(t, tab, e.srv.URL+"/console/audit"); st != http.StatusForbidden {
		t.Errorf("cs on /console/audit: %d, want 403", st)
	}
	if h := tab.Text("h1"); !strings.Contains(h, "does not give access") {
		t.Errorf("403 page says %q", h)
	}
	tab.Problems()
	tab.CheckLayout("forbidden")
	tab.CheckClean()
}

// signInWith consumes a link outside the browser.
func (e *env) signInWith(t *testing.T, link string) {
	t.Helper()
	res, err := e.client(t).Post(link, "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
}
