package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/httpapi"
	"github.com/outreach-dev/outreach/internal/pgtest"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const admin = "admin-token"

// e2e is the API on a real store, served over HTTP.
type e2e struct {
	t   *testing.T
	db  *store.DB
	url string
}

// eachStore runs fn as a parallel subtest per dialect, on the API over a
// fresh, migrated store.
func eachStore(t *testing.T, fn func(t *testing.T, e *e2e)) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		db := storetest.Open(t, dialect, func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) })
		s := &httpapi.Server{Ingest: db, Contacts: db, Tokens: db, DB: db, AdminToken: admin, Now: db.Now}
		srv := httptest.NewServer(s.Handler())
		t.Cleanup(srv.Close)
		fn(t, &e2e{t: t, db: db, url: srv.URL})
	})
}

func (e *e2e) do(method, path, token, body string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func (e *e2e) want(method, path, token, body string, status int, substr string) string {
	e.t.Helper()
	code, got := e.do(method, path, token, body)
	if code != status || !strings.Contains(got, substr) {
		e.t.Fatalf("%s %s: %d %s; want %d containing %q", method, path, code, got, status, substr)
	}
	return got
}

func TestEndToEnd(t *testing.T) {
	eachStore(t, func(t *testing.T, e *e2e) {
		ctx := context.Background()
		e.want("GET", "/healthz", "", "", 200, `"ok"`)
		e.want("POST", "/api/v1/accounts", admin, `[{"external_id": "acme", "name": "Acme", "timezone": "Europe/Paris"}]`,
			200, `{"created":1,"updated":0,"duplicates":0}`)
		e.want("POST", "/api/v1/accounts", admin, `[{"external_id": "acme", "plan": "pro"}]`,
			200, `{"created":0,"updated":1,"duplicates":0}`)
		contacts := `[{"email": "ana@example.com", "external_id": "c1", "account_external_id": "acme", "locale": "pt-br"}]`
		e.want("POST", "/api/v1/contacts", admin, contacts, 200, `"created":1`)

		// Atomic: one invalid item, nothing written.
		e.want("POST", "/api/v1/contacts", admin,
			`[{"email": "bob@example.com", "account_external_id": "acme"}, {"email": "bad"}]`, 422, `"index":1,"field":"email"`)
		e.want("POST", "/api/v1/contacts", admin,
			`[{"email": "bob@example.com", "account_external_id": "acme"}, {"email": "carl@example.com", "account_external_id": "nope"}]`,
			422, `"index":1,"field":"account_external_id"`)
		e.want("GET", "/api/v1/contacts/bob@example.com/timeline", admin, "", 404, "")

		ev := `{"id": "e1", "type": "contact.active", "contact_external_id": "c1", "occurred_at": "2026-02-01T10:00:00Z"}`
		e.want("POST", "/api/v1/events", admin, "["+ev+"]", 200, `"created":1`)
		e.want("POST", "/api/v1/events", admin, "["+ev+"]", 200, `"duplicates":1`)
		e.want("POST", "/api/v1/team", admin, `[{"email": "csm@vendor.com", "digest_schedule": "0 8 * * MON"}]`, 200, `"created":1`)
		e.want("POST", "/api/v1/suppressions", admin, `[{"email": "zed@example.com", "scope": "marketing"}]`, 200, `"created":1`)

		body := e.want("GET", "/api/v1/contacts/ana@example.com/timeline", admin, "", 200, `"locale":"pt-BR"`)
		var tl outreach.Timeline
		if err := json.Unmarshal([]byte(body), &tl); err != nil {
			t.Fatal(err)
		}
		if len(tl.Events) != 1 || tl.Contact.LastSeenAt == nil || tl.Account == nil || tl.Account.Plan != "pro" {
			t.Errorf("timeline = %s", body)
		}
		// No planner ran: the event says it is waiting for one.
		if !strings.Contains(body, `"outcomes":[{"outcome":"not planned yet","detail":"the planner reads new events every OUTREACH_TICK, on the leader"}]`) {
			t.Errorf("timeline event lacks its outcome: %s", body)
		}

		// Rejections.
		e.want("POST", "/api/v1/accounts", admin, `external_id\nacme`, 400, "not JSON")
		e.want("POST", "/api/v1/accounts", admin, "["+strings.Repeat(`{"external_id": "x"},`, 10000)+`{"external_id": "x"}]`, 413, "10000")
		e.want("POST", "/api/v1/accounts", admin, `[{"external_id": "`+strings.Repeat("x", 11<<20)+`"}]`, 413, "larger than")
		e.want("POST", "/api/v1/accounts", "", `[]`, 401, "bearer")

		// Tokens: ingest may POST data and nothing else; revoked is refused.
		secret := "ingest-secret-123"
		if err := e.db.CreateToken(ctx, outreach.Token{Name: "crm", Scope: outreach.ScopeIngest, Hash: httpapi.HashToken(secret)}); err != nil {
			t.Fatal(err)
		}
		e.want("POST", "/api/v1/accounts", secret, `[{"external_id": "acme"}]`, 200, `"updated":1`)
		e.want("GET", "/api/v1/contacts/ana@example.com/timeline", secret, "", 403, "admin token")
		e.want("DELETE", "/api/v1/contacts/ana@example.com", secret, "", 403, "")
		if err := e.db.RevokeToken(ctx, "crm"); err != nil {
			t.Fatal(err)
		}
		e.want("POST", "/api/v1/accounts", secret, `[]`, 401, "revoked")

		// Erasure keeps the address suppressed when it is imported again.
		e.want("DELETE", "/api/v1/contacts/ana@example.com", admin, "", 204, "")
		e.want("GET", "/api/v1/contacts/ana@example.com/timeline", admin, "", 404, "")
		e.want("DELETE", "/api/v1/contacts/ana@example.com", admin, "", 404, "")
		e.want("POST", "/api/v1/contacts", admin, `[{"email": "Ana@example.com", "account_external_id": "acme"}]`, 200, `"created":1`)
		body = e.want("GET", "/api/v1/contacts/ana@example.com/timeline", admin, "", 200, "")
		if err := json.Unmarshal([]byte(body), &tl); err != nil {
			t.Fatal(err)
		}
		suppressed := false
		for _, s := range tl.Suppressions {
			suppressed = suppressed || s.Scope == outreach.ScopeAll
		}
		if !suppressed || len(tl.Events) != 0 {
			t.Errorf("after erasure and re-import: %s", body)
		}
	})
}
