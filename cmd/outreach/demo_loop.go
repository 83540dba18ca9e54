package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/alerting"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/digest"
	"github.com/outreach-dev/outreach/store"
)

// demoLoop closes the loop on the simulated answers: the alert rules of
// the built-in pack run over them at the end of the window, the owners get
// their alert emails in the outbox, follow-up cases open, and the digest
// of the owner of the first case shows them first. It prints what it did.
func (m *Main) demoLoop(ctx context.Context, db *store.DB, run *demoRun) error {
	end := db.Now()
	signer, err := m.linkSigner(ctx, db)
	if err != nil {
		return err
	}
	pack := campaigns.Default().Pack
	var alerts []outreach.Notification
	var mu sync.Mutex // OnDelivered runs on the worker's sending goroutines
	w := &alerting.Worker{Store: db, Pack: func() *outreach.Pack { return pack }, Sender: run.sent, Signer: signer,
		PublicURL: m.Config.PublicURL, From: m.Config.MailFrom, Window: -1, Logger: m.Logger,
		OnDelivered: func(n outreach.Notification) { mu.Lock(); alerts = append(alerts, n); mu.Unlock() }}
	if _, err := w.Tick(ctx, end); err != nil {
		return fmt.Errorf("demo alerts: %w", err)
	}
	cases, err := db.Cases(ctx, outreach.CaseFilter{Now: end})
	if err != nil {
		return err
	}
	open, overdue := 0, 0
	for _, c := range cases {
		if c.State != outreach.CaseClosed {
			open++
			if c.Overdue {
				overdue++
			}
		}
	}
	fmt.Fprintf(m.Stdout, "\n── closing the loop ──\n\nalerts: %s to owners (rule %q: NPS 0-6), follow-up cases: %d open, %d overdue\n",
		plural(len(alerts), "alert email"), "detractor", open, overdue)
	if len(alerts) == 0 || len(cases) == 0 {
		fmt.Fprintln(m.Stdout, "(no NPS detractor answered in this window: simulate more days, e.g. --days 90)")
		return nil
	}
	slices.SortFunc(alerts, func(a, b outreach.Notification) int { return strings.Compare(a.ID, b.ID) })
	a := alerts[0]
	fmt.Fprintf(m.Stdout, "\nthe first alert, to %s: %s\n  %s\n", a.Target, a.Subject, filepath.Join(run.outbox, a.ID+".eml"))
	c := cases[0]
	fmt.Fprintf(m.Stdout, "its case: #%d %s, %s, due %s%s (GET /api/v1/cases?account=%s)\n", c.ID, c.Account, c.State,
		c.DueAt.UTC().Format(time.RFC3339), map[bool]string{true: ", overdue", false: ""}[c.Overdue], c.Account)
	d, err := digest.Build(ctx, db, outreach.TeamMember{Email: c.Owner}, end.Add(-7*24*time.Hour), end, pack)
	if err != nil {
		return err
	}
	_, text, _, err := digest.Render(d, signer, m.Config.PublicURL)
	if err != nil {
		return err
	}
	section := text[strings.Index(text, "FOLLOW-UP CASES"):]
	if i := strings.Index(section, "\n\n\n"); i > 0 {
		section = section[:i]
	}
	if lines := strings.Split(section, "\n"); len(lines) > 12 {
		section = strings.Join(lines[:12], "\n") + fmt.Sprintf("\n  … %d more lines", len(lines)-12)
	}
	fmt.Fprintf(m.Stdout, "\nthe cases lead %s's next digest (its first section):\n\n%s\n", c.Owner, section)
	return nil
}
