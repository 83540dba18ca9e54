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
	// Listen first: a start that cannot have its port (another serve
	// holds it) fails before it creates or migrates any database.
	ln, err := net.Listen("tcp", m.Config.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on OUTREACH_HTTP_ADDR: %w", err)
	}
	db, err := m.openStore(ctx)
	if err != nil {
		ln.Close()
		return err
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
	if c, ok := w.sender.(interface{ Close() error }); ok {
		defer c.Close() // after the dispatcher stopped (deferred below): QUIT pooled SMTP connections
	}
	plan, err := m.startPlanning(ctx, db, w.digests) // pack + leader's scheduler (pack.go)
	if err != nil {
		return err
	}
	defer plan.stop() // idempotent: also called on the orderly path below
	// The public pages and the NPS report tell CSAT from NPS surveys by
	// the active pack's templates.
	w.feedback.Pack = func() *outreach.Pack { return plan.Active().Pack }
	// Requests get their own share of OUTREACH_DB_MAX_CONNS (limits.go);
	// /healthz pings through the background share, which they cannot take.
	apiDB, err := m.splitPool(ctx, db)
	if err != nil {
		return err
	}
	defer apiDB.Close()
	w.feedback.Store = apiDB
	inFlight := m.Config.PublicBytesInFlight
	if inFlight <= 0 {
		inFlight = httpapi.DefaultPublicBytesInFlight // a Main built without DefaultConfig
	}
	budget, err := httpapi.NewByteBudget(inFlight)
	if err != nil {
		return fmt.Errorf("OUTREACH_PUBLIC_BYTES_IN_FLIGHT: %w", err)
	}
	w.feedback.Survey = func(campaign, locale string) (outreach.SurveyText, bool) {
		return plan.Active().SurveyText(campaign, locale)
	}
	cons, err := m.consoleServer(apiDB, w.sender, func() *outreach.Pack { return plan.Active().Pack })
	if err != nil {
		return err
	}
	api := &httpapi.Server{
		Ingest: apiDB, Contacts: apiDB, Tokens: apiDB, DB: db,
		Logger:       m.Logger,
		AdminToken:   m.Config.APIToken,
		Now:          m.Now,
		Feedback:     w.feedback,
		Pause:        &httpapi.Pause{Store: apiDB, Links: w.signer},
		PublicBudget: budget,
		Console:      cons.Handler(),
		Audit:        apiDB,
		Lists:        apiDB,
		Cases:        &httpapi.Cases{Store: apiDB, Links: w.signer},
		Responses:    apiDB,
		Webhooks:     &httpapi.OutgoingWebhooks{Store: apiDB, AllowPrivate: m.Config.AllowPrivateTargets},
		Ops: &httpapi.Ops{
			Stats:       db.OpsStats,
			Leader:      plan.leader.Holds,
			PackVersion: func() int { return plan.Active().Pack.Version },
		},
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
