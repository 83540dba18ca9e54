package httpapi

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/links"
)

// inboundPost is what SendGrid Inbound Parse posts for an email: text
// fields and an attachment.
func inboundPost(t *testing.T, subject, text string) (contentType, body string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range map[string]string{"from": "Bob <bob@example.com>", "to": "unsubscribe@acme.example", "subject": subject, "text": text,
		"headers": "Received: by mx.example\nSubject: " + subject} {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("attachment1", "photo.jpg")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(bytes.Repeat([]byte{0xff}, 100<<10))
	mw.Close()
	return mw.FormDataContentType(), buf.String()
}

// TestInboundMailtoUnsubscribes: an email to the List-Unsubscribe mailto
// address, relayed by Inbound Parse, suppresses the token's address for
// every non-transactional category, like the one-click POST; a reply
// ("Re: …") works too, and a second email changes nothing.
func TestInboundMailtoUnsubscribes(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	e.deliver(t, "p1", "news", outreach.CategoryMarketing, outreach.DeliveryPlanned, "bob@example.com")
	e.deliver(t, "p2", "renewal", outreach.CategoryTransactional, outreach.DeliveryPlanned, "bob@example.com")
	tok := e.signer.Sign(links.KindUnsubscribe, "bob@example.com", time.Time{})
	for _, subject := range []string{"unsubscribe " + tok, "Re: Unsubscribe " + tok} {
		ct, body := inboundPost(t, subject, "")
		res, out := e.request(t, http.MethodPost, "/webhooks/sendgrid/inbound", ct, body, nil)
		if res.StatusCode != http.StatusOK || !strings.Contains(out, `"result":"suppressed"`) || !strings.Contains(out, "bob@example.com") {
			t.Fatalf("subject %q: %d %s", subject, res.StatusCode, out)
		}
	}
	if n := e.count(t, `SELECT COUNT(*) FROM suppressions WHERE email = 'bob@example.com' AND scope = 'all'`); n != 1 {
		t.Errorf("%d all suppressions, want 1", n)
	}
	if got := e.state(t, "p1"); got != outreach.DeliverySuppressed {
		t.Errorf("pending marketing delivery is %s, want suppressed at once", got)
	}
	if got := e.state(t, "p2"); got != outreach.DeliveryPlanned {
		t.Errorf("transactional delivery is %s, want still planned", got)
	}
}

// TestInboundIgnoresWhatIsNotAValidToken: junk mail and forged or
// tampered tokens suppress nothing and are answered 200 (SendGrid would
// retry anything else for days); a post that is not multipart is a 400.
func TestInboundIgnoresWhatIsNotAValidToken(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	tok := e.signer.Sign(links.KindUnsubscribe, "bob@example.com", time.Time{})
	survey := e.signer.Sign(links.KindSurvey, "d1", testNow.Add(time.Hour))
	other, err := links.NewSigner("someone-elses-key-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	for subject, why := range map[string]string{
		"Buy cheap watches":                      "in the subject or text",
		"unsubscribe " + tok[:len(tok)-2] + "xx": "signature",
		"unsubscribe " + survey:                  "another kind",
		"unsubscribe " + other.Sign(links.KindUnsubscribe, "jane@example.com", time.Time{}): "signature",
	} {
		ct, body := inboundPost(t, subject, "")
		res, out := e.request(t, http.MethodPost, "/webhooks/sendgrid/inbound", ct, body, nil)
		if res.StatusCode != http.StatusOK || !strings.Contains(out, `"result":"ignored"`) || !strings.Contains(out, why) {
			t.Errorf("subject %q: %d %s, want 200 ignored (%s)", subject, res.StatusCode, out, why)
		}
	}
	// The token may be in the text when a mail client dropped the subject.
	ct, body := inboundPost(t, "", "Please unsubscribe "+tok+"\nThanks")
	if res, out := e.request(t, http.MethodPost, "/webhooks/sendgrid/inbound", ct, body, nil); !strings.Contains(out, `"result":"suppressed"`) {
		t.Errorf("token in the text: %d %s", res.StatusCode, out)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM suppressions`); n != 1 {
		t.Errorf("%d suppressions, want only bob's", n)
	}
	res, out := e.request(t, http.MethodPost, "/webhooks/sendgrid/inbound", "application/json", `{"subject": "unsubscribe `+tok+`"}`, nil)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(out, "multipart/form-data") {
		t.Errorf("JSON post: %d %s, want 400 naming multipart/form-data", res.StatusCode, out)
	}
}
