package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/httpapi"
	"github.com/outreach-dev/outreach/store"
)

// shutdownTimeout bounds how long serve waits for in-flight requests after
// SIGTERM.
const shutdownTimeout = 30 * time.Second

func (m *Main) serveCommand() *command {
	return &command{
		Usage:   "serve [--dry-run]",
		Summary: "run the API, public pages, the leader's planning and digests, and the dispatcher",
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&m.Config.HTTPAddr, "http-addr", m.Config.HTTPAddr, "listen address (OUTREACH_HTTP_ADDR)")
			fs.StringVar(&m.Config.PublicURL, "public-url", m.Config.PublicURL, "base of links in emails (OUTREACH_PUBLIC_URL)")
			fs.BoolVar(&m.dryRun, "dry-run", false, "plan and decide, record everything, send nothing (go-live check)")
		},
		Run: m.serve,
	}
}

// serve runs the HTTP server until ctx is cancelled (SIGTERM, SIGINT), then
// drains in-flight requests.
func (m *Main) serve(ctx context.Context, args []string) error {
	if err := wantArgs(args, 0, "serve"); err != nil {
		return err
	}
	db, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", m.Config.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on OUTREACH_HTTP_ADDR: %w", err)
	}
	return m.serveOn(ctx, db, ln)
}

// serveOn runs everything serve runs — the pack and the leader's planning
// and digests, the dispatcher, the API and public pages on ln — on an open,
// migrated store until ctx is cancelled, then drains in-flight requests
// and sends. It closes ln. The demo calls it on the store it simulated.
func (m *Main) serveOn(ctx context.Context, db *store.DB, ln net.Listener) error {
	defer ln.Close()
	w, err := m.wire(ctx, db)
	if err != nil {
		return err
	}
	plan, err := m.startPlanning(ctx, db, w.digests) // pack + leader's scheduler (pack.go)
	if err != nil {
		return err
	}
	defer plan.stop() // idempotent: also called on the orderly path below
	// The public pages and the NPS report tell CSAT from NPS surveys by
	// the active pack's templates.
	w.feedback.Pack = func() *outreach.Pack { return plan.Active().Pack }
	api := &httpapi.Server{
		Ingest: db, Contacts: db, Tokens: db, DB: db,
		Logger:     m.Logger,
		AdminToken: m.Config.APIToken,
		Now:        m.Now,
		Feedback:   w.feedback,
		Pause:      &httpapi.Pause{Store: db, Links: w.signer},
		Cases:      &httpapi.Cases{Store: db, Links: w.signer},
		Responses:  db,
		Webhooks:   &httpapi.OutgoingWebhooks{Store: db, AllowPrivate: m.Config.AllowPrivateTargets},
	}
	stopAlerts := m.startAlerts(ctx, db, w, func() *outreach.Pack { return plan.Active().Pack })
	defer stopAlerts()
	stopDispatch, err := m.startDispatch(ctx, db, w, plan.Active, api.CountSend)
	if err != nil {
		return err
	}
	defer stopDispatch()
	if w := toolchainWarning(runtime.Version()); w != "" {
		m.Logger.Warn(w)
	}
	if m.Config.APIToken == "" {
		m.Logger.Warn("OUTREACH_API_TOKEN is not set: only tokens made with `outreach token create` can use the API")
	}
	srv := &http.Server{
		Handler:           api.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	addr := ln.Addr().String()
	m.Logger.Info("serving", "addr", addr, "database", db.Dialect())
	if m.OnListen != nil {
		m.OnListen(addr)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	m.Logger.Info("shutting down: draining requests", "timeout", shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down http: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	m.Logger.Info("http stopped: waiting for in-flight sends")
	stopDispatch()
	stopAlerts()
	plan.stop()
	m.Logger.Info("stopped")
	return nil
}
