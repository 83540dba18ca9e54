package console_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/browsertest"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// seedActivity writes deliveries, decisions and answers as the planner,
// the dispatcher and the survey page would have, around the env's clock
// (2026-03-02 09:00 UTC; the 30-day period starts 2026-02-01).
func seedActivity(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.db.UpsertAccounts(ctx, []outreach.Account{{ExternalID: "acme", Name: "Acme"}}); err != nil {
		t.Fatal(err)
	}
	var cs []outreach.Contact
	for _, m := range []string{"jane", "joe", "ann", "bob"} {
		cs = append(cs, outreach.Contact{ExternalID: m, AccountExternalID: "acme", Email: m + "@acme.example", Name: m})
	}
	if _, err := e.db.UpsertContacts(ctx, cs); err != nil {
		t.Fatal(err)
	}
	at := func(s string) int64 {
		tm, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixMilli()
	}
	x := storetest.SQL(t, e.db)
	del := x.Rebind(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id, occurrence, state,
		due_at, not_before, expires_at, sent_at, created_at, updated_at)
		SELECT ?, ?, ?, c.id, c.account_id, ?, ?, ?, ?, ?, ?, ?, ? FROM contacts c WHERE c.external_id = ?`)
	for _, d := range []struct {
		id, campaign, category, state, contact, created string
		sent                                            string
	}{
		{"on-1", "nps-onboarding", "survey", "sent", "jane", "2026-02-25 10:00", "2026-02-25 10:00"},
		{"on-2", "nps-onboarding", "survey", "sent", "joe", "2026-02-25 10:00", "2026-02-25 11:00"},
		{"on-3", "nps-onboarding", "survey", "sent", "ann", "2026-02-27 10:00", "2026-03-01 09:00"},
		{"on-4", "nps-onboarding", "survey", "dropped", "bob", "2026-02-25 10:00", ""},
		{"on-old", "nps-onboarding", "survey", "sent", "bob", "2025-12-01 10:00", "2025-12-01 10:00"},
		{"mc-1", "milestone-congrats", "lifecycle", "failed", "jane", "2026-02-28 10:00", ""},
		{"mc-2", "milestone-congrats", "lifecycle", "suppressed", "joe", "2026-02-28 10:00", ""},
		{"gone-1", "spring-promo", "marketing", "sent", "ann", "2026-02-10 10:00", "2026-02-10 10:00"},
	} {
		var sent any
		if d.sent != "" {
			sent = at(d.sent)
		}
		c := at(d.created)
		if _, err := x.Exec(del, d.id, d.campaign, d.category, d.id, d.state, c, c, c+int64(7*24*time.Hour/time.Millisecond), sent, c, c, d.contact); err != nil {
			t.Fatal(err)
		}
	}
	dec := x.Rebind(`INSERT INTO decisions (delivery_id, at, decision, reason) VALUES (?, ?, ?, ?)`)
	for _, d := range [][4]string{
		{"on-3", "2026-02-27 10:00", "deferred", "quiet hours 21:00-08:00"},
		{"on-3", "2026-02-28 10:00", "deferred", "max_per_day 1 reached"},
		{"on-3", "2026-03-01 09:00", "sent", "slot free"},
		{"on-4", "2026-02-26 10:00", "dropped", "ttl ended"},
		{"mc-2", "2026-02-28 10:00", "suppressed", "all suppression"},
	} {
		if _, err := x.Exec(dec, d[0], at(d[1]), d[2], d[3]); err != nil {
			t.Fatal(err)
		}
	}
	resp := x.Rebind(`INSERT INTO survey_responses (delivery_id, contact_id, campaign, score, at, updated_at)
		SELECT ?, contact_id, campaign, ?, ?, ? FROM deliveries WHERE id = ?`)
	for _, r := range []struct {
		id    string
		score int
	}{{"on-1", 10}, {"on-2", 3}} {
		a := at("2026-02-26 10:00")
		if _, err := x.Exec(resp, r.id, r.score, a, a, r.id); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCampaignStatsBothDialects holds each count to the seeded activity.
func TestCampaignStatsBothDialects(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		seedActivity(t, e)
		from := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
		stats, err := e.db.CampaignStats(context.Background(), from, e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		on := stats["nps-onboarding"]
		if on == nil || on.Planned != 4 || on.Sent != 3 || on.Deferred != 1 || on.Dropped != 1 || on.Answered != 2 ||
			on.Promoters != 1 || on.Detractors != 1 || len(on.SentPerDay) != 30 || on.SentPerDay[24] != 2 || on.SentPerDay[28] != 1 {
			t.Errorf("nps-onboarding = %+v", on)
		}
		if rate, _ := on.ResponseRate(); rate != 66 {
			t.Errorf("response rate %d, want 66", rate)
		}
		mc := stats["milestone-congrats"]
		if mc == nil || mc.Failed != 1 || mc.Suppressed != 1 || mc.Sent != 0 {
			t.Errorf("milestone-congrats = %+v", mc)
		}
		if g := stats["spring-promo"]; g == nil || g.Sent != 1 {
			t.Errorf("spring-promo = %+v", g)
		}
	})
}

// TestBrowserCampaigns: marketing reads the list and a campaign's page in
// Chromium at both widths, pauses and resumes it (audited), all clean.
func TestBrowserCampaigns(t *testing.T) {
	e := newEnv(t, store.SQLite)
	seedActivity(t, e)
	tab := browsertest.NewTab(t, e.srv.URL)
	browserSignIn(t, e, tab, "mo@vendor.example")

	tab.Do(chromedp.Navigate(e.srv.URL+"/console/campaigns"), chromedp.WaitVisible(chromedp.CSS("table")))
	row := tab.Text(`tr:has(a[href^="/console/campaigns/nps-onboarding"])`)
	for _, want := range []string{"nps-onboarding", "4", "3", "66 %", "0"} {
		if !strings.Contains(row, want) {
			t.Errorf("list row %q lacks %q", row, want)
		}
	}
	if txt := tab.Text("table"); !strings.Contains(txt, "spring-promo") || !strings.Contains(txt, "removed") {
		t.Errorf("the removed campaign is not listed: %q", txt)
	}
	tab.CheckLayout("campaigns")
	tab.CheckClean()

	// The period selector works without and with JavaScript.
	// (SetValue fires the change event, which console.js submits on.)
	tab.Do(chromedp.SetValue(chromedp.CSS("#days"), "7"), chromedp.WaitReady(chromedp.CSS(`option[value="7"][selected]`)))
	if !strings.Contains(tab.Location(), "days=7") {
		t.Errorf("period change led to %s", tab.Location())
	}

	tab.Do(chromedp.Navigate(e.srv.URL+"/console/campaigns/nps-onboarding"), chromedp.WaitVisible(chromedp.CSS("dl.facts")))
	body := tab.Text("main")
	for _, want := range []string{"onboarding.completed", "quiet hours 21:00-08:00", "ttl ended", "ann@acme.example"} {
		if !strings.Contains(body, want) {
			t.Errorf("campaign page lacks %q", want)
		}
	}
	if n := browsertest.Eval[int](tab, `document.querySelectorAll("svg.chart title").length`); n != 1 {
		t.Errorf("%d charts with a title, want 1", n)
	}
	tab.CheckLayout("campaign")
	tab.CheckClean()

	tab.Do(chromedp.Click(chromedp.CSS("button.danger")), chromedp.WaitVisible(chromedp.CSS(".badge.paused")))
	if txt := tab.Text(".notice"); !strings.Contains(txt, "mo@vendor.example") {
		t.Errorf("pause notice %q", txt)
	}
	tab.CheckLayout("campaign-paused")
	tab.CheckClean()
	if p, err := e.db.CampaignPauses(context.Background()); err != nil || p["nps-onboarding"].PausedBy != "mo@vendor.example" {
		t.Fatalf("pauses %+v %v", p, err)
	}
	tab.Do(chromedp.Click(chromedp.CSS("form[action$='/resume'] button")), chromedp.WaitVisible(chromedp.CSS(".badge.active")))

	// Each template language links to a preview with subject, sender, the
	// text part and the HTML part in a sandboxed frame.
	tab.Do(chromedp.Click(chromedp.CSS(`a[href$="/preview/pt-BR"]`)), chromedp.WaitVisible(chromedp.CSS("iframe.preview")))
	if txt := tab.Text("pre.preview-text"); !strings.Contains(txt, "Alex") {
		t.Errorf("preview text %q does not greet the sample person", txt)
	}
	if subj := tab.Text("dl.facts"); !strings.Contains(subj, "pt-BR") {
		t.Errorf("preview facts %q", subj)
	}
	// The frame is sandboxed with no allowance (as the pack preview's):
	// the email's document is another origin to the console.
	if ok := browsertest.Eval[bool](tab, `(f => f.getAttribute("sandbox") === "" && f.contentDocument === null)(document.querySelector("iframe.preview"))`); !ok {
		t.Error("the preview frame is not sandboxed")
	}
	tab.CheckLayout("preview")
	tab.CheckClean()
	entries, err := e.db.AuditEntries(context.Background(), outreach.AuditFilter{Target: "nps-onboarding"})
	if err != nil || len(entries) != 2 || entries[0].Action != "campaign.resume" || entries[1].Actor != "mo@vendor.example" {
		t.Fatalf("audit %+v %v", entries, err)
	}
	tab.CheckClean()
}

// TestCampaignPagesRolesAndErrors: cs may not open them or pause; an
// unknown campaign is a 404; a pause without the CSRF token is a 403; the
// template preview's frame is sandboxed.
func TestCampaignPagesRolesAndErrors(t *testing.T) {
	e := newEnv(t, store.SQLite)
	cs := e.signIn(t, "cy@vendor.example")
	if code, _ := get(t, cs, e.srv.URL+"/console/campaigns"); code != http.StatusForbidden {
		t.Errorf("cs on the list: %d", code)
	}
	mo := e.signIn(t, "mo@vendor.example")
	if code, _ := get(t, mo, e.srv.URL+"/console/campaigns/nope"); code != http.StatusNotFound {
		t.Errorf("unknown campaign: %d", code)
	}
	if code, _ := get(t, mo, e.srv.URL+"/console/campaigns?days=12"); code != http.StatusUnprocessableEntity {
		t.Errorf("days=12: %d", code)
	}
	if code, _ := post(t, mo, e.srv.URL+"/console/campaigns/nps-qbr/pause", url.Values{}); code != http.StatusForbidden {
		t.Errorf("pause without CSRF: %d", code)
	}
	_, page := get(t, mo, e.srv.URL+"/console/campaigns/nps-qbr")
	tok := csrfField.FindStringSubmatch(page)[1]
	if code, _ := post(t, mo, e.srv.URL+"/console/campaigns/nps-qbr/pause", url.Values{"csrf": {tok}}); code != http.StatusSeeOther {
		t.Errorf("pause: %d", code)
	}
	if p, _ := e.db.CampaignPauses(context.Background()); p["nps-qbr"].PausedBy != "mo@vendor.example" {
		t.Errorf("not paused: %+v", p)
	}
	// The template preview frames the HTML part with the pack preview's
	// sandbox: the attribute on the frame, and the CSP directive on the
	// frame's own response (which holds when its address is opened alone).
	if code, page := get(t, mo, e.srv.URL+"/console/campaigns/nps-qbr/preview/en"); code != http.StatusOK ||
		!strings.Contains(page, `src="/console/campaigns/nps-qbr/preview/en/html" sandbox=""`) {
		t.Errorf("preview page: %d\n%s", code, page)
	}
	rr, err := mo.Get(e.srv.URL + "/console/campaigns/nps-qbr/preview/en/html")
	if err != nil {
		t.Fatal(err)
	}
	rr.Body.Close()
	if csp := rr.Header.Get("Content-Security-Policy"); rr.StatusCode != http.StatusOK || !strings.HasPrefix(csp, "sandbox;") ||
		!strings.Contains(csp, "frame-ancestors 'self'") || rr.Header.Get("X-Frame-Options") != "SAMEORIGIN" {
		t.Errorf("preview frame: %d CSP %q XFO %q", rr.StatusCode, csp, rr.Header.Get("X-Frame-Options"))
	}
}

// TestCampaignPagesInTheMembersLanguage signs in members whose locale is
// French and Brazilian Portuguese (read as pt), and one with no locale
// whose browser asks for Hungarian: each sees the campaign list's headings
// and column names in that language, the member's locale winning over the
// browser's.
func TestCampaignPagesInTheMembersLanguage(t *testing.T) {
	e := newEnv(t, store.SQLite)
	ctx := context.Background()
	if _, err := e.db.UpsertTeam(ctx, []outreach.TeamMember{
		{Email: "fleur@vendor.example", Name: "Fleur", ConsoleRole: outreach.RoleMarketing, Locale: "fr"},
		{Email: "bia@vendor.example", Name: "Bia", ConsoleRole: outreach.RoleMarketing, Locale: "pt-BR"},
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		email, accept string
		want          []string
	}{
		{"fleur@vendor.example", "hu", []string{`<html lang="fr"`, "<h1>Campagnes</h1>", "Envoyés", "Reportés", "Taux de réponse", "Se déconnecter"}},
		{"bia@vendor.example", "", []string{`<html lang="pt"`, "<h1>Campanhas</h1>", "Enviados", "Adiados", "Taxa de resposta", "Terminar sessão"}},
		{"mo@vendor.example", "hu-HU,en;q=0.5", []string{`<html lang="hu"`, "<h1>Kampányok</h1>", "Elküldött", "Elhalasztott", "Válaszarány", "Kijelentkezés"}},
	} {
		c := e.signIn(t, tc.email)
		req, _ := http.NewRequest("GET", e.srv.URL+"/console/campaigns", nil)
		if tc.accept != "" {
			req.Header.Set("Accept-Language", tc.accept)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("%s: status %d", tc.email, res.StatusCode)
		}
		for _, w := range tc.want {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s (Accept-Language %q): the page lacks %q", tc.email, tc.accept, w)
			}
		}
	}
}
