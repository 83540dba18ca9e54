package main

import (
	"context"
	"sync"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/alerting"
	"github.com/outreach-dev/outreach/notify"
	"github.com/outreach-dev/outreach/store"
	"github.com/outreach-dev/outreach/webhooks"
)

// alertWorker builds the alert loop of the configuration.
func (m *Main) alertWorker(db *store.DB, w *wiring, pack func() *outreach.Pack) *alerting.Worker {
	window := m.Config.AlertWindow
	if window == 0 {
		window = -1 // fire at once (alerting.Worker reads 0 as its default)
	}
	return &alerting.Worker{
		Store: db, Pack: pack, Sender: w.sender, Poster: notify.New(m.Config.AllowPrivateTargets), Signer: w.signer,
		PublicURL: m.Config.PublicURL, From: m.Config.MailFrom,
		SlackWebhook: m.Config.SlackWebhookURL, TeamsWebhook: m.Config.TeamsWebhookURL,
		Window: window, Logger: m.Logger,
	}
}

// startAlerts runs the alert loop and the outgoing webhooks' sender (every
// replica: each step skips what another holds) until ctx ends; stop waits
// for both and is idempotent.
func (m *Main) startAlerts(ctx context.Context, db *store.DB, w *wiring, pack func() *outreach.Pack) (stop func()) {
	if m.dryRun {
		// A dry run sends nothing: answers wait in the queue until a
		// live serve processes them.
		m.Logger.Info("dry run: alerts are not processed")
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	aw := m.alertWorker(db, w, pack)
	ws := &webhooks.Sender{Store: db, AllowPrivate: m.Config.AllowPrivateTargets, Logger: m.Logger}
	done := make(chan struct{}, 2)
	go func() {
		defer func() { done <- struct{}{} }()
		aw.Run(ctx, m.Now)
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		ws.Run(ctx, m.Now)
	}()
	var once sync.Once
	return func() { once.Do(func() { cancel(); <-done; <-done }) }
}
