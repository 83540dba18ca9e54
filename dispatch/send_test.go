package dispatch_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/sendgrid"
	"github.com/outreach-dev/outreach/sendgrid/sgfake"
)

// sgSender returns the real SendGrid sender pointed at a fresh sgfake.
func sgSender(t *testing.T) (*sgfake.Server, *sendgrid.Sender) {
	t.Helper()
	fake := sgfake.New(t)
	s, err := sendgrid.NewSender(sendgrid.Config{APIKey: sgfake.DefaultKey, APIURL: fake.URL,
		PostalAddress: "Acme Inc., 1 Main St, Springfield", RatePerSecond: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return fake, s
}

func TestRateLimitedSendIsRetriedWithinTTL(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db, _ := oneDue(t, dialect)
		fake, sender := sgSender(t)
		fake.FailNext(1, sgfake.RateLimited("120", time.Time{}))
		fake.FailNext(1, sgfake.ServerError())
		d := newDispatcher(t, db, sender, capsPolicy, "p1")

		rep, err := d.Step(ctx, t0)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Retrying != 1 {
			t.Fatalf("report = %+v, want 1 retrying", rep)
		}
		st, errText, _ := state(t, db, "d1")
		if st != outreach.DeliverySending || !strings.Contains(errText, "429") {
			t.Fatalf("after a 429: state %s error %q", st, errText)
		}
		next, ok, err := d.NextDue(ctx)
		if err != nil || !ok || !next.Equal(t0.Add(120*time.Second)) {
			t.Fatalf("NextDue = %s %v %v, want Retry-After 120 s later", next, ok, err)
		}
		if _, err := d.Step(ctx, next.Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if len(fake.Messages()) != 0 {
			t.Fatal("retried before Retry-After")
		}
		// The 500 backs off 2 s (second attempt), then 202.
		if _, err := d.Step(ctx, next); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Step(ctx, next.Add(2*time.Second)); err != nil {
			t.Fatal(err)
		}
		st, _, mid := state(t, db, "d1")
		msgs := fake.Messages()
		if st != outreach.DeliverySent || len(msgs) != 1 || mid == "" || mid != msgs[0].MessageID || msgs[0].DeliveryID != "d1" {
			t.Fatalf("state %s message id %q; accepted %+v", st, mid, msgs)
		}
		if ds := decisions(t, db, "d1"); len(ds) != 1 {
			t.Errorf("a retry must not add decisions: %+v", ds)
		}
	})
}

func TestRetriesStopAtTheEndOfTTL(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := openStore(t, dialect)
		c := addPeople(t, db, 1, 1)[0]
		// Due almost 7 days (the default ttl) ago: the first backoff ends past it.
		plan(t, db, planned{ID: "d1", Campaign: "milestone-congrats", Category: outreach.CategoryLifecycle, Contact: c, Due: t0.Add(-outreach.DefaultTTL + 30*time.Second)})
		fake, sender := sgSender(t)
		fake.FailNext(1, sgfake.RateLimited("60", time.Time{}))
		d := newDispatcher(t, db, sender, outreach.Policy{}, "p1")
		if _, err := d.Step(ctx, t0); err != nil {
			t.Fatal(err)
		}
		st, errText, _ := state(t, db, "d1")
		if st != outreach.DeliveryFailed || !strings.Contains(errText, "ttl") || !strings.Contains(errText, "429") {
			t.Fatalf("state %s error %q, want failed naming the ttl and the 429", st, errText)
		}
	})
}

func TestClientErrorFailsWithTheProvidersMessage(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db, _ := oneDue(t, dialect)
		fake, sender := sgSender(t)
		fake.FailNext(1, sgfake.BadRequest("from", "The from address does not match a verified Sender Identity"))
		d := newDispatcher(t, db, sender, capsPolicy, "p1")
		rep, err := d.Step(ctx, t0)
		if err != nil {
			t.Fatal(err)
		}
		st, errText, _ := state(t, db, "d1")
		if rep.Failed != 1 || st != outreach.DeliveryFailed || !strings.Contains(errText, "verified Sender Identity") || !strings.Contains(errText, "400") {
			t.Fatalf("report %+v, state %s, error %q", rep, st, errText)
		}
		if _, ok, _ := d.NextDue(ctx); ok {
			t.Error("a failed delivery is still waiting")
		}
	})
}

func TestRenderErrorFailsTheDelivery(t *testing.T) {
	ctx := context.Background()
	db := openStore(t, "sqlite")
	c := addPeople(t, db, 1, 1)[0]
	plan(t, db, planned{ID: "d1", Campaign: "milestone-congrats", Category: outreach.CategoryLifecycle, Contact: c, Due: t0})
	if _, err := storetest.SQL(t, db).Exec(`UPDATE accounts SET renewal_date = 'soon'`); err != nil {
		t.Fatal(err)
	}
	_, sender := newCountingSender()
	d := newDispatcher(t, db, sender, capsPolicy, "p1")
	if _, err := d.Step(ctx, t0); err != nil {
		t.Fatal(err)
	}
	if st, errText, _ := state(t, db, "d1"); st != outreach.DeliveryFailed || !strings.Contains(errText, "renewal_date") {
		t.Fatalf("state %s error %q, want failed naming renewal_date", st, errText)
	}
}
