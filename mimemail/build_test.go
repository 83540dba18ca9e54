package mimemail_test

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/mimemail"
)

var date = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func survey() *outreach.Message {
	return &outreach.Message{
		DeliveryID: "7d4a3c1e-0d1f-5b7e-9a4e-2f1c7b9d8e01", Campaign: "nps-onboarding", Category: outreach.CategorySurvey,
		To: "olga@customer.example", ToName: "Ольга Петрова", From: "cs@vendor.example", FromName: "Maria Silva",
		ReplyTo: "maria@vendor.example", ReplyToName: "Maria Silva",
		Subject: "Как мы работаем?", Text: "Hi Olga\n", HTML: "<html><body><p>Hi Olga</p></body></html>",
		UnsubscribeURL: "https://x.example/u/tok", UnsubscribeMailto: "unsubscribe@vendor.example",
	}
}

// parsed is a built message read back with net/mail and mime/multipart.
type parsed struct {
	header mail.Header
	types  []string
	bodies []string
}

func parse(t *testing.T, raw []byte) parsed {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Error("bare LF in the message: RFC 5322 wants CRLF")
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q", msg.Header.Get("Content-Type"))
	}
	p := parsed{header: msg.Header}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(quotedprintable.NewReader(part))
		if err != nil {
			t.Fatal(err)
		}
		p.types = append(p.types, part.Header.Get("Content-Type"))
		p.bodies = append(p.bodies, string(b))
	}
	return p
}

func TestBuildSurvey(t *testing.T) {
	raw, err := mimemail.Build(survey(), mimemail.Options{Date: date, PostalAddress: "Vendor Inc., 1 Main St"})
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, raw)
	dec := new(mime.WordDecoder)
	for k, want := range map[string]string{
		"Message-ID":              "<7d4a3c1e-0d1f-5b7e-9a4e-2f1c7b9d8e01@vendor.example>",
		"From":                    `"Maria Silva" <cs@vendor.example>`,
		"Reply-To":                `"Maria Silva" <maria@vendor.example>`,
		"List-Unsubscribe":        "<https://x.example/u/tok>, <mailto:unsubscribe@vendor.example>",
		"List-Unsubscribe-Post":   "List-Unsubscribe=One-Click",
		outreach.HeaderDeliveryID: "7d4a3c1e-0d1f-5b7e-9a4e-2f1c7b9d8e01",
		outreach.HeaderCampaign:   "nps-onboarding",
		"Date":                    "Mon, 02 Mar 2026 09:30:00 +0000",
	} {
		if got := p.header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if subj, err := dec.DecodeHeader(p.header.Get("Subject")); err != nil || subj != "Как мы работаем?" {
		t.Errorf("Subject %q decodes to %q (%v)", p.header.Get("Subject"), subj, err)
	}
	if to, err := p.header.AddressList("To"); err != nil || to[0].Name != "Ольга Петрова" || !strings.Contains(p.header.Get("To"), "=?utf-8?") {
		t.Errorf("To %q: want the name RFC 2047-encoded (%v)", p.header.Get("To"), err)
	}
	if len(p.types) != 2 || !strings.HasPrefix(p.types[0], "text/plain") || !strings.HasPrefix(p.types[1], "text/html") {
		t.Fatalf("parts %v, want text/plain then text/html", p.types)
	}
	if !strings.Contains(p.bodies[0], "Vendor Inc., 1 Main St") || !strings.Contains(p.bodies[1], "Vendor Inc., 1 Main St") {
		t.Errorf("postal footer missing: %q", p.bodies)
	}
}

func TestBuildTransactionalHasTagsButNoListUnsubscribe(t *testing.T) {
	m := survey()
	m.Category, m.ReplyTo = outreach.CategoryTransactional, ""
	raw, err := mimemail.Build(m, mimemail.Options{Date: date})
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, raw)
	for _, k := range []string{"List-Unsubscribe", "List-Unsubscribe-Post", "Reply-To"} {
		if v := p.header.Get(k); v != "" {
			t.Errorf("transactional mail without reply_to has %s: %q", k, v)
		}
	}
	if p.header.Get(outreach.HeaderDeliveryID) != m.DeliveryID || p.header.Get(outreach.HeaderCampaign) != m.Campaign {
		t.Errorf("tags missing: %v", p.header)
	}
}

// TestTypedNamesCannotAddHeaders: a name, subject, link or tag with line
// breaks stays one header.
func TestTypedNamesCannotAddHeaders(t *testing.T) {
	m := survey()
	m.ToName = "Eve\r\nBcc: victim@example.com"
	m.Subject = "Hi\nX-Injected: yes"
	m.UnsubscribeURL = "https://x.example/u/tok\r\nX-Forged: yes"
	m.Campaign = "nps\r\nX-Campaign-Forged: yes"
	raw, err := mimemail.Build(m, mimemail.Options{Date: date})
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, raw)
	if p.header.Get("Bcc") != "" || p.header.Get("X-Injected") != "" || p.header.Get("X-Forged") != "" || p.header.Get("X-Campaign-Forged") != "" {
		t.Errorf("a typed line break added a header: %v", p.header)
	}
}

func TestBuildRefusesIncompleteMessages(t *testing.T) {
	m := survey()
	m.From = ""
	_, err := mimemail.Build(m, mimemail.Options{Date: date})
	var se *outreach.SendError
	if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Message, "From") {
		t.Errorf("err %v, want a non-retryable SendError naming From", err)
	}
}
