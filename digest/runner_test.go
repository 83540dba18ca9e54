package digest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/digest"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

func TestDue(t *testing.T) {
	added := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	prev := time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		tz, spec  string
		policy    string
		last      *time.Time
		now       time.Time
		wantDue   bool
		wantFrom  time.Time
		wantTo    time.Time
		wantError bool
	}{
		// Monday 08:00 in Tokyo is Sunday 23:00 UTC.
		{"tokyo before", "Asia/Tokyo", "0 8 * * MON", "UTC", nil, time.Date(2026, 3, 1, 22, 59, 0, 0, time.UTC), false, time.Time{}, time.Time{}, false},
		{"tokyo at", "Asia/Tokyo", "0 8 * * MON", "UTC", nil, time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC), true,
			time.Date(2026, 2, 22, 23, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC), false},
		// No timezone: the policy's (New York, UTC-5 in March before DST).
		{"policy tz before", "", "0 8 * * MON", "America/New_York", nil, time.Date(2026, 3, 2, 12, 59, 0, 0, time.UTC), false, time.Time{}, time.Time{}, false},
		{"policy tz at", "", "0 8 * * MON", "America/New_York", nil, time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC), true,
			time.Date(2026, 2, 23, 13, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC), false},
		// The next period starts where the previous one ended; after a
		// downtime one digest covers the gap up to the latest fire.
		{"after previous", "", "0 8 * * MON", "America/New_York", &prev, time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC), true,
			prev, time.Date(2026, 3, 16, 12, 0, 0, 0, time.UTC), false},
		{"already sent", "", "0 8 * * MON", "America/New_York", &prev, time.Date(2026, 3, 9, 11, 0, 0, 0, time.UTC), false, time.Time{}, time.Time{}, false},
		{"bad cron", "", "every monday", "", nil, added.Add(30 * 24 * time.Hour), false, time.Time{}, time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := outreach.DigestMember{TeamMember: outreach.TeamMember{Email: "m@v.example", Timezone: tt.tz, DigestSchedule: tt.spec},
				CreatedAt: added, LastPeriodEnd: tt.last}
			from, to, due, err := digest.Due(m, tt.policy, tt.now)
			if (err != nil) != tt.wantError {
				t.Fatalf("err = %v, want error %v", err, tt.wantError)
			}
			if due != tt.wantDue || !from.Equal(tt.wantFrom) || !to.Equal(tt.wantTo) {
				t.Errorf("Due = [%v, %v] %v, want [%v, %v] %v", from, to, due, tt.wantFrom, tt.wantTo, tt.wantDue)
			}
		})
	}
}

// runner returns a Runner over db with a recording sender.
func runner(t *testing.T, db *store.DB) (*digest.Runner, *recorder) {
	rec := &recorder{}
	return &digest.Runner{Store: db, Sender: rec, Signer: signer(t), PublicURL: "https://outreach.example",
		From: "Outreach <outreach@vendor.example>", Pack: func() *outreach.Pack { return pack }}, rec
}

func TestTickSendsOncePerPeriod(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedFull(t, db)
		// The team member joined 7 days before the fixture's period end.
		raw := storetest.SQL(t, db)
		if _, err := raw.Exec(raw.Rebind(`UPDATE team_members SET created_at = ?`), periodStart.UnixMilli()); err != nil {
			t.Fatal(err)
		}
		var before int
		if err := storetest.SQL(t, db).Get(&before, `SELECT COUNT(*) FROM deliveries`); err != nil {
			t.Fatal(err)
		}
		r, rec := runner(t, db)
		wake, ok, err := r.NextWake(ctx, periodStart)
		if err != nil || !ok || !wake.Equal(periodEnd) {
			t.Fatalf("NextWake = %v, %v, %v; want %v (Monday 08:00 Tokyo)", wake, ok, err, periodEnd)
		}
		if n, err := r.Tick(ctx, periodEnd.Add(-time.Minute)); err != nil || n != 0 {
			t.Fatalf("Tick before the fire = %d, %v; want 0", n, err)
		}
		now := periodEnd.Add(30 * time.Second)
		for i := 0; i < 2; i++ {
			n, err := r.Tick(ctx, now)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[int]int{0: 1, 1: 0}[i]; n != want {
				t.Errorf("Tick %d sent %d, want %d", i+1, n, want)
			}
		}
		msgs := rec.sent()
		if len(msgs) != 1 {
			t.Fatalf("%d emails, want 1", len(msgs))
		}
		m := msgs[0]
		if m.To != csm || m.Campaign != digest.Campaign || m.From != "outreach@vendor.example" ||
			!strings.Contains(m.Text, "FEEDBACK") || !strings.Contains(m.HTML, "<html") || m.DeliveryID != digest.MessageID(csm, periodEnd) {
			t.Errorf("message = %+v", m)
		}
		recs, err := db.Digests(ctx, csm)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 || recs[0].State != outreach.DigestSent || !recs[0].PeriodStart.Equal(periodStart) ||
			!recs[0].PeriodEnd.Equal(periodEnd) || recs[0].SentAt == nil || recs[0].Subject != m.Subject {
			t.Errorf("stored digests = %+v", recs)
		}
		var after int
		if err := storetest.SQL(t, db).Get(&after, `SELECT COUNT(*) FROM deliveries`); err != nil {
			t.Fatal(err)
		}
		if after != before {
			t.Errorf("deliveries went from %d to %d: digests must not be deliveries", before, after)
		}
		// The next period starts where this one ended.
		wake, _, _ = r.NextWake(ctx, now)
		if !wake.Equal(periodEnd.Add(7 * 24 * time.Hour)) {
			t.Errorf("next wake = %v, want a week later", wake)
		}
	})
}

func TestTickEmptyDigestIsNotSent(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// A member without a timezone (policy tz) and without accounts.
		if _, err := db.UpsertTeam(ctx, []outreach.TeamMember{{Email: "new@vendor.example", DigestSchedule: "0 8 * * *"}}); err != nil {
			t.Fatal(err)
		}
		r, rec := runner(t, db)
		r.Pack = func() *outreach.Pack { return &outreach.Pack{Policy: outreach.Policy{Timezone: "Europe/Paris"}} }
		fire := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC) // 08:00 in Paris
		if n, err := r.Tick(ctx, fire.Add(-time.Second)); err != nil || n != 0 {
			t.Fatalf("Tick = %d, %v", n, err)
		}
		if n, err := r.Tick(ctx, fire); err != nil || n != 0 {
			t.Fatalf("Tick = %d, %v; want nothing sent", n, err)
		}
		if len(rec.sent()) != 0 {
			t.Fatal("an empty digest was sent")
		}
		recs, err := db.Digests(ctx, "new@vendor.example")
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 || recs[0].State != outreach.DigestEmpty || !recs[0].PeriodEnd.Equal(fire) {
			t.Errorf("stored = %+v, want one empty digest ending %v", recs, fire)
		}
	})
}

func TestTickRetriesRefusedDigest(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedFull(t, db)
		r, rec := runner(t, db)
		rec.err = &outreach.SendError{Status: 503, Retryable: true, Message: "try later"}
		now := periodEnd.Add(time.Minute)
		n, err := r.Tick(ctx, now)
		var se *outreach.SendError
		if n != 0 || !errors.As(err, &se) {
			t.Fatalf("Tick = %d, %v; want the send error", n, err)
		}
		rec.err = nil
		if n, err := r.Tick(ctx, now.Add(time.Minute)); err != nil || n != 1 {
			t.Fatalf("retry Tick = %d, %v; want 1 sent", n, err)
		}
		if n, err := r.Tick(ctx, now.Add(2*time.Minute)); err != nil || n != 0 {
			t.Fatalf("third Tick = %d, %v; want 0", n, err)
		}
		if len(rec.sent()) != 1 {
			t.Errorf("%d emails, want 1", len(rec.sent()))
		}
	})
}
