package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
)

// TestDeadlineIsBusyNot500: a request whose deadline passes while it waits
// (for a database connection, or in a query the driver then cancels with
// its own error) is answered 503 with Retry-After, not 500, and the wait is
// logged with the route, not the path.
func TestDeadlineIsBusyNot500(t *testing.T) {
	for name, fail := range map[string]func(ctx context.Context) error{
		"waiting for a connection": func(ctx context.Context) error { return ctx.Err() },
		"query cancelled by the driver": func(context.Context) error {
			return errors.New("insert events: pq: canceling statement due to user request")
		},
	} {
		t.Run(name, func(t *testing.T) {
			s, tb := setup(t)
			s.RequestTimeout = time.Millisecond
			tb.ingest.InsertEventsFn = func(ctx context.Context, _ []outreach.Event) (outreach.BatchResult, error) {
				<-ctx.Done()
				return outreach.BatchResult{}, fail(ctx)
			}
			ev := `[{"id": "e1", "type": "qbr.completed", "account_external_id": "acme", "occurred_at": "2026-01-01T00:00:00Z"}]`
			res, body := do(t, s, "POST", "/api/v1/events", adminToken, ev)
			wantStatus(t, res, body, http.StatusServiceUnavailable)
			if res.Header.Get("Retry-After") == "" || !strings.Contains(body, "busy") {
				t.Errorf("Retry-After %q, body %s", res.Header.Get("Retry-After"), body)
			}
			if logs := tb.logs.String(); !strings.Contains(logs, "request cut off by its deadline") || !strings.Contains(logs, `"route":"POST /api/v1/events"`) {
				t.Errorf("log: %s", logs)
			}
		})
	}
}
