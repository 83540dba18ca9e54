package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/outreach-dev/outreach/internal/browsertest"
	"github.com/outreach-dev/outreach/store"
)

// TestBrowserCases: in Chromium a cs member opens the case list, opens
// their overdue case, takes it, adds a note (a script tag and a formula,
// shown as the text typed), closes it with an outcome and finds it in the
// closed list; every page is clean and fits 375 and 1440 px.
func TestBrowserCases(t *testing.T) {
	e := newEnv(t, store.SQLite)
	seedCS(t, e)
	seedCases(t, e)
	tab := browsertest.NewTab(t, e.srv.URL)
	browserSignIn(t, e, tab, "cy@vendor.example")
	tab.Do(chromedp.Navigate(e.srv.URL+"/console/cases"), chromedp.WaitVisible(chromedp.CSS("table.cases")))
	if got := tab.Text("tr.case"); !strings.Contains(got, "Acme Corp") || !strings.Contains(got, "Exports <script>keep</script> failing") ||
		!strings.Contains(got, "overdue") {
		t.Errorf("the first case reads %q", got)
	}
	if got := tab.Text("nav.tabs"); !strings.Contains(got, "Overdue 1") {
		t.Errorf("the tabs read %q", got)
	}
	tab.CheckLayout("cases")
	tab.CheckClean()

	tab.Do(chromedp.Click(chromedp.CSS("tr.case th a")), chromedp.WaitVisible(chromedp.CSS("#take")))
	tab.CheckLayout("case-open")
	tab.Do(chromedp.Click(chromedp.CSS("#take")), chromedp.WaitVisible(chromedp.CSS("ol.notes li:nth-child(2)")))
	if got := tab.Text("#case-state"); got != "in progress overdue" {
		t.Errorf("after take the state reads %q", got)
	}
	typed := "<script>alert(1)</script>\n=HYPERLINK(\"http://evil.example\",\"x\")"
	tab.Do(chromedp.SendKeys(chromedp.CSS("#note-text"), typed), chromedp.Click(chromedp.CSS("#add-note")),
		chromedp.WaitVisible(chromedp.CSS("ol.notes li:nth-child(3)")))
	if got := browsertest.Eval[string](tab, `document.querySelector("ol.notes li:nth-child(3) .typed").textContent`); got != typed {
		t.Errorf("the note reads %q, want the text typed", got)
	}
	if n := browsertest.Eval[int](tab, `document.querySelectorAll("main script").length`); n != 0 {
		t.Errorf("the note made %d script elements", n)
	}
	tab.Do(chromedp.SendKeys(chromedp.CSS("#outcome-text"), "Fixed the export; Pat confirmed on a call"),
		chromedp.Click(chromedp.CSS("#close")), chromedp.WaitVisible(chromedp.CSS("#reopen")))
	if got := tab.Text("#case-state"); got != "closed" {
		t.Errorf("after close the state reads %q", got)
	}
	if got := tab.Text("dl.facts"); !strings.Contains(got, "Fixed the export; Pat confirmed on a call") {
		t.Errorf("the outcome is not shown: %q", got)
	}
	tab.CheckLayout("case-closed")
	tab.CheckClean()

	tab.Do(chromedp.Navigate(e.srv.URL+"/console/cases?view=closed"), chromedp.WaitVisible(chromedp.CSS("table.cases")))
	if got := tab.Text("table.cases tbody"); !strings.Contains(got, "Pat confirmed") || !strings.Contains(got, "happy again") {
		t.Errorf("the closed list reads %q", got)
	}
	tab.CheckLayout("cases-closed")
	tab.CheckClean()
}
