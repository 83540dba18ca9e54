package simulate

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/digest"
)

// DigestLine is one line of the log for a digest sent to a team member;
// decision lines (Record) and digest lines share the log, in time order,
// and are told apart by their "digest" field.
type DigestLine struct {
	At       time.Time `json:"at"`       // when it was sent (RFC 3339 UTC)
	Digest   string    `json:"digest"`   // the team member's email
	Accounts int       `json:"accounts"` // accounts the member owns
	Subject  string    `json:"subject"`
}

// DigestCounts says what the team's digests did during a simulation.
type DigestCounts struct {
	Sent    int // emails sent
	Members int // team members who were sent at least one
	Empty   int // digests with nothing to report: stored, not sent
	Failed  int // refused by the sender
}

// newDigests returns the digest runner of a simulation with team members:
// it sends through the simulation's sender with the dispatcher's From and
// links.
func (s *sim) newDigests() {
	c := s.disp.Config
	from := (&mail.Address{Name: c.FromName, Address: c.From}).String()
	s.digests = &digest.Runner{Store: s.db, Sender: s.disp.Sender, Signer: s.disp.Signer, PublicURL: c.PublicURL,
		From: from, Logger: s.opts.Logger, Pack: func() *outreach.Pack { return s.pack.Pack }}
}

// digestWake returns when the next digest falls due (zero when there are
// no digests to send).
func (s *sim) digestWake(ctx context.Context) (time.Time, error) {
	if s.digests == nil {
		return time.Time{}, nil
	}
	wake, ok, err := s.digests.NextWake(ctx, s.now)
	if err != nil || !ok {
		return time.Time{}, err
	}
	return wake, nil
}

// sendDigests sends the digests due now.
func (s *sim) sendDigests(ctx context.Context) error {
	if _, err := s.digests.Tick(ctx, s.now); err != nil {
		return fmt.Errorf("simulate at %s: digests: %w", s.now.Format(time.RFC3339), err)
	}
	return nil
}

// readDigests returns the log lines of the digests sent, in time order,
// and counts the digests by state.
func (s *sim) readDigests(ctx context.Context) ([]DigestLine, error) {
	var rep reports = s.db
	owned, err := rep.AccountsOwned(ctx)
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	sent, err := rep.DigestsInState(ctx, outreach.DigestSent)
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	var lines []DigestLine
	for _, d := range sent {
		lines = append(lines, DigestLine{At: d.SentAt, Digest: d.Owner,
			Accounts: owned[strings.ToLower(d.Owner)], Subject: d.Subject})
	}
	counts, err := rep.DigestStates(ctx)
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	for _, c := range counts {
		switch c.State {
		case outreach.DigestSent:
			s.res.Digests.Sent, s.res.Digests.Members = c.N, c.Members
		case outreach.DigestEmpty:
			s.res.Digests.Empty = c.N
		case outreach.DigestFailed, outreach.DigestPending:
			s.res.Digests.Failed += c.N
		}
	}
	return lines, nil
}
