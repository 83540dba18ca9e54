package sgfake

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Event webhook signature headers (as in sendgrid-go helpers/eventwebhook).
const (
	SignatureHeader = "X-Twilio-Email-Event-Webhook-Signature"
	TimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp"
)

// PublicKey returns the base64 DER public key matching Sign, the value for
// OUTREACH_SENDGRID_WEBHOOK_PUBLIC_KEY. sendgrid-go's tests ship only a
// public key, so each Server generates its own P-256 pair.
func (s *Server) PublicKey() string {
	der, err := x509.MarshalPKIXPublicKey(&s.priv.PublicKey)
	if err != nil {
		s.t.Fatalf("sgfake: marshal public key: %v", err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// Sign returns the headers SendGrid would send with body at ts: an ECDSA
// P-256 signature (base64 DER) of SHA-256(timestamp + body).
func (s *Server) Sign(body []byte, ts time.Time) http.Header {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	h := sha256.New()
	h.Write([]byte(stamp))
	h.Write(body)
	sig, err := ecdsa.SignASN1(rand.Reader, s.priv, h.Sum(nil))
	if err != nil {
		s.t.Fatalf("sgfake: sign: %v", err)
	}
	return http.Header{
		SignatureHeader: {base64.StdEncoding.EncodeToString(sig)},
		TimestampHeader: {stamp},
	}
}

// ProcessedEvent is the `processed` event SendGrid posts for m at ts, with
// the delivery_id custom argument as a top-level key.
func ProcessedEvent(m Message, ts time.Time) map[string]any {
	to := ""
	if len(m.To) > 0 {
		to = m.To[0]
	}
	ev := map[string]any{
		"email":         to,
		"event":         "processed",
		"timestamp":     ts.Unix(),
		"sg_event_id":   "processed-" + m.MessageID,
		"sg_message_id": m.MessageID + ".filterdrecv-fake-0",
		"smtp-id":       "<" + m.MessageID + "@fake.sendgrid.net>",
		"category":      m.Categories,
	}
	for k, v := range m.CustomArgs {
		ev[k] = v
	}
	return ev
}

// PostEvents posts events as one signed webhook request to url, stamped
// with the fake's clock, and fails unless the answer is 2xx.
func (s *Server) PostEvents(url string, events ...map[string]any) error {
	body, err := json.Marshal(events)
	if err != nil {
		return fmt.Errorf("sgfake: encode events: %w", err)
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sgfake: webhook request: %w", err)
	}
	for k, v := range s.Sign(body, s.now()) {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("sgfake: post webhook: %w", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("sgfake: webhook answered %d: %s", resp.StatusCode, answer)
	}
	return nil
}

// WaitWebhooks waits until every background webhook post has finished and
// returns the errors of the failed ones.
func (s *Server) WaitWebhooks() []error {
	s.hooks.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.hookErrs...)
}
