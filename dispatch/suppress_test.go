package dispatch_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/sendgrid/sgfake"
)

// SendGrid answers 503, the delivery waits for its retry, the contact
// unsubscribes: the retry must not go out.
func TestUnsubscribeStopsASendWaitingForARetry(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db, c := oneDue(t, dialect)
		fake, sender := sgSender(t)
		fake.FailNext(1, sgfake.Failure{Status: http.StatusServiceUnavailable})
		d := newDispatcher(t, db, sender, capsPolicy, "p1")
		if rep, err := d.Step(ctx, t0); err != nil || rep.Retrying != 1 {
			t.Fatalf("first step: %+v, %v; want 1 retrying", rep, err)
		}
		retryAt, ok, err := d.NextDue(ctx)
		if err != nil || !ok {
			t.Fatalf("NextDue = %v %v, want the retry", ok, err)
		}

		if _, err := db.AddSuppressions(ctx, []outreach.Suppression{{Email: c.Email, Scope: outreach.ScopeAll, Reason: "one-click"}}); err != nil {
			t.Fatal(err)
		}
		if st, _, _ := state(t, db, "d1"); st != outreach.DeliverySuppressed {
			t.Errorf("after the unsubscribe: state %s, want suppressed at once", st)
		}
		rep, err := d.Step(ctx, retryAt)
		if err != nil {
			t.Fatal(err)
		}
		if msgs := fake.Messages(); rep.Sent != 0 || len(msgs) != 0 {
			t.Fatalf("retry step: %+v, SendGrid accepted %d messages; want nothing sent to an unsubscribed address", rep, len(msgs))
		}
		ds := decisions(t, db, "d1")
		if len(ds) != 2 || ds[1].Decision != outreach.DecisionSuppressed || ds[1].Reason != "unsubscribed from all non-transactional mail since 2026-03-03 10:00 UTC (one-click)" {
			t.Errorf("decisions = %+v, want the reservation then suppressed naming the unsubscribe", ds)
		}
		if _, ok, _ := d.NextDue(ctx); ok {
			t.Error("the suppressed delivery is still waiting")
		}
	})
}

// A bounce recorded while the send is in flight cannot recall it; when
// SendGrid answers 503 and the send is released, the retry claim suppresses
// it instead of sending it again.
func TestBounceDuringASendStopsItsRetry(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db, _ := oneDue(t, dialect)
		sends := 0
		sender := &fakeSender{SendFn: func(ctx context.Context, m *outreach.Message) (outreach.SendResult, error) {
			sends++
			if sends > 1 {
				return outreach.SendResult{MessageID: "msg-" + m.DeliveryID}, nil
			}
			bounce := outreach.FeedbackEvent{Event: outreach.ProviderEvent{ID: "ev-1", Email: m.To, Type: "bounce", At: t0},
				Suppress: outreach.ScopeHard, Reason: "sendgrid bounce: 550 no such user"}
			if _, err := db.RecordProviderEvents(ctx, []outreach.FeedbackEvent{bounce}); err != nil {
				t.Error(err)
			}
			if st, _, _ := state(t, db, m.DeliveryID); st != outreach.DeliverySending {
				t.Errorf("in flight during the bounce: state %s, want still sending", st)
			}
			return outreach.SendResult{}, &outreach.SendError{Status: http.StatusServiceUnavailable, Retryable: true, Message: "service unavailable"}
		}}
		d := newDispatcher(t, db, sender, capsPolicy, "p1")
		d.Config.Workers = 1
		if rep, err := d.Step(ctx, t0); err != nil || rep.Retrying != 1 {
			t.Fatalf("first step: %+v, %v; want 1 retrying", rep, err)
		}
		retryAt, ok, err := d.NextDue(ctx)
		if err != nil || !ok {
			t.Fatalf("NextDue = %v %v, want the retry", ok, err)
		}
		rep, err := d.Step(ctx, retryAt)
		if err != nil {
			t.Fatal(err)
		}
		if sends != 1 || rep.Sent != 0 || rep.Suppressed != 1 {
			t.Fatalf("retry step: %+v after %d sends; want nothing sent, 1 suppressed", rep, sends)
		}
		if st, _, _ := state(t, db, "d1"); st != outreach.DeliverySuppressed {
			t.Errorf("state %s, want suppressed", st)
		}
		ds := decisions(t, db, "d1")
		if len(ds) != 2 || ds[1].Decision != outreach.DecisionSuppressed || !strings.Contains(ds[1].Reason, "550 no such user") || !ds[1].At.Equal(retryAt) {
			t.Errorf("decisions = %+v, want the reservation then suppressed at %s naming the bounce", ds, retryAt)
		}
	})
}
