package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/store"
)

// TestAccountPage: a cs member opens their account — people, the NPS
// chart (SVG with title and desc) and its table, every answer, what
// automation did: each delivery with every decision (a deferral and then
// the send), its rule and reason — and resumes and pauses it
// (audited, CSRF); someone else's account is 403 for them, not for an
// admin.
func TestAccountPage(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			seedCS(t, e)
			ctx := context.Background()
			now := e.clock.Now()
			exec(t, e, `INSERT INTO deliveries (id, campaign, category, contact_id, account_id, occurrence, state,
				due_at, not_before, expires_at, created_at, updated_at)
				VALUES ('d-tips', 'tips', 'onboarding', ?, ?, 'x', 'planned', ?, ?, ?, ?, ?)`,
				contactIDs(t, e)["lee@acme.example"], accountIDs(t, e)["acme"], now.UnixMilli(), now.Add(3*day).UnixMilli(),
				now.Add(9*day).UnixMilli(), now.UnixMilli(), now.UnixMilli())
			exec(t, e, `INSERT INTO decisions (delivery_id, at, decision, rule, reason, until) VALUES ('d-tips', ?, 'deferred', 'max_per_week', '1 email this week already', ?)`,
				now.UnixMilli(), now.Add(3*day).UnixMilli())
			cy := e.signIn(t, "cy@vendor.example")
			code, body := get(t, cy, e.srv.URL+"/console/accounts/acme")
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, body)
			}
			for _, want := range []string{
				"lee@acme.example", "Pat &lt;b&gt;Admin&lt;/b&gt;", `<svg class="chart"`, "<title id=\"nps-t\">NPS of Acme Corp by month</title>",
				"2026-02: -100 (2 answers)", "<td>2025-11</td>", "slow support", "within every limit",
				"will send", "max_per_week", "1 email this week already",
				"paused until 2026-03-12 09:00 UTC", `id="resume"`,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("account page lacks %q", want)
				}
			}
			// The welcome delivery was deferred by quiet hours, then sent:
			// its article shows both decisions, oldest first, each with its
			// rule and reason, and links to the person's timeline.
			welcome := articleOf(body, "d-d-welcome")
			for _, want := range []string{`<span class="badge">sent</span>`, `href="/console/contacts/pat@acme.example#d-d-welcome"`,
				"<td>deferred</td><td><code>quiet_hours</code></td><td>quiet hours 20:00-08:00 in Europe/Lisbon</td>",
				"<td>sent</td><td></td><td>within every limit</td>"} {
				if !strings.Contains(welcome, want) {
					t.Errorf("the welcome delivery lacks %q:\n%s", want, welcome)
				}
			}
			if strings.Contains(welcome, "earlier decisions") {
				t.Error("the welcome delivery says decisions were left out")
			}
			if i, j := strings.Index(welcome, "quiet_hours"), strings.Index(welcome, "within every limit"); i < 0 || j < i {
				t.Errorf("the deferral is not shown before the send:\n%s", welcome)
			}
			if code, _ := get(t, cy, e.srv.URL+"/console/accounts/initech"); code != http.StatusForbidden {
				t.Errorf("cy on Ada's account: %d, want 403", code)
			}
			if code, _ := get(t, e.signIn(t, "ada@vendor.example"), e.srv.URL+"/console/accounts/initech"); code != http.StatusOK {
				t.Errorf("admin on initech: %d", code)
			}
			if code, _ := get(t, cy, e.srv.URL+"/console/accounts/nope"); code != http.StatusNotFound {
				t.Errorf("unknown account: %d, want 404", code)
			}
			tok := csrfField.FindStringSubmatch(body)[1]
			pause := func(form url.Values) int {
				code, _ := post(t, cy, e.srv.URL+"/console/accounts/acme/pause", form)
				return code
			}
			if code := pause(url.Values{"days": {"0"}}); code != http.StatusForbidden {
				t.Errorf("resume without CSRF: %d, want 403", code)
			}
			if code := pause(url.Values{"csrf": {tok}, "days": {"0"}}); code != http.StatusSeeOther {
				t.Errorf("resume: %d", code)
			}
			a, err := e.db.AccountByExternalID(ctx, "acme")
			if err != nil || a.PausedAt(e.clock.Now()) != nil {
				t.Fatalf("after resume: %+v %v", a, err)
			}
			if code := pause(url.Values{"csrf": {tok}, "days": {"500"}}); code != http.StatusUnprocessableEntity {
				t.Errorf("500 days: %d, want 422", code)
			}
			if code := pause(url.Values{"csrf": {tok}, "days": {"14"}}); code != http.StatusSeeOther {
				t.Errorf("pause: %d", code)
			}
			a, _ = e.db.AccountByExternalID(ctx, "acme")
			if p := a.PausedAt(e.clock.Now()); p == nil || !p.Equal(e.clock.Now().Add(14*day)) {
				t.Errorf("paused until %v, want 14 days", p)
			}
			log, err := e.db.AuditEntries(ctx, outreach.AuditFilter{Actor: "cy@vendor.example", Target: "acme", Limit: 10})
			if err != nil || len(log) != 2 {
				t.Errorf("audit entries for acme by cy: %+v %v, want 2", log, err)
			}
		})
	}
}

// articleOf returns the <article class="delivery"> of the page with the id
// given (d-DELIVERY), "" when there is none.
func articleOf(body, id string) string {
	i := strings.Index(body, `<article class="delivery" id="`+id+`">`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</article>")
	if j < 0 {
		return body[i:]
	}
	return body[i : i+j]
}

// TestAccountPageBoundsDecisions: a delivery deferred day after day shows
// its newest decisions and says how many earlier ones are on the person's
// page; the page lists at most the newest deliveries.
func TestAccountPageBoundsDecisions(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			seedCS(t, e)
			now := e.clock.Now()
			lee, acme := contactIDs(t, e)["lee@acme.example"], accountIDs(t, e)["acme"]
			for i := range outreach.AccountDeliveriesShown + 5 {
				exec(t, e, `INSERT INTO deliveries (id, campaign, category, contact_id, account_id, occurrence, state,
					due_at, not_before, expires_at, created_at, updated_at)
					VALUES (?, 'tips', 'onboarding', ?, ?, ?, 'planned', ?, ?, ?, ?, ?)`,
					fmt.Sprintf("d-tips-%02d", i), lee, acme, fmt.Sprint(i), now.UnixMilli(), now.UnixMilli(),
					now.Add(9*day).UnixMilli(), now.Add(time.Duration(i)*time.Minute).UnixMilli(), now.UnixMilli())
			}
			last := fmt.Sprintf("d-tips-%02d", outreach.AccountDeliveriesShown+4)
			for i := range outreach.AccountDecisionsShown + 3 {
				exec(t, e, `INSERT INTO decisions (delivery_id, at, decision, rule, reason, until) VALUES (?, ?, 'deferred', 'max_per_week', ?, ?)`,
					last, now.Add(time.Duration(i-30)*day).UnixMilli(), fmt.Sprintf("deferral number %d", i), now.UnixMilli())
			}
			_, body := get(t, e.signIn(t, "cy@vendor.example"), e.srv.URL+"/console/accounts/acme")
			if n := strings.Count(body, `<article class="delivery"`); n != outreach.AccountDeliveriesShown {
				t.Errorf("%d deliveries shown, want the newest %d", n, outreach.AccountDeliveriesShown)
			}
			if strings.Contains(body, `id="d-d-welcome"`) || !strings.Contains(body, `id="d-`+last+`"`) {
				t.Error("the oldest delivery is shown or the newest is not")
			}
			a := articleOf(body, "d-"+last)
			if n := strings.Count(a, `<tr class="decision">`); n != outreach.AccountDecisionsShown {
				t.Errorf("%d decisions shown, want %d", n, outreach.AccountDecisionsShown)
			}
			if strings.Contains(a, "deferral number 2<") || !strings.Contains(a, "deferral number 3<") ||
				!strings.Contains(a, "deferral number 22<") || !strings.Contains(a, "3 earlier decisions are on the person") {
				t.Errorf("not the newest %d decisions with the count of the earlier:\n%s", outreach.AccountDecisionsShown, a)
			}
			// The person's timeline still has every one.
			_, tl := get(t, e.signIn(t, "cy@vendor.example"), e.srv.URL+"/console/contacts/lee@acme.example")
			if !strings.Contains(tl, "deferral number 0<") || !strings.Contains(tl, "deferral number 22<") {
				t.Error("the timeline lost decisions")
			}
		})
	}
}
