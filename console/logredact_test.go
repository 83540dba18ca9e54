package console_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/console"
	"github.com/outreach-dev/outreach/internal/syncbuf"
	"github.com/outreach-dev/outreach/store"
)

// TestInternalErrorLogsNoTokenOrAddress: when the database fails (busy,
// connections exhausted, down), the console logs the failed request. The
// log must not carry an unused sign-in token - a password for 15 minutes,
// and the failed request left it unused - nor a person's address from the
// path of their timeline, in full (PRODUCT.md: no log line carries an
// email address or a signed token in full).
func TestInternalErrorLogsNoTokenOrAddress(t *testing.T) {
	e := newEnv(t, store.SQLite)
	seedCS(t, e)
	cy := e.signIn(t, "cy@vendor.example")
	link := e.link(t, "ada@vendor.example")
	token := link[strings.LastIndex(link, "/")+1:]

	var logs syncbuf.Buffer
	cons := &console.Server{Store: e.db, Sender: e.mail, Now: e.clock.Now, Pack: campaigns.Default,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	srv := httptest.NewServer(cons.Handler())
	defer srv.Close()
	cons.PublicURL = srv.URL
	if err := e.db.Close(); err != nil { // every query fails from now on
		t.Fatal(err)
	}

	res, err := http.Post(srv.URL+"/console/auth/"+token, "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusInternalServerError {
		t.Fatalf("sign in with the database down: %d, want 500", res.StatusCode)
	}
	if code, _ := get(t, cy, srv.URL+"/console/contacts/pat@acme.example"); code != http.StatusInternalServerError {
		t.Fatalf("timeline with the database down: %d, want 500", code)
	}
	out := logs.String()
	if strings.Count(out, "level=ERROR") < 2 {
		t.Fatalf("the failures were not logged:\n%s", out)
	}
	for _, secret := range []string{token, "pat@acme.example"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log carries %q in full:\n%s", secret, out)
		}
	}
	for _, want := range []string{"/console/auth/" + token[:4] + "…", "/console/contacts/p…@acme.example"} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks the redacted path %q:\n%s", want, out)
		}
	}
}
