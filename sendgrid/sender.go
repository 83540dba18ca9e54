package sendgrid

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sendgrid/rest"
	sg "github.com/sendgrid/sendgrid-go"
	"github.com/sendgrid/sendgrid-go/helpers/mail"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/ratelimit"
)

// MailSendPath is the v3 Mail Send endpoint.
const MailSendPath = "/v3/mail/send"

// CustomArgDeliveryID is the custom argument that carries the delivery id;
// SendGrid returns it as a top-level key of every webhook event.
const CustomArgDeliveryID = "delivery_id"

// Sender sends messages through SendGrid's v3 Mail Send API, one request
// per message and one attempt per Send call. It is safe for concurrent use;
// all goroutines share one rate limiter.
type Sender struct {
	cfg    Config
	client rest.Client
	bucket *ratelimit.Bucket
}

var _ outreach.Sender = (*Sender)(nil)

// NewSender validates c, fills in defaults and returns a Sender.
func NewSender(c Config) (*Sender, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.withDefaults()
	burst := 1 // pace requests evenly: never more than RatePerSecond in any second
	bucket, err := ratelimit.NewBucket(c.RatePerSecond, burst, c.Now, nil)
	if err != nil {
		return nil, fmt.Errorf("sendgrid: RatePerSecond: %w", err)
	}
	return &Sender{cfg: c, client: rest.Client{HTTPClient: c.HTTPClient}, bucket: bucket}, nil
}

// Send makes one Mail Send request for m after waiting for the rate
// limiter. It returns the X-Message-Id on 202; a *outreach.SendError for a
// refusal (Retryable for 429, 5xx and network errors, with RetryAfter from
// Retry-After or X-RateLimit-Reset) or for a message that cannot be sent;
// and ctx's error when ctx ends before the request is made.
func (s *Sender) Send(ctx context.Context, m *outreach.Message) (outreach.SendResult, error) {
	body, err := s.Body(m)
	if err != nil {
		return outreach.SendResult{}, err
	}
	if err := s.bucket.Wait(ctx); err != nil {
		return outreach.SendResult{}, err
	}
	req := sg.GetRequest(s.cfg.APIKey, MailSendPath, s.cfg.APIURL)
	req.Method = rest.Post
	req.Body = body
	var wrote atomic.Bool // the whole request reached the connection
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		if i.Err == nil {
			wrote.Store(true)
		}
	}})
	resp, err := s.client.SendWithContext(ctx, req)
	if err != nil {
		if wrote.Load() {
			// Sent, and the answer was lost (client timeout, connection
			// broken while waiting): SendGrid may have accepted it.
			return outreach.SendResult{}, &outreach.SendError{Retryable: true, Unanswered: true,
				Message: "no answer after the request was sent: " + err.Error()}
		}
		// Never sent in full (connection refused, DNS): safe to retry.
		return outreach.SendResult{}, &outreach.SendError{Retryable: true, Message: err.Error()}
	}
	return s.classify(resp)
}

// classify turns a SendGrid answer into a result or a *outreach.SendError.
func (s *Sender) classify(resp *rest.Response) (outreach.SendResult, error) {
	h := http.Header(resp.Headers)
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return outreach.SendResult{MessageID: h.Get("X-Message-Id")}, nil
	case code == http.StatusTooManyRequests || code >= 500:
		return outreach.SendResult{}, &outreach.SendError{
			Status: code, Retryable: true,
			RetryAfter: retryAfter(h, s.cfg.Now()),
			Message:    errorMessage(code, resp.Body),
		}
	default:
		return outreach.SendResult{}, &outreach.SendError{Status: code, Message: errorMessage(code, resp.Body)}
	}
}

// errorMessage joins the messages of SendGrid's {"errors": [...]} answer,
// falling back to the status text.
func errorMessage(code int, body string) string {
	var doc struct {
		Errors []struct {
			Field   *string `json:"field"`
			Message string  `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal([]byte(body), &doc) == nil {
		var msgs []string
		for _, e := range doc.Errors {
			if e.Message == "" {
				continue
			}
			if e.Field != nil && *e.Field != "" {
				msgs = append(msgs, *e.Field+": "+e.Message)
			} else {
				msgs = append(msgs, e.Message)
			}
		}
		if len(msgs) > 0 {
			return strings.Join(msgs, "; ")
		}
	}
	if text := http.StatusText(code); text != "" {
		return strings.ToLower(text)
	}
	return fmt.Sprintf("unexpected status %d", code)
}

// Body returns the JSON Mail Send request for m: one personalization to
// m.To with custom_args {"delivery_id": m.DeliveryID}; categories campaign
// key and category; text/plain before text/html, each ending with the
// postal address if the template left it out; Reply-To when m has one;
// the headers every sender sets (Message-ID from the delivery id,
// X-Outreach-Delivery-ID, X-Outreach-Campaign); and List-Unsubscribe with
// RFC 8058 one-click on non-transactional mail. A message that cannot be
// sent gets a non-retryable *outreach.SendError.
func (s *Sender) Body(m *outreach.Message) ([]byte, error) {
	if err := checkMessage(m); err != nil {
		return nil, err
	}
	v3 := mail.NewV3Mail()
	v3.SetFrom(mail.NewEmail(m.FromName, m.From))
	if m.ReplyTo != "" {
		v3.SetReplyTo(mail.NewEmail(m.ReplyToName, m.ReplyTo))
	}
	v3.Subject = m.Subject
	p := mail.NewPersonalization()
	p.AddTos(mail.NewEmail(m.ToName, m.To))
	p.SetCustomArg(CustomArgDeliveryID, m.DeliveryID)
	v3.AddPersonalizations(p)
	if m.Text != "" {
		v3.AddContent(mail.NewContent("text/plain", outreach.TextWithFooter(m.Text, s.cfg.PostalAddress)))
	}
	if m.HTML != "" {
		v3.AddContent(mail.NewContent("text/html", outreach.HTMLWithFooter(m.HTML, s.cfg.PostalAddress)))
	}
	v3.AddCategories(Categories(m)...)
	v3.SetHeader("Message-ID", outreach.MessageID(m.DeliveryID, m.From))
	v3.SetHeader(outreach.HeaderDeliveryID, m.DeliveryID)
	v3.SetHeader(outreach.HeaderCampaign, m.Campaign)
	if list, ok := m.ListUnsubscribe(); ok {
		v3.SetHeader(outreach.HeaderListUnsubscribe, list)
		v3.SetHeader(outreach.HeaderListUnsubscribePost, outreach.ListUnsubscribeOneClick)
	}
	return encodeBody(v3)
}

// bodyBuffers are reused encoding buffers: a request body is copied out of
// one at its exact size.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// encodeBody encodes a Mail Send request without json.Marshal's HTML
// escaping: "<" stays "<" instead of "\u003c", the same JSON string, and
// HTML content (most of a body) is encoded on the fast path and sent
// shorter.
func encodeBody(v3 *mail.SGMailV3) ([]byte, error) {
	buf := bodyBuffers.Get().(*bytes.Buffer)
	defer bodyBuffers.Put(buf)
	buf.Reset()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v3); err != nil {
		return nil, fmt.Errorf("encode mail send request: %w", err)
	}
	return bytes.Clone(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

// checkMessage rejects messages SendGrid would refuse or that break the
// product's rules, with a message that says what is missing.
func checkMessage(m *outreach.Message) error {
	var missing []string
	if m == nil {
		return &outreach.SendError{Message: "no message"}
	}
	for _, f := range []struct{ name, v string }{
		{"DeliveryID", m.DeliveryID}, {"To", m.To}, {"From", m.From}, {"Subject", m.Subject},
	} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if m.Text == "" && m.HTML == "" {
		missing = append(missing, "Text or HTML")
	}
	if !m.Transactional() && m.UnsubscribeURL == "" {
		missing = append(missing, "UnsubscribeURL (required on non-transactional mail)")
	}
	if len(missing) > 0 {
		return &outreach.SendError{Message: "message lacks " + strings.Join(missing, ", ")}
	}
	return nil
}

// Categories returns the SendGrid categories of m: its campaign key and its
// category, without empties or duplicates, each cut to SendGrid's 255
// characters.
func Categories(m *outreach.Message) []string {
	var out []string
	for _, c := range []string{m.Campaign, m.Category} {
		if len(c) > 255 {
			c = c[:255]
		}
		if c != "" && (len(out) == 0 || out[0] != c) {
			out = append(out, c)
		}
	}
	return out
}

// IsRetryable reports whether err is a *outreach.SendError that may be
// tried again, and how long SendGrid asked to wait.
func IsRetryable(err error) (bool, time.Duration) {
	var se *outreach.SendError
	if errors.As(err, &se) {
		return se.Retryable, se.RetryAfter
	}
	return false, 0
}
