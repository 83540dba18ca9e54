package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/outreach-dev/outreach/store"
)

var mailedLink = regexp.MustCompile(`http://\S+/console/auth/\S+`)

// TestSignInComesBack: a digest's console link opened signed out goes
// through sign-in and lands on the account; a next that leaves the
// console is dropped (home page).
func TestSignInComesBack(t *testing.T) {
	e := newEnv(t, store.SQLite)
	seedCS(t, e)
	c := e.client(t)
	res, err := c.Get(e.srv.URL + "/console/accounts/acme?tab=x")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if loc != "/console/login?next=%2Fconsole%2Faccounts%2Facme%3Ftab%3Dx" {
		t.Fatalf("signed out, the account led to %q", loc)
	}
	_, form := get(t, c, e.srv.URL+loc)
	if !strings.Contains(form, `name="next" value="/console/accounts/acme?tab=x"`) {
		t.Fatalf("the sign-in form lost next:\n%s", form)
	}
	signIn := func(next string) string {
		before := len(e.mail.all())
		if code, _ := post(t, c, e.srv.URL+"/console/login", url.Values{"email": {"cy@vendor.example"}, "next": {next}}); code != http.StatusOK {
			t.Fatalf("login: %d", code)
		}
		e.cons.WaitMail()
		msgs := e.mail.all()
		if len(msgs) != before+1 {
			t.Fatal("no sign-in mail")
		}
		link := mailedLink.FindString(msgs[len(msgs)-1].Text)
		_, page := get(t, c, link)
		action := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindStringSubmatch(page)
		if action == nil {
			t.Fatalf("no sign-in button:\n%s", page)
		}
		res, err := c.PostForm(e.srv.URL+strings.ReplaceAll(action[1], "&amp;", "&"), nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.Header.Get("Location")
	}
	if got := signIn("/console/accounts/acme?tab=x"); got != "/console/accounts/acme?tab=x" {
		t.Errorf("after sign-in at %q, want the account", got)
	}
	e.clock.Add(10 * 60e9) // the address limiter refills
	// A browser resolves "./" and "//" before asking: these lead to the
	// sign-in button of someone else's link (signing the victim in as them).
	for _, bad := range []string{"//evil.example/console/", "https://evil.example/console/", "/console/../api/v1/tokens", "/console/%2e%2e/x",
		"/console/./auth/someone-elses-token", "/console//auth/someone-elses-token", "/console/%2e/auth/x"} {
		if got := signIn(bad); got != "/console/" {
			t.Errorf("next=%q led to %q, want the home page", bad, got)
		}
		e.clock.Add(10 * 60e9)
	}
}
