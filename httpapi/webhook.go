package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/sendgrid"
)

// MaxWebhookBodyBytes caps the body of an event webhook request. SendGrid
// batches events into requests well under this.
const MaxWebhookBodyBytes = 8 << 20

// WebhookVerifier checks the signature of a webhook request over its raw
// body; *sendgrid.Verifier implements it. Its errors are *outreach.Error
// with code EUNAUTHORIZED (a 401).
type WebhookVerifier interface {
	Verify(header http.Header, body []byte) error
}

// webhookBody is the answer to an accepted webhook request.
type webhookBody struct {
	outreach.FeedbackResult
	Ignored int `json:"ignored"` // events of types outreach does not use
}

// handleSendGridWebhook answers POST /webhooks/sendgrid: SendGrid's signed
// event webhook. The signature is checked over the raw body; then the
// whole request is applied in one transaction (see
// outreach.FeedbackStore.RecordProviderEvents) and answered 200, since
// SendGrid retries anything else.
func (s *Server) handleSendGridWebhook(w http.ResponseWriter, r *http.Request) error {
	setPublicHeaders(w.Header())
	f := s.Feedback
	if f.Webhook == nil || f.Store == nil {
		s.metrics.errors.WithLabelValues("unavailable").Inc()
		writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: "the event webhook is not configured: set " +
			"OUTREACH_SENDGRID_WEBHOOK_PUBLIC_KEY to the verification key of SendGrid's signed event webhook"})
		return nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBodyBytes))
	if err != nil {
		return err
	}
	if err := f.Webhook.Verify(r.Header, body); err != nil {
		return err
	}
	events, err := sendgrid.ParseEvents(body)
	if err != nil {
		return err
	}
	fes, ignored := feedbackEvents(events)
	res, err := f.Store.RecordProviderEvents(r.Context(), fes)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, webhookBody{FeedbackResult: res, Ignored: ignored})
	return nil
}

// feedbackEvents classifies SendGrid events for the store and counts the
// ignored ones (unknown types). An event without sg_event_id gets the hash
// of its content as id, so a retried request still deduplicates.
func feedbackEvents(events []sendgrid.Event) ([]outreach.FeedbackEvent, int) {
	out := make([]outreach.FeedbackEvent, 0, len(events))
	ignored := 0
	for _, e := range events {
		effect := e.Effect()
		if effect == sendgrid.EffectIgnore {
			ignored++
			continue
		}
		id := e.ID
		if id == "" {
			sum := sha256.Sum256(e.Raw)
			id = "sha256:" + hex.EncodeToString(sum[:])
		}
		fe := outreach.FeedbackEvent{
			Event: outreach.ProviderEvent{ID: id, DeliveryID: e.DeliveryID, Email: e.Email,
				Type: e.Type, At: e.At, Payload: e.Raw},
			MessageID: e.XMessageID(),
			Processed: effect == sendgrid.EffectProcessed,
			Suppress:  effect.Scope(),
		}
		if fe.Suppress != "" {
			fe.Reason = "sendgrid " + e.Type
			if e.Reason != "" {
				fe.Reason += ": " + e.Reason
			}
		}
		out = append(out, fe)
	}
	return out, ignored
}
