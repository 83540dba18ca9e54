package console_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/outreach-dev/outreach/store"
)

// TestContactTimeline: a cs member opens a person's timeline by any
// spelling of the address and sees the events with what they planned or
// why not, every decision with its rule and reason, the provider's events,
// the answers and the suppressions, typed text as text; marketing gets 403.
func TestContactTimeline(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			seedCS(t, e)
			cy := e.signIn(t, "cy@vendor.example")
			code, body := get(t, cy, e.srv.URL+"/console/contacts/PAT@Acme.Example")
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, body)
			}
			for _, want := range []string{
				"pat@acme.example", "Pat &lt;b&gt;Admin&lt;/b&gt;", "Acme Corp", "paused until",
				"signed_up", "planned", `href="#d-d-welcome"`, // the event that planned the welcome mail
				"seat_tips", "filtered", "role &#34;admin&#34; is not one of user", // and the one that did not
				"quiet_hours", "quiet hours 20:00-08:00 in Europe/Lisbon", "within every limit", "delivered",
				"Exports &lt;script&gt;keep&lt;/script&gt; failing", "unsubscribed from the preference page",
			} {
				if !strings.Contains(body, want) {
					t.Errorf("timeline lacks %q", want)
				}
			}
			if code, _ := get(t, cy, e.srv.URL+"/console/contacts/nobody@acme.example"); code != http.StatusNotFound {
				t.Errorf("unknown person: %d, want 404", code)
			}
			if code, _ := get(t, cy, e.srv.URL+"/console/contacts/not-an-address"); code != http.StatusUnprocessableEntity {
				t.Errorf("bad address: %d, want 422", code)
			}
			if code, _ := get(t, e.signIn(t, "mo@vendor.example"), e.srv.URL+"/console/contacts/pat@acme.example"); code != http.StatusForbidden {
				t.Errorf("marketing: %d, want 403", code)
			}
			res, err := cy.Get(e.srv.URL + "/console/contacts?email=+Pat@ACME.example")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/console/contacts/pat@acme.example" {
				t.Errorf("search: %d → %q", res.StatusCode, loc)
			}
		})
	}
}

// TestContactTimelineOfAnotherCSM: a cs member opens only the people of
// the accounts they own, as on the account page: typing the address of
// another CSM's customer into the URL (IDOR) gets the 403 page without
// any of that person's timeline; an admin still opens everyone's.
func TestContactTimelineOfAnotherCSM(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			seedCS(t, e)
			cy := e.signIn(t, "cy@vendor.example")
			code, body := get(t, cy, e.srv.URL+"/console/contacts/sam@initech.example") // Ada's account
			if code != http.StatusForbidden {
				t.Errorf("cs opening another CSM's contact: %d, want 403", code)
			}
			for _, leak := range []string{"Initech", "sam@initech.example"} {
				if strings.Contains(body, leak) {
					t.Errorf("the refusal shows %q", leak)
				}
			}
			if code, _ := get(t, cy, e.srv.URL+"/console/contacts/kim@globex.example"); code != http.StatusOK {
				t.Errorf("cs opening their own contact: %d, want 200", code)
			}
			code, body = get(t, e.signIn(t, "ada@vendor.example"), e.srv.URL+"/console/contacts/sam@initech.example")
			if code != http.StatusOK || !strings.Contains(body, "Initech") {
				t.Errorf("admin: %d, want 200 with the account", code)
			}
		})
	}
}
