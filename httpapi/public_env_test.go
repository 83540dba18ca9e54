package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/links"
	"github.com/outreach-dev/outreach/sendgrid"
	"github.com/outreach-dev/outreach/sendgrid/sgfake"
	"github.com/outreach-dev/outreach/store"
)

// Keys of the test signer: the first signs, both verify.
const (
	fbNewKey = "new-key-0123456789abcdef"
	fbOldKey = "old-key-0123456789abcdef"
)

// fbClock is a settable clock shared by the store, the server, the limiter
// and the webhook verifier.
type fbClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fbClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fbClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fbEnv is a server on a real store with the feedback loop wired.
type fbEnv struct {
	s      *Server
	h      http.Handler
	db     *store.DB
	signer *links.Signer
	sg     *sgfake.Server
	clock  *fbClock
}

// newFeedbackEnv opens a migrated store of the dialect with contacts
// jane@example.com (pt-BR) and bob@example.com (no locale) of account a1,
// and a server whose limiter allows 1000 requests at once.
func newFeedbackEnv(t *testing.T, dialect string) *fbEnv {
	t.Helper()
	ctx := context.Background()
	clock := &fbClock{t: testNow}
	db := storetest.Open(t, dialect, clock.Now)
	if _, err := db.UpsertAccounts(ctx, []outreach.Account{{ExternalID: "a1", Name: "Acme"}, {ExternalID: "a2", Name: "Beta"}}); err != nil {
		t.Fatal(err)
	}
	fbContacts(t, db, "a1", "jane@example.com:pt-BR", "bob@example.com")
	signer, err := links.NewSigner(fbNewKey + "," + fbOldKey)
	if err != nil {
		t.Fatal(err)
	}
	sg := sgfake.New(t, sgfake.WithNow(clock.Now))
	v, err := sendgrid.NewVerifier(sg.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	v.Now = clock.Now
	lim, err := NewLimiter(1, 1000, 100, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{
		Contacts: db, Ingest: db, Tokens: db, DB: db,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		AdminToken: adminToken,
		Now:        clock.Now,
		Feedback:   &Feedback{Store: db, Links: signer, Webhook: v, Limiter: lim},
		Audit:      db,
	}
	return &fbEnv{s: s, h: s.Handler(), db: db, signer: signer, sg: sg, clock: clock}
}

// fbContacts adds contacts "email[:locale]" to account.
func fbContacts(t *testing.T, db *store.DB, account string, specs ...string) {
	t.Helper()
	var cs []outreach.Contact
	for _, sp := range specs {
		email, locale, _ := strings.Cut(sp, ":")
		cs = append(cs, outreach.Contact{AccountExternalID: account, Email: email, Locale: locale, Name: "Test Person"})
	}
	if _, err := db.UpsertContacts(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
}

// deliver inserts a delivery of campaign (and category) to email in state.
func (e *fbEnv) deliver(t *testing.T, id, campaign, category, state, email string) {
	t.Helper()
	now := e.clock.Now().UnixMilli()
	var sent any
	if state == outreach.DeliverySent {
		sent = now
	}
	x := storetest.SQL(t, e.db)
	_, err := x.Exec(x.Rebind(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id,
		occurrence, state, due_at, not_before, expires_at, sent_at, created_at, updated_at)
		SELECT ?, ?, ?, id, account_id, ?, ?, ?, ?, ?, ?, ?, ? FROM contacts WHERE email = ?`),
		id, campaign, category, id, state, now, now, now+3600_000, sent, now, now, email)
	if err != nil {
		t.Fatal(err)
	}
}

// count runs a COUNT query.
func (e *fbEnv) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	x := storetest.SQL(t, e.db)
	if err := x.Get(&n, x.Rebind(q), args...); err != nil {
		t.Fatal(err)
	}
	return n
}

// state returns the state of a delivery.
func (e *fbEnv) state(t *testing.T, id string) string {
	t.Helper()
	var s string
	x := storetest.SQL(t, e.db)
	if err := x.Get(&s, x.Rebind(`SELECT state FROM deliveries WHERE id = ?`), id); err != nil {
		t.Fatal(err)
	}
	return s
}

// request sends a request and returns the response with its body read.
func (e *fbEnv) request(t *testing.T, method, path, contentType, body string, header http.Header) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// form sends an urlencoded POST.
func (e *fbEnv) form(t *testing.T, path, body string) (*http.Response, string) {
	t.Helper()
	return e.request(t, http.MethodPost, path, "application/x-www-form-urlencoded", body, nil)
}

// surveyPath returns the signed survey link of a delivery.
func (e *fbEnv) surveyPath(delivery string, score int) string {
	tok := e.signer.Sign(links.KindSurvey, delivery, e.clock.Now().Add(links.SurveyValidity))
	return "/s/" + tok + "?score=" + strconv.Itoa(score)
}

// unsubscribePath returns the signed unsubscribe link of an address.
func (e *fbEnv) unsubscribePath(email string) string {
	return "/u/" + e.signer.Sign(links.KindUnsubscribe, email, time.Time{})
}

// wantPublicHeaders checks the headers every public response carries.
func wantPublicHeaders(t *testing.T, res *http.Response) {
	t.Helper()
	if got := res.Header.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("Referrer-Policy = %q, want no-referrer", got)
	}
	if got := res.Header.Get("Content-Security-Policy"); got != publicCSP {
		t.Errorf("Content-Security-Policy = %q, want %q", got, publicCSP)
	}
}
