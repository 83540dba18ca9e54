package main

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/internal/smtptest"
)

// TestConsoleThroughServe: team members get console_role from CSV (an
// unknown role is refused naming the field), `console-link` prints a link
// that signs in to the console of a real `serve`, and the sign-in form
// mails a link through the configured sender (a real SMTP server).
func TestConsoleThroughServe(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	env := sqliteEnv(t)
	bad := writeFile(t, "team.csv", "email,name,console_role\nada@vendor.example,Ada,owner\n")
	if r := run(t, env, "import", "team", bad); r.err == nil || !strings.Contains(r.err.Error()+r.stderr, "console_role") {
		t.Fatalf("an unknown role: %v %s", r.err, r.stderr)
	}
	team := writeFile(t, "team.csv", "email,name,console_role\nada@vendor.example,Ada,admin\nnora@vendor.example,Nora,\n")
	if r := run(t, env, "import", "team", team); r.err != nil {
		t.Fatal(r.err, r.stderr)
	}
	if r := run(t, env, "console-link", "--email", "nora@vendor.example"); r.err == nil || !strings.Contains(r.err.Error(), "no console_role") {
		t.Fatalf("a member without a role: %v", r.err)
	}
	env["OUTREACH_SMTP_URL"] = srv.URL("", "")
	env["OUTREACH_HTTP_ADDR"] = "127.0.0.1:0"
	env["OUTREACH_MAIL_FROM"] = "Vendor <console@vendor.example>"

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan string, 1)
	done := make(chan result, 1)
	go func() { done <- runCtx(t, ctx, env, func(a string) { addrc <- a }, "serve") }()
	var base string
	select {
	case a := <-addrc:
		base = "http://" + a
	case r := <-done:
		t.Fatalf("serve stopped: %v\n%s", r.err, r.stderr)
	}
	env["OUTREACH_PUBLIC_URL"] = base
	r := run(t, env, "console-link", "--email", "ADA@vendor.example")
	if r.err != nil {
		t.Fatal(r.err)
	}
	link := strings.TrimSpace(r.stdout)
	if !strings.HasPrefix(link, base+"/console/auth/") {
		t.Fatalf("link %q", link)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.PostForm(link, nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Request.URL.Path != "/console/" {
		t.Fatalf("sign in: %d at %s", res.StatusCode, res.Request.URL)
	}
	if res, err = c.Get(base + "/console/campaigns"); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("campaigns: %v %v", res, err)
	}
	res.Body.Close()

	res, err = http.PostForm(base+"/console/login", url.Values{"email": {"ada@vendor.example"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	select {
	case <-srv.Received:
	case <-time.After(60 * time.Second): // a guard against a hang, not a speed check
		t.Fatal("no sign-in mail reached the SMTP server")
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "ada@vendor.example" || !regexp.MustCompile(`/console/auth/[A-Za-z0-9_-]{20,}`).Match(msgs[0].Data) {
		t.Fatalf("sign-in mail %+v", msgs)
	}
	cancel()
	if r := <-done; r.err != nil {
		t.Fatalf("serve: %v\n%s", r.err, r.stderr)
	}
}
