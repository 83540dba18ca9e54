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
