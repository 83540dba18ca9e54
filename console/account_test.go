package console_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

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

// TestPostBodyIsBounded: a signed-in member who sends the CSRF token in
// the X-CSRF-Token header (as the pack editor's script does) and a
// 40 MiB multipart form is cut off at the console's 4 MiB form limit:
// the form is not read (Go would spill its file parts to disk without
// bound) and nothing changes.
func TestPostBodyIsBounded(t *testing.T) {
	e := newEnv(t, store.SQLite)
	seedCS(t, e)
	cy := e.signIn(t, "cy@vendor.example")
	tok := csrfOf(t, e, cy)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if err := mw.WriteField("days", "30"); err != nil {
		t.Fatal(err)
	}
	fw, err := mw.CreateFormFile("junk", "junk.bin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(bytes.Repeat([]byte("x"), 40<<20)); err != nil {
		t.Fatal(err)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+"/console/accounts/acme/pause", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-CSRF-Token", tok)
	res, err := cy.Do(req)
	if err == nil {
		res.Body.Close()
		if res.StatusCode == http.StatusSeeOther {
			t.Fatalf("a 40 MiB form was read and applied (%d)", res.StatusCode)
		}
	}
	a, err := e.db.AccountByExternalID(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if a.PausedUntil == nil || a.PausedUntil.After(e.clock.Now().Add(20*day)) {
		t.Errorf("acme paused until %v: the oversized form changed it", a.PausedUntil)
	}
}

// TestLinksKeepTypedIDsInOneSegment: an external id or an address holds
// characters that mean something in a URL path ("/", "?", "#"; all valid
// in an address's local part). Every console link and form to an account
// or a person escapes them, so it opens that account or person — not a
// 404, not another page, and the pause form of account "initech/pause#"
// does not pause initech.
func TestLinksKeepTypedIDsInOneSegment(t *testing.T) {
	e := newEnv(t, store.SQLite)
	seedCS(t, e)
	ctx := context.Background()
	const ext, email = "eu/acme?x#y", "a?b/c#d@acme.example"
	if _, err := e.db.UpsertAccounts(ctx, []outreach.Account{{ExternalID: ext, Name: "EU", OwnerEmail: "cy@vendor.example"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.UpsertContacts(ctx, []outreach.Contact{{AccountExternalID: ext, Email: email}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.AddSuppressions(ctx, []outreach.Suppression{{Email: email, Scope: "marketing", Reason: "asked"}}); err != nil {
		t.Fatal(err)
	}
	addAnswer(t, e, "d-typed", "nps", email, 4, "the export is slow", day)
	cy := e.signIn(t, "cy@vendor.example")
	acct := "/console/accounts/" + url.PathEscape(ext)
	person := "/console/contacts/" + url.PathEscape(email)
	for page, want := range map[string][]string{
		"/console/accounts": {`href="` + acct + `"`},
		acct:                {`action="` + acct + `/pause"`, `href="` + person + `"`},
		person:              {`href="` + acct + `"`},
		"/console/suppressions?email=" + url.QueryEscape(email): {`href="` + person + `"`},
		"/console/nps": {`href="` + person + `"`, `href="` + acct + `"`},
	} {
		code, body := get(t, cy, e.srv.URL+page)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", page, code)
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %s", page, w)
			}
		}
	}
}
