package sendgrid_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/sendgrid"
	"github.com/outreach-dev/outreach/sendgrid/sgfake"
)

const postal = "Vendor Inc., 1 Main St, Springfield"

var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func setup(t *testing.T) (*sendgrid.Sender, *sgfake.Server) {
	t.Helper()
	fake := sgfake.New(t, sgfake.WithNow(func() time.Time { return now }))
	s, err := sendgrid.NewSender(sendgrid.Config{
		APIKey: fake.Key(), APIURL: fake.URL, PostalAddress: postal,
		RatePerSecond: 1e9, // the bucket has its own tests; keep these quick
		Now:           func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, fake
}

func survey() *outreach.Message {
	return &outreach.Message{
		DeliveryID: "7d4a3c1e-0d1f-5b7e-9a4e-2f1c7b9d8e01", Campaign: "nps-onboarding", Category: outreach.CategorySurvey,
		To: "jane@customer.example", ToName: "Jane Doe", From: "team@vendor.example", FromName: "Vendor",
		ReplyTo: "maria@vendor.example", ReplyToName: "Maria Silva",
		Subject: "Как мы работаем?", Text: "Rate us: https://x.example/s/t?score=9\n",
		HTML:           "<html><body><p>Rate us</p></body></html>",
		UnsubscribeURL: "https://x.example/u/tok", UnsubscribeMailto: "unsubscribe+tok@vendor.example",
	}
}

func TestSendSurvey(t *testing.T) {
	s, fake := setup(t)
	res, err := s.Send(context.Background(), survey())
	if err != nil {
		t.Fatal(err)
	}
	msgs := fake.Messages()
	if len(msgs) != 1 || len(fake.Rejections()) != 0 {
		t.Fatalf("accepted %d, rejected %v", len(msgs), fake.Rejections())
	}
	m := msgs[0]
	if res.MessageID == "" || res.MessageID != m.MessageID {
		t.Errorf("MessageID %q, fake answered %q", res.MessageID, m.MessageID)
	}
	if m.DeliveryID != survey().DeliveryID || len(m.CustomArgs) != 1 {
		t.Errorf("custom_args %v", m.CustomArgs)
	}
	if strings.Join(m.Categories, ",") != "nps-onboarding,survey" {
		t.Errorf("categories %v", m.Categories)
	}
	if got := m.Headers["List-Unsubscribe"]; got != "<https://x.example/u/tok>, <mailto:unsubscribe+tok@vendor.example>" {
		t.Errorf("List-Unsubscribe %q", got)
	}
	if got := m.Headers["List-Unsubscribe-Post"]; got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q", got)
	}
	for k, want := range map[string]string{
		"Message-ID":              "<7d4a3c1e-0d1f-5b7e-9a4e-2f1c7b9d8e01@vendor.example>",
		outreach.HeaderDeliveryID: "7d4a3c1e-0d1f-5b7e-9a4e-2f1c7b9d8e01",
		outreach.HeaderCampaign:   "nps-onboarding",
	} {
		if got := m.Headers[k]; got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	if m.ReplyTo != "maria@vendor.example" {
		t.Errorf("reply_to %q, want the owner's address", m.ReplyTo)
	}
	if len(m.Contents) != 2 || m.Contents[0].Type != "text/plain" || m.Contents[1].Type != "text/html" {
		t.Fatalf("contents %+v, want text/plain then text/html", m.Contents)
	}
	if !strings.Contains(m.Contents[0].Value, postal) || !strings.Contains(m.Contents[1].Value, postal) {
		t.Errorf("postal address footer missing: %+v", m.Contents)
	}
	if i := strings.Index(m.Contents[1].Value, postal); i > strings.Index(m.Contents[1].Value, "</body>") {
		t.Errorf("footer after </body>: %s", m.Contents[1].Value)
	}
	if m.Subject != "Как мы работаем?" || m.To[0] != "jane@customer.example" || m.From != "team@vendor.example" {
		t.Errorf("recorded %+v", m)
	}
}

func TestFooterNotDuplicated(t *testing.T) {
	s, fake := setup(t)
	m := survey()
	m.Text = "Hi\n\n" + postal + "\n"
	m.HTML = "<p>Hi</p><p>Vendor Inc., 1 Main St, Springfield</p>"
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := fake.Messages()[0].Contents
	if got[0].Value != m.Text || got[1].Value != m.HTML {
		t.Errorf("bodies changed although they carry the address: %+v", got)
	}
}

func TestSendTransactionalHasNoUnsubscribeHeaders(t *testing.T) {
	s, fake := setup(t)
	m := survey()
	m.Campaign, m.Category = "renewal-reminder", outreach.CategoryTransactional
	m.UnsubscribeURL, m.UnsubscribeMailto = "", ""
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := fake.Messages()[0]
	if _, ok := got.Headers["List-Unsubscribe"]; ok {
		t.Errorf("transactional mail has List-Unsubscribe: %v", got.Headers)
	}
	if _, ok := got.Headers["List-Unsubscribe-Post"]; ok {
		t.Errorf("transactional mail has List-Unsubscribe-Post: %v", got.Headers)
	}
	if got.Headers[outreach.HeaderDeliveryID] != m.DeliveryID || got.Headers[outreach.HeaderCampaign] != "renewal-reminder" {
		t.Errorf("transactional mail lacks the outreach tags: %v", got.Headers)
	}
	if strings.Join(got.Categories, ",") != "renewal-reminder,transactional" {
		t.Errorf("categories %v", got.Categories)
	}
}

func TestSendRefusals(t *testing.T) {
	reset := now.Add(42 * time.Second)
	tests := []struct {
		name      string
		failure   sgfake.Failure
		status    int
		retryable bool
		after     time.Duration
		message   string
	}{
		{"429 retry-after seconds", sgfake.RateLimited("7", time.Time{}), 429, true, 7 * time.Second, "too many requests"},
		{"429 retry-after date", sgfake.RateLimited(now.Add(2*time.Minute).Format(http.TimeFormat), time.Time{}), 429, true, 2 * time.Minute, "too many requests"},
		{"429 rate-limit reset", sgfake.RateLimited("", reset), 429, true, 42 * time.Second, "too many requests"},
		{"500", sgfake.ServerError(), 500, true, 0, "internal error"},
		{"503 without body", sgfake.Failure{Status: 503, Body: "upstream down"}, 503, true, 0, "service unavailable"},
		{"400", sgfake.BadRequest("from.email", "The from email does not contain a valid address."), 400, false, 0, "from.email: The from email does not contain a valid address."},
		{"413", sgfake.Failure{Status: 413}, 413, false, 0, "Request Entity Too Large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, fake := setup(t)
			fake.FailNext(1, tt.failure)
			_, err := s.Send(context.Background(), survey())
			var se *outreach.SendError
			if !errors.As(err, &se) {
				t.Fatalf("Send = %v, want *outreach.SendError", err)
			}
			if se.Status != tt.status || se.Retryable != tt.retryable || se.RetryAfter != tt.after || se.Message != tt.message {
				t.Errorf("got %+v, want status %d retryable %v after %v message %q", *se, tt.status, tt.retryable, tt.after, tt.message)
			}
			// One attempt per Send: the next call goes through.
			if _, err := s.Send(context.Background(), survey()); err != nil {
				t.Errorf("second Send: %v", err)
			}
			if n := len(fake.Messages()); n != 1 {
				t.Errorf("fake accepted %d messages, want 1", n)
			}
		})
	}
}

func TestSendWrongKeyNotRetryable(t *testing.T) {
	fake := sgfake.New(t)
	s, err := sendgrid.NewSender(sendgrid.Config{APIKey: "SG.wrong", APIURL: fake.URL, PostalAddress: postal})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Send(context.Background(), survey())
	var se *outreach.SendError
	if !errors.As(err, &se) || se.Status != 401 || se.Retryable || !strings.Contains(se.Message, "authorization grant") {
		t.Errorf("Send = %#v", err)
	}
}

func TestSendNetworkErrorRetryable(t *testing.T) {
	fake := sgfake.New(t)
	s, err := sendgrid.NewSender(sendgrid.Config{APIKey: fake.Key(), APIURL: fake.URL, PostalAddress: postal})
	if err != nil {
		t.Fatal(err)
	}
	fake.Close()
	_, err = s.Send(context.Background(), survey())
	var se *outreach.SendError
	if !errors.As(err, &se) || !se.Retryable || se.Unanswered {
		t.Errorf("Send to a closed server = %#v, want a retryable SendError, not unanswered (nothing was sent)", err)
	}
}

// TestSendTimeoutIsUnanswered: SendGrid received the whole request and
// did not answer before the client's timeout. It may have accepted the
// mail, so the error says Unanswered (the dispatcher must not resend at
// once).
func TestSendTimeoutIsUnanswered(t *testing.T) {
	release := make(chan struct{})
	got := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		got <- struct{}{}
		<-release // answers only once the test is over
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	s, err := sendgrid.NewSender(sendgrid.Config{APIKey: "SG.test", APIURL: srv.URL, PostalAddress: postal,
		RatePerSecond: 1e9, HTTPClient: &http.Client{Timeout: 200 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Send(context.Background(), survey())
	<-got
	var se *outreach.SendError
	if !errors.As(err, &se) || !se.Retryable || !se.Unanswered || !strings.Contains(se.Message, "no answer after the request was sent") {
		t.Errorf("Send to a server that does not answer = %#v, want an unanswered, retryable SendError", err)
	}
}

func TestSendInvalidMessageMakesNoRequest(t *testing.T) {
	s, fake := setup(t)
	for name, change := range map[string]func(m *outreach.Message){
		"no recipient":          func(m *outreach.Message) { m.To = "" },
		"no body":               func(m *outreach.Message) { m.Text, m.HTML = "", "" },
		"survey without unsub":  func(m *outreach.Message) { m.UnsubscribeURL = "" },
		"no delivery id to tag": func(m *outreach.Message) { m.DeliveryID = "" },
	} {
		m := survey()
		change(m)
		_, err := s.Send(context.Background(), m)
		var se *outreach.SendError
		if !errors.As(err, &se) || se.Retryable || !strings.Contains(se.Message, "message lacks") {
			t.Errorf("%s: Send = %v, want a non-retryable SendError", name, err)
		}
	}
	if len(fake.Messages())+len(fake.Rejections()) != 0 {
		t.Error("invalid messages reached SendGrid")
	}
}

func TestSendCancelledContext(t *testing.T) {
	s, fake := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Send(ctx, survey()); !errors.Is(err, context.Canceled) {
		t.Errorf("Send = %v, want context.Canceled", err)
	}
	if len(fake.Messages()) != 0 {
		t.Error("a cancelled Send made a request")
	}
}

func TestConfigValidate(t *testing.T) {
	ok := sendgrid.Config{APIKey: "SG.x", PostalAddress: postal}
	if err := ok.Validate(); err != nil {
		t.Errorf("minimal config: %v", err)
	}
	tests := []struct {
		change func(c *sendgrid.Config)
		want   string
	}{
		{func(c *sendgrid.Config) { c.APIKey = " " }, "OUTREACH_SENDGRID_API_KEY"},
		{func(c *sendgrid.Config) { c.PostalAddress = "" }, "OUTREACH_POSTAL_ADDRESS"},
		{func(c *sendgrid.Config) { c.APIURL = "api.sendgrid.com" }, "APIURL"},
		{func(c *sendgrid.Config) { c.APIURL = "https://api.sendgrid.com/v3" }, "without path"},
		{func(c *sendgrid.Config) { c.RatePerSecond = -1 }, "OUTREACH_SEND_RATE"},
	}
	for _, tt := range tests {
		c := ok
		tt.change(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate = %v, want an error naming %s", err, tt.want)
		}
		if _, err := sendgrid.NewSender(c); err == nil {
			t.Errorf("NewSender accepted an invalid config (%s)", tt.want)
		}
	}
}

// TestBodyKeepsHTMLUnescaped: the HTML part travels as written ("<p>", not
// json.Marshal's "\u003cp\u003e"), so a body is shorter; it decodes to the
// same content, and nothing follows the JSON document.
func TestBodyKeepsHTMLUnescaped(t *testing.T) {
	s, _ := setup(t)
	m := survey()
	m.HTML = `<p class="x">Rate us &amp; tell us</p>`
	body, err := s.Body(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), `<p class=\"x\">Rate us &amp; tell us</p>`) || strings.Contains(string(body), `\u003c`) {
		t.Errorf("HTML escaped in the body: %s", body)
	}
	var doc struct {
		Content []struct{ Type, Value string } `json:"content"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || len(doc.Content) != 2 || !strings.HasPrefix(doc.Content[1].Value, m.HTML) {
		t.Fatalf("body does not decode to the HTML part (%v): %+v", err, doc)
	}
	if body[len(body)-1] != '}' {
		t.Errorf("body ends with %q, want the closing brace", body[len(body)-1:])
	}
}
