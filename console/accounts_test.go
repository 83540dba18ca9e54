package console_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/outreach-dev/outreach"
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

// TestAccountsPaged: past outreach.AccountRiskPageMax accounts the list is
// paged in external id order, each page ranked on its own (a renewal on
// the second page tops it), the next page's link keeps the filters, and a
// book that fits one page has no pager.
func TestAccountsPaged(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			seedCS(t, e)
			now := e.clock.Now()
			var bulk []outreach.Account
			for i := 1; i <= outreach.AccountRiskPageMax+1; i++ {
				a := outreach.Account{ExternalID: fmt.Sprintf("b%03d", i), Name: fmt.Sprintf("Bulk %03d", i),
					OwnerEmail: "bo@vendor.example", Plan: "team"}
				if i == outreach.AccountRiskPageMax+1 {
					a.RenewalDate = now.Add(10 * day).Format("2006-01-02")
				}
				bulk = append(bulk, a)
			}
			if _, err := e.db.UpsertAccounts(context.Background(), bulk); err != nil {
				t.Fatal(err)
			}
			ada := e.signIn(t, "ada@vendor.example")
			_, body := get(t, ada, e.srv.URL+"/console/accounts")
			ids := strings.Split(accountsIn(body), ",")
			if len(ids) != outreach.AccountRiskPageMax || ids[0] != "acme" || !strings.Contains(body, `id="paged"`) {
				t.Fatalf("first page: %d accounts starting %q", len(ids), ids[0])
			}
			next := nextLink.FindStringSubmatch(body)
			if next == nil || html.UnescapeString(next[1]) != "/console/accounts?after=b299" || strings.Contains(body, `id="first-page"`) {
				t.Fatalf("next page link: %v", next)
			}
			_, body = get(t, ada, e.srv.URL+html.UnescapeString(next[1]))
			if got := accountsIn(body); got != "b301,b300,initech,globex" {
				t.Errorf("second page: %q, want b301 (renewal soon) first, then the quiet ones, then globex", got)
			}
			if nextLink.MatchString(body) || !strings.Contains(body, `id="first-page"`) {
				t.Error("the last page links to a next page or not back to the first")
			}
			_, body = get(t, ada, e.srv.URL+"/console/accounts?plan=team&q=bulk")
			next = nextLink.FindStringSubmatch(body)
			if next == nil || html.UnescapeString(next[1]) != "/console/accounts?after=b300&plan=team&q=bulk" {
				t.Fatalf("filtered next page link: %v", next)
			}
			if _, body = get(t, ada, e.srv.URL+html.UnescapeString(next[1])); accountsIn(body) != "b301" {
				t.Errorf("filtered second page: %q", accountsIn(body))
			}
			_, body = get(t, e.signIn(t, "cy@vendor.example"), e.srv.URL+"/console/accounts")
			if accountsIn(body) != "acme,globex" || strings.Contains(body, `class="pager"`) {
				t.Errorf("cy's book: %q, pager shown: %v", accountsIn(body), strings.Contains(body, `class="pager"`))
			}
		})
	}
}

var nextLink = regexp.MustCompile(`<a href="([^"]+)" id="next-page"`)
