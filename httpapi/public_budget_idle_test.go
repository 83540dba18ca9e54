package httpapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/outreach-dev/outreach/store"
)

// idleBody starts a public POST to path whose client has sent one byte of
// a larger declared body and then nothing (a slow or idle client), and
// returns once the handler has read that byte. stop ends the request.
func idleBody(t *testing.T, e *fbEnv, path, contentType string) (stop func()) {
	t.Helper()
	pr, pw := io.Pipe()
	req := httptest.NewRequest(http.MethodPost, path, pr)
	req.ContentLength = 60000
	req.Header.Set("Content-Type", contentType)
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { defer close(done); e.h.ServeHTTP(rec, req) }()
	// io.Pipe hands bytes over synchronously: once Write returns, the
	// handler is reading the body. A handler that returns first (refused)
	// never reads it.
	wrote := make(chan struct{})
	go func() { defer close(wrote); _, _ = pw.Write([]byte("-")) }()
	select {
	case <-wrote:
	case <-done:
		t.Errorf("an idle client was answered %d %s before it sent its body", rec.Code, rec.Body)
		pw.Close()
		return func() {}
	}
	return func() { pw.CloseWithError(io.ErrUnexpectedEOF); <-done }
}

// TestPublicBudgetIdleClientsHoldLittle: a client that declares a body and
// sends one byte of it holds about what it sent, not a whole granule. Else
// a thousand idle connections to a valid unsubscribe link (which the rate
// limit lets through) spend the default budget, and every public endpoint
// answers 503: one-click unsubscribes, survey answers, the webhook.
func TestPublicBudgetIdleClientsHoldLittle(t *testing.T) {
	e := newFeedbackEnv(t, store.SQLite)
	budget, err := NewByteBudget(4 * budgetGranule)
	if err != nil {
		t.Fatal(err)
	}
	e.s.PublicBudget = budget
	path := e.unsubscribePath("bob@example.com")
	var stops []func()
	for range 16 {
		stops = append(stops, idleBody(t, e, path, "application/x-www-form-urlencoded"))
	}
	if got := budget.InUse(); got > 16*budgetFirstTake {
		t.Errorf("16 clients that sent one byte each hold %d bytes of the budget, want at most %d", got, 16*budgetFirstTake)
	}
	res, text := e.form(t, path, "List-Unsubscribe=One-Click")
	if res.StatusCode != http.StatusOK || !strings.Contains(text, "bob@example.com") {
		t.Errorf("one-click unsubscribe next to 16 idle clients: %d %s, want 200", res.StatusCode, text)
	}
	for _, stop := range stops {
		stop()
	}
	if got := budget.InUse(); got != 0 {
		t.Errorf("%d bytes still taken after every request ended", got)
	}
}

// TestPublicBudgetIdleInboundHoldsLittle: an inbound email (SendGrid
// Inbound Parse, no token needed) whose client has sent one byte holds
// about that, not the 256 KiB its fields may keep: else 128 header-only
// connections spend the default budget.
func TestPublicBudgetIdleInboundHoldsLittle(t *testing.T) {
	e := newFeedbackEnv(t, store.SQLite)
	budget, err := NewByteBudget(inboundKeptBytes + 2*budgetGranule)
	if err != nil {
		t.Fatal(err)
	}
	e.s.PublicBudget = budget
	var stops []func()
	for range 4 {
		stops = append(stops, idleBody(t, e, "/webhooks/sendgrid/inbound", "multipart/form-data; boundary=b"))
	}
	if got := budget.InUse(); got > 4*budgetFirstTake {
		t.Errorf("4 inbound clients that sent one byte each hold %d bytes of the budget, want at most %d", got, 4*budgetFirstTake)
	}
	res, text := e.form(t, e.unsubscribePath("bob@example.com"), "List-Unsubscribe=One-Click")
	if res.StatusCode != http.StatusOK {
		t.Errorf("one-click unsubscribe next to 4 idle inbound clients: %d %s, want 200", res.StatusCode, text)
	}
	for _, stop := range stops {
		stop()
	}
	if got := budget.InUse(); got != 0 {
		t.Errorf("%d bytes still taken after every request ended", got)
	}
}
