package sendgrid

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/outreach-dev/outreach"
)

// Events parses a webhook body (see ParseEvents) and classifies its events
// for the store (see outreach.FeedbackEvent), counting the
// ignored ones (unknown types). An event without sg_event_id gets the hash
// of its content as id, so a retried request still deduplicates.
func (v *Verifier) Events(body []byte) ([]outreach.FeedbackEvent, int, error) {
	events, err := ParseEvents(body)
	if err != nil {
		return nil, 0, err
	}
	out := make([]outreach.FeedbackEvent, 0, len(events))
	ignored := 0
	for _, e := range events {
		effect := e.Effect()
		if effect == EffectIgnore {
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
			Processed: effect == EffectProcessed,
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
	return out, ignored, nil
}
