package eml

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/mimemail"
)

// Sender writes messages as .eml files into Dir. It is safe for concurrent
// use.
type Sender struct {
	Dir string
	Now func() time.Time
	// PostalAddress is appended to bodies that lack it
	// (OUTREACH_POSTAL_ADDRESS); "" adds nothing.
	PostalAddress string
}

var _ outreach.IdempotentSender = (*Sender)(nil)

// New returns a Sender writing into dir (created on first Send); now
// defaults to time.Now.
func New(dir string, now func() time.Time) *Sender {
	if now == nil {
		now = time.Now
	}
	return &Sender{Dir: dir, Now: now}
}

// safeID matches delivery ids that are safe as file names.
var safeID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$`)

// Path returns the file a delivery is written to.
func (s *Sender) Path(deliveryID string) string {
	return filepath.Join(s.Dir, deliveryID+".eml")
}

// Send writes m to <Dir>/<delivery_id>.eml, exactly once: a delivery whose
// file exists is not written again and Send succeeds (see writeOnce). The
// result's MessageID is the Message-ID header.
func (s *Sender) Send(ctx context.Context, m *outreach.Message) (outreach.SendResult, error) {
	if err := ctx.Err(); err != nil {
		return outreach.SendResult{}, err
	}
	if m == nil || !safeID.MatchString(m.DeliveryID) {
		id := ""
		if m != nil {
			id = m.DeliveryID
		}
		return outreach.SendResult{}, &outreach.SendError{Message: fmt.Sprintf("delivery id %q cannot name a file: use letters, digits, '.', '_' and '-'", id)}
	}
	msgID := outreach.MessageID(m.DeliveryID, m.From)
	raw, err := mimemail.Build(m, mimemail.Options{Date: s.Now(), PostalAddress: s.PostalAddress})
	if err != nil {
		return outreach.SendResult{}, err
	}
	if err := writeOnce(s.Dir, s.Path(m.DeliveryID), raw); err != nil {
		return outreach.SendResult{}, fmt.Errorf("write outbox: %w", err)
	}
	return outreach.SendResult{MessageID: msgID}, nil
}
