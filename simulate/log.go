package simulate

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/outreach-dev/outreach/store"
)

// Record is one line of the decision log: one decision about one delivery.
type Record struct {
	// At is when the decision was taken; for sent, when the slot was
	// reserved.
	At         time.Time `json:"at"`
	DeliveryID string    `json:"delivery_id"`
	Campaign   string    `json:"campaign"`
	Category   string    `json:"category"`
	Contact    string    `json:"contact"` // email
	Account    string    `json:"account"` // external id
	Decision   string    `json:"decision"`
	// Rule names the rule that bound a deferred or dropped delivery
	// (outreach.Rule*: max_per_week, quiet_hours, ttl, ...).
	Rule   string     `json:"rule,omitempty"`
	Reason string     `json:"reason"`
	Until  *time.Time `json:"until,omitempty"` // deferrals: when it will be decided again
}

// report reads the decisions back in time order, writes them to
// Options.Out as JSONL, with a line per digest sent after the decisions of
// its instant, and builds the summary.
func (s *sim) report(ctx context.Context) error {
	sb := newSummaryBuilder(s.pack.Pack)
	if err := s.readStates(ctx, sb); err != nil {
		return err
	}
	digests, err := s.readDigests(ctx)
	if err != nil {
		return err
	}
	var w *bufio.Writer
	var enc *json.Encoder
	if s.opts.Out != nil {
		w = bufio.NewWriterSize(s.opts.Out, 64<<10)
		enc = json.NewEncoder(w)
		enc.SetEscapeHTML(false)
	}
	var rep reports = s.db
	err = rep.EachDecision(ctx, func(row *store.DecisionLogRow) error {
		r := Record(*row)
		sb.add(&r)
		s.res.Decisions++
		if enc == nil {
			return nil
		}
		for len(digests) > 0 && digests[0].At.Before(r.At) {
			if err := enc.Encode(&digests[0]); err != nil {
				return fmt.Errorf("write decision log: %w", err)
			}
			digests = digests[1:]
		}
		if err := enc.Encode(&r); err != nil {
			return fmt.Errorf("write decision log: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	for i := range digests {
		if enc == nil {
			break
		}
		if err := enc.Encode(&digests[i]); err != nil {
			return fmt.Errorf("simulate: write decision log: %w", err)
		}
	}
	if w != nil {
		if err := w.Flush(); err != nil {
			return fmt.Errorf("simulate: write decision log: %w", err)
		}
	}
	s.res.Summary = sb.summary()
	return nil
}

// readStates counts the deliveries of each campaign by final state.
func (s *sim) readStates(ctx context.Context, sb *summaryBuilder) error {
	var rep reports = s.db
	counts, err := rep.DeliveryStates(ctx)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	for _, c := range counts {
		sb.state(c.Campaign, c.Category, c.State, c.N)
	}
	return nil
}
