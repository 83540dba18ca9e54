package console_test

import (
	"context"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/console"
	"github.com/outreach-dev/outreach/store"
)

// addContacts stores one account and two contacts.
func addContacts(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.db.UpsertAccounts(ctx, []outreach.Account{{ExternalID: "a1", Name: "Acme", Plan: "pro"}}); err != nil {
		t.Fatal(err)
	}
	cons := []outreach.Contact{
		{ExternalID: "c1", AccountExternalID: "a1", Email: "lina@acme.example", Name: "Lina Souza", Locale: "pt-BR", Role: "admin"},
		{ExternalID: "c2", AccountExternalID: "a1", Email: "max@acme.example", Name: "Max Lee", Locale: "en", Role: "user"},
	}
	if _, err := e.db.UpsertContacts(ctx, cons); err != nil {
		t.Fatal(err)
	}
}

// TestPackPreview: contacts are found by the start of their email or name
// on both dialects; the preview renders the chosen draft's campaign for the
// contact and locale given (the Previewer gets the draft's pack), shows
// subject, From and the text, and frames the HTML from a URL answered under
// a sandbox CSP that only the console may frame.
func TestPackPreview(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			withPack(t, e)
			addContacts(t, e)
			var gotHash, gotLocale string
			e.cons.PackEdit.Preview = func(_ context.Context, l *campaigns.Loaded, key, email, locale string) (*console.PreviewResult, error) {
				gotHash, gotLocale = l.Pack.Hash, locale
				return &console.PreviewResult{Campaign: key, Subject: "Hello " + email, From: "Acme <hi@acme.example>",
					Text: "plain text", HTML: `<p style="color:red">html</p>`, Warnings: []string{"outside the locales"}}, nil
			}
			mo := e.signIn(t, "mo@vendor.example")
			for _, q := range []string{"LINA", "lina@", "souza", "max l"} {
				_, body := get(t, mo, e.srv.URL+"/console/pack/preview?q="+url.QueryEscape(q))
				if strings.Contains(q, "ax") != strings.Contains(body, "max@acme.example") && q != "souza" {
					t.Errorf("search %q: max found=%v", q, strings.Contains(body, "max@acme.example"))
				}
				if q != "max l" && !strings.Contains(body, "lina@acme.example") && q != "souza" {
					t.Errorf("search %q did not find lina", q)
				}
			}
			if _, body := get(t, mo, e.srv.URL+"/console/pack/preview?q=souza"); strings.Contains(body, "lina@acme.example") {
				t.Errorf("search by the middle of a name found a contact: the search is by prefix")
			}
			tok := csrfOf(t, e, mo)
			id, d := createDraft(t, e, mo, tok)
			d.Files[campaigns.PackFile] += "\n# preview me\n"
			if code, _ := post(t, mo, e.srv.URL+"/console/pack/drafts/"+id, editForm(tok, 1, "save", d.Files)); code != http.StatusSeeOther {
				t.Fatalf("save: %d", code)
			}
			q := url.Values{"draft": {id}, "campaign": {"nps"}, "contact": {"lina@Acme.example"}, "locale": {"fr"}}.Encode()
			code, body := get(t, mo, e.srv.URL+"/console/pack/preview?"+q)
			if code != 200 || !strings.Contains(body, "Hello lina@acme.example") || !strings.Contains(body, "outside the locales") ||
				!strings.Contains(body, "plain text") || !strings.Contains(body, "/console/pack/preview/render?") {
				t.Fatalf("preview page: %d\n%s", code, body)
			}
			if gotHash != campaigns.Hash(d.Files) || gotLocale != "fr" {
				t.Fatalf("previewed pack %s locale %q, want the draft's %s in fr", gotHash, gotLocale, campaigns.Hash(d.Files))
			}
			rr, err := mo.Get(e.srv.URL + "/console/pack/preview/render?" + q)
			if err != nil {
				t.Fatal(err)
			}
			rr.Body.Close()
			// The same policy as a campaign's template preview: no form
			// may post and no base may redirect relative links.
			if csp := rr.Header.Get("Content-Security-Policy"); rr.StatusCode != 200 || !strings.HasPrefix(csp, "sandbox;") ||
				!strings.Contains(csp, "frame-ancestors 'self'") || !strings.Contains(csp, "form-action 'none'") ||
				!strings.Contains(csp, "base-uri 'none'") || rr.Header.Get("X-Frame-Options") != "SAMEORIGIN" {
				t.Fatalf("render: %d CSP %q XFO %q", rr.StatusCode, csp, rr.Header.Get("X-Frame-Options"))
			}
			cs := e.signIn(t, "cy@vendor.example")
			if code, _ := get(t, cs, e.srv.URL+"/console/pack/preview"); code != http.StatusForbidden {
				t.Fatalf("cs on the preview: %d", code)
			}
		})
	}
}

// TestPackLoadsAreBounded: a member cannot make the server load many packs
// at once (40 validations of a 4 MiB draft posted together took 1.9 GB):
// of 12 previews requested together, at most 4 run at a time; the others
// wait for a slot and are answered when one frees.
func TestPackLoadsAreBounded(t *testing.T) {
	e := newEnv(t, store.SQLite)
	withPack(t, e)
	addContacts(t, e)
	var mu sync.Mutex
	inflight, most := 0, 0
	entered := make(chan struct{}, 100)
	release := make(chan struct{})
	e.cons.PackEdit.Preview = func(_ context.Context, _ *campaigns.Loaded, key, email, _ string) (*console.PreviewResult, error) {
		mu.Lock()
		inflight++
		most = max(most, inflight)
		mu.Unlock()
		entered <- struct{}{}
		<-release
		mu.Lock()
		inflight--
		mu.Unlock()
		return &console.PreviewResult{Campaign: key, Subject: "Hello " + email, Text: "t", HTML: "<p>h</p>"}, nil
	}
	mo := e.signIn(t, "mo@vendor.example")
	const n = 12
	codes := make(chan int, n)
	for range n {
		go func() {
			res, err := mo.Get(e.srv.URL + "/console/pack/preview?campaign=nps&contact=lina@acme.example")
			if err != nil {
				codes <- 0
				return
			}
			res.Body.Close()
			codes <- res.StatusCode
		}()
	}
	for range 4 { // the first four get in (with the fix; all twelve without)
		<-entered
	}
	// Give any request that is not held back the time to get in too.
	for range 20 {
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	seen := most
	mu.Unlock()
	close(release)
	for range n {
		if code := <-codes; code != http.StatusOK {
			t.Errorf("a preview answered %d, want 200 once a slot was free", code)
		}
	}
	if seen > 4 {
		t.Errorf("%d pack previews ran at once, want at most 4", seen)
	}
}
