package dispatch

import (
	"context"
	"sync"

	"github.com/outreach-dev/outreach"
)

// Recorder is a Sender that records messages instead of sending them: the
// sender of dry runs and of simulate. It accepts every message.
type Recorder struct {
	// DryRun prefixes message ids with "dry-run:" so that recorded
	// deliveries show they were never sent.
	DryRun bool
	// Keep bounds how many messages are kept (oldest dropped); 0 keeps
	// every message.
	Keep int

	mu       sync.Mutex
	messages []outreach.Message
	count    int
}

var _ outreach.Sender = (*Recorder)(nil)

// Send records m and answers a message id derived from its delivery id.
func (r *Recorder) Send(_ context.Context, m *outreach.Message) (outreach.SendResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.count++
	r.messages = append(r.messages, *m)
	if r.Keep > 0 && len(r.messages) > r.Keep {
		r.messages = r.messages[len(r.messages)-r.Keep:]
	}
	id := "recorded:" + m.DeliveryID
	if r.DryRun {
		id = "dry-run:" + m.DeliveryID
	}
	return outreach.SendResult{MessageID: id}, nil
}

// Messages returns a copy of the recorded messages in send order.
func (r *Recorder) Messages() []outreach.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]outreach.Message(nil), r.messages...)
}

// Count returns how many messages were recorded in all.
func (r *Recorder) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count
}
