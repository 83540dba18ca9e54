package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/smtptest"
	"github.com/outreach-dev/outreach/internal/storetest"
)

// TestSMTPSettingsRefusedAtStart: each bad sender setting stops serve
// before anything runs, naming the variable, never showing the password.
func TestSMTPSettingsRefusedAtStart(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		says []string
	}{
		{map[string]string{"OUTREACH_SMTP_URL": "smtp://u:pw@mail.example.com:587", "OUTREACH_SENDGRID_API_KEY": "SG.x"},
			[]string{"OUTREACH_SENDGRID_API_KEY and OUTREACH_SMTP_URL are both set"}},
		{map[string]string{"OUTREACH_SMTP_URL": "imap://u:topsecret@mail.example.com:993"}, []string{"OUTREACH_SMTP_URL", `unknown scheme "imap"`}},
		{map[string]string{"OUTREACH_SMTP_URL": "smtp://u:topsecret@:587"}, []string{"OUTREACH_SMTP_URL", "no host"}},
		{map[string]string{"OUTREACH_SMTP_URL": "smtp://u:topsecret@mail.example.com:587?tls=none"}, []string{"OUTREACH_SMTP_URL", "loopback"}},
		{map[string]string{"OUTREACH_SMTP_URL": "smtp://u:topsecret@mail.example.com:0"}, []string{"OUTREACH_SMTP_URL", "port"}},
	} {
		env := sqliteEnv(t)
		for k, v := range tt.env {
			env[k] = v
		}
		env["OUTREACH_HTTP_ADDR"] = "127.0.0.1:0"
		r := run(t, env, "serve")
		if r.err == nil {
			t.Errorf("%v: serve started", tt.env)
			continue
		}
		for _, s := range tt.says {
			if !strings.Contains(r.err.Error(), s) {
				t.Errorf("%v: error %q does not say %q", tt.env, r.err, s)
			}
		}
		if strings.Contains(r.err.Error()+r.stdout+r.stderr, "topsecret") {
			t.Errorf("%v: the password was printed: %v", tt.env, r.err)
		}
	}
}

// TestValidateChecksSenderAddresses: validate reports a from / reply_to
// that is neither an address nor owner at FILE:LINE:COL.
func TestValidateChecksSenderAddresses(t *testing.T) {
	dir := smtpPack(t, "  from: Customer Success\n")
	r := run(t, map[string]string{}, "validate", dir)
	want := filepath.Join(dir, "campaigns.yaml") + `:3:9: policy.from: "Customer Success" is neither an email address`
	if r.err == nil || !strings.Contains(r.err.Error()+r.stdout+r.stderr, want) {
		t.Errorf("validate: %v\nstdout %s\nstderr %s\nwant %s", r.err, r.stdout, r.stderr, want)
	}
}

// smtpPack writes the built-in templates with a one-campaign pack: an NPS
// survey right after a QBR, any day and hour, with extra policy lines.
func smtpPack(t *testing.T, policy string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pack")
	if r := run(t, map[string]string{}, "init", dir); r.err != nil {
		t.Fatal(r.err)
	}
	yaml := "policy:\n  timezone: UTC\n" + policy + `campaigns:
  - key: nps-qbr
    category: survey
    survey: nps
    trigger: {event: qbr.completed}
    template: nps
`
	if err := os.WriteFile(filepath.Join(dir, "campaigns.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestServeSendsThroughSMTP: with OUTREACH_SMTP_URL, serve plans and sends
// a survey through a real SMTP server; the message carries the delivery's
// Message-ID and tags, the text part before the HTML part, and replies go
// to the account's owner (reply_to: owner).
func TestServeSendsThroughSMTP(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	env := sqliteEnv(t)
	env["OUTREACH_CAMPAIGNS"] = smtpPack(t, "  reply_to: owner\n")
	imp := func(kind, csv string) {
		t.Helper()
		if r := run(t, env, "import", kind, writeFile(t, kind+".csv", csv)); r.err != nil {
			t.Fatal(r.err, r.stderr)
		}
	}
	imp("team", "email,name\nmaria@vendor.example,Maria Silva\n")
	imp("accounts", "external_id,name,owner_email\nacme,Acme,maria@vendor.example\n")
	imp("contacts", "external_id,account_external_id,email,name,role,locale\nc1,acme,ana@customer.example,Ana Souza,admin,en\n")
	imp("events", "id,type,contact_external_id,occurred_at\ne1,qbr.completed,c1,"+testNow.Add(-time.Hour).Format(time.RFC3339)+"\n")
	env["OUTREACH_SMTP_URL"] = srv.URL("", "")
	env["OUTREACH_HTTP_ADDR"] = "127.0.0.1:0"
	env["OUTREACH_MAIL_FROM"] = "Vendor CS <cs@vendor.example>"
	env["OUTREACH_TICK"] = "@every 1s"

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan result, 1)
	go func() { done <- runCtx(t, ctx, env, nil, "serve") }()
	select {
	case <-srv.Received:
	case r := <-done:
		cancel()
		t.Fatalf("serve stopped before sending: %v\n%s", r.err, r.stderr)
	case <-time.After(60 * time.Second): // a guard against a hang, not a speed check
		cancel()
		t.Fatal("no message reached the SMTP server")
	}
	cancel()
	if r := <-done; r.err != nil {
		t.Fatalf("serve: %v\n%s", r.err, r.stderr)
	}

	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "ana@customer.example" || msgs[0].From != "cs@vendor.example" {
		t.Fatalf("received %+v", msgs)
	}
	var id, messageID, state string
	if err := storetest.OpenSQL(t, env["OUTREACH_DATABASE_URL"]).QueryRow(`SELECT id, message_id, state FROM deliveries`).Scan(&id, &messageID, &state); err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(bytes.NewReader(msgs[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"Message-ID":              "<" + id + "@vendor.example>",
		outreach.HeaderDeliveryID: id,
		outreach.HeaderCampaign:   "nps-qbr",
		"From":                    `"Vendor CS" <cs@vendor.example>`,
		"Reply-To":                `"Maria Silva" <maria@vendor.example>`,
		"List-Unsubscribe-Post":   "List-Unsubscribe=One-Click",
	} {
		if got := m.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if state != outreach.DeliverySent || messageID != "<"+id+"@vendor.example>" {
		t.Errorf("delivery %s: state %s, message_id %q", id, state, messageID)
	}
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, strings.Split(p.Header.Get("Content-Type"), ";")[0])
	}
	if strings.Join(types, ",") != "text/plain,text/html" {
		t.Errorf("parts %v, want text/plain then text/html", types)
	}
}

// TestDemoSendsToALocalSMTPServer: with OUTREACH_SMTP_URL on loopback the
// demo's emails go to that server instead of .eml files; a server on
// another machine, or none listening, is refused before anything runs.
func TestDemoSendsToALocalSMTPServer(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	dir := t.TempDir()
	env := map[string]string{"OUTREACH_SMTP_URL": srv.URL("", ""), "OUTREACH_SEND_RATE": "100000"}
	r := run(t, env, "demo", "--accounts", "10", "--days", "21", "--seed", "3", "--dir", dir, "--no-serve")
	if r.err != nil {
		t.Fatal(r.err, r.stderr)
	}
	if srv.Accepted() == 0 || !strings.Contains(r.stdout, plural(srv.Accepted(), "email")+" (") ||
		!strings.Contains(r.stdout, "sent to the SMTP server "+srv.Addr()) {
		t.Errorf("the server accepted %d emails; the demo said:\n%s", srv.Accepted(), r.stdout)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml")); len(files) != 0 {
		t.Errorf("%d .eml files written although mail went over SMTP", len(files))
	}
	for _, url := range []string{"smtp://u:p@mail.example.com:587", "smtp://127.0.0.1:1?tls=none"} {
		r = run(t, map[string]string{"OUTREACH_SMTP_URL": url}, "demo", "--accounts", "2", "--days", "2", "--dir", t.TempDir(), "--no-serve")
		if r.err == nil || !strings.HasPrefix(r.err.Error(), "OUTREACH_SMTP_URL: ") {
			t.Errorf("demo with %s: %v; want a refusal naming OUTREACH_SMTP_URL", url, r.err)
		}
	}
}
