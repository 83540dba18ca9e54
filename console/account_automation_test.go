package console_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/store"
)

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
