package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// seedCases adds follow-up cases to the seedCS book: acme's detractor
// case (Cy's, open, overdue by an hour, with Pat's and Lee's answers),
// globex's closed one (Cy's) and initech's open one (Ada's). It returns
// their ids by account.
func seedCases(t *testing.T, e *env) map[string]int64 {
	t.Helper()
	now := e.clock.Now()
	accts := accountIDs(t, e)
	ids := map[string]int64{}
	for _, c := range []struct {
		account, state, outcome string
		due, opened             time.Duration
	}{
		{"acme", outreach.CaseOpen, "", -time.Hour, -49 * time.Hour},
		{"globex", outreach.CaseClosed, "Called Kim: happy again", -24 * time.Hour, -72 * time.Hour},
		{"initech", outreach.CaseOpen, "", 47 * time.Hour, -time.Hour},
	} {
		var closed any
		if c.state == outreach.CaseClosed {
			closed = now.Add(-2 * time.Hour).UnixMilli()
		}
		x := storetest.SQL(t, e.db)
		var id int64
		if err := x.Get(&id, x.Rebind(`INSERT INTO cases (account_id, alert, state, due_at, outcome, created_at, updated_at, closed_at)
			VALUES (?, 'detractor', ?, ?, ?, ?, ?, ?) RETURNING id`), accts[c.account], c.state, now.Add(c.due).UnixMilli(),
			c.outcome, now.Add(c.opened).UnixMilli(), now.Add(c.opened).UnixMilli(), closed); err != nil {
			t.Fatal(err)
		}
		exec(t, e, `INSERT INTO case_notes (case_id, at, state, note, author) VALUES (?, ?, 'open', '', '')`, id, now.Add(c.opened).UnixMilli())
		ids[c.account] = id
	}
	people := contactIDs(t, e)
	exec(t, e, `INSERT INTO case_answers (case_id, delivery_id, contact_id) VALUES (?, 'd-nps-1', ?), (?, 'd-nps-2', ?)`,
		ids["acme"], people["pat@acme.example"], ids["acme"], people["lee@acme.example"])
	return ids
}

// caseState reads a case's state, assignee and number of notes.
func caseState(t *testing.T, e *env, id int64) string {
	t.Helper()
	k, err := e.db.Case(context.Background(), id, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s/%s/%d notes", k.State, k.Assignee, len(k.Notes))
}

// TestCasePages: a cs member lists their accounts' cases by view with the
// answers as text, opens one, takes it, adds a note, closes it with an
// outcome; a refused transition shows the reason on the page and writes
// nothing; no CSRF token, another owner's case or a marketing member
// change nothing (403); each change is in the audit log.
func TestCasePages(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			seedCS(t, e)
			ids := seedCases(t, e)
			acme := fmt.Sprint(ids["acme"])
			caseURL := e.srv.URL + "/console/cases/" + acme
			// The digest's link, opened signed out, goes through sign-in
			// and comes back (TestSignInComesBack follows the whole way).
			res, err := e.client(t).Get(caseURL)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if loc := res.Header.Get("Location"); loc != "/console/login?next=%2Fconsole%2Fcases%2F"+acme {
				t.Errorf("signed out, the case led to %q", loc)
			}
			cy := e.signIn(t, "cy@vendor.example")

			code, list := get(t, cy, e.srv.URL+"/console/cases")
			if code != http.StatusOK {
				t.Fatalf("list: %d\n%s", code, list)
			}
			for _, want := range []string{`href="/console/cases/` + acme + `"`, "Acme Corp", "<strong>2/10</strong>",
				"Exports &lt;script&gt;keep&lt;/script&gt; failing", "slow support", "2 days", "overdue",
				`aria-current="page">Open <span class="count">1</span>`, `Closed <span class="count">1</span>`} {
				if !strings.Contains(list, want) {
					t.Errorf("the list lacks %q", want)
				}
			}
			if strings.Contains(list, "Initech") || strings.Contains(list, "<script>keep") {
				t.Error("the list shows Ada's case or a comment as HTML")
			}
			if _, closed := get(t, cy, e.srv.URL+"/console/cases?view=closed"); !strings.Contains(closed, "Called Kim: happy again") {
				t.Error("the closed view lacks globex's outcome")
			}
			if code, _ := get(t, cy, e.srv.URL+"/console/cases?view=later"); code != http.StatusUnprocessableEntity {
				t.Errorf("unknown view: %d, want 422", code)
			}
			if code, _ := get(t, cy, e.srv.URL+"/console/cases/"+fmt.Sprint(ids["initech"])); code != http.StatusForbidden {
				t.Errorf("cy on Ada's case: %d, want 403", code)
			}
			for _, bad := range []string{"999999", "abc"} {
				if code, _ := get(t, cy, e.srv.URL+"/console/cases/"+bad); code != http.StatusNotFound {
					t.Errorf("case %s: %d, want 404", bad, code)
				}
			}

			code, page := get(t, cy, caseURL)
			if code != http.StatusOK || !strings.Contains(page, `id="take"`) || !strings.Contains(page, "pat@acme.example") {
				t.Fatalf("case page: %d\n%s", code, page)
			}
			tok := csrfField.FindStringSubmatch(page)[1]
			act := func(c *http.Client, action string, form url.Values) (int, string) {
				return post(t, c, caseURL+"/"+action, form)
			}
			// Refused: no token, a marketing member, another's case, a
			// transition that does not exist. Nothing is written.
			if code, _ := act(cy, "take", url.Values{}); code != http.StatusForbidden {
				t.Errorf("take without CSRF: %d, want 403", code)
			}
			mo := e.signIn(t, "mo@vendor.example")
			_, moHome := get(t, mo, e.srv.URL+"/console/")
			if code, _ := act(mo, "take", url.Values{"csrf": {csrfField.FindStringSubmatch(moHome)[1]}}); code != http.StatusForbidden {
				t.Errorf("marketing takes: %d, want 403", code)
			}
			if code, _ := get(t, mo, e.srv.URL+"/console/cases"); code != http.StatusForbidden {
				t.Errorf("marketing lists cases: %d, want 403", code)
			}
			if code, _ := post(t, cy, e.srv.URL+"/console/cases/"+fmt.Sprint(ids["initech"])+"/take", url.Values{"csrf": {tok}}); code != http.StatusForbidden {
				t.Errorf("cy takes Ada's case: %d, want 403", code)
			}
			code, refused := act(cy, "close", url.Values{"csrf": {tok}, "note": {"   "}})
			if code != http.StatusUnprocessableEntity || !strings.Contains(refused, `role="alert"`) ||
				!strings.Contains(refused, "closing a case needs an outcome note") || !strings.Contains(refused, `id="take"`) {
				t.Errorf("close without outcome: %d\n%s", code, refused)
			}
			if got := caseState(t, e, ids["acme"]) + "|" + caseState(t, e, ids["initech"]); got != "open//1 notes|open//1 notes" {
				t.Fatalf("refused actions changed the cases: %s", got)
			}

			// Take, note (typed text stays text), close with the outcome.
			if code, _ := act(cy, "take", url.Values{"csrf": {tok}}); code != http.StatusSeeOther {
				t.Fatalf("take: %d", code)
			}
			if got := caseState(t, e, ids["acme"]); got != "in_progress/cy@vendor.example/2 notes" {
				t.Errorf("after take: %s", got)
			}
			typed := "<script>alert(1)</script>\n=HYPERLINK(\"http://evil.example\",\"x\")"
			if code, _ := act(cy, "note", url.Values{"csrf": {tok}, "note": {typed}}); code != http.StatusSeeOther {
				t.Fatalf("note: %d", code)
			}
			_, page = get(t, cy, caseURL+"?done=note")
			if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;\n=HYPERLINK(&#34;http://evil.example&#34;,&#34;x&#34;)") ||
				strings.Contains(page, "<script>alert") || !strings.Contains(page, "Note added.") {
				t.Errorf("the note is not shown as text:\n%s", page)
			}
			code, refused = act(cy, "take", url.Values{"csrf": {tok}})
			if code != http.StatusUnprocessableEntity || !strings.Contains(refused, "the case is already in_progress") {
				t.Errorf("take twice: %d", code)
			}
			if code, _ := act(cy, "close", url.Values{"csrf": {tok}, "note": {"Fixed the export; Pat confirmed"}}); code != http.StatusSeeOther {
				t.Fatalf("close: %d", code)
			}
			code, refused = act(cy, "reopen", url.Values{"csrf": {tok}, "note": {""}})
			if code != http.StatusUnprocessableEntity || !strings.Contains(refused, "reopening a closed case (closed -&gt; open) needs a note saying why") {
				t.Errorf("reopen without a note: %d\n%s", code, refused)
			}
			k, err := e.db.Case(context.Background(), ids["acme"], e.clock.Now())
			if err != nil || k.State != outreach.CaseClosed || k.Outcome != "Fixed the export; Pat confirmed" || len(k.Notes) != 4 {
				t.Fatalf("after close: %+v %v", k, err)
			}
			log, err := e.db.AuditEntries(context.Background(), outreach.AuditFilter{Target: "case " + acme})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range log {
				got = append(got, a.Actor+" "+a.Action)
			}
			if want := "cy@vendor.example case.closed|cy@vendor.example case.noted|cy@vendor.example case.taken"; strings.Join(got, "|") != want {
				t.Errorf("audit log of the case: %v, want %s", got, want)
			}

			// The account page links its cases; an admin sees everyone's
			// and filters by owner.
			if _, acct := get(t, cy, e.srv.URL+"/console/accounts/acme"); !strings.Contains(acct, `href="/console/cases/`+acme+`"`) {
				t.Error("the account page does not link its case")
			}
			ada := e.signIn(t, "ada@vendor.example")
			if _, all := get(t, ada, e.srv.URL+"/console/cases"); !strings.Contains(all, "Initech") || !strings.Contains(all, "ada@vendor.example") {
				t.Error("the admin's list lacks initech")
			}
			if _, mine := get(t, ada, e.srv.URL+"/console/cases?view=closed&owner=cy@vendor.example"); !strings.Contains(mine, "Acme Corp") ||
				strings.Contains(mine, "Initech") {
				t.Error("the owner filter does not keep to Cy's accounts")
			}
			if code, _ := get(t, ada, e.srv.URL+"/console/cases/"+fmt.Sprint(ids["initech"])); code != http.StatusOK {
				t.Errorf("admin on initech's case: %d", code)
			}
		})
	}
}

// TestCaseListPages: the list shows 50 cases a page and its next link
// leads to the rest without a repeat.
func TestCaseListPages(t *testing.T) {
	e := newEnv(t, store.SQLite)
	seedCS(t, e)
	acme := accountIDs(t, e)["acme"]
	now := e.clock.Now()
	for i := range 60 {
		exec(t, e, `INSERT INTO cases (account_id, alert, state, due_at, created_at, updated_at) VALUES (?, ?, 'open', ?, ?, ?)`,
			acme, fmt.Sprintf("rule-%02d", i), now.Add(time.Duration(i)*time.Hour).UnixMilli(), now.UnixMilli(), now.UnixMilli())
	}
	cy := e.signIn(t, "cy@vendor.example")
	_, first := get(t, cy, e.srv.URL+"/console/cases")
	if n := strings.Count(first, `<tr class="case">`); n != 50 {
		t.Errorf("first page: %d cases, want 50", n)
	}
	next := strings.ReplaceAll(regexpFind(t, first, `href="(/console/cases\?[^"]*after=[^"]+)" rel="next"`), "&amp;", "&")
	_, second := get(t, cy, e.srv.URL+next)
	if n := strings.Count(second, `<tr class="case">`); n != 10 || strings.Contains(second, `rel="next"`) || !strings.Contains(second, "rule-59") ||
		strings.Contains(second, "rule-49<") {
		t.Errorf("second page: %d cases\n%s", n, second)
	}
}

// regexpFind returns the first group of pattern in s, or fails.
func regexpFind(t *testing.T, s, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in\n%s", pattern, s)
	}
	return m[1]
}
