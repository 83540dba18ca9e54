package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/console"
	"github.com/outreach-dev/outreach/internal/browsertest"
	"github.com/outreach-dev/outreach/store"
)

// setEditor replaces campaigns.yaml's text in the editor as typing does
// (an input event), so pack.js validates it.
func setEditor(tab *browsertest.Tab, text string) {
	browsertest.Eval[bool](tab, fmt.Sprintf(`(() => { const t = document.querySelector('textarea[name="file:campaigns.yaml"]');
		t.value = %s; t.dispatchEvent(new Event("input", {bubbles: true})); return true; })()`, jsString(text)))
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// submit answers yes to the page's confirm dialog, clicks the button css
// and waits until the page it leads to shows wait.
func submit(tab *browsertest.Tab, css, wait string) {
	browsertest.Eval[bool](tab, `(() => { window.confirm = () => true; return true; })()`)
	tab.Do(chromedp.Click(chromedp.CSS(css)), chromedp.WaitVisible(chromedp.CSS(wait)))
}

// TestBrowserPackEditor: in Chromium, an admin starts a draft, types an
// error and sees it under the file at its line (validated as typed), fixes
// it and saves; a second admin approves; the author activates; the version
// page shows the diff and rolls back; preview and forecast render. Every
// page fits 375 and 1440 px with no CSP violation or console error.
func TestBrowserPackEditor(t *testing.T) {
	e := newEnv(t, store.SQLite)
	ctx := context.Background()
	orig := withPack(t, e)
	addContacts(t, e)
	if _, err := e.db.UpsertTeam(ctx, []outreach.TeamMember{{Email: "bo@vendor.example", Name: "Bo", ConsoleRole: outreach.RoleAdmin}}); err != nil {
		t.Fatal(err)
	}
	e.cons.PackEdit.ApprovalRequired = true
	e.cons.PackEdit.Forecast = storedForecaster(e)
	e.cons.PackEdit.Preview = func(_ context.Context, l *campaigns.Loaded, key, email, locale string) (*console.PreviewResult, error) {
		return &console.PreviewResult{Campaign: key, Subject: "Subject for " + email, From: "Acme <hi@acme.example>",
			Text: "text part", HTML: `<!doctype html><p style="color:#063">Hello from ` + key + `</p>`}, nil
	}
	tab := browsertest.NewTab(t, e.srv.URL)
	browserSignIn(t, e, tab, "ada@vendor.example")
	tab.Do(chromedp.Navigate(e.srv.URL+"/console/pack"), chromedp.WaitVisible(chromedp.CSS("#active-version")))
	tab.CheckLayout("pack")
	tab.CheckClean()
	tab.Do(chromedp.SendKeys(chromedp.CSS("#draft-name"), "spring"))
	submit(tab, `form[action="/console/pack/drafts"] button`, "#editor")

	yaml := orig.Files[campaigns.PackFile]
	bad := strings.Replace(yaml, "max_per_day: 1 ", "max_per_day: lots ", 1)
	line := lineOf(bad, "max_per_day: lots")
	setEditor(tab, bad)
	tab.Do(chromedp.WaitVisible(chromedp.CSS(`.packfile[data-path="campaigns.yaml"] .problems li`)))
	if got := tab.Text(`.packfile[data-path="campaigns.yaml"] .problems li`); !strings.HasPrefix(got, fmt.Sprintf("line %d:", line)) {
		t.Fatalf("error shown as %q, want it at line %d", got, line)
	}
	tab.CheckLayout("pack-draft-error")
	tab.CheckClean()
	setEditor(tab, strings.Replace(yaml, "max_per_day: 1 ", "max_per_day: 2 ", 1))
	tab.Do(chromedp.WaitVisible(chromedp.CSS("#valid")))
	tab.Do(chromedp.Click(chromedp.CSS(`button[value="save"]`)), chromedp.WaitVisible(chromedp.CSS("#saved")))
	if tab.Text("#needs-approval") == "" {
		t.Fatal("no approval notice on a draft that needs one")
	}
	draftURL := tab.Location()

	other := browsertest.NewTab(t, e.srv.URL)
	browserSignIn(t, e, other, "bo@vendor.example")
	other.Do(chromedp.Navigate(strings.TrimSuffix(draftURL, "?saved=1")), chromedp.WaitVisible(chromedp.CSS("#approve")))
	submit(other, "#approve", "#activate")
	other.CheckClean()
	if d, err := e.db.PackDraft(ctx, 1); err != nil || !d.Approved() {
		t.Fatalf("not approved after the second admin's click: %+v %v; page: %s", d, err, other.Text("main"))
	}

	tab.Do(chromedp.Navigate(strings.TrimSuffix(draftURL, "?saved=1")), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if browsertest.Eval[int](tab, `document.querySelectorAll("#activate").length`) != 1 {
		t.Fatalf("no Activate button for the author of an approved draft: %s", tab.Text("main"))
	}
	submit(tab, "#activate", "#active-version")
	if v := tab.Text("#active-version"); v != "2" {
		t.Fatalf("active version %q after activation, want 2", v)
	}
	tab.Do(chromedp.Navigate(e.srv.URL+"/console/pack/versions/2"), chromedp.WaitVisible(chromedp.CSS(".diff")))
	if txt := tab.Text(".diff"); !strings.Contains(txt, "max_per_day: 2") {
		t.Errorf("diff of version 2: %q", txt)
	}
	tab.CheckLayout("pack-version")
	tab.CheckClean()
	tab.Do(chromedp.Navigate(e.srv.URL+"/console/pack/versions/1"), chromedp.WaitVisible(chromedp.CSS("#rollback")))
	submit(tab, "#rollback", "#active-version")
	if v := tab.Text("#active-version"); v != "3" {
		t.Fatalf("active version %q after rollback, want 3", v)
	}

	tab.Do(chromedp.Navigate(e.srv.URL+"/console/pack/preview?campaign=nps&contact=lina@acme.example&q=lin"),
		chromedp.WaitVisible(chromedp.CSS("#preview-subject")))
	if s := tab.Text("#preview-subject"); s != "Subject for lina@acme.example" {
		t.Errorf("preview subject %q", s)
	}
	tab.CheckLayout("pack-preview")
	tab.CheckClean()

	tab.Do(chromedp.Navigate(e.srv.URL+"/console/pack/forecast"), chromedp.WaitVisible(chromedp.CSS("form.filters")))
	tab.CheckLayout("pack-forecast-form")
	tab.CheckClean()
}
