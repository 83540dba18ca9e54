package httpapi

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/links"
	"github.com/outreach-dev/outreach/store"
)

func TestByteBudget(t *testing.T) {
	if _, err := NewByteBudget(budgetGranule - 1); err == nil {
		t.Error("a budget smaller than a granule was accepted")
	}
	b, err := NewByteBudget(100 << 10)
	if err != nil {
		t.Fatal(err)
	}
	if !b.TryTake(60<<10) || b.TryTake(41<<10) || !b.TryTake(40<<10) {
		t.Fatal("TryTake does not keep within the limit")
	}
	b.Give(100 << 10)
	if b.InUse() != 0 {
		t.Errorf("in use %d after giving everything back", b.InUse())
	}
}

// paddedEvents is a signed-able webhook body of exactly n bytes: one bounce
// event, padded with spaces.
func paddedEvents(t *testing.T, n int) []byte {
	t.Helper()
	b := mustJSON(t, []any{sgEvent("pad1", "bounce", "bob@example.com", "")})
	if len(b) > n {
		t.Fatalf("body of %d bytes does not fit %d", len(b), n)
	}
	return append(b, bytes.Repeat([]byte{' '}, n-len(b))...)
}

// TestPublicBudgetRefusesWhenSpent: while the body of one webhook request
// holds the whole budget, other public requests with a body are answered
// 503 with Retry-After (not whatever their handler would answer); once it
// is done the budget is whole again and they succeed.
func TestPublicBudgetRefusesWhenSpent(t *testing.T) {
	e := newFeedbackEnv(t, store.SQLite)
	budget, err := NewByteBudget(2 * budgetGranule)
	if err != nil {
		t.Fatal(err)
	}
	e.s.PublicBudget = budget

	big := paddedEvents(t, 2*budgetGranule)
	pr, pw := io.Pipe()
	req := httptest.NewRequest(http.MethodPost, "/webhooks/sendgrid", pr)
	req.ContentLength = int64(len(big))
	for k, v := range e.sg.Sign(big, testNow) {
		req.Header[k] = v
	}
	recA := httptest.NewRecorder()
	doneA := make(chan struct{})
	go func() { defer close(doneA); e.h.ServeHTTP(recA, req) }()
	// io.Pipe hands bytes over synchronously: once Write returns, the
	// handler has read them and holds the whole budget.
	if _, err := pw.Write(big[:budgetGranule+10]); err != nil {
		t.Fatal(err)
	}
	if got := budget.InUse(); got != budget.Limit() {
		t.Fatalf("the reading request holds %d bytes, want the whole budget %d", got, budget.Limit())
	}

	small := paddedEvents(t, 300)
	res, text := e.postWebhook(t, small, testNow)
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "1" {
		t.Errorf("webhook while the budget is spent: %d (Retry-After %q) %s, want 503 with Retry-After: 1",
			res.StatusCode, res.Header.Get("Retry-After"), text)
	}
	res, text = e.request(t, http.MethodPost, "/webhooks/sendgrid/inbound", "multipart/form-data; boundary=b",
		"--b\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\nunsubscribe\r\n--b--\r\n", nil)
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Errorf("inbound email while the budget is spent: %d %s, want 503 with Retry-After", res.StatusCode, text)
	}
	// The data API is not public: its bodies do not count.
	if res, text := e.request(t, http.MethodPost, "/api/v1/accounts", "application/json",
		`[{"external_id":"a9","name":"Nine"}]`, http.Header{"Authorization": {"Bearer " + adminToken}}); res.StatusCode != http.StatusOK {
		t.Errorf("data API while the public budget is spent: %d %s, want 200", res.StatusCode, text)
	}

	if _, err := pw.Write(big[budgetGranule+10:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	<-doneA
	if recA.Code != http.StatusOK {
		t.Errorf("the request holding the budget: %d %s, want 200", recA.Code, recA.Body)
	}
	if got := budget.InUse(); got != 0 {
		t.Errorf("%d bytes still taken after every request ended", got)
	}
	if res, text := e.postWebhook(t, small, testNow); res.StatusCode != http.StatusOK {
		t.Errorf("webhook once the budget is free: %d %s, want 200", res.StatusCode, text)
	}
}

// TestPublicBudgetBoundsChunkedBodies: a body of unknown length (chunked)
// takes from the budget as it is read, so one larger than the budget is
// refused with a 503 instead of being buffered.
func TestPublicBudgetBoundsChunkedBodies(t *testing.T) {
	e := newFeedbackEnv(t, store.SQLite)
	budget, err := NewByteBudget(2 * budgetGranule)
	if err != nil {
		t.Fatal(err)
	}
	e.s.PublicBudget = budget
	body := paddedEvents(t, 3*budgetGranule)
	req := httptest.NewRequest(http.MethodPost, "/webhooks/sendgrid", bytes.NewReader(body))
	req.ContentLength = -1
	for k, v := range e.sg.Sign(body, testNow) {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("chunked body larger than the budget: %d %s, want 503 with Retry-After", rec.Code, rec.Body)
	}
	if got := budget.InUse(); got != 0 {
		t.Errorf("%d bytes still taken", got)
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestWebhookChecksHeadersBeforeReading: a webhook request that cannot be
// genuine (no signature, a signature that is not one, a stale timestamp)
// is refused without reading a byte of its body.
func TestWebhookChecksHeadersBeforeReading(t *testing.T) {
	e := newFeedbackEnv(t, store.SQLite)
	body := paddedEvents(t, 1<<20)
	signed := e.sg.Sign(body, testNow)
	garbled := signed.Clone()
	for k := range garbled {
		if strings.Contains(strings.ToLower(k), "signature") && !strings.Contains(strings.ToLower(k), "timestamp") {
			garbled.Set(k, "bm90IGEgc2lnbmF0dXJl") // base64 of "not a signature"
		}
	}
	cases := map[string]http.Header{
		"no signature":        nil,
		"not a signature":     garbled,
		"11 minutes old":      e.sg.Sign(body, testNow.Add(-11*60e9)),
		"declared over 8 MiB": signed,
	}
	for name, h := range cases {
		cr := &countingReader{r: bytes.NewReader(body)}
		req := httptest.NewRequest(http.MethodPost, "/webhooks/sendgrid", cr)
		req.ContentLength = int64(len(body))
		if name == "declared over 8 MiB" {
			req.ContentLength = MaxWebhookBodyBytes + 1
		}
		for k, v := range h {
			req.Header[k] = v
		}
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized && rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("%s: %d %s, want 401 or 413", name, rec.Code, rec.Body)
		}
		if cr.n != 0 {
			t.Errorf("%s: %d bytes of the body read before refusing it", name, cr.n)
		}
	}
}

// TestPublicBudgetStreamsInbound: an inbound email is parsed as a stream
// (attachments are read past, never kept), so it holds its kept fields and
// one granule of the budget, however large: a message bigger than the
// whole budget is accepted, and the budget is whole again afterwards.
func TestPublicBudgetStreamsInbound(t *testing.T) {
	e := newSQLiteEnv(t)
	budget, err := NewByteBudget(inboundKeptBytes + 2*budgetGranule)
	if err != nil {
		t.Fatal(err)
	}
	e.s.PublicBudget = budget
	tok := e.signer.Sign(links.KindUnsubscribe, "bob@example.com", time.Time{})
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("subject", "unsubscribe "+tok)
	fw, err := mw.CreateFormFile("attachment1", "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(bytes.Repeat([]byte{0xff}, 4*int(budget.Limit())))
	mw.Close()
	res, out := e.request(t, http.MethodPost, "/webhooks/sendgrid/inbound", mw.FormDataContentType(), buf.String(), nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(out, `"result":"suppressed"`) {
		t.Errorf("inbound email of %d bytes with a budget of %d: %d %s, want 200 suppressed", buf.Len(), budget.Limit(), res.StatusCode, out)
	}
	if got := budget.InUse(); got != 0 {
		t.Errorf("%d bytes still taken", got)
	}
}

// Every route that anyone may post a body to without a token reads it
// within the public budget: the signed-link pages (also the alert's /c),
// the webhooks and the console's sign-in and link pages; the data API
// (token) does not.
func TestPublicBodyRoutesShareTheBudget(t *testing.T) {
	for path, public := range map[string]bool{
		"/s/tok": true, "/u/tok": true, "/p/tok": true, "/c/tok": true,
		"/webhooks/sendgrid": true, "/webhooks/sendgrid/inbound": true,
		"/console/login": true, "/console/auth/tok": true,
		"/api/v1/events": false, "/console/pack/validate": false,
	} {
		if got := hasPublicBodyPrefix(path); got != public {
			t.Errorf("hasPublicBodyPrefix(%q) = %v, want %v", path, got, public)
		}
	}
}
