package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
)

func (m *Main) explainCommand() *command {
	var email string
	return &command{
		Usage:   "explain --contact EMAIL",
		Summary: "print a contact's deliveries with each decision, its rule and reason, and the events that planned nothing for it, and why",
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&email, "contact", "", "the contact's email address")
		},
		Run: func(ctx context.Context, args []string) error {
			if err := wantArgs(args, 0, "explain --contact EMAIL"); err != nil {
				return err
			}
			if strings.TrimSpace(email) == "" {
				return fmt.Errorf("--contact is required: the email address of the contact to explain")
			}
			email, err := outreach.CanonicalEmail(email)
			if err != nil {
				return fmt.Errorf("--contact: %v", err)
			}
			db, err := m.openExisting(ctx)
			if err != nil {
				return err
			}
			tl, err := db.Timeline(ctx, email)
			if err != nil {
				return err
			}
			if tl.Account != nil { // a pause that has ended is no pause
				tl.Account.PausedUntil = tl.Account.PausedAt(m.Now())
			}
			return writeExplain(m.Stdout, tl)
		},
	}
}

// writeExplain prints who the contact is, what stops mail to them, and
// every delivery (newest first) with its decisions in the order they were
// taken.
func writeExplain(w io.Writer, tl *outreach.Timeline) error {
	c := tl.Contact
	var b strings.Builder
	fmt.Fprintf(&b, "%s", c.Email)
	if c.Name != "" {
		fmt.Fprintf(&b, " (%s)", c.Name)
	}
	if tl.Account != nil {
		fmt.Fprintf(&b, ", account %s", tl.Account.ExternalID)
		if tl.Account.PausedUntil != nil {
			fmt.Fprintf(&b, " paused until %s", stamp(*tl.Account.PausedUntil))
		}
	}
	fmt.Fprintf(&b, ", timezone %s, locale %s\n", orDash(c.Timezone), orDash(c.Locale))
	for _, s := range tl.Suppressions {
		fmt.Fprintf(&b, "suppressed (%s) since %s", s.Scope, stamp(s.CreatedAt))
		if s.Reason != "" {
			fmt.Fprintf(&b, ": %s", s.Reason)
		}
		b.WriteString("\n")
	}
	writeUnplanned(&b, tl.Events)
	if len(tl.Deliveries) == 0 {
		b.WriteString("no deliveries\n")
	}
	for _, d := range tl.Deliveries {
		fmt.Fprintf(&b, "\n%s  %s (%s)  due %s  now %s\n", d.ID, d.Campaign, d.Category, stamp(d.DueAt), describeState(d))
		for _, x := range d.Decisions {
			fmt.Fprintf(&b, "  %s  %-10s ", stamp(x.At), x.Decision)
			if x.Rule != "" {
				fmt.Fprintf(&b, "[%s] ", x.Rule)
			}
			b.WriteString(x.Reason)
			if x.Until != nil {
				fmt.Fprintf(&b, " (until %s)", stamp(*x.Until))
			}
			b.WriteString("\n")
		}
		for _, e := range d.ProviderEvents {
			fmt.Fprintf(&b, "  %s  %-10s (provider)\n", stamp(e.At), e.Type)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeUnplanned lists the events (newest first) that planned nothing
// for the contact, each with why, per campaign.
func writeUnplanned(b *strings.Builder, events []outreach.TimelineEvent) {
	n := 0
	for _, e := range events {
		if len(e.Outcomes) == 0 {
			continue
		}
		if n == 0 {
			b.WriteString("events that planned nothing for this contact:\n")
		}
		n++
		scope := ""
		if e.ContactID == 0 {
			scope = ", account-level"
		}
		fmt.Fprintf(b, "  %s  %s (%s%s)\n", stamp(e.OccurredAt), e.ID, e.Type, scope)
		for _, o := range e.Outcomes {
			b.WriteString("    ")
			if o.Campaign != "" {
				b.WriteString(o.Campaign + ": ")
			}
			b.WriteString(o.Outcome)
			if o.Detail != "" {
				b.WriteString(" — " + o.Detail)
			}
			b.WriteString("\n")
		}
	}
}

// describeState says where a delivery stands.
func describeState(d outreach.Delivery) string {
	switch d.State {
	case outreach.DeliveryPlanned:
		return "planned, not before " + stamp(d.NotBefore)
	case outreach.DeliverySent:
		if strings.HasPrefix(d.MessageID, "dry-run:") {
			return "sent in a dry run (serve --dry-run): recorded, never handed to SendGrid"
		}
		if d.SentAt != nil {
			return "sent " + stamp(*d.SentAt)
		}
	case outreach.DeliveryFailed:
		return "failed: " + d.Error
	case outreach.DeliverySending:
		if d.Error != "" {
			return "sending (" + d.Error + ")"
		}
	}
	return d.State
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
