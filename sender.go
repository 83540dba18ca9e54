package outreach

import (
	"context"
	"fmt"
	"time"
)

// Message is one rendered email, ready for a Sender.
type Message struct {
	DeliveryID string // tagged on the message so provider events map back
	Campaign   string
	Category   string
	To         string
	ToName     string
	From       string
	FromName   string
	// ReplyTo and ReplyToName fill Reply-To; "" = none (replies go to
	// From). See SenderIdentity.
	ReplyTo     string
	ReplyToName string
	Subject     string
	Text        string // text part (sent before HTML)
	HTML        string
	// UnsubscribeURL and UnsubscribeMailto fill List-Unsubscribe on every
	// non-transactional message (with RFC 8058 one-click).
	UnsubscribeURL    string
	UnsubscribeMailto string
}

// Transactional reports whether the message is transactional mail (no
// List-Unsubscribe headers).
func (m *Message) Transactional() bool { return m.Category == CategoryTransactional }

// SendResult is what a provider answered to an accepted message.
type SendResult struct {
	MessageID string
}

// SendError is a provider's refusal. Retryable errors (429, 5xx, network)
// may be tried again after RetryAfter (0 = sender's own backoff).
type SendError struct {
	Status     int
	Retryable  bool
	RetryAfter time.Duration
	Message    string
	// Unanswered: the request was written in full and no answer came
	// back (a timeout, a broken connection), so the provider may have
	// accepted it. Sending it again at once could duplicate the email.
	Unanswered bool
}

// Error implements the error interface.
func (e *SendError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("send: %s", e.Message)
	}
	return fmt.Sprintf("send: status %d: %s", e.Status, e.Message)
}

// Sender sends one message. Implementations: sendgrid (API), outbox (.eml
// files), and recording senders for dry runs and simulation.
type Sender interface {
	Send(ctx context.Context, m *Message) (SendResult, error)
}

// IdempotentSender is a Sender whose sends are local and idempotent, such
// as the .eml outbox: a message is either written in full or not at all,
// sending a delivery again after it was written changes nothing (and
// succeeds), and whether it was written can be read back. Recovery of a
// send cut off by a crash asks Written instead of applying the "outcome
// unknown" rule of remote providers: written means sent, not written means
// send it.
type IdempotentSender interface {
	Sender
	// Written reports whether the message of deliveryID was sent, with
	// that send's result.
	Written(ctx context.Context, deliveryID string) (SendResult, bool, error)
}
