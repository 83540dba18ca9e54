// Package sendgrid talks to SendGrid: it sends outreach messages through the
// v3 Mail Send API and reads the signed Event Webhook that reports what
// happened to them.
//
// # Sending
//
// Sender implements outreach.Sender over sendgrid-go, one request per
// message and exactly one attempt per Send call:
//
//	dispatcher ──Send(ctx, m)──► Sender ──Bucket.Wait──► POST /v3/mail/send
//	     ▲                                                     │
//	     │   SendResult{MessageID: X-Message-Id}  ◄── 2xx ─────┤
//	     │   *SendError{Retryable, RetryAfter}    ◄── 429, 5xx, network
//	     └── retries with Backoff within the ttl  ◄── other 4xx: not retryable
//
// Each request carries one personalization whose custom_args hold the
// delivery_id (SendGrid echoes it in every webhook event, which is how a
// delivery left in `sending` by a crashed process is settled), categories
// campaign key and category, text/plain before text/html, the postal address
// (appended when the rendered body lacks it) and, on non-transactional mail,
// List-Unsubscribe with RFC 8058 one-click. A token bucket (internal/ratelimit) shared by all
// goroutines caps requests per second (OUTREACH_SEND_RATE); retrying is left
// to the caller because only it knows the delivery's ttl.
//
// # Event webhook
//
// Verifier checks the ECDSA signature SendGrid puts on webhook requests
// (sendgrid-go helpers/eventwebhook) and refuses stale or future
// timestamps. ParseEvents reads the JSON array, and Event.Effect says what
// each event means: a hard or `all` suppression, the `processed`
// reconciliation, a timeline entry, or nothing.
//
// Package sgfake is the fake SendGrid the tests of every package use.
package sendgrid
