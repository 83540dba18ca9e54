package sendgrid

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sendgrid/sendgrid-go/helpers/eventwebhook"

	"github.com/outreach-dev/outreach"
)

// Signature window: a webhook request signed longer ago than MaxSignatureAge
// or further in the future than MaxSignatureSkew is refused, so a captured
// request cannot be replayed later.
const (
	MaxSignatureAge  = 10 * time.Minute
	MaxSignatureSkew = 5 * time.Minute
)

// Verification errors. They are *outreach.Error with code EUNAUTHORIZED, so
// the HTTP layer answers 401 without knowing this package.
var (
	ErrMissingSignature = &outreach.Error{Code: outreach.EUNAUTHORIZED, Message: "missing " + eventwebhook.VerificationHTTPHeader + " or " + eventwebhook.TimestampHTTPHeader + " header"}
	ErrBadSignature     = &outreach.Error{Code: outreach.EUNAUTHORIZED, Message: "event webhook signature does not match the body"}
	ErrStaleTimestamp   = &outreach.Error{Code: outreach.EUNAUTHORIZED, Message: "event webhook timestamp is more than 10 minutes old or 5 minutes ahead"}
)

// Verifier checks the ECDSA signature SendGrid puts on event webhook
// requests.
type Verifier struct {
	PublicKey *ecdsa.PublicKey
	Now       func() time.Time // default time.Now
}

// NewVerifier parses the base64 (DER, PKIX) public key shown in SendGrid's
// signed event webhook settings (OUTREACH_SENDGRID_WEBHOOK_PUBLIC_KEY).
func NewVerifier(base64Key string) (*Verifier, error) {
	der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(base64Key))
	if err != nil {
		return nil, fmt.Errorf("sendgrid: webhook public key is not base64 (copy it from SendGrid's Mail Settings > Signed Event Webhook): %w", err)
	}
	// Parsed here rather than with eventwebhook.ConvertPublicKeyBase64ToECDSA,
	// which panics on a non-ECDSA key.
	key, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("sendgrid: webhook public key is not a DER public key: %w", err)
	}
	ec, ok := key.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("sendgrid: webhook public key is a %T, want an ECDSA key", key)
	}
	return &Verifier{PublicKey: ec}, nil
}

// CheckHeader checks what can be checked before the body is read: the
// signature headers are present, the signature is base64 of the DER
// encoding of an ECDSA signature (two integers, at most a few hundred
// bytes) and the timestamp is within the signature window. It returns
// ErrMissingSignature, ErrBadSignature or ErrStaleTimestamp, so that a
// request that cannot be genuine is refused without reading its body.
func (v *Verifier) CheckHeader(header http.Header) error {
	sig := header.Get(eventwebhook.VerificationHTTPHeader)
	ts := header.Get(eventwebhook.TimestampHTTPHeader)
	if sig == "" || ts == "" {
		return ErrMissingSignature
	}
	unix, err := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
	if err != nil {
		return ErrBadSignature
	}
	if der, err := base64.StdEncoding.DecodeString(sig); err != nil || !ecdsaSignatureShape(der) {
		return ErrBadSignature
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	age := now().Sub(time.Unix(unix, 0))
	if age > MaxSignatureAge || age < -MaxSignatureSkew {
		return ErrStaleTimestamp
	}
	return nil
}

// ecdsaSignatureShape reports whether der looks like the DER encoding of an
// ECDSA signature: a SEQUENCE of two INTEGERs, a few hundred bytes at most.
func ecdsaSignatureShape(der []byte) bool {
	var sig struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &sig)
	return err == nil && len(rest) == 0 && len(der) <= 256 && sig.R.Sign() > 0 && sig.S.Sign() > 0
}

// Verify checks the signature headers (CheckHeader) and the signature over
// the raw body. It returns ErrMissingSignature, ErrBadSignature or
// ErrStaleTimestamp.
func (v *Verifier) Verify(header http.Header, body []byte) error {
	if err := v.CheckHeader(header); err != nil {
		return err
	}
	sig := header.Get(eventwebhook.VerificationHTTPHeader)
	ts := header.Get(eventwebhook.TimestampHTTPHeader)
	ok, err := eventwebhook.VerifySignature(v.PublicKey, body, sig, ts)
	if err != nil || !ok {
		return ErrBadSignature
	}
	return nil
}

// SendGrid event types.
const (
	EventProcessed        = "processed"
	EventDropped          = "dropped"
	EventDelivered        = "delivered"
	EventDeferred         = "deferred"
	EventBounce           = "bounce"
	EventOpen             = "open"
	EventClick            = "click"
	EventSpamReport       = "spamreport"
	EventUnsubscribe      = "unsubscribe"
	EventGroupUnsubscribe = "group_unsubscribe"
	EventGroupResubscribe = "group_resubscribe"
)

// Event is one entry of an event webhook request.
type Event struct {
	ID         string // sg_event_id: identifies the event across retries; may be empty
	Type       string // "event", as sent (unknown types are kept)
	Email      string // recipient, canonical (outreach.CanonicalEmail) and lower-cased
	DeliveryID string // our delivery_id custom argument, when the event is about our mail
	Reason     string // bounce and dropped reason
	MessageID  string // sg_message_id
	// BounceType is "bounce" (permanent) or "blocked" (temporary) on bounce
	// events.
	BounceType string
	At         time.Time       // "timestamp", UTC
	Raw        json.RawMessage // the event object as received
}

// ParseEvents parses an event webhook body: a JSON array of objects. Every
// object becomes an Event, including unknown types, except an event whose
// address outreach.CanonicalEmail refuses, which is ignored; a body that
// is not an array of objects is an EINVALID error.
func ParseEvents(body []byte) ([]Event, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(body, &raws); err != nil {
		return nil, outreach.Errorf(outreach.EINVALID, "event webhook body must be a JSON array of events: %v", err)
	}
	events := make([]Event, 0, len(raws))
	for i, raw := range raws {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
			return nil, outreach.Errorf(outreach.EINVALID, "event webhook item %d must be a JSON object", i)
		}
		email, ok := eventEmail(str(fields["email"]))
		if !ok {
			continue
		}
		e := Event{
			ID:         str(fields["sg_event_id"]),
			Type:       str(fields["event"]),
			Email:      email,
			DeliveryID: str(fields[CustomArgDeliveryID]),
			Reason:     str(fields["reason"]),
			MessageID:  str(fields["sg_message_id"]),
			BounceType: str(fields["type"]),
			Raw:        bytes.Clone(raw),
		}
		if at, ok := unixTime(fields["timestamp"]); ok {
			e.At = at
		}
		events = append(events, e)
	}
	return events, nil
}

// eventEmail returns the lower-cased canonical form of an event's
// address (outreach.CanonicalEmail), "" for none. ok is false for an
// address outreach refuses: it sent no mail to such an address, so the
// event is ignored rather than recorded under a look-alike.
func eventEmail(s string) (email string, ok bool) {
	if strings.TrimSpace(s) == "" {
		return "", true
	}
	c, err := outreach.CanonicalEmail(s)
	if err != nil {
		return "", false
	}
	return strings.ToLower(c), true
}

// str returns a JSON string's value, a JSON number's text, or "".
func str(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// unixTime reads unix seconds (an integer, a fraction, or either as a
// string) as a UTC time.
func unixTime(raw json.RawMessage) (time.Time, bool) {
	s := str(raw)
	if secs, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(secs, 0).UTC(), true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return time.Time{}, false
	}
	secs, frac := math.Modf(f)
	return time.Unix(int64(secs), int64(frac*1e9)).UTC().Truncate(time.Millisecond), true
}

// XMessageID returns the part of sg_message_id that SendGrid answered as
// X-Message-Id to the send request (sg_message_id appends ".filter...").
func (e Event) XMessageID() string {
	id, _, _ := strings.Cut(e.MessageID, ".")
	return id
}

// Effect is what an event means to outreach.
type Effect int

// Effects, from least to most consequential.
const (
	// EffectIgnore: an unknown type, accepted and dropped.
	EffectIgnore Effect = iota
	// EffectTimeline: recorded on the delivery's timeline (delivered,
	// open, click, deferred, a temporary "blocked" bounce, other drops).
	EffectTimeline
	// EffectProcessed: SendGrid accepted the message; it settles a delivery
	// left in `sending` by a crashed process. Also on the timeline.
	EffectProcessed
	// EffectSuppressAll: the person unsubscribed; scope `all`.
	EffectSuppressAll
	// EffectSuppressHard: the address must never be mailed again (bounce,
	// drop for a bounced/invalid/spam-reporting address, spam report);
	// scope `hard`.
	EffectSuppressHard
)

// String returns the effect's name.
func (f Effect) String() string {
	switch f {
	case EffectTimeline:
		return "timeline"
	case EffectProcessed:
		return "processed"
	case EffectSuppressAll:
		return "suppress-all"
	case EffectSuppressHard:
		return "suppress-hard"
	}
	return "ignore"
}

// Scope returns the suppression scope of a suppressing effect, or "".
func (f Effect) Scope() string {
	switch f {
	case EffectSuppressAll:
		return outreach.ScopeAll
	case EffectSuppressHard:
		return outreach.ScopeHard
	}
	return ""
}

// Effect maps e to what it means. Suppressing effects also go on the
// delivery's timeline when the event names one.
func (e Event) Effect() Effect {
	switch e.Type {
	case EventBounce:
		// "blocked" is SendGrid's temporary refusal (reputation, content);
		// only a real bounce proves the address is dead.
		if strings.EqualFold(e.BounceType, "blocked") {
			return EffectTimeline
		}
		return EffectSuppressHard
	case EventSpamReport:
		return EffectSuppressHard
	case EventDropped:
		return droppedEffect(e.Reason)
	case EventUnsubscribe, EventGroupUnsubscribe:
		return EffectSuppressAll
	case EventProcessed:
		return EffectProcessed
	case EventDelivered, EventDeferred, EventOpen, EventClick, EventGroupResubscribe:
		return EffectTimeline
	}
	return EffectIgnore
}

// droppedEffect classifies SendGrid's drop reasons ("Bounced Address",
// "Invalid", "Spam Reporting Address", "Unsubscribed Address", "Invalid
// SMTPAPI header", ...). Drops caused by the request, not the address, only
// go on the timeline.
func droppedEffect(reason string) Effect {
	r := strings.ToLower(strings.TrimSpace(reason))
	switch {
	case strings.Contains(r, "bounce"), r == "invalid", strings.HasPrefix(r, "invalid address"),
		strings.HasPrefix(r, "invalid email"), strings.Contains(r, "spam report"):
		return EffectSuppressHard
	case strings.Contains(r, "unsubscribe"):
		return EffectSuppressAll
	}
	return EffectTimeline
}
