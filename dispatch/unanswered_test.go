package dispatch_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// unansweredOnce is a sender whose first request gets no answer (a
// timeout after SendGrid received it) and which accepts every later one.
func unansweredOnce() (*fakeSender, func() int) {
	var mu sync.Mutex
	calls := 0
	return &fakeSender{SendFn: func(_ context.Context, m *outreach.Message) (outreach.SendResult, error) {
			mu.Lock()
			defer mu.Unlock()
			calls++
			if calls == 1 {
				return outreach.SendResult{}, &outreach.SendError{Retryable: true, Unanswered: true,
					Message: "no answer after the request was sent: context deadline exceeded"}
			}
			return outreach.SendResult{MessageID: "msg-" + m.DeliveryID}, nil
		}}, func() int {
			mu.Lock()
			defer mu.Unlock()
			return calls
		}
}

// unansweredSetup sends d1 once, unanswered, at t0.
func unansweredSetup(t *testing.T, dialect string, webhook bool) (*store.DB, func(time.Time) error, func(time.Time) (int, error), func() int) {
	t.Helper()
	ctx := context.Background()
	db, _ := oneDue(t, dialect)
	sender, calls := unansweredOnce()
	d := newDispatcher(t, db, sender, capsPolicy, "p1")
	d.Config.WebhookEnabled = webhook
	rep, err := d.Step(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Unanswered != 1 || calls() != 1 {
		t.Fatalf("first step: %+v, %d requests; want 1 unanswered", rep, calls())
	}
	step := func(at time.Time) error { _, err := d.Step(ctx, at); return err }
	return db, step, func(at time.Time) (int, error) { return d.Recover(ctx, at) }, calls
}

// TestUnansweredSendIsNotResentAtOnce: a send whose answer was lost stays
// sending under its claim; later steps do not send it again; recovery
// settles it like a crashed send.
func TestUnansweredSendIsNotResentAtOnce(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		db, step, recover, calls := unansweredSetup(t, dialect, false)
		if err := step(t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		st, errText, _ := state(t, db, "d1")
		if st != outreach.DeliverySending || calls() != 1 || !strings.Contains(errText, "may have accepted it") {
			t.Fatalf("after a lost answer: state %s, error %q, %d requests; want sending, not sent again", st, errText, calls())
		}
		// Without a webhook nothing can confirm it: failed, never resent.
		if n, err := recover(t0.Add(time.Minute)); err != nil || n != 1 {
			t.Fatalf("Recover after the lease = %d, %v; want 1", n, err)
		}
		if err := step(t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		st, errText, _ = state(t, db, "d1")
		if st != outreach.DeliveryFailed || !strings.HasPrefix(errText, "outcome unknown") || calls() != 1 {
			t.Errorf("state %s, error %q, %d requests; want failed \"outcome unknown\", one request", st, errText, calls())
		}
	})
}

// TestUnansweredSendSettledByProcessedEvent: with a webhook, the
// processed event marks it sent. TestUnansweredSendResentOnceAfterGrace:
// without one before the grace, it is sent again once.
func TestUnansweredSendSettledByProcessedEvent(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		db, _, recover, calls := unansweredSetup(t, dialect, true)
		q := storetest.SQL(t, db).Rebind(`INSERT INTO provider_events (id, delivery_id, email, type, at, payload) VALUES ('ev1', 'd1', 'x@example.com', 'processed', ?, ?)`)
		if _, err := storetest.SQL(t, db).Exec(q, t0.Add(time.Second).UnixMilli(), `{"sg_message_id":"abc123.filterdrecv-1"}`); err != nil {
			t.Fatal(err)
		}
		if n, err := recover(t0.Add(time.Minute)); err != nil || n != 1 {
			t.Fatalf("Recover = %d, %v; want 1", n, err)
		}
		if st, _, mid := state(t, db, "d1"); st != outreach.DeliverySent || mid != "abc123" || calls() != 1 {
			t.Errorf("state %s, message id %q, %d requests; want sent abc123 with one request", st, mid, calls())
		}
	})
}

func TestUnansweredSendResentOnceAfterGrace(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		db, step, recover, calls := unansweredSetup(t, dialect, true)
		if n, err := recover(t0.Add(time.Minute)); err != nil || n != 0 {
			t.Fatalf("Recover within the grace = %d, %v; want 0", n, err)
		}
		later := t0.Add(dispatchGrace + time.Second)
		if n, err := recover(later); err != nil || n != 1 {
			t.Fatalf("Recover after the grace = %d, %v; want 1", n, err)
		}
		if err := step(later); err != nil {
			t.Fatal(err)
		}
		if st, _, _ := state(t, db, "d1"); st != outreach.DeliverySent || calls() != 2 {
			t.Errorf("state %s, %d requests; want sent again once after the grace", st, calls())
		}
	})
}

// TestFailedSendIsLogged: an operator sees refused mail in the log.
func TestFailedSendIsLogged(t *testing.T) {
	ctx := context.Background()
	db, _ := oneDue(t, store.SQLite)
	refuse := &fakeSender{SendFn: func(context.Context, *outreach.Message) (outreach.SendResult, error) {
		return outreach.SendResult{}, &outreach.SendError{Status: 401, Message: "The provided authorization grant is invalid"}
	}}
	var log bytes.Buffer
	d := newDispatcher(t, db, refuse, capsPolicy, "p1")
	d.Logger = slog.New(slog.NewTextHandler(&log, nil))
	var results []string
	var reasons []string
	d.OnSend = func(o outreach.SendOutcome) {
		results, reasons = append(results, o.Result), append(reasons, o.FailReason)
	}
	if _, err := d.Step(ctx, t0); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "level=WARN msg=\"delivery failed\" delivery=d1") || !strings.Contains(log.String(), "status 401") {
		t.Errorf("log:\n%s\nwant a warning naming d1 and the status", log.String())
	}
	if strings.Join(results, ",") != outreach.SendFailed || strings.Join(reasons, ",") != outreach.FailRefused {
		t.Errorf("OnSend saw %v (reasons %v), want one %s (%s)", results, reasons, outreach.SendFailed, outreach.FailRefused)
	}
}
