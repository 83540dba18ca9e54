package dispatch

import (
	"context"
	"fmt"
	"time"

	"github.com/outreach-dev/outreach"
)

// recoverLimit bounds the deliveries one Recover call examines.
const recoverLimit = 1000

// Recover resolves sending deliveries of dead processes (heartbeat older
// than Config.Lease at now): a processed event for the delivery → sent;
// else, with a webhook, once Config.Grace has passed since the last
// heartbeat → released to be sent again (failed when its ttl is over);
// without a webhook → failed "outcome unknown", since sending again could
// duplicate the email. Those rules are for remote providers: a local,
// idempotent sender (outreach.IdempotentSender, the .eml outbox) is asked
// instead, and a delivery it wrote is sent, one it did not write is sent
// now (see resolveLocal). It returns how many deliveries it changed.
func (d *Dispatcher) Recover(ctx context.Context, now time.Time) (int, error) {
	if err := d.check(); err != nil {
		return 0, err
	}
	cfg := d.cfg()
	now = now.UTC()
	local, _ := d.sender().(outreach.IdempotentSender)
	return d.Store.RecoverSending(ctx, now.Add(-cfg.Lease), recoverLimit, func(stale []outreach.StaleSending) []outreach.SendOutcome {
		out := make([]outreach.SendOutcome, 0, len(stale))
		for _, s := range stale {
			var o outreach.SendOutcome
			var ok bool
			if local != nil && s.ProcessedAt == nil {
				o, ok = d.resolveLocal(ctx, local, s, now)
			} else {
				o, ok = resolveStale(s, now, cfg)
			}
			if ok {
				out = append(out, o)
			}
		}
		return out
	})
}

// resolveLocal decides one stale sending delivery of a local, idempotent
// sender by reading its send back: written → sent; not written → released
// to be sent now (a second send cannot write it twice), or failed when its
// ttl is over. ok is false when it could not be read back: the next
// recovery tries again.
func (d *Dispatcher) resolveLocal(ctx context.Context, local outreach.IdempotentSender, s outreach.StaleSending, now time.Time) (outreach.SendOutcome, bool) {
	o := outreach.SendOutcome{DeliveryID: s.DeliveryID, ClaimedBy: s.ClaimedBy, At: now}
	res, written, err := local.Written(ctx, s.DeliveryID)
	gone := fmt.Sprintf("process %s stopped before it wrote the message (last heartbeat %s)",
		s.ClaimedBy, s.HeartbeatAt.Format(time.RFC3339))
	switch {
	case err != nil:
		d.logger().Error("recover sending delivery: cannot tell whether it was written", "delivery", s.DeliveryID, "err", err)
		return o, false
	case written:
		o.Result, o.MessageID = outreach.SendSent, res.MessageID
	case now.After(s.ExpiresAt):
		o.Result = outreach.SendFailed
		o.Error = fmt.Sprintf("%s, and its ttl ended %s", gone, s.ExpiresAt.Format(time.RFC3339))
	default:
		o.Result, o.RetryAt = outreach.SendRetry, now
		o.Error = gone + ": sending again"
	}
	return o, true
}

// resolveStale decides what happens to one stale sending delivery; ok is
// false while it still waits for the processed event.
func resolveStale(s outreach.StaleSending, now time.Time, cfg Config) (outreach.SendOutcome, bool) {
	o := outreach.SendOutcome{DeliveryID: s.DeliveryID, ClaimedBy: s.ClaimedBy, At: now}
	gone := fmt.Sprintf("no answer recorded for the send by process %s (it stopped, or the provider's answer was lost; last heartbeat %s)",
		s.ClaimedBy, s.HeartbeatAt.Format(time.RFC3339))
	switch {
	case s.ProcessedAt != nil:
		o.Result, o.At, o.MessageID = outreach.SendSent, *s.ProcessedAt, s.MessageID
	case !cfg.WebhookEnabled:
		o.Result, o.FailReason = outreach.SendFailed, outreach.FailOutcomeUnknown
		o.Error = "outcome unknown: " + gone + " and no webhook is configured to confirm it; not sent again to avoid a duplicate"
	case now.Before(s.HeartbeatAt.Add(cfg.Grace)):
		return o, false
	case now.After(s.ExpiresAt):
		o.Result, o.FailReason = outreach.SendFailed, outreach.FailOutcomeUnknown
		o.Error = fmt.Sprintf("outcome unknown: %s, no processed event within %s, and its ttl ended %s", gone, cfg.Grace, s.ExpiresAt.Format(time.RFC3339))
	default:
		o.Result, o.RetryAt = outreach.SendRetry, now
		o.Error = fmt.Sprintf("%s and no processed event arrived within %s: sending again", gone, cfg.Grace)
	}
	return o, true
}
