package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
)

const adminToken = "admin-secret"

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type testBundle struct {
	ingest   *fakeIngest
	contacts *fakeContacts
	tokens   *fakeTokens
	db       *fakePinger
	logs     *bytes.Buffer
	calls    int // store writes
}

// setup returns a server on fakes whose stores fail the test unless a test
// replaces the functions it expects to be called.
func setup(t *testing.T) (*Server, *testBundle) {
	t.Helper()
	tb := &testBundle{logs: &bytes.Buffer{}}
	unexpected := func() (outreach.BatchResult, error) {
		tb.calls++
		return outreach.BatchResult{}, errors.New("unexpected store call")
	}
	tb.ingest = &fakeIngest{
		UpsertAccountsFn: func(context.Context, []outreach.Account) (outreach.BatchResult, error) { return unexpected() },
		UpsertContactsFn: func(context.Context, []outreach.Contact) (outreach.BatchResult, error) { return unexpected() },
		InsertEventsFn:   func(context.Context, []outreach.Event) (outreach.BatchResult, error) { return unexpected() },
		UpsertTeamFn:     func(context.Context, []outreach.TeamMember) (outreach.BatchResult, error) { return unexpected() },
		AddSuppressionsFn: func(context.Context, []outreach.Suppression) (outreach.BatchResult, error) {
			return unexpected()
		},
		LookupRefsFn: func(context.Context, []string, []string) (outreach.Refs, error) {
			return outreach.Refs{}, errors.New("unexpected lookup")
		},
	}
	tb.contacts = &fakeContacts{
		TimelineFn: func(_ context.Context, email string) (*outreach.Timeline, error) {
			return nil, outreach.Errorf(outreach.ENOTFOUND, "no contact %s", email)
		},
		EraseContactFn: func(_ context.Context, email string) error {
			return outreach.Errorf(outreach.ENOTFOUND, "no contact %s", email)
		},
	}
	tb.tokens = &fakeTokens{
		TokenByHashFn: func(_ context.Context, hash string) (*outreach.Token, error) {
			if hash == HashToken("ingest-secret") {
				return &outreach.Token{Name: "crm", Scope: outreach.ScopeIngest}, nil
			}
			return nil, outreach.Errorf(outreach.ENOTFOUND, "no token")
		},
	}
	tb.db = &fakePinger{PingFn: func(context.Context) error { return nil }}
	s := &Server{
		Ingest: tb.ingest, Contacts: tb.contacts, Tokens: tb.tokens, DB: tb.db,
		Logger:     slog.New(slog.NewJSONHandler(tb.logs, nil)),
		AdminToken: adminToken,
		Now:        func() time.Time { return testNow },
	}
	return s, tb
}

// do sends a request with the bearer token (none when "") and returns the
// response with its body read.
func do(t *testing.T, s *Server, method, path, token, body string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func wantStatus(t *testing.T, res *http.Response, body string, status int) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("status %d, want %d; body %s", res.StatusCode, status, body)
	}
}

func TestIngestContacts(t *testing.T) {
	s, tb := setup(t)
	var got []outreach.Contact
	tb.ingest.UpsertContactsFn = func(_ context.Context, items []outreach.Contact) (outreach.BatchResult, error) {
		got = items
		return outreach.BatchResult{Created: 1, Updated: 1}, nil
	}
	res, body := do(t, s, "POST", "/api/v1/contacts", "ingest-secret",
		`[{"email": "Ana@Example.com", "locale": "pt-br"}, {"email": "bob@example.com", "plan_seats": 3}]`)
	wantStatus(t, res, body, 200)
	var br outreach.BatchResult
	if err := json.Unmarshal([]byte(body), &br); err != nil || br.Created != 1 || br.Updated != 1 {
		t.Errorf("body %s", body)
	}
	if len(got) != 2 || got[0].Email != "ana@example.com" || got[0].Locale != "pt-BR" || got[1].Attributes["plan_seats"] == nil {
		t.Errorf("store got %+v", got)
	}
	if !strings.Contains(tb.logs.String(), `"token":"crm"`) {
		t.Errorf("access log lacks the token name: %s", tb.logs)
	}
}

func TestIngestSuppressionsGetNow(t *testing.T) {
	s, tb := setup(t)
	tb.ingest.AddSuppressionsFn = func(_ context.Context, items []outreach.Suppression) (outreach.BatchResult, error) {
		if !items[0].CreatedAt.Equal(testNow) {
			t.Errorf("created_at = %v", items[0].CreatedAt)
		}
		return outreach.BatchResult{Created: 1}, nil
	}
	res, body := do(t, s, "POST", "/api/v1/suppressions", adminToken, `[{"email": "a@b.co", "scope": "all"}]`)
	wantStatus(t, res, body, 200)
}

func TestIngestInvalidIsAtomic(t *testing.T) {
	s, tb := setup(t)
	res, body := do(t, s, "POST", "/api/v1/contacts", adminToken,
		`[{"email": "ok@example.com"}, {"email": "ok2@example.com", "timezone": "Mars/Base"}, {"email": "nope"}]`)
	wantStatus(t, res, body, 422)
	var eb batchErrorBody
	if err := json.Unmarshal([]byte(body), &eb); err != nil {
		t.Fatal(err)
	}
	if len(eb.Errors) != 2 || eb.Errors[0].Index != 1 || eb.Errors[0].Field != "timezone" || eb.Errors[1].Index != 2 || eb.Errors[1].Field != "email" {
		t.Errorf("errors %+v", eb.Errors)
	}
	if tb.calls != 0 {
		t.Errorf("the store was called %d times", tb.calls)
	}
}

func TestIngestStoreBatchError(t *testing.T) {
	s, tb := setup(t)
	tb.ingest.UpsertContactsFn = func(context.Context, []outreach.Contact) (outreach.BatchResult, error) {
		be := &outreach.BatchError{}
		be.Add(1, "account_external_id", "unknown account %q", "zzz")
		return outreach.BatchResult{}, be
	}
	res, body := do(t, s, "POST", "/api/v1/contacts", adminToken,
		`[{"email": "a@b.co"}, {"email": "c@d.co", "account_external_id": "zzz"}]`)
	wantStatus(t, res, body, 422)
	if !strings.Contains(body, `"index":1`) || !strings.Contains(body, "unknown account") {
		t.Errorf("body %s", body)
	}
}

func TestIngestRejects(t *testing.T) {
	many := "[" + strings.Repeat("{},", 10000) + "{}]"
	cases := []struct {
		name, path, token, body string
		maxBody                 int64
		status                  int
		msg                     string
	}{
		{"not JSON", "/api/v1/accounts", adminToken, `external_id,name`, 0, 400, "not JSON"},
		{"not an array", "/api/v1/accounts", adminToken, `{"external_id": "a"}`, 0, 400, "JSON array"},
		{"too many items", "/api/v1/events", adminToken, many, 0, 413, "more than 10000 items"},
		{"too many bytes", "/api/v1/team", adminToken, `[{"email": "` + strings.Repeat("a", 200) + `@b.co"}]`, 100, 413, "larger than 100 bytes"},
		{"no token", "/api/v1/accounts", "", `[]`, 0, 401, "missing bearer token"},
		{"wrong token", "/api/v1/accounts", "guess", `[]`, 0, 401, "invalid or revoked"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, tb := setup(t)
			s.MaxBodyBytes = tc.maxBody
			res, body := do(t, s, "POST", tc.path, tc.token, tc.body)
			wantStatus(t, res, body, tc.status)
			if !strings.Contains(body, tc.msg) {
				t.Errorf("body %s lacks %q", body, tc.msg)
			}
			if tb.calls != 0 {
				t.Errorf("the store was called")
			}
			if tc.status == 401 && res.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
		})
	}
}

func TestScopes(t *testing.T) {
	s, tb := setup(t)
	tb.contacts.TimelineFn = func(_ context.Context, email string) (*outreach.Timeline, error) {
		return &outreach.Timeline{Contact: outreach.Contact{Email: email}}, nil
	}
	res, body := do(t, s, "GET", "/api/v1/contacts/a@b.co/timeline", "ingest-secret", "")
	wantStatus(t, res, body, 403)
	res, body = do(t, s, "DELETE", "/api/v1/contacts/a@b.co", "ingest-secret", "")
	wantStatus(t, res, body, 403)
	res, body = do(t, s, "GET", "/api/v1/contacts/A@B.co/timeline", adminToken, "")
	wantStatus(t, res, body, 200)
	if !strings.Contains(body, `"email":"a@b.co"`) {
		t.Errorf("body %s", body)
	}
}

func TestStoredAdminToken(t *testing.T) {
	s, tb := setup(t)
	s.AdminToken = "" // API closed but for stored tokens
	tb.tokens.TokenByHashFn = func(_ context.Context, hash string) (*outreach.Token, error) {
		if hash == HashToken("ops") {
			return &outreach.Token{Name: "ops", Scope: outreach.ScopeAdmin}, nil
		}
		return nil, outreach.Errorf(outreach.ENOTFOUND, "no token")
	}
	tb.contacts.EraseContactFn = func(context.Context, string) error { return nil }
	res, body := do(t, s, "DELETE", "/api/v1/contacts/a@b.co", "ops", "")
	wantStatus(t, res, body, 204)
	res, body = do(t, s, "DELETE", "/api/v1/contacts/a@b.co", "", "")
	wantStatus(t, res, body, 401)
}

func TestContactsErrors(t *testing.T) {
	s, _ := setup(t)
	res, body := do(t, s, "GET", "/api/v1/contacts/nobody@example.com/timeline", adminToken, "")
	wantStatus(t, res, body, 404)
	res, body = do(t, s, "DELETE", "/api/v1/contacts/nobody@example.com", adminToken, "")
	wantStatus(t, res, body, 404)
	res, body = do(t, s, "GET", "/api/v1/contacts/not-an-email/timeline", adminToken, "")
	wantStatus(t, res, body, 400)
}

func TestInternalErrorIsLoggedNotShown(t *testing.T) {
	s, tb := setup(t)
	tb.contacts.TimelineFn = func(context.Context, string) (*outreach.Timeline, error) {
		return nil, errors.New("pq: connection refused at 10.0.0.5")
	}
	res, body := do(t, s, "GET", "/api/v1/contacts/a@b.co/timeline", adminToken, "")
	wantStatus(t, res, body, 500)
	if strings.Contains(body, "10.0.0.5") {
		t.Errorf("internal detail leaked: %s", body)
	}
	if !strings.Contains(tb.logs.String(), "10.0.0.5") {
		t.Errorf("internal detail not logged")
	}
}

func TestUnencodableResponseIsLogged500(t *testing.T) {
	s, tb := setup(t)
	tb.contacts.TimelineFn = func(context.Context, string) (*outreach.Timeline, error) {
		// A delivery planned after year 9999 (stored before times were
		// bounded): encoding/json refuses the time.
		due := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
		return &outreach.Timeline{Contact: outreach.Contact{Email: "a@b.co"},
			Deliveries: []outreach.Delivery{{ID: "d1", DueAt: due}}}, nil
	}
	res, body := do(t, s, "GET", "/api/v1/contacts/a@b.co/timeline", adminToken, "")
	wantStatus(t, res, body, 500)
	if body != "{\"error\":\"internal error\"}\n" || res.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("body %q (%s), want the JSON error body", body, res.Header.Get("Content-Type"))
	}
	if !strings.Contains(tb.logs.String(), "encode *outreach.Timeline response") || !strings.Contains(tb.logs.String(), "year outside of range") {
		t.Errorf("the encoding error is not logged: %s", tb.logs)
	}
}

func TestPanicRecovered(t *testing.T) {
	s, tb := setup(t)
	// A panic can quote what it was handed: its value is logged redacted,
	// like an error.
	tb.contacts.TimelineFn = func(_ context.Context, email string) (*outreach.Timeline, error) {
		panic("boom on " + email)
	}
	res, body := do(t, s, "GET", "/api/v1/contacts/ana.maria@example.com/timeline", adminToken, "")
	wantStatus(t, res, body, 500)
	if !strings.Contains(tb.logs.String(), "boom on") {
		t.Errorf("panic not logged")
	}
	if strings.Contains(tb.logs.String(), "ana.maria") {
		t.Errorf("the panic's log line quotes the address: %s", tb.logs)
	}
}

func TestHealth(t *testing.T) {
	s, tb := setup(t)
	res, body := do(t, s, "GET", "/healthz", "", "")
	wantStatus(t, res, body, 200)
	if !strings.Contains(body, `"status":"ok"`) {
		t.Errorf("body %s", body)
	}
	tb.db.PingFn = func(context.Context) error { return errors.New("database is locked") }
	res, body = do(t, s, "GET", "/healthz", "", "")
	wantStatus(t, res, body, 200) // the check of a moment ago still answers
	s.Now = func() time.Time { return testNow.Add(healthFresh) }
	res, body = do(t, s, "GET", "/healthz", "", "")
	wantStatus(t, res, body, 503)
}

// TestHealthSharesOnePing: health checks that arrive while a database ping
// runs wait for that ping instead of each taking a connection, so a flood
// of /healthz (a public route) costs the database one ping at a time.
func TestHealthSharesOnePing(t *testing.T) {
	s, tb := setup(t)
	var pings atomic.Int32
	started, release := make(chan struct{}), make(chan struct{})
	tb.db.PingFn = func(context.Context) error {
		if pings.Add(1) == 1 {
			close(started)
		}
		<-release
		return nil
	}
	const n = 20
	codes := make(chan int, n)
	var waiting sync.WaitGroup
	for range n {
		waiting.Add(1)
		go func() {
			defer waiting.Done()
			res, _ := do(t, s, "GET", "/healthz", "", "")
			codes <- res.StatusCode
		}()
	}
	<-started
	// Release the ping once every request waits for it.
	for s.health.joined() < n {
		runtime.Gosched()
	}
	close(release)
	waiting.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK {
			t.Errorf("status %d, want 200", c)
		}
	}
	if got := pings.Load(); got != 1 {
		t.Errorf("%d database pings for %d concurrent health checks, want 1", got, n)
	}
}

func TestMetrics(t *testing.T) {
	s, tb := setup(t)
	tb.ingest.InsertEventsFn = func(_ context.Context, items []outreach.Event) (outreach.BatchResult, error) {
		return outreach.BatchResult{Created: 1, Duplicates: 1}, nil
	}
	ev := `{"id": "e1", "type": "qbr.completed", "account_external_id": "acme", "occurred_at": "2026-01-01T00:00:00Z"}`
	do(t, s, "POST", "/api/v1/events", adminToken, "["+ev+","+ev+"]")
	do(t, s, "POST", "/api/v1/events", adminToken, `[{"id": "e2"}]`)
	do(t, s, "GET", "/nowhere", "", "")
	s.CountSend(outreach.SendOutcome{Result: outreach.SendSent, Attempted: true, Latency: 30 * time.Millisecond})
	s.CountSend(outreach.SendOutcome{Result: outreach.SendSent, Attempted: true, Latency: 2 * time.Second})
	s.CountSend(outreach.SendOutcome{Result: outreach.SendFailed, FailReason: outreach.FailRefused, Attempted: true, Latency: time.Millisecond})
	s.CountSend(outreach.SendOutcome{Result: outreach.SendFailed, FailReason: "status 400: bad address x@y"}) // not a reason: other
	res, body := do(t, s, "GET", "/metrics", "", "")
	wantStatus(t, res, body, 200)
	for _, want := range []string{
		`outreach_http_requests_total{route="POST /api/v1/events",status="200"} 1`,
		`outreach_http_requests_total{route="POST /api/v1/events",status="422"} 1`,
		`outreach_http_requests_total{route="unmatched",status="404"} 1`,
		`outreach_ingested_items_total{kind="events",result="created"} 1`,
		`outreach_ingested_items_total{kind="events",result="duplicate"} 1`,
		`outreach_ingested_items_total{kind="events",result="invalid"} 1`,
		`outreach_errors_total{kind="validation"} 1`,
		`outreach_sends_total{result="sent"} 2`,
		`outreach_sends_total{result="failed"} 2`,
		`outreach_send_failures_total{reason="refused"} 1`,
		`outreach_send_failures_total{reason="other"} 1`,
		`outreach_send_duration_seconds_count 3`,
		`outreach_send_duration_seconds_bucket{le="0.04"} 2`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
