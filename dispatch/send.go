package dispatch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/outreach-dev/outreach"
)

// sendOne renders and sends one reserved delivery and returns its
// outcome. Once ctx is done the delivery is released for another process
// instead (a drain finishes the HTTP call in flight, never abandons a
// reservation).
func (d *Dispatcher) sendOne(ctx context.Context, rd *outreach.ReservedDelivery, clock func() time.Time) outreach.SendOutcome {
	now := clock().UTC()
	o := outreach.SendOutcome{DeliveryID: rd.Delivery.ID, ClaimedBy: d.Config.ProcessID, At: now}
	if ctx.Err() != nil {
		o.Result, o.RetryAt, o.Error = outreach.SendRetry, now, "released at shutdown before sending"
		return o
	}
	pack, r := d.Pack()
	m, err := d.message(pack, r, rd, now)
	if err != nil {
		o.Result, o.Error, o.FailReason = outreach.SendFailed, err.Error(), outreach.FailRender
		return o
	}
	start := time.Now() // wall time, for the latency metric only
	res, err := d.sender().Send(context.WithoutCancel(ctx), m)
	o.Latency = time.Since(start)
	o.Attempted = true
	d.classify(&o, rd, res, err, clock().UTC())
	return o
}

// classify turns a Send result into a SendOutcome: sent; retried with
// backoff (429, 5xx, network) while the delivery's ttl allows; failed with
// the provider's message otherwise.
func (d *Dispatcher) classify(o *outreach.SendOutcome, rd *outreach.ReservedDelivery, res outreach.SendResult, err error, now time.Time) {
	if err == nil {
		o.Result, o.MessageID, o.At = outreach.SendSent, res.MessageID, now
		return
	}
	var se *outreach.SendError
	if !errors.As(err, &se) {
		se = &outreach.SendError{Retryable: true, Message: err.Error()}
	}
	what := se.Message
	if se.Status != 0 {
		what = fmt.Sprintf("status %d: %s", se.Status, se.Message)
	}
	if !se.Retryable {
		o.Result, o.Error, o.FailReason = outreach.SendFailed, "refused by the provider: "+what, outreach.FailRefused
		return
	}
	attempts := rd.Attempts + 1
	if se.Unanswered {
		o.Result = outreach.SendUnanswered
		o.Error = fmt.Sprintf("attempt %d: %s; the provider may have accepted it: settled by its processed event, or by recovery after the lease", attempts, what)
		return
	}
	at := now.Add(Backoff(attempts, se.RetryAfter))
	if at.After(rd.ExpiresAt) {
		o.Result, o.FailReason = outreach.SendFailed, outreach.FailExpired
		o.Error = fmt.Sprintf("gave up after %d attempts (last: %s): the next attempt at %s would be past the delivery's ttl (expires %s)",
			attempts, what, at.Format(time.RFC3339), rd.ExpiresAt.Format(time.RFC3339))
		return
	}
	o.Result, o.RetryAt = outreach.SendRetry, at
	o.Error = fmt.Sprintf("attempt %d: %s; retrying at %s", attempts, what, at.Format(time.RFC3339))
}

// sender is the configured Sender, or the Recorder in dry-run mode.
func (d *Dispatcher) sender() outreach.Sender {
	if !d.Config.DryRun {
		return d.Sender
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.recorder == nil {
		d.recorder = &Recorder{DryRun: true, Keep: dryRunKeep}
	}
	return d.recorder
}

// DryRunMessages returns what a dry run would have sent so far.
func (d *Dispatcher) DryRunMessages() []outreach.Message {
	d.mu.Lock()
	r := d.recorder
	d.mu.Unlock()
	if r == nil {
		return nil
	}
	return r.Messages()
}

// dryRunKeep bounds the messages a dry run keeps in memory.
const dryRunKeep = 1000
