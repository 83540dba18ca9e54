package httpapi

import (
	"net/http"

	"github.com/outreach-dev/outreach"
)

// MaxWebhookBodyBytes caps the body of an event webhook request. SendGrid
// batches events into requests well under this.
const MaxWebhookBodyBytes = 8 << 20

// WebhookVerifier checks the signature of a webhook request over its raw
// body and reads its events; *sendgrid.Verifier implements it, so that
// everything SendGrid-specific stays in package sendgrid. CheckHeader's
// and Verify's errors are *outreach.Error with code EUNAUTHORIZED (a 401);
// Events' with code EINVALID (a 400).
type WebhookVerifier interface {
	// CheckHeader checks what it can before the body is read (signature
	// headers present and well-formed, timestamp in the window), so that
	// a request that cannot be genuine is refused without reading it.
	CheckHeader(header http.Header) error
	Verify(header http.Header, body []byte) error
	// Events classifies the body's events for the store and counts the
	// ones of types outreach does not use.
	Events(body []byte) (events []outreach.FeedbackEvent, ignored int, err error)
}

// webhookBody is the answer to an accepted webhook request.
type webhookBody struct {
	outreach.FeedbackResult
	Ignored int `json:"ignored"` // events of types outreach does not use
}

// handleSendGridWebhook answers POST /webhooks/sendgrid: SendGrid's signed
// event webhook. The signature headers are checked before the body is
// read, which happens within the public byte budget (public_budget.go);
// the signature is then checked over the raw body; then the
// whole request is applied in one transaction (see
// outreach.FeedbackStore.RecordProviderEvents) and answered 200, since
// SendGrid retries anything else.
func (s *Server) handleSendGridWebhook(w http.ResponseWriter, r *http.Request) error {
	setPublicHeaders(w.Header())
	f := s.Feedback
	if f.Webhook == nil || f.Store == nil {
		s.metrics.errors.WithLabelValues("unavailable").Inc()
		return writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: "the event webhook is not configured: set " +
			"OUTREACH_SENDGRID_WEBHOOK_PUBLIC_KEY to the verification key of SendGrid's signed event webhook"})
	}
	if err := f.Webhook.CheckHeader(r.Header); err != nil {
		return err
	}
	if r.ContentLength > MaxWebhookBodyBytes {
		return &http.MaxBytesError{Limit: MaxWebhookBodyBytes} // refused before reading it
	}
	body, err := readBody(w, r, MaxWebhookBodyBytes)
	if err != nil {
		return err
	}
	if err := f.Webhook.Verify(r.Header, body); err != nil {
		return err
	}
	fes, ignored, err := f.Webhook.Events(body)
	if err != nil {
		return err
	}
	res, err := f.Store.RecordProviderEvents(r.Context(), fes)
	if err != nil {
		return err
	}
	now := s.Now()
	for _, fe := range fes {
		if at := fe.Event.At; !at.IsZero() {
			s.metrics.webhookLag.Observe(max(now.Sub(at), 0).Seconds())
		}
	}
	return writeJSON(w, http.StatusOK, webhookBody{FeedbackResult: res, Ignored: ignored})
}
