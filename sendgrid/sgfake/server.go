package sgfake

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// DefaultKey is the API key the fake accepts unless WithKey says otherwise.
const DefaultKey = "SG.fake-test-key"

// MailSendPath is the only endpoint the fake serves.
const MailSendPath = "/v3/mail/send"

// Server is a fake SendGrid v3 Mail Send API on httptest.
type Server struct {
	// URL is the API host to put in sendgrid.Config.APIURL.
	URL string

	t          testing.TB
	srv        *httptest.Server
	key        string
	validator  *Validator
	now        func() time.Time
	webhookURL string
	client     *http.Client
	priv       *ecdsa.PrivateKey
	hooks      sync.WaitGroup

	mu         sync.Mutex
	seq        int
	messages   []Message
	rejections []Rejection
	failures   []Failure
	hookErrs   []error
}

// Option configures a Server.
type Option func(*Server)

// WithKey sets the API key the fake accepts (default DefaultKey).
func WithKey(key string) Option { return func(s *Server) { s.key = key } }

// WithNow sets the clock for send_at checks and webhook timestamps.
func WithNow(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithWebhook makes the fake post a signed `processed` event to url after
// every accepted message, in the background (see WaitWebhooks).
func WithWebhook(url string) Option { return func(s *Server) { s.webhookURL = url } }

// WithSchema validates against the OpenAPI file at path instead of the one
// FindSchema finds.
func WithSchema(path string) Option {
	return func(s *Server) {
		v, err := NewValidator(path)
		if err != nil {
			s.t.Fatal(err)
		}
		s.validator = v
	}
}

// New starts a fake SendGrid that lives until the end of t.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("sgfake: generate webhook key: %v", err)
	}
	s := &Server{t: t, key: DefaultKey, now: time.Now, priv: priv, client: &http.Client{Timeout: 10 * time.Second}}
	for _, o := range opts {
		o(s)
	}
	if s.validator == nil {
		path, err := FindSchema()
		if err != nil {
			t.Fatal(err)
		}
		if s.validator, err = NewValidator(path); err != nil {
			t.Fatal(err)
		}
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL
	t.Cleanup(s.Close)
	return s
}

// Close waits for background webhook posts and stops the server. It is
// called by t.Cleanup; calling it earlier is fine.
func (s *Server) Close() {
	s.srv.Close() // waits for handlers, so no webhook post starts after this
	s.hooks.Wait()
}

// Key returns the API key the fake accepts.
func (s *Server) Key() string { return s.key }

// Message is an accepted Mail Send request, as the fake recorded it.
type Message struct {
	MessageID        string            // the X-Message-Id answered
	DeliveryID       string            // personalizations[0].custom_args.delivery_id
	From             string            // from.email
	ReplyTo          string            // reply_to.email; "" when absent
	To               []string          // every personalization's to addresses
	Subject          string            // personalization subject, else the top-level one
	Categories       []string          // top-level categories
	Headers          map[string]string // top-level headers
	Contents         []Content         // in request order
	CustomArgs       map[string]string // personalizations[0].custom_args
	AcceptedAt       time.Time
	Body             json.RawMessage // the raw request body
	Personalizations int             // number of personalizations
}

// Content is one content block of a message.
type Content struct {
	Type  string
	Value string
}

// Rejection is a request the fake answered 400 (or 401) to.
type Rejection struct {
	Status int
	Errors []FieldError
	Body   json.RawMessage
}

// Failure is a programmed answer that replaces the next acceptance.
type Failure struct {
	Status int
	Header http.Header
	Body   string // JSON; default SendGrid's error shape for the status
}

// RateLimited is a 429 with Retry-After (seconds or an HTTP date) and
// SendGrid's X-RateLimit-* headers; reset is X-RateLimit-Reset, unset when
// zero.
func RateLimited(retryAfter string, reset time.Time) Failure {
	h := http.Header{"X-Ratelimit-Limit": {"600"}, "X-Ratelimit-Remaining": {"0"}}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	if !reset.IsZero() {
		h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	}
	return Failure{Status: http.StatusTooManyRequests, Header: h, Body: errorBody(FieldError{Message: "too many requests"})}
}

// ServerError is a 500 as SendGrid sends it.
func ServerError() Failure {
	return Failure{Status: http.StatusInternalServerError, Body: errorBody(FieldError{Message: "internal error"})}
}

// BadRequest is a 400 carrying message for field (none when "").
func BadRequest(field, message string) Failure {
	return Failure{Status: http.StatusBadRequest, Body: errorBody(fieldError(field, message))}
}

// FailNext makes the next n valid requests get f instead of a 202.
func (s *Server) FailNext(n int, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures = append(s.failures, f)
	}
}

// Messages returns a copy of the accepted messages in arrival order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Rejections returns the requests refused as invalid or unauthorized.
func (s *Server) Rejections() []Rejection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Rejection(nil), s.rejections...)
}

func errorBody(errs ...FieldError) string {
	b, _ := json.Marshal(map[string]any{"errors": errs})
	return string(b)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != MailSendPath || r.Method != http.MethodPost {
		s.answer(w, Failure{Status: http.StatusNotFound, Body: errorBody(FieldError{Message: "not found: the fake serves POST " + MailSendPath})})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 30<<20))
	if err != nil {
		s.answer(w, Failure{Status: http.StatusRequestEntityTooLarge, Body: errorBody(FieldError{Message: "request body too large"})})
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.key {
		s.reject(w, http.StatusUnauthorized, body, FieldError{Message: "The provided authorization grant is invalid, expired, or revoked"})
		return
	}
	if errs := s.validator.Validate(body, s.now()); len(errs) > 0 {
		s.reject(w, http.StatusBadRequest, body, errs...)
		return
	}
	s.mu.Lock()
	if len(s.failures) > 0 {
		f := s.failures[0]
		s.failures = s.failures[1:]
		s.mu.Unlock()
		s.answer(w, f)
		return
	}
	s.seq++
	msg := record(body, fmt.Sprintf("fake-%06d-%s", s.seq, rand.Text()[:8]), s.now())
	s.messages = append(s.messages, msg)
	s.mu.Unlock()

	if s.webhookURL != "" {
		s.hooks.Add(1)
		go func() {
			defer s.hooks.Done()
			if err := s.PostEvents(s.webhookURL, ProcessedEvent(msg, s.now())); err != nil {
				s.mu.Lock()
				s.hookErrs = append(s.hookErrs, err)
				s.mu.Unlock()
			}
		}()
	}
	w.Header().Set("X-Message-Id", msg.MessageID)
	w.WriteHeader(http.StatusAccepted)
}

func (s *Server) reject(w http.ResponseWriter, status int, body []byte, errs ...FieldError) {
	s.mu.Lock()
	s.rejections = append(s.rejections, Rejection{Status: status, Errors: errs, Body: json.RawMessage(body)})
	s.mu.Unlock()
	s.t.Logf("sgfake: %d for a request: %s", status, errorBody(errs...))
	s.answer(w, Failure{Status: status, Body: errorBody(errs...)})
}

func (s *Server) answer(w http.ResponseWriter, f Failure) {
	for k, vs := range f.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	body := f.Body
	if body == "" {
		body = errorBody(FieldError{Message: http.StatusText(f.Status)})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.Status)
	_, _ = io.WriteString(w, body)
}

// record extracts what tests look at from a valid body.
func record(body []byte, id string, now time.Time) Message {
	var req struct {
		request
		Personalizations []struct {
			personalization
			CustomArgs map[string]string `json:"custom_args"`
		} `json:"personalizations"`
		Headers map[string]string `json:"headers"`
		ReplyTo *address          `json:"reply_to"`
	}
	_ = json.Unmarshal(body, &req) // validated already
	m := Message{MessageID: id, Subject: req.Subject, Categories: req.Categories, Headers: req.Headers,
		AcceptedAt: now, Body: json.RawMessage(append([]byte(nil), body...)), Personalizations: len(req.Personalizations)}
	if req.From != nil {
		m.From = req.From.Email
	}
	if req.ReplyTo != nil {
		m.ReplyTo = req.ReplyTo.Email
	}
	for _, c := range req.Content {
		m.Contents = append(m.Contents, Content(c))
	}
	for i, p := range req.Personalizations {
		for _, to := range p.To {
			m.To = append(m.To, to.Email)
		}
		if i == 0 {
			m.CustomArgs = p.CustomArgs
			m.DeliveryID = p.CustomArgs["delivery_id"]
			if p.Subject != "" {
				m.Subject = p.Subject
			}
		}
	}
	return m
}
