package httpapi

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
)

// The preference page undoes an unsubscribe: it offers resubscribe once
// something is stopped, only its own form's POST (action=resubscribe with
// the signed link) lifts the person's own suppressions, never a hard one,
// and the change is in the audit log as made on the public page.
func TestUnsubscribePageResubscribes(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	path := e.unsubscribePath("jane@example.com")
	if _, body := e.request(t, http.MethodGet, path, "", "", nil); strings.Contains(body, `value="resubscribe"`) {
		t.Fatalf("a subscribed person is offered a resubscribe:\n%s", body)
	}
	res, body := e.form(t, path, "List-Unsubscribe=One-Click")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `value="resubscribe"`) {
		t.Fatalf("after unsubscribing, no resubscribe form: %d\n%s", res.StatusCode, body)
	}
	if _, err := e.db.AddSuppressions(context.Background(), []outreach.Suppression{
		{Email: "jane@example.com", Scope: outreach.CategoryMarketing},
		{Email: "jane@example.com", Scope: outreach.ScopeHard, Reason: "bounce"},
	}); err != nil {
		t.Fatal(err)
	}
	// A scanner's GET of the same URL, with the field in the query, changes nothing.
	e.request(t, http.MethodGet, path+"?action=resubscribe", "", "", nil)
	if n := e.count(t, `SELECT COUNT(*) FROM suppressions`); n != 3 {
		t.Fatalf("a GET changed the suppressions: %d left, want 3", n)
	}
	// Another site's form posting the link (a forwarded email never
	// expires) is refused; the page's own form passes.
	cross := http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}
	if res, _ := e.request(t, http.MethodPost, path, "application/x-www-form-urlencoded", "action=resubscribe", cross); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a cross-site resubscribe POST: %d, want 403", res.StatusCode)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM suppressions`); n != 3 {
		t.Fatalf("a cross-site POST changed the suppressions: %d left, want 3", n)
	}
	res, body = e.form(t, path, "action=resubscribe")
	// jane's locale is pt-BR: the page speaks Portuguese.
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Sua inscrição foi reativada") {
		t.Fatalf("resubscribe POST: %d\n%s", res.StatusCode, body)
	}
	var scopes []string
	if err := storetest.SQL(t, e.db).Select(&scopes, `SELECT scope FROM suppressions ORDER BY scope`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(scopes, ",") != "hard" {
		t.Errorf("after resubscribing, scopes = %v; want only the hard one kept", scopes)
	}
	log, err := e.db.AuditLog(context.Background(), 0, 10)
	if err != nil || len(log) != 2 {
		t.Fatalf("audit log = %+v, %v; want 2 entries", log, err)
	}
	for _, l := range log {
		if l.Actor != outreach.ActorPublicPage || l.Action != outreach.AuditSuppressionDeleted || l.Target != "jane@example.com" {
			t.Errorf("audit entry %+v: want suppression.deleted of jane@example.com by the public page", l)
		}
	}
}
