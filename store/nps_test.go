package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
)

// TestNPSSeriesAndGroups: weeks start on Monday and months on the 1st (UTC)
// in both dialects; groups and filters by owner, plan, role and locale.
func TestNPSSeriesAndGroups(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		if _, err := db.UpsertAccounts(ctx, []outreach.Account{{ExternalID: "a1", OwnerEmail: "Maria@Vendor.example", Plan: "pro"},
			{ExternalID: "a2", OwnerEmail: "joe@vendor.example", Plan: "basic"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpsertContacts(ctx, []outreach.Contact{{ExternalID: "c1", AccountExternalID: "a1", Email: "ann@a1.example", Role: "admin", Locale: "fr"},
			{ExternalID: "c2", AccountExternalID: "a2", Email: "bob@a2.example", Role: "user"}}); err != nil {
			t.Fatal(err)
		}
		// Sunday 1 March 23:30, Monday 2 March 00:30, Tuesday 31 March, Wednesday 1 April (UTC).
		answers := []struct {
			contact string
			at      time.Time
			score   int
		}{
			{"c1", time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC), 10},
			{"c1", time.Date(2026, 3, 2, 0, 30, 0, 0, time.UTC), 3},
			{"c2", time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC), 9},
			{"c2", time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC), 7},
		}
		for i, a := range answers {
			id := fmt.Sprintf("s%d", i)
			_, err := db.SQLXForTest().Exec(db.SQLXForTest().Rebind(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id,
				occurrence, state, due_at, not_before, expires_at, sent_at, message_id, created_at, updated_at)
				SELECT ?, 'nps', 'survey', id, account_id, ?, 'sent', ?, ?, ?, ?, '', ?, ? FROM contacts WHERE external_id = ?`),
				id, id, a.at.UnixMilli(), a.at.UnixMilli(), a.at.UnixMilli(), a.at.UnixMilli(), a.at.UnixMilli(), a.at.UnixMilli(), a.contact)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.RecordSurveyResponse(ctx, outreach.SurveyResponse{DeliveryID: id, Score: a.score, At: a.at}); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := db.NPS(ctx, outreach.NPSFilter{Interval: outreach.IntervalWeek, GroupBy: "owner"})
		if err != nil {
			t.Fatal(err)
		}
		var weeks []string
		for _, p := range rep.Series {
			weeks = append(weeks, fmt.Sprintf("%s:%d", p.Period.Format(time.DateOnly), p.Responses))
		}
		if got := fmt.Sprint(weeks); got != "[2026-02-23:1 2026-03-02:1 2026-03-30:2]" {
			t.Errorf("weeks = %s", got)
		}
		if len(rep.Groups) != 2 || rep.Groups[0].Key != "joe@vendor.example" || *rep.Groups[0].NPS != 50 ||
			rep.Groups[1].Key != "maria@vendor.example" || *rep.Groups[1].NPS != 0 {
			t.Errorf("groups = %+v", rep.Groups)
		}
		if rep.Overall.Responses != 4 || *rep.Overall.NPS != 25 || rep.Overall.MarginOfError == nil {
			t.Errorf("overall = %+v", rep.Overall)
		}
		rep, err = db.NPS(ctx, outreach.NPSFilter{Interval: outreach.IntervalMonth})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Series) != 2 || rep.Series[0].Period.Format(time.DateOnly) != "2026-03-01" || rep.Series[0].Responses != 3 ||
			rep.Series[1].Period.Format(time.DateOnly) != "2026-04-01" || len(rep.Groups) != 0 {
			t.Errorf("months = %+v, groups %+v", rep.Series, rep.Groups)
		}
		for _, c := range []struct {
			f    outreach.NPSFilter
			want int
		}{
			{outreach.NPSFilter{Owner: "MARIA@vendor.example"}, 2},
			{outreach.NPSFilter{Plan: "basic"}, 2},
			{outreach.NPSFilter{Role: "admin"}, 2},
			{outreach.NPSFilter{Locale: "fr", Plan: "basic"}, 0},
		} {
			rep, err := db.NPS(ctx, c.f)
			if err != nil || rep.Responses != c.want {
				t.Errorf("%+v: %d responses (%v), want %d", c.f, rep.Responses, err, c.want)
			}
		}
	})
}
