package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/store"
)

// TestLiftSuppression: a cs member finds an address's suppressions and
// lifts one with a reason, which the audit log keeps; no reason, no CSRF
// token, or a hard bounce without the confirmation changes nothing; the
// confirmation lifts the hard one; a marketing member gets 403.
func TestLiftSuppression(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			seedCS(t, e)
			ctx := context.Background()
			cy := e.signIn(t, "cy@vendor.example")
			code, page := get(t, cy, e.srv.URL+"/console/suppressions?email=Lee@ACME.example")
			if code != http.StatusOK || !strings.Contains(page, "bounce: 550 mailbox unknown") || !strings.Contains(page, `name="confirm"`) {
				t.Fatalf("search: %d\n%s", code, page)
			}
			tok := csrfField.FindStringSubmatch(page)[1]
			lift := func(c *http.Client, form url.Values) int {
				code, _ := post(t, c, e.srv.URL+"/console/suppressions/lift", form)
				return code
			}
			scopes := func(email string) string {
				s, err := e.db.SuppressionScopes(ctx, email)
				if err != nil {
					t.Fatal(err)
				}
				return strings.Join(s, ",")
			}
			pat := url.Values{"csrf": {tok}, "email": {"pat@acme.example"}, "scope": {"marketing"}}
			if code := lift(cy, pat); code != http.StatusUnprocessableEntity {
				t.Errorf("no reason: %d, want 422", code)
			}
			noTok := url.Values{"email": {"pat@acme.example"}, "scope": {"marketing"}, "reason": {"asked"}}
			if code := lift(cy, noTok); code != http.StatusForbidden {
				t.Errorf("no CSRF token: %d, want 403", code)
			}
			hard := url.Values{"csrf": {tok}, "email": {"lee@acme.example"}, "scope": {"hard"}, "reason": {"new mailbox, ticket 42"}}
			if code := lift(cy, hard); code != http.StatusUnprocessableEntity {
				t.Errorf("hard without confirmation: %d, want 422", code)
			}
			if got := scopes("pat@acme.example") + "|" + scopes("lee@acme.example"); got != "marketing|hard" {
				t.Fatalf("refused lifts changed the suppressions: %s", got)
			}
			mo := e.signIn(t, "mo@vendor.example")
			_, moHome := get(t, mo, e.srv.URL+"/console/")
			moForm := url.Values{"csrf": {csrfField.FindStringSubmatch(moHome)[1]}, "email": {"pat@acme.example"}, "scope": {"marketing"}, "reason": {"x"}}
			if code := lift(mo, moForm); code != http.StatusForbidden {
				t.Errorf("marketing lifts: %d, want 403", code)
			}
			pat.Set("reason", "asked by phone on 2 March")
			if code := lift(cy, pat); code != http.StatusSeeOther {
				t.Errorf("lift: %d, want 303", code)
			}
			hard.Set("confirm", "yes")
			if code := lift(cy, hard); code != http.StatusSeeOther {
				t.Errorf("hard with confirmation: %d, want 303", code)
			}
			if got := scopes("pat@acme.example") + "|" + scopes("lee@acme.example"); got != "|" {
				t.Errorf("after the lifts: %s", got)
			}
			log, err := e.db.AuditEntries(ctx, outreach.AuditFilter{Actor: "cy@vendor.example", Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			var details []string
			for _, a := range log {
				details = append(details, a.Target+": "+a.Detail)
			}
			all := strings.Join(details, "\n")
			for _, want := range []string{"pat@acme.example: scope marketing; was: unsubscribed from the preference page; because: asked by phone on 2 March",
				"lee@acme.example: scope hard; was: bounce: 550 mailbox unknown; forced; because: new mailbox, ticket 42"} {
				if !strings.Contains(all, want) {
					t.Errorf("audit log lacks %q:\n%s", want, all)
				}
			}
		})
	}
}

// TestSuppressionsOwnBook: a cs member finds and lifts only the
// suppressions of the people of their own accounts: another member's
// customer and an erased person read as not suppressed, and a forged lift
// of either is 404 and changes nothing; an admin sees and lifts them all,
// audited.
func TestSuppressionsOwnBook(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			seedCS(t, e)
			ctx := context.Background()
			if _, err := e.db.AddSuppressions(ctx, []outreach.Suppression{
				{Email: "sam@initech.example", Scope: "marketing", Reason: "sam asked <b>by mail</b>"},
			}); err != nil {
				t.Fatal(err)
			}
			if err := e.db.EraseContact(ctx, "kim@globex.example"); err != nil {
				t.Fatal(err)
			}
			scopes := func(email string) string {
				s, err := e.db.SuppressionScopes(ctx, email)
				if err != nil {
					t.Fatal(err)
				}
				return strings.Join(s, ",")
			}
			cy := e.signIn(t, "cy@vendor.example")
			code, page := get(t, cy, e.srv.URL+"/console/suppressions?email=pat@acme.example")
			if code != http.StatusOK || !strings.Contains(page, "unsubscribed from the preference page") {
				t.Fatalf("cy's own customer: %d\n%s", code, page)
			}
			tok := csrfField.FindStringSubmatch(page)[1]
			for _, email := range []string{"sam@initech.example", "kim@globex.example"} {
				code, page := get(t, cy, e.srv.URL+"/console/suppressions?email="+email)
				if code != http.StatusOK || strings.Contains(page, "suppression") && strings.Contains(page, `action="/console/suppressions/lift"`) ||
					strings.Contains(page, "sam asked") || strings.Contains(page, "erased") || !strings.Contains(page, "people of your accounts only") {
					t.Errorf("cy searches %s: %d\n%s", email, code, page)
				}
			}
			forged := []url.Values{
				{"csrf": {tok}, "email": {"sam@initech.example"}, "scope": {"marketing"}, "reason": {"asked"}},
				{"csrf": {tok}, "email": {"kim@globex.example"}, "scope": {"all"}, "reason": {"asked"}, "confirm": {"yes"}},
			}
			for _, form := range forged {
				if code, _ := post(t, cy, e.srv.URL+"/console/suppressions/lift", form); code != http.StatusNotFound {
					t.Errorf("cy lifts %s: %d, want 404", form.Get("email"), code)
				}
			}
			if got := scopes("sam@initech.example") + "|" + scopes("kim@globex.example"); got != "marketing|all" {
				t.Fatalf("refused lifts changed the suppressions: %s", got)
			}
			if log, err := e.db.AuditEntries(ctx, outreach.AuditFilter{Action: outreach.AuditSuppressionDeleted, Limit: 10}); err != nil || len(log) != 0 {
				t.Fatalf("refused lifts in the audit log: %v %+v", err, log)
			}

			ada := e.signIn(t, "ada@vendor.example")
			code, page = get(t, ada, e.srv.URL+"/console/suppressions?email=kim@globex.example")
			if code != http.StatusOK || !strings.Contains(page, "erased") || !strings.Contains(page, `name="confirm"`) || strings.Contains(page, "people of your accounts only") {
				t.Errorf("admin searches the erased address: %d\n%s", code, page)
			}
			code, page = get(t, ada, e.srv.URL+"/console/suppressions?email=sam@initech.example")
			if code != http.StatusOK || !strings.Contains(page, "sam asked &lt;b&gt;by mail&lt;/b&gt;") {
				t.Fatalf("admin searches sam: %d\n%s", code, page)
			}
			form := url.Values{"csrf": {csrfField.FindStringSubmatch(page)[1]}, "email": {"sam@initech.example"}, "scope": {"marketing"}, "reason": {"asked on the phone"}}
			if code, _ := post(t, ada, e.srv.URL+"/console/suppressions/lift", form); code != http.StatusSeeOther {
				t.Errorf("admin lifts sam's: %d, want 303", code)
			}
			if got := scopes("sam@initech.example"); got != "" {
				t.Errorf("after the admin's lift: %q", got)
			}
			log, err := e.db.AuditEntries(ctx, outreach.AuditFilter{Actor: "ada@vendor.example", Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			var found bool
			for _, a := range log {
				found = found || a.Target == "sam@initech.example" && a.Detail == "scope marketing; was: sam asked <b>by mail</b>; because: asked on the phone"
			}
			if !found {
				t.Errorf("the admin's lift is not in the audit log: %+v", log)
			}
		})
	}
}

// TestSuppressionsLiftedNoticeIsAScope: the notice after a lift names the
// scope from the redirect's query; a link crafted with other text in it
// ("lifted=all. Your session expired: sign in at https://evil.example")
// must not put that text on the console's own page.
func TestSuppressionsLiftedNoticeIsAScope(t *testing.T) {
	e := newEnv(t, store.SQLite)
	seedCS(t, e)
	cy := e.signIn(t, "cy@vendor.example")
	forged := "all. Your session expired: sign in again at https://evil.example"
	code, page := get(t, cy, e.srv.URL+"/console/suppressions?lifted="+url.QueryEscape(forged))
	if code != http.StatusOK || strings.Contains(page, "evil.example") || strings.Contains(page, "Lifted and written") {
		t.Errorf("a forged notice: %d\n%s", code, page)
	}
	code, page = get(t, cy, e.srv.URL+"/console/suppressions?lifted=marketing")
	if code != http.StatusOK || !strings.Contains(page, "Lifted and written to the audit log: <strong>marketing</strong>") {
		t.Errorf("the notice of a real scope: %d\n%s", code, page)
	}
}
