package scheduler_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/scheduler"
)

func TestRenewalAndAnniversarySchedules(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		b := setup(t, dialect)
		// Applied at Monday 09:30: the Monday 10:00 re-engagement fires
		// the same day, the 09:00 renewal reminder first on Tuesday 09:00,
		// the @daily anniversary at Tuesday 00:00.
		b.clock.Set(time.Date(2026, 3, 2, 23, 59, 0, 0, time.UTC))
		if rep := b.tick(t); rep.SchedulesFired != 1 || len(b.deliveries(t, "reengagement")) != 2 {
			t.Fatalf("Monday evening tick = %+v, want only the re-engagement (ann, eve)", rep)
		}
		b.clock.Set(time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC))
		if rep := b.tick(t); rep.SchedulesFired != 1 {
			t.Fatalf("midnight tick = %+v, want the anniversary", rep)
		}
		// acme started 2024-03-03: its second anniversary, for every
		// active contact (no filter).
		ann := b.deliveries(t, "anniversary")
		if got := b.contactsOf(ann); !slices.Equal(got, []string{"ann", "bob", "cid"}) {
			t.Errorf("anniversary to %v, want ann, bob, cid", got)
		}
		if len(ann) > 0 && ann[0].Occurrence != "2026" {
			t.Errorf("anniversary occurrence = %q, want the year 2026", ann[0].Occurrence)
		}
		b.clock.Set(time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC))
		if rep := b.tick(t); rep.SchedulesFired != 1 {
			t.Fatalf("09:00 tick = %+v, want the renewal reminder", rep)
		}
		// acme renews within 60 days: its admins and billing contacts
		// (ann; dan is inactive); beta has no renewal date.
		rr := b.deliveries(t, "renewal-reminder")
		if got := b.contactsOf(rr); !slices.Equal(got, []string{"ann"}) {
			t.Errorf("renewal reminder to %v, want [ann]", got)
		}
		if want := t0.AddDate(0, 0, 30).Format(time.DateOnly); len(rr) > 0 && (rr[0].Occurrence != want || rr[0].Category != "transactional") {
			t.Errorf("renewal reminder = %+v, want occurrence %s, transactional", rr[0], want)
		}
		// The next day's reminder is the same occurrence: nothing new.
		b.clock.Set(time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC))
		if rep := b.tick(t); rep.SchedulesFired != 2 || rep.DeliveriesPlanned != 0 {
			t.Errorf("next day = %+v, want 2 fired (anniversary, reminder), 0 new deliveries", rep)
		}
	})
}

func TestMissedScheduleFiresOnce(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		b := setup(t, dialect)
		// Down for ten days: ten 09:00 reminders, ten midnights and one
		// Monday 10:00 were missed.
		b.clock.Set(t0.Add(10 * day))
		rep := b.tick(t)
		if rep.SchedulesFired != 3 {
			t.Errorf("first tick after downtime fired %d schedules, want 3 (each once)", rep.SchedulesFired)
		}
		states, err := b.db.CampaignStates(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"renewal-reminder", "anniversary", "reengagement"} {
			if lf := states[k].LastFire; lf == nil || !lf.Equal(b.clock.Now()) {
				t.Errorf("%s last fire = %v, want now", k, lf)
			}
		}
		b.clock.Add(time.Minute)
		if rep := b.tick(t); rep.SchedulesFired != 0 {
			t.Errorf("a minute later fired %d, want 0", rep.SchedulesFired)
		}
	})
}

func TestNextWake(t *testing.T) {
	pack := loadPack(t, testCampaigns)
	s := &scheduler.Scheduler{Pack: func() *outreach.Pack { return pack.Pack }}
	for _, tc := range []struct{ now, want time.Time }{
		{time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC), time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}, // Monday 10:00 re-engagement
		{time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)},  // @daily
		{time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)},   // 09:00 reminder
	} {
		if got := s.NextWake(tc.now); !got.Equal(tc.want) {
			t.Errorf("NextWake(%v) = %v, want %v", tc.now, got, tc.want)
		}
	}
}

func TestAudienceQueryAnniversaryRanges(t *testing.T) {
	c := &outreach.Campaign{Key: "a", Trigger: outreach.Trigger{Schedule: "@daily", Audience: outreach.Audience{Anniversary: "started_at"}}}
	paris, _ := time.LoadLocation("Europe/Paris")
	covers := func(q outreach.AudienceQuery, t time.Time) bool {
		for _, r := range q.AnniversaryRanges {
			if !t.Before(r[0]) && t.Before(r[1]) {
				return true
			}
		}
		return false
	}
	for _, tc := range []struct {
		name    string
		now     time.Time
		started time.Time
		want    bool
	}{
		{"same day last year", time.Date(2027, 5, 10, 12, 0, 0, 0, time.UTC), time.Date(2026, 5, 10, 3, 0, 0, 0, time.UTC), true},
		{"same day this year is not an anniversary", time.Date(2027, 5, 10, 12, 0, 0, 0, time.UTC), time.Date(2027, 5, 10, 1, 0, 0, 0, time.UTC), false},
		{"other day", time.Date(2027, 5, 10, 12, 0, 0, 0, time.UTC), time.Date(2020, 5, 11, 3, 0, 0, 0, time.UTC), false},
		{"leap day on 28 Feb of a common year", time.Date(2027, 2, 28, 12, 0, 0, 0, time.UTC), time.Date(2024, 2, 29, 9, 0, 0, 0, time.UTC), true},
		{"1 March is not 28 February", time.Date(2027, 2, 28, 12, 0, 0, 0, time.UTC), time.Date(2023, 3, 1, 9, 0, 0, 0, time.UTC), false},
		{"leap day on leap day", time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC), time.Date(2024, 2, 29, 9, 0, 0, 0, time.UTC), true},
		{"1 March is not leap day", time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC), time.Date(2023, 3, 1, 9, 0, 0, 0, time.UTC), false},
	} {
		q := scheduler.AudienceQuery(c, time.UTC, tc.now)
		if got := covers(q, tc.started); got != tc.want {
			t.Errorf("%s: covered = %v, want %v", tc.name, got, tc.want)
		}
		if q.AnniversaryYear != tc.now.Format("2006") {
			t.Errorf("%s: year = %q", tc.name, q.AnniversaryYear)
		}
	}
	// Dates are taken in the policy timezone: 23:30 UTC on 9 May is 10 May
	// in Paris.
	q := scheduler.AudienceQuery(c, paris, time.Date(2027, 5, 9, 23, 30, 0, 0, time.UTC))
	if !covers(q, time.Date(2020, 5, 10, 8, 0, 0, 0, paris)) {
		t.Errorf("Paris: 10 May not covered on 10 May local")
	}
	r := &outreach.Campaign{Trigger: outreach.Trigger{Audience: outreach.Audience{RenewalWithin: 60 * day}}}
	q = scheduler.AudienceQuery(r, paris, time.Date(2027, 5, 9, 23, 30, 0, 0, time.UTC))
	if q.RenewalFrom != "2027-05-10" || q.RenewalTo != "2027-07-09" {
		t.Errorf("renewal range = %s..%s, want 2027-05-10..2027-07-09", q.RenewalFrom, q.RenewalTo)
	}
}

func TestDeliveryIDAgreesInGoAndSQL(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		c := &clock{t: t0}
		db := storetest.Open(t, dialect, c.Now)
		for _, tc := range []struct {
			campaign   string
			contact    int64
			occurrence string
		}{
			{"nps-onboarding", 1, "ev-1"},
			{"csat-support", 9007199254740993, "T-1"},
			{"reengagement", 42, "2026-01-02T03:04:05Z"},
			{"milestone", 7, "1000 invoices: été ✓"},
			{"x", 0, ""},
		} {
			got, err := db.DeliveryIDSQL(context.Background(), tc.campaign, tc.contact, tc.occurrence)
			if err != nil {
				t.Fatal(err)
			}
			if want := outreach.DeliveryID(tc.campaign, tc.contact, tc.occurrence); got != want {
				t.Errorf("%s SQL id(%q, %d, %q) = %s, Go = %s", dialect, tc.campaign, tc.contact, tc.occurrence, got, want)
			}
		}
	})
}

// The planner filters contacts in SQL (store filterSQL); explanations and
// previews use the Go form (campaigns.FilterMatches). Both must agree.
func TestFilterAgreesInGoAndSQL(t *testing.T) {
	filters := []outreach.Filter{
		{},
		{Roles: []string{"admin", "Champion"}},
		{Plans: []string{"enterprise"}},
		{Locales: []string{"pt"}},
		{Locales: []string{"en", "fr-CA"}},
		{Roles: []string{"billing"}, Plans: []string{"Pro"}, Locales: []string{"hu"}},
	}
	contacts := []struct{ role, locale, plan string }{
		{"admin", "pt-BR", "enterprise"}, {"CHAMPION", "", "pro"}, {"", "en", ""}, {"billing", "hu", "PRO"},
		{"user", "fr-CA", "starter"}, {"admin", "fr", "enterprise"}, {"champion", "pt", "Enterprise"},
		{"billing", "hu-HU", "pro"}, {"admin", "ptx", "enterprise"}, {"admin", "en-GB", "free"},
	}
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		db := storetest.Open(t, dialect, (&clock{t: t0}).Now)
		for _, f := range filters {
			for _, c := range contacts {
				got, err := db.FilterMatchesSQL(context.Background(), f, c.role, c.locale, c.plan)
				if err != nil {
					t.Fatal(err)
				}
				if want := campaigns.FilterMatches(f, c.role, c.locale, c.plan); got != want {
					t.Errorf("%s filter %+v, contact %+v: SQL %v, Go %v", dialect, f, c, got, want)
				}
			}
		}
	})
}

// A schedule that can never fire ("0 0 31 2 *") fires at no tick, even in a
// pack whose schedule gives a zero next fire time (robfig/cron's Next does
// for "0 0 31 2 *", which cronspec now refuses at load): zero is not after
// any tick.
func TestScheduleThatNeverFiresFiresAtNoTick(t *testing.T) {
	pack := loadPack(t, `
policy: {timezone: America/New_York}
campaigns:
  - key: never
    category: lifecycle
    trigger: {schedule: "@daily", audience: {inactive_for: 30d}}
    template: reengagement
`)
	pack.Pack.Campaigns[0].Trigger.Schedule = "0 0 31 2 *"
	pack.Pack.Campaigns[0].Trigger.Cron = neverFires{}
	var fired []time.Time
	st := &fakeStore{
		CampaignStatesFn: func(context.Context) (map[string]outreach.CampaignState, error) {
			return map[string]outreach.CampaignState{"never": {Since: t0, EventsFrom: t0}}, nil
		},
		PlanEventBatchFn: func(context.Context, time.Time, int, func([]outreach.Event) outreach.EventPlan) (outreach.PlanResult, error) {
			return outreach.PlanResult{}, nil
		},
		FireScheduleFn: func(_ context.Context, q outreach.AudienceQuery) (bool, outreach.PlanResult, error) {
			fired = append(fired, q.FireAt)
			return true, outreach.PlanResult{}, nil
		},
	}
	s := &scheduler.Scheduler{Store: st, Pack: func() *outreach.Pack { return pack.Pack }}
	for _, at := range []time.Time{t0.Add(time.Minute), t0.Add(day), time.Date(2027, 2, 28, 5, 0, 0, 0, time.UTC), t0.AddDate(10, 0, 0)} {
		rep, err := s.Tick(context.Background(), at)
		if err != nil {
			t.Fatal(err)
		}
		if rep.SchedulesFired != 0 {
			t.Errorf("tick at %v fired %d schedules, want 0", at, rep.SchedulesFired)
		}
	}
	if len(fired) > 0 {
		t.Errorf("the schedule fired at %v, want never", fired)
	}
	if w := s.NextWake(t0); !w.IsZero() {
		t.Errorf("NextWake = %v, want none", w)
	}
}

func TestParseTickRefusesSchedulesThatDoNotRun(t *testing.T) {
	for spec, want := range map[string]string{
		"0 0 31 2 *":   `OUTREACH_TICK: "0 0 31 2 *": it never fires`,
		"@every 0s":    `OUTREACH_TICK: "@every 0s": @every needs a duration of more than 0`,
		"@every -5m":   `OUTREACH_TICK: "@every -5m": @every needs a duration of more than 0`,
		"every minute": `OUTREACH_TICK: "every minute" is not a cron spec`,
	} {
		if _, err := scheduler.ParseTick(spec); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("ParseTick(%q) = %v, want an error starting %q", spec, err, want)
		}
	}
	for _, spec := range []string{"@every 10s", "*/5 * * * *", "0 9 29 2 *", "@hourly"} {
		if _, err := scheduler.ParseTick(spec); err != nil {
			t.Errorf("ParseTick(%q) = %v, want it accepted", spec, err)
		}
	}
}

// neverFires is a schedule whose next fire is always the zero time.
type neverFires struct{}

func (neverFires) Next(time.Time) time.Time { return time.Time{} }
