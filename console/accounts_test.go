package console_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/outreach-dev/outreach/store"
)

var accountLink = regexp.MustCompile(`<tr class="account">\s*<th scope="row"><a href="/console/accounts/([^"]+)"`)

// accountsIn returns the external ids of the accounts a list page shows,
// in order.
func accountsIn(body string) string {
	var ids []string
	for _, m := range accountLink.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return strings.Join(ids, ",")
}

// TestAccountsByRisk: a cs member sees only their own accounts, riskiest
// first with every reason in words (renewal soon, low and falling NPS,
// paused); an admin sees everyone's (the quiet one too) and filters by
// owner, plan and search; both dialects rank alike.
func TestAccountsByRisk(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			seedCS(t, e)
			cy := e.signIn(t, "cy@vendor.example")
			code, body := get(t, cy, e.srv.URL+"/console/accounts?owner=ada@vendor.example")
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, body)
			}
			if got := accountsIn(body); got != "acme,globex" {
				t.Errorf("cy's accounts (an owner= of someone else ignored): %q, want acme,globex", got)
			}
			for _, want := range []string{
				"renews on 2026-03-22 (within 60 days)",
				"NPS -100 over the last 90 days (2 answers, 2 detractors)",
				"NPS fell from 100 to -100",
				"outreach paused until 2026-03-12 09:00 UTC",
				"nothing flagged",
				"2 detractor answers and no case closed since the latest",
			} {
				if !strings.Contains(body, want) {
					t.Errorf("cy's list lacks %q", want)
				}
			}
			if strings.Contains(body, "Initech") {
				t.Error("cy sees Ada's account")
			}
			now := e.clock.Now().UnixMilli()
			exec(t, e, `INSERT INTO cases (account_id, alert, state, due_at, outcome, created_at, updated_at, closed_at)
				VALUES (?, 'detractor', 'closed', ?, 'called them', ?, ?, ?)`, accountIDs(t, e)["acme"], now, now, now, now)
			if _, body := get(t, cy, e.srv.URL+"/console/accounts"); strings.Contains(body, "no case closed since") {
				t.Error("a case closed after the detractors still flags them")
			}
			ada := e.signIn(t, "ada@vendor.example")
			for q, want := range map[string]string{
				"":                                  "acme,initech,globex",
				"?owner=ada@vendor.example":         "initech",
				"?owner=cy@vendor.example&plan=pro": "globex",
				"?q=GLOB":                           "globex",
				"?q=%25":                            "",
			} {
				_, body := get(t, ada, e.srv.URL+"/console/accounts"+q)
				if got := accountsIn(body); got != want {
					t.Errorf("admin %q: %q, want %q", q, got, want)
				}
				if q == "" && !strings.Contains(body, "gone quiet: nobody seen for 30 days (last seen 2026-01-21)") {
					t.Error("the quiet account's reason is missing")
				}
			}
			if code, _ := get(t, e.signIn(t, "mo@vendor.example"), e.srv.URL+"/console/accounts"); code != http.StatusForbidden {
				t.Errorf("marketing: %d, want 403", code)
			}
		})
	}
}
