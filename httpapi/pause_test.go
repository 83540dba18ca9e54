package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/links"
)

func TestPausePage(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		now := time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
		db := storetest.Open(t, dialect, func() time.Time { return now })
		if _, err := db.UpsertAccounts(ctx, []outreach.Account{{ExternalID: "acme", Name: "Acme Corp"}}); err != nil {
			t.Fatal(err)
		}
		signer, err := links.NewSigner("0123456789abcdef0123456789abcdef")
		if err != nil {
			t.Fatal(err)
		}
		s := &Server{Ingest: db, Contacts: db, Tokens: db, DB: db, Now: func() time.Time { return now },
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Pause: &Pause{Store: db, Links: signer}}
		h := s.Handler()
		do := func(method, path string) (*httptest.ResponseRecorder, string) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
			return rec, rec.Body.String()
		}
		paused := func() *time.Time {
			a, err := db.AccountByExternalID(ctx, "acme")
			if err != nil {
				t.Fatal(err)
			}
			return a.PausedUntil
		}
		tok := signer.Sign(links.KindPause, "acme", now.Add(outreach.PauseLinkValidity))

		rec, body := do(http.MethodGet, "/p/"+tok)
		if rec.Code != http.StatusOK || !strings.Contains(body, "Acme Corp (acme)") || !strings.Contains(body, `<form method="post"`) {
			t.Fatalf("GET = %d:\n%s", rec.Code, body)
		}
		if rec.Header().Get("Referrer-Policy") != "no-referrer" {
			t.Error("no Referrer-Policy: no-referrer")
		}
		// A pause holds transactional mail too (PRODUCT.md, throttle rule 1):
		// the CSM is told before a renewal reminder waits or expires.
		if !strings.Contains(body, "transactional mail such as renewal reminders") || !strings.Contains(body, "is dropped, not sent late") {
			t.Errorf("the pause page does not say that transactional mail is held and may expire:\n%s", body)
		}
		if p := paused(); p != nil {
			t.Fatalf("GET paused the account until %v", p)
		}

		rec, body = do(http.MethodPost, "/p/"+tok)
		want := now.Add(14 * 24 * time.Hour)
		if rec.Code != http.StatusOK || !strings.Contains(body, "Mon 23 Mar 2026 00:00 UTC") {
			t.Fatalf("POST = %d:\n%s", rec.Code, body)
		}
		if p := paused(); p == nil || !p.Equal(want) {
			t.Fatalf("paused_until = %v, want %v", p, want)
		}

		for name, c := range map[string]struct {
			path   string
			status int
		}{
			"tampered":      {"/p/" + tok[:len(tok)-2] + "xx", http.StatusBadRequest},
			"other kind":    {"/p/" + signer.Sign(links.KindUnsubscribe, "acme", time.Time{}), http.StatusBadRequest},
			"expired":       {"/p/" + signer.Sign(links.KindPause, "acme", now.Add(-time.Second)), http.StatusGone},
			"gone account":  {"/p/" + signer.Sign(links.KindPause, "nope", now.Add(time.Hour)), http.StatusNotFound},
			"not a token":   {"/p/garbage", http.StatusBadRequest},
			"expired, POST": {"/p/" + signer.Sign(links.KindPause, "acme", now.Add(-time.Second)), http.StatusGone},
		} {
			method := http.MethodGet
			if strings.HasSuffix(name, "POST") {
				method = http.MethodPost
			}
			rec, body := do(method, c.path)
			if rec.Code != c.status || !strings.Contains(body, "<h1") {
				t.Errorf("%s: %d, want %d with a friendly page:\n%s", name, rec.Code, c.status, body)
			}
		}
		if p := paused(); p == nil || !p.Equal(want) {
			t.Errorf("bad links changed paused_until to %v", p)
		}

		// Resume: offered while paused, by the page's own form only.
		_, body = do(http.MethodGet, "/p/"+tok+"?action=resume")
		if !strings.Contains(body, `name="action" value="resume"`) || !strings.Contains(body, "Resume outreach now") {
			t.Fatalf("a paused account's page offers no resume:\n%s", body)
		}
		if p := paused(); p == nil {
			t.Fatal("a GET resumed the account")
		}
		req := httptest.NewRequest(http.MethodPost, "/p/"+tok, strings.NewReader("action=resume"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "no longer paused") {
			t.Fatalf("resume POST = %d:\n%s", rec.Code, rec.Body)
		}
		if p := paused(); p != nil {
			t.Fatalf("resumed account still paused until %v", p)
		}
		if _, body = do(http.MethodGet, "/p/"+tok); strings.Contains(body, "Resume outreach now") {
			t.Errorf("an account that is not paused is offered a resume:\n%s", body)
		}
		log, err := db.AuditLog(ctx, 0, 10)
		if err != nil || len(log) != 2 || log[0].Action != outreach.AuditAccountResumed || log[1].Action != outreach.AuditAccountPaused ||
			log[0].Actor != outreach.ActorPublicPage || log[0].Target != "acme" {
			t.Errorf("audit log = %+v, %v; want the pause and the resume, by the public page", log, err)
		}
	})
}
