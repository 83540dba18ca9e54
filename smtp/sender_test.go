package smtp_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/smtptest"
	"github.com/outreach-dev/outreach/smtp"
)

func survey(id string) *outreach.Message {
	return &outreach.Message{
		DeliveryID: id, Campaign: "nps-onboarding", Category: outreach.CategorySurvey,
		To: "jane@customer.example", ToName: "Jane Doe", From: "cs@vendor.example", FromName: "Maria Silva",
		ReplyTo: "maria@vendor.example", ReplyToName: "Maria Silva",
		Subject: "How are we doing?", Text: "Rate us\n", HTML: "<p>Rate us</p>",
		UnsubscribeURL: "https://x.example/u/tok",
	}
}

// sender returns a Sender for srv, trusting its test certificate.
func sender(t *testing.T, url string, srv *smtptest.Server, tune func(*smtp.Config)) *smtp.Sender {
	t.Helper()
	c := smtp.Config{URL: url, RatePerSecond: 1e9, PostalAddress: "Vendor Inc., 1 Main St",
		TLSConfig: &tls.Config{RootCAs: srv.RootCAs}, DialTimeout: 10 * time.Second, CommandTimeout: 10 * time.Second}
	if tune != nil {
		tune(&c)
	}
	s, err := smtp.NewSender(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func sendError(t *testing.T, err error) *outreach.SendError {
	t.Helper()
	var se *outreach.SendError
	if !errors.As(err, &se) {
		t.Fatalf("err %v (%T), want *outreach.SendError", err, err)
	}
	return se
}

func TestSendOverStartTLSWithAuth(t *testing.T) {
	for _, mech := range []string{"PLAIN", "LOGIN"} {
		t.Run(mech, func(t *testing.T) {
			srv := smtptest.Start(t, smtptest.Options{TLS: smtptest.StartTLS, Users: map[string]string{"apikey": "s3cret"}, Mechanisms: []string{mech}})
			s := sender(t, srv.URL("apikey", "s3cret"), srv, nil)
			res, err := s.Send(context.Background(), survey("d1"))
			if err != nil {
				t.Fatal(err)
			}
			msgs := srv.Messages()
			if len(msgs) != 1 || msgs[0].User != "apikey" || msgs[0].From != "cs@vendor.example" || msgs[0].To[0] != "jane@customer.example" {
				t.Fatalf("server received %+v", msgs)
			}
			m, err := mail.ReadMessage(bytes.NewReader(msgs[0].Data))
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Header.Get("Message-ID"); got != "<d1@vendor.example>" || res.MessageID != got {
				t.Errorf("Message-ID %q, result %q", got, res.MessageID)
			}
			if m.Header.Get(outreach.HeaderDeliveryID) != "d1" || m.Header.Get("Reply-To") != `"Maria Silva" <maria@vendor.example>` {
				t.Errorf("headers %v", m.Header)
			}
		})
	}
}

func TestSendOverImplicitTLS(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{TLS: smtptest.ImplicitTLS, Users: map[string]string{"u": "p"}})
	s := sender(t, srv.URL("u", "p"), srv, nil)
	if _, err := s.Send(context.Background(), survey("d1")); err != nil {
		t.Fatal(err)
	}
	if srv.Accepted() != 1 {
		t.Fatalf("accepted %d", srv.Accepted())
	}
}

// TestTLSIsNotOptional: smtp:// without tls=none never falls back to clear
// text, and a certificate that is not trusted is refused.
func TestTLSIsNotOptional(t *testing.T) {
	plain := smtptest.Start(t, smtptest.Options{})
	s := sender(t, "smtp://"+plain.Addr(), plain, nil)
	_, err := s.Send(context.Background(), survey("d1"))
	if se := sendError(t, err); !se.Retryable || se.Unanswered || !strings.Contains(se.Message, "STARTTLS") || plain.Accepted() != 0 {
		t.Errorf("server without STARTTLS: %+v, accepted %d; want a retryable error naming STARTTLS and nothing sent", se, plain.Accepted())
	}
	tlsSrv := smtptest.Start(t, smtptest.Options{TLS: smtptest.StartTLS})
	s = sender(t, tlsSrv.URL("", ""), tlsSrv, func(c *smtp.Config) { c.TLSConfig = nil })
	_, err = s.Send(context.Background(), survey("d1"))
	if se := sendError(t, err); !se.Retryable || !strings.Contains(se.Message, "certificate") || tlsSrv.Accepted() != 0 {
		t.Errorf("untrusted certificate: %+v; want a retryable certificate error", se)
	}
}

func TestWrongPasswordIsRetryableAndNeverShown(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{TLS: smtptest.StartTLS, Users: map[string]string{"u": "right"}})
	s := sender(t, srv.URL("u", "wrong-secret"), srv, nil)
	_, err := s.Send(context.Background(), survey("d1"))
	se := sendError(t, err)
	if !se.Retryable || !strings.Contains(se.Message, "535") || strings.Contains(se.Message, "wrong-secret") {
		t.Errorf("%+v: want a retryable 535 without the password", se)
	}
}

// TestReplies: what each kind of server answer means for the delivery.
func TestReplies(t *testing.T) {
	tests := []struct {
		name                  string
		fault                 smtptest.Fault
		big                   bool
		retryable, unanswered bool
		contains              string
	}{
		{"550 at RCPT", smtptest.Fault{Stage: "rcpt", Code: 550, Message: "5.1.1 no such mailbox"}, false, false, false, "550 5.1.1 no such mailbox"},
		{"554 after the dot", smtptest.Fault{Stage: "data", Code: 554, Message: "5.7.1 spam detected"}, false, false, false, "554 5.7.1 spam detected"},
		{"451 after the dot", smtptest.Fault{Stage: "data", Code: 451, Message: "4.3.0 try later"}, false, true, false, "451 4.3.0 try later"},
		{"421 at MAIL", smtptest.Fault{Stage: "mail", Code: 421, Message: "4.7.0 too busy"}, false, true, false, "421 4.7.0 too busy"},
		{"dropped after the dot", smtptest.Fault{DropAfterData: true}, false, true, true, "no reply"},
		{"dropped mid-DATA", smtptest.Fault{DropMidData: true}, true, true, false, "before the message was accepted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, smtptest.Options{})
			s := sender(t, srv.URL("", ""), srv, nil)
			srv.Fail(tt.fault)
			m := survey("d1")
			if tt.big { // larger than any socket buffer: the peer's close is seen while writing
				m.HTML = strings.Repeat("<p>lorem ipsum dolor sit amet</p>\n", 1<<20)
			}
			_, err := s.Send(context.Background(), m)
			se := sendError(t, err)
			if se.Retryable != tt.retryable || se.Unanswered != tt.unanswered || !strings.Contains(se.Message, tt.contains) {
				t.Errorf("%+v; want retryable=%v unanswered=%v, message with %q", se, tt.retryable, tt.unanswered, tt.contains)
			}
			// The pool recovers: the next message goes through.
			if _, err := s.Send(context.Background(), survey("d2")); err != nil || srv.Accepted() != 1 {
				t.Errorf("next send: %v, accepted %d", err, srv.Accepted())
			}
		})
	}
}

func TestNoAnswerAfterDataIsUnanswered(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	s := sender(t, srv.URL("", ""), srv, func(c *smtp.Config) { c.CommandTimeout = 300 * time.Millisecond })
	srv.Fail(smtptest.Fault{Hang: true})
	_, err := s.Send(context.Background(), survey("d1"))
	if se := sendError(t, err); !se.Retryable || !se.Unanswered {
		t.Errorf("%+v; want unanswered (outcome unknown)", se)
	}
}

func TestConnectionRefusedIsRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s, err := smtp.NewSender(smtp.Config{URL: "smtp://" + addr + "?tls=none", RatePerSecond: 1e9})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Send(context.Background(), survey("d1"))
	if se := sendError(t, err); !se.Retryable || se.Unanswered || !strings.Contains(se.Message, "connect") {
		t.Errorf("%+v; want a retryable connect error", se)
	}
}

// TestPoolSharesConnections: many goroutines share Conns connections.
func TestPoolSharesConnections(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{TLS: smtptest.StartTLS})
	s := sender(t, srv.URL("", ""), srv, func(c *smtp.Config) { c.Conns = 3 })
	var wg sync.WaitGroup
	errs := make(chan error, 60)
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Send(context.Background(), survey("d"+string(rune('a'+i%26))+string(rune('a'+i/26))))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if srv.Accepted() != 60 || srv.Connections() > 3 {
		t.Errorf("accepted %d over %d connections; want 60 over at most 3", srv.Accepted(), srv.Connections())
	}
}

func TestParseURL(t *testing.T) {
	good := []struct {
		url  string
		want smtp.Endpoint
	}{
		{"smtp://user:pa%40ss@mail.example.com:587", smtp.Endpoint{Host: "mail.example.com", Port: 587, Username: "user", Password: "pa@ss"}},
		{"smtps://u:p@mail.example.com:465", smtp.Endpoint{Host: "mail.example.com", Port: 465, Username: "u", Password: "p", ImplicitTLS: true}},
		{"smtp://127.0.0.1:1025?tls=none", smtp.Endpoint{Host: "127.0.0.1", Port: 1025, NoTLS: true}},
		{"smtp://[::1]:1025?tls=none", smtp.Endpoint{Host: "::1", Port: 1025, NoTLS: true}},
		{"smtp://localhost:1025?tls=none", smtp.Endpoint{Host: "localhost", Port: 1025, NoTLS: true}},
	}
	for _, tt := range good {
		if got, err := smtp.ParseURL(tt.url); err != nil || got != tt.want {
			t.Errorf("ParseURL(%q) = %+v, %v; want %+v", tt.url, got, err, tt.want)
		}
	}
	bad := []struct{ url, says string }{
		{"http://mail.example.com:587", `unknown scheme "http"`},
		{"smtp://:587", "no host"},
		{"smtp://u:topsecret@mail.example.com", "no port"},
		{"smtp://mail.example.com:99999", "port"},
		{"smtp://mail.example.com:smtp", "port"},
		{"smtp://u:topsecret@mail.example.com:25?tls=none", "only allowed for a loopback host"},
		{"smtps://127.0.0.1:465?tls=none", "contradicts"},
		{"smtp://127.0.0.1:25?tls=off", "tls=off"},
		{"smtp://127.0.0.1:25?auth=plain", `unknown parameter "auth"`},
	}
	for _, tt := range bad {
		_, err := smtp.ParseURL(tt.url)
		if err == nil || !strings.HasPrefix(err.Error(), "OUTREACH_SMTP_URL: ") || !strings.Contains(err.Error(), tt.says) || strings.Contains(err.Error(), "topsecret") {
			t.Errorf("ParseURL(%q) = %v; want an error naming OUTREACH_SMTP_URL that says %q, without the password", tt.url, err, tt.says)
		}
	}
}
