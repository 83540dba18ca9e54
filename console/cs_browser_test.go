package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/outreach-dev/outreach/internal/browsertest"
	"github.com/outreach-dev/outreach/store"
)

// TestBrowserContact: in Chromium a cs member finds a person from the
// search form and reads the timeline; the page is clean and fits 375 and
// 1440 px although it holds long tables and JSON.
func TestBrowserContact(t *testing.T) {
	e := newEnv(t, store.SQLite)
	seedCS(t, e)
	tab := browsertest.NewTab(t, e.srv.URL)
	browserSignIn(t, e, tab, "cy@vendor.example")
	tab.Do(chromedp.Navigate(e.srv.URL+"/console/contacts"), chromedp.WaitVisible(chromedp.CSS("input[name=email]")))
	tab.Do(chromedp.SendKeys(chromedp.CSS("input[name=email]"), "Pat@acme.example"),
		chromedp.Click(chromedp.CSS("form[role=search] button")), chromedp.WaitVisible(chromedp.CSS("#deliveries")))
	if loc := tab.Location(); !strings.HasSuffix(loc, "/console/contacts/pat@acme.example") {
		t.Fatalf("search led to %s", loc)
	}
	if got := tab.Text(".decision"); !strings.Contains(got, "quiet_hours") {
		t.Errorf("first decision reads %q", got)
	}
	if got := tab.Text(".outcome"); !strings.Contains(got, "filtered") {
		t.Errorf("outcome reads %q", got)
	}
	tab.CheckLayout("contact")
	tab.CheckClean()
}

// TestBrowserAccounts: in Chromium a cs member's accounts page ranks their
// accounts with the reasons in words, searches, and fits 375 and 1440 px;
// the admin pages stay closed to them.
func TestBrowserAccounts(t *testing.T) {
	e := newEnv(t, store.SQLite)
	seedCS(t, e)
	tab := browsertest.NewTab(t, e.srv.URL)
	browserSignIn(t, e, tab, "cy@vendor.example")
	tab.Do(chromedp.Navigate(e.srv.URL+"/console/accounts"), chromedp.WaitVisible(chromedp.CSS("table.accounts")))
	if got := tab.Text("tr.account"); !strings.Contains(got, "Acme Corp") || !strings.Contains(got, "renews on") {
		t.Errorf("first account reads %q", got)
	}
	if got := tab.Text("table.accounts"); strings.Contains(got, "Initech") {
		t.Error("a cs member sees someone else's account")
	}
	tab.CheckLayout("accounts")
	tab.CheckClean()
	// Wait for the search's own page (its field holds the query): the list
	// before it has a table.accounts too.
	tab.Do(chromedp.SendKeys(chromedp.CSS("input[name=q]"), "globex"), chromedp.Click(chromedp.CSS("form[role=search] button")),
		chromedp.WaitVisible(chromedp.CSS(`input[name=q][value="globex"]`)), chromedp.WaitVisible(chromedp.CSS("table.accounts")))
	if got := tab.Text("table.accounts tbody"); !strings.Contains(got, "Globex") || strings.Contains(got, "Acme") {
		t.Errorf("search globex shows %q", got)
	}
	if st := status(t, tab, e.srv.URL+"/console/audit"); st != 403 {
		t.Errorf("cs on the admin page: %d, want 403", st)
	}
	tab.Problems()
}

// TestBrowserSuppressions: in Chromium a cs member searches an address and
// lifts its marketing suppression with a reason; the hard bounce's form
// will not submit without the confirmation; the page fits 375 and 1440 px.
func TestBrowserSuppressions(t *testing.T) {
	e := newEnv(t, store.SQLite)
	seedCS(t, e)
	tab := browsertest.NewTab(t, e.srv.URL)
	browserSignIn(t, e, tab, "cy@vendor.example")
	tab.Do(chromedp.Navigate(e.srv.URL+"/console/suppressions?email=lee@acme.example"), chromedp.WaitVisible(chromedp.CSS("article.suppression")))
	tab.Do(chromedp.SendKeys(chromedp.CSS("input[name=reason]"), "asked"), chromedp.Click(chromedp.CSS("button.danger")))
	if ok := browsertest.Eval[bool](tab, `document.querySelector("input[name=confirm]").matches(":invalid")`); !ok {
		t.Error("the hard bounce's confirmation is not required")
	}
	if loc := tab.Location(); strings.Contains(loc, "lifted") {
		t.Fatalf("the form went through without the confirmation: %s", loc)
	}
	tab.CheckLayout("suppressions-hard")
	tab.Do(chromedp.Navigate(e.srv.URL+"/console/suppressions"), chromedp.WaitVisible(chromedp.CSS("input[name=email]")))
	tab.Do(chromedp.SendKeys(chromedp.CSS("input[name=email]"), "pat@acme.example"), chromedp.Click(chromedp.CSS("form[role=search] button")),
		chromedp.WaitVisible(chromedp.CSS("article.suppression")))
	tab.Do(chromedp.SendKeys(chromedp.CSS("input[name=reason]"), "asked by phone"), chromedp.Click(chromedp.CSS("button.danger")),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	if got := tab.Text(".notice"); !strings.Contains(got, "marketing") {
		t.Errorf("after the lift: %q", got)
	}
	if got := tab.Text("main"); !strings.Contains(got, "not suppressed") {
		t.Errorf("the suppression is still listed: %q", got)
	}
	tab.CheckLayout("suppressions")
	tab.CheckClean()
}

// TestBrowserAccount: in Chromium a cs member opens an account from the
// list, reads the chart (an SVG with a title) and each delivery's decisions
// and resumes outreach with the button; the page is clean and fits 375 and
// 1440 px.
func TestBrowserAccount(t *testing.T) {
	e := newEnv(t, store.SQLite)
	seedCS(t, e)
	tab := browsertest.NewTab(t, e.srv.URL)
	browserSignIn(t, e, tab, "cy@vendor.example")
	tab.Do(chromedp.Navigate(e.srv.URL+"/console/accounts"), chromedp.WaitVisible(chromedp.CSS("table.accounts")))
	tab.Do(chromedp.Click(chromedp.CSS("tr.account a")), chromedp.WaitVisible(chromedp.CSS("svg.chart")))
	if got := browsertest.Eval[string](tab, `document.querySelector("svg.chart title").textContent`); got != "NPS of Acme Corp by month" {
		t.Errorf("chart title %q", got)
	}
	// The welcome delivery was deferred, then sent: both decisions show.
	if got := browsertest.Eval[int](tab, `document.querySelectorAll("#d-d-welcome tr.decision").length`); got != 2 {
		t.Errorf("the welcome delivery shows %d decisions, want the deferral and the send", got)
	}
	tab.CheckLayout("account")
	tab.CheckClean()
	tab.Do(chromedp.Click(chromedp.CSS("#resume")), chromedp.WaitVisible(chromedp.CSS("#pause")))
	if got := tab.Text("dl.facts"); !strings.Contains(got, "running") {
		t.Errorf("after resume: %q", got)
	}
	tab.CheckClean()
}

// TestBrowserNPS: in Chromium a cs member opens the NPS page from the
// navigation, reads the trend chart (an SVG with a title and a desc that
// gives every value) and its table, filters the feed to detractors and
// searches a comment with the form; the page is clean and fits 375 and
// 1440 px.
func TestBrowserNPS(t *testing.T) {
	e := newEnv(t, store.SQLite)
	seedNPS(t, e)
	tab := browsertest.NewTab(t, e.srv.URL)
	browserSignIn(t, e, tab, "cy@vendor.example")
	tab.Do(chromedp.Click(chromedp.CSS(`nav a[href="/console/nps"]`)), chromedp.WaitVisible(chromedp.CSS("svg.chart.band")))
	if got := browsertest.Eval[string](tab, `document.querySelector("svg.chart.band title").textContent`); got != "NPS by month with its 95\u00a0% margin of error" {
		t.Errorf("chart title %q", got)
	}
	if got := browsertest.Eval[string](tab, `document.querySelector("svg.chart.band desc").textContent`); !strings.Contains(got, "2026-02: NPS -40.0 ± 70.1 (n = 5)") {
		t.Errorf("chart desc %q", got)
	}
	if got := tab.Text("table.nps-trend-table"); !strings.Contains(got, "2026-02") || !strings.Contains(got, "70.1") {
		t.Errorf("trend table %q", got)
	}
	tab.CheckLayout("nps")
	tab.CheckClean()
	tab.Do(chromedp.SetValue(chromedp.CSS("select[name=class]"), "detractor"),
		chromedp.SendKeys(chromedp.CSS("input[name=q]"), "SUPPORT"),
		chromedp.Click(chromedp.CSS("form[role=search] button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(`input[name=q][value="SUPPORT"]`)))
	if got := tab.Text("ol.comments"); !strings.Contains(got, "slow support") || strings.Contains(got, "Exports") || strings.Contains(got, "love it") {
		t.Errorf("detractors searching SUPPORT: %q", got)
	}
	if loc := tab.Location(); !strings.Contains(loc, "class=detractor") || !strings.Contains(loc, "q=SUPPORT") {
		t.Errorf("the filters are not in the URL: %s", loc)
	}
	tab.CheckLayout("nps-search")
	tab.CheckClean()
}
