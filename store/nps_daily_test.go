package store_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/migrations"
	"github.com/outreach-dev/outreach/store"
)

// rawNPS computes f's report from the answers and deliveries themselves
// (the computation the daily aggregate must agree with): the grouped
// answers of NPSCountsQuery, and the sent surveys counted over the
// deliveries.
func rawNPS(db *store.DB, f outreach.NPSFilter) (overall outreach.NPSStats, series []outreach.NPSPoint, groups []outreach.NPSGroup, sent, answered int, err error) {
	x := db.SQLXForTest()
	var accountID int64
	if f.Account != "" {
		if err := x.Get(&accountID, x.Rebind(`SELECT id FROM accounts WHERE external_id = ?`), f.Account); err != nil {
			return overall, nil, nil, 0, 0, err
		}
	}
	q, args := db.NPSCountsQuery(f, accountID)
	rows, err := x.Query(q, args...)
	if err != nil {
		return overall, nil, nil, 0, 0, err
	}
	defer rows.Close()
	var counts []outreach.NPSCount
	for rows.Next() {
		var c outreach.NPSCount
		if err := rows.Scan(&c.Period, &c.Group, &c.Promoters, &c.Passives, &c.Detractors); err != nil {
			return overall, nil, nil, 0, 0, err
		}
		counts = append(counts, c)
	}
	if err := rows.Close(); err != nil {
		return overall, nil, nil, 0, 0, err
	}
	overall, series, groups = outreach.Breakdown(counts)
	q = `SELECT COUNT(*), COUNT(r.delivery_id) FROM deliveries d LEFT JOIN survey_responses r ON r.delivery_id = d.id
		JOIN contacts c ON c.id = d.contact_id JOIN accounts a ON a.id = d.account_id
		WHERE d.category = 'survey' AND d.state = 'sent'`
	args = nil
	for _, c := range []struct {
		cond string
		v    any
		on   bool
	}{
		{"d.campaign = ?", f.Campaign, f.Campaign != ""},
		{"d.account_id = ?", accountID, f.Account != ""},
		{"LOWER(a.owner_email) = LOWER(?)", f.Owner, f.Owner != ""},
		{"a.plan = ?", f.Plan, f.Plan != ""},
		{"c.role = ?", f.Role, f.Role != ""},
		{"c.locale = ?", f.Locale, f.Locale != ""},
		{"d.sent_at >= ?", msOf(f.From), f.From != nil},
		{"d.sent_at < ?", msOf(f.To), f.To != nil},
	} {
		if c.on {
			q += " AND " + c.cond
			args = append(args, c.v)
		}
	}
	for _, k := range f.ExcludeCampaigns {
		q += " AND d.campaign <> ?"
		args = append(args, k)
	}
	err = x.QueryRow(x.Rebind(q), args...).Scan(&sent, &answered)
	return overall, series, groups, sent, answered, err
}

func msOf(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return t.UnixMilli()
}

// checkNPSAgrees compares db.NPS with rawNPS over the groupings, intervals
// and filters of a report, with windows on and off midnight UTC, a Monday
// and the first of a month (the rollups answer whole weeks and months),
// and the extra windows given.
func checkNPSAgrees(t *testing.T, db *store.DB, stage string, extra ...[2]*time.Time) {
	t.Helper()
	at := func(s string) *time.Time { return atRFC(t, s) }
	windows := [][2]*time.Time{
		{nil, nil},
		{at("2026-03-01T00:00:00Z"), at("2026-04-01T00:00:00Z")}, // whole days
		{at("2026-02-27T13:00:00Z"), at("2026-03-30T05:00:00Z")}, // partial days at both ends
		{at("2026-03-02T01:00:00Z"), at("2026-03-02T20:00:00Z")}, // within one day
		{at("2026-03-15T00:00:00Z"), nil},
		{nil, at("2026-03-15T12:00:00Z")},
		// The weekly and monthly rollups: whole weeks (from Monday) and
		// months, with whole days and partial days of the periods at
		// either end, and unbounded ends.
		{at("2026-02-23T00:00:00Z"), at("2026-03-30T00:00:00Z")},
		{at("2026-02-01T00:00:00Z"), at("2026-04-01T00:00:00Z")},
		{at("2026-02-10T00:00:00Z"), at("2026-04-02T00:00:00Z")},
		{at("2026-02-24T09:30:00Z"), at("2026-04-01T18:00:00Z")},
		{nil, at("2026-03-20T00:00:00Z")},
		{at("2026-01-15T00:00:00Z"), nil},
	}
	windows = append(windows, extra...)
	filters := []outreach.NPSFilter{
		{}, {Owner: "MARIA@vendor.example"}, {Plan: "basic"}, {Role: "admin"}, {Locale: "fr"}, {Campaign: "nps"},
		{ExcludeCampaigns: []string{"csat"}}, {Account: "a2"}, {Owner: "joe@vendor.example", Role: "user", Locale: "pt"},
	}
	var fs []outreach.NPSFilter
	for _, w := range windows {
		for _, base := range filters {
			for _, interval := range []string{"", outreach.IntervalWeek, outreach.IntervalMonth} {
				for _, group := range []string{"", "campaign", "plan", "role", "locale", "account", "owner"} {
					f := base
					f.From, f.To, f.Interval, f.GroupBy = w[0], w[1], interval, group
					fs = append(fs, f)
				}
			}
		}
	}
	// Four at a time (each its own connection): thousands of reports, each
	// next to its raw computation, are most of the store's test time.
	var (
		mu      sync.Mutex
		failure string
		next    atomic.Int64
		wg      sync.WaitGroup
	)
	for range 4 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				mu.Lock()
				stop := i >= len(fs) || failure != ""
				mu.Unlock()
				if stop {
					return
				}
				if msg := npsDisagreement(db, fs[i]); msg != "" {
					mu.Lock()
					if failure == "" {
						failure = msg
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if failure != "" {
		t.Fatalf("%s: %s", stage, failure)
	}
	if len(fs) == 0 {
		t.Fatal("nothing checked")
	}
}

// npsDisagreement is how db.NPS(f) differs from the raw computation over
// the answers, or "" when they agree.
func npsDisagreement(db *store.DB, f outreach.NPSFilter) string {
	rep, err := db.NPS(context.Background(), f)
	if err != nil {
		return fmt.Sprintf("NPS(%+v): %v", f, err)
	}
	overall, series, groups, sent, answered, err := rawNPS(db, f)
	if err != nil {
		return fmt.Sprintf("raw NPS(%+v): %v", f, err)
	}
	if series == nil {
		series = []outreach.NPSPoint{}
	}
	if f.GroupBy == "" || groups == nil {
		groups = []outreach.NPSGroup{}
	}
	if !reflect.DeepEqual(rep.Overall, overall) || !reflect.DeepEqual(rep.Series, series) ||
		!reflect.DeepEqual(rep.Groups, groups) || rep.SurveysSent != sent || rep.Answered != answered {
		return fmt.Sprintf("NPS(%s) disagrees with the answers:\n report %+v %+v %+v sent %d answered %d\n    raw %+v %+v %+v sent %d answered %d",
			describe(f), rep.Overall, rep.Series, rep.Groups, rep.SurveysSent, rep.Answered,
			overall, series, groups, sent, answered)
	}
	return ""
}

// atRFC parses an RFC 3339 instant.
func atRFC(t *testing.T, s string) *time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return &v
}

func describe(f outreach.NPSFilter) string {
	s := fmt.Sprintf("%+v", f)
	if f.From != nil {
		s += " from " + f.From.Format(time.RFC3339)
	}
	if f.To != nil {
		s += " to " + f.To.Format(time.RFC3339)
	}
	return s
}

// TestNPSDailyAgreesWithAnswers: the report read from the daily aggregate
// equals the computation over the answers and deliveries, for every
// grouping, interval and filter, after answers are given and changed (to
// another day and month), a survey sent late is settled, accounts change
// owner and plan, contacts change role, locale and account, a contact is
// erased, and (PostgreSQL) after nps_rebuild.
func TestNPSDailyAgreesWithAnswers(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		if _, err := db.UpsertAccounts(ctx, []outreach.Account{
			{ExternalID: "a1", OwnerEmail: "Maria@Vendor.example", Plan: "pro"},
			{ExternalID: "a2", OwnerEmail: "joe@vendor.example", Plan: "basic"},
			{ExternalID: "a3", OwnerEmail: "maria@vendor.example", Plan: "basic"}}); err != nil {
			t.Fatal(err)
		}
		contacts := []outreach.Contact{
			{ExternalID: "c1", AccountExternalID: "a1", Email: "ann@a1.example", Role: "admin", Locale: "fr"},
			{ExternalID: "c2", AccountExternalID: "a1", Email: "bo@a1.example", Role: "user"},
			{ExternalID: "c3", AccountExternalID: "a2", Email: "cy@a2.example", Role: "user", Locale: "pt"},
			{ExternalID: "c4", AccountExternalID: "a2", Email: "di@a2.example", Role: "admin", Locale: "fr"},
			{ExternalID: "c5", AccountExternalID: "a3", Email: "ed@a3.example", Role: "user", Locale: "pt"},
		}
		if _, err := db.UpsertContacts(ctx, contacts); err != nil {
			t.Fatal(err)
		}
		start := time.Date(2026, 2, 20, 7, 0, 0, 0, time.UTC)
		x := db.SQLXForTest()
		n := 0
		var answered []string
		for i := range 60 {
			c := contacts[i%len(contacts)].ExternalID
			campaign, state := "nps", outreach.DeliverySent
			if i%7 == 3 {
				campaign = "csat"
			}
			if i%11 == 5 {
				state = outreach.DeliverySending // answered before its send is recorded
			}
			sentAt := start.Add(time.Duration(i*17) * time.Hour)
			id := fmt.Sprintf("d%02d", i)
			if _, err := x.Exec(x.Rebind(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id,
				occurrence, state, due_at, not_before, expires_at, sent_at, message_id, created_at, updated_at)
				SELECT ?, ?, 'survey', id, account_id, ?, ?, 0, 0, 0, ?, '', 0, 0 FROM contacts WHERE external_id = ?`),
				id, campaign, id, state, sentAt.UnixMilli(), c); err != nil {
				t.Fatal(err)
			}
			if i%4 == 1 {
				continue // not answered
			}
			at := sentAt.Add(time.Duration(i%9) * 3 * time.Hour)
			if err := db.RecordSurveyResponse(ctx, outreach.SurveyResponse{DeliveryID: id, Score: (i * 7) % 11, At: at}); err != nil {
				t.Fatal(err)
			}
			answered = append(answered, id)
			n++
		}
		checkNPSAgrees(t, db, "answers given")

		// Answers and sends at odd instants: the last millisecond before
		// the epoch (a negative day), midnight of a new year whose ISO
		// week began in the old one, Feb 29 2028, and 2100.
		odd := []string{"1969-12-31T23:59:59.999Z", "1969-12-29T00:00:00Z", "1970-01-01T00:00:00Z", "1969-11-30T23:59:59.5Z",
			"2026-12-31T23:59:59.999Z", "2027-01-01T00:00:00Z", "2027-01-03T23:00:00Z", "2027-01-04T00:00:00Z",
			"2028-02-29T00:00:00Z", "2028-02-29T23:59:59.999Z", "2028-03-01T00:00:00Z", "2100-12-31T12:00:00Z"}
		for i, s := range odd {
			at := *atRFC(t, s)
			c := contacts[i%len(contacts)].ExternalID
			id := fmt.Sprintf("odd%02d", i)
			if _, err := x.Exec(x.Rebind(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id,
				occurrence, state, due_at, not_before, expires_at, sent_at, message_id, created_at, updated_at)
				SELECT ?, 'nps', 'survey', id, account_id, ?, 'sent', 0, 0, 0, ?, '', 0, 0 FROM contacts WHERE external_id = ?`),
				id, id, at.UnixMilli(), c); err != nil {
				t.Fatal(err)
			}
			if err := db.RecordSurveyResponse(ctx, outreach.SurveyResponse{DeliveryID: id, Score: (i * 4) % 11, At: at}); err != nil {
				t.Fatal(err)
			}
		}
		oddWindows := [][2]*time.Time{}
		for _, w := range [][2]string{
			{"1969-12-01T00:00:00Z", "1970-02-01T00:00:00Z"}, // whole months across the epoch
			{"1969-11-01T00:00:00Z", "1970-01-05T00:00:00Z"},
			{"1969-12-31T23:59:59.998Z", "1970-01-01T00:00:00.001Z"}, // a few milliseconds
			{"1969-12-31T12:00:00Z", "1970-01-05T00:00:00Z"},
			{"1969-12-29T00:00:00Z", "1970-01-05T00:00:00Z"}, // a week across the epoch
			{"", "1970-01-01T00:00:00Z"},
			{"1969-12-31T23:00:00Z", ""},
			{"2026-12-28T00:00:00Z", "2027-01-04T00:00:00Z"}, // an ISO week of two years
			{"2026-12-31T00:00:00Z", "2027-01-01T00:00:00Z"},
			{"2026-12-15T10:00:00Z", "2027-01-20T00:00:00Z"},
			{"2026-12-01T00:00:00Z", "2027-02-01T00:00:00Z"},
			{"2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z"},
			{"2028-02-29T00:00:00Z", "2028-03-01T00:00:00Z"},
			{"2028-02-28T12:00:00Z", "2028-03-01T12:00:00Z"},
			{"2027-01-10T00:00:00Z", "2026-12-01T00:00:00Z"}, // inverted
			{"2027-01-10T05:00:00Z", "2026-12-01T07:00:00Z"},
			{"2027-01-04T00:00:00Z", "2027-01-04T00:00:00Z"}, // empty
			{"2027-01-04T06:00:00Z", "2027-01-04T06:00:00Z"},
			{"2027-01-03T23:00:00Z", "2027-01-04T01:00:00Z"}, // across one midnight
			{"2100-01-01T00:00:00Z", "2101-01-01T00:00:00Z"},
		} {
			var p [2]*time.Time
			for j, s := range w {
				if s != "" {
					p[j] = atRFC(t, s)
				}
			}
			oddWindows = append(oddWindows, p)
		}
		checkNPSAgrees(t, db, "odd instants", oddWindows...)

		// Changed answers: new scores, some given days or a month later.
		for i, id := range answered[:20] {
			at := start.Add(time.Duration(i*29) * time.Hour)
			if err := db.RecordSurveyResponse(ctx, outreach.SurveyResponse{DeliveryID: id, Score: (i * 5) % 11, Comment: "changed", At: at}); err != nil {
				t.Fatal(err)
			}
		}
		// The surveys left sending are settled as sent (a processed event).
		if _, err := x.Exec(x.Rebind(`UPDATE deliveries SET state = 'sent', sent_at = sent_at + ? WHERE state = 'sending'`), int64(3*time.Hour/time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		checkNPSAgrees(t, db, "answers changed")

		// Accounts change owner and plan.
		if _, err := db.UpsertAccounts(ctx, []outreach.Account{{ExternalID: "a1", OwnerEmail: "joe@vendor.example", Plan: "basic"},
			{ExternalID: "a3", OwnerEmail: "zoe@vendor.example"}}); err != nil {
			t.Fatal(err)
		}
		checkNPSAgrees(t, db, "owners changed")

		// Contacts change role, locale and account.
		if _, err := db.UpsertContacts(ctx, []outreach.Contact{
			{ExternalID: "c1", Role: "user", Locale: "pt"},
			{ExternalID: "c2", AccountExternalID: "a3"},
			{ExternalID: "c3", AccountExternalID: "a1", Role: "admin"}}); err != nil {
			t.Fatal(err)
		}
		checkNPSAgrees(t, db, "contacts changed", oddWindows...)

		if err := db.EraseContact(ctx, "di@a2.example"); err != nil {
			t.Fatal(err)
		}
		checkNPSAgrees(t, db, "contact erased")
		// Migration 00027 undone and applied again on a database holding
		// answers, with deltas pending across both (an answer before the
		// down, one between): the up fills the rollups from nps_daily and
		// the next fold adds the pending deltas to all three.
		fsys, gd := migrations.SQLite, goose.DialectSQLite3
		if dialect == store.Postgres {
			fsys, gd = migrations.Postgres, goose.DialectPostgres
		}
		p, err := goose.NewProvider(gd, x.DB, fsys)
		if err != nil {
			t.Fatal(err)
		}
		for i, id := range []string{"d05", "d06"} {
			if err := db.RecordSurveyResponse(ctx, outreach.SurveyResponse{DeliveryID: id, Score: 10 - i, At: start.Add(time.Duration(40+i) * 24 * time.Hour)}); err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				if _, err := p.DownTo(ctx, 26); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := p.Up(ctx); err != nil {
			t.Fatal(err)
		}
		checkNPSAgrees(t, db, "00027 down and up")
		if dialect == store.Postgres {
			// nps_rebuild recomputes the aggregate and its rollups.
			if _, err := x.Exec(`SELECT nps_rebuild()`); err != nil {
				t.Fatal(err)
			}
			checkNPSAgrees(t, db, "rebuilt", oddWindows...)
		}
		if n < 40 {
			t.Fatalf("only %d answers", n)
		}
	})
}
