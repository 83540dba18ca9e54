package console_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/browsertest"
	"github.com/outreach-dev/outreach/store"
)

// TestBrowserCustomerSuccessInEveryLanguage: in Chromium a cs member reads
// the customer-success pages (accounts, an account, a person's timeline,
// suppressions, cases, NPS) in each of the five other languages, set by
// her team locale; the translations, often longer than the English, fit
// 375 and 1440 px and the pages stay clean.
func TestBrowserCustomerSuccessInEveryLanguage(t *testing.T) {
	e := newEnv(t, store.SQLite)
	seedCS(t, e)
	now := e.clock.Now()
	exec(t, e, `INSERT INTO cases (account_id, alert, state, due_at, created_at, updated_at) VALUES (?, 'detractor', 'open', ?, ?, ?)`,
		accountIDs(t, e)["acme"], now.Add(-day).UnixMilli(), now.Add(-3*day).UnixMilli(), now.Add(-3*day).UnixMilli())
	tab := browsertest.NewTab(t, e.srv.URL)
	browserSignIn(t, e, tab, "cy@vendor.example")
	pages := []struct{ name, path, ready string }{
		{"accounts", "/console/accounts", "table.accounts"},
		{"account", "/console/accounts/acme", "svg.chart"},
		{"contact", "/console/contacts/pat@acme.example", "#deliveries"},
		{"suppressions", "/console/suppressions?email=lee@acme.example", "article.suppression"},
		{"cases", "/console/cases", "table"},
		{"nps", "/console/nps", "svg.chart"},
	}
	for _, lang := range []string{"pt", "fr", "ru", "hu", "id"} {
		if _, err := e.db.UpsertTeam(context.Background(), []outreach.TeamMember{
			{Email: "cy@vendor.example", Name: "Cy Success", ConsoleRole: outreach.RoleCS, Locale: lang},
		}); err != nil {
			t.Fatal(err)
		}
		for _, p := range pages {
			tab.Do(chromedp.Navigate(e.srv.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.ready)))
			if got := browsertest.Eval[string](tab, `document.documentElement.lang`); got != lang {
				t.Errorf("%s with locale %s: the page is in %q", p.name, lang, got)
			}
			tab.CheckLayout(lang + "-" + p.name)
			tab.CheckClean()
		}
	}
}
