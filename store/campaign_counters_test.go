package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// TestCampaignCountersMatchTheRows writes deliveries, decisions and answers
// through plain SQL (so every writer of these tables is covered: the
// counters are kept by triggers), including the changes that take counts
// back (a sent delivery that fails later, an answer whose score changes),
// and holds CampaignStats, over several periods, to a count of the rows
// themselves; then rebuilds the counters from the rows and checks again.
func TestCampaignCountersMatchTheRows(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		x := db.SQLXForTest()
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := x.ExecContext(ctx, x.Rebind(q), args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		day := int64(24 * time.Hour / time.Millisecond)
		start := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
		rng := rand.New(rand.NewPCG(1, 2))
		camps := []string{"nps", "csat", "welcome"}
		for i := range 400 {
			id := fmt.Sprintf("d%03d", i)
			c := camps[i%len(camps)]
			created := start + rng.Int64N(12*day)
			exec(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id, occurrence, state, due_at, not_before, expires_at, created_at, updated_at)
				VALUES (?, ?, 'survey', ?, 1, ?, 'planned', ?, ?, ?, ?, ?)`, id, c, i, id, created, created, created+7*day, created, created)
			at := created
			for range rng.IntN(3) { // deferred 0-2 times
				at += rng.Int64N(day)
				exec(`INSERT INTO decisions (delivery_id, at, decision, reason, until) VALUES (?, ?, 'deferred', 'quiet hours', ?)`, id, at, at+3600000)
			}
			at += rng.Int64N(day)
			switch r := rng.IntN(10); {
			case r < 6:
				exec(`UPDATE deliveries SET state = 'sending', reserved_at = ?, updated_at = ? WHERE id = ?`, at, at, id)
				exec(`INSERT INTO decisions (delivery_id, at, decision, reason) VALUES (?, ?, 'sent', '')`, id, at)
				exec(`UPDATE deliveries SET state = 'sent', sent_at = ?, updated_at = ? WHERE id = ?`, at, at, id)
				if rng.IntN(2) == 0 {
					ans := at + rng.Int64N(3*day)
					exec(`INSERT INTO survey_responses (delivery_id, contact_id, campaign, score, comment, at, updated_at) VALUES (?, ?, ?, ?, '', ?, ?)`,
						id, i, c, rng.IntN(11), ans, ans)
					if rng.IntN(3) == 0 {
						exec(`UPDATE survey_responses SET score = ?, updated_at = ? WHERE delivery_id = ?`, rng.IntN(11), ans+1, id)
					}
				}
				if rng.IntN(8) == 0 { // bounced after the send
					exec(`UPDATE deliveries SET state = 'failed', error = 'bounce', updated_at = ? WHERE id = ?`, at+day, id)
				}
			case r < 7:
				exec(`UPDATE deliveries SET state = 'failed', error = 'rejected', reserved_at = ?, updated_at = ? WHERE id = ?`, at, at, id)
				if rng.IntN(2) == 0 { // touched again while failed
					exec(`UPDATE deliveries SET updated_at = ? WHERE id = ?`, at+day, id)
				}
			case r < 8:
				exec(`INSERT INTO decisions (delivery_id, at, decision, reason) VALUES (?, ?, 'dropped', 'past its ttl')`, id, at)
				exec(`UPDATE deliveries SET state = 'dropped', updated_at = ? WHERE id = ?`, at, id)
			case r < 9:
				exec(`INSERT INTO decisions (delivery_id, at, decision, reason) VALUES (?, ?, 'suppressed', 'unsubscribed')`, id, at)
				exec(`UPDATE deliveries SET state = 'suppressed', updated_at = ? WHERE id = ?`, at, id)
			}
		}
		check := func(when string) {
			t.Helper()
			for _, p := range []struct{ from, days int64 }{{0, 20}, {3, 7}, {10, 1}, {5, 30}} {
				from, to := time.UnixMilli(start+p.from*day).UTC(), time.UnixMilli(start+(p.from+p.days)*day-1).UTC()
				got, err := db.CampaignStats(ctx, from, to)
				if err != nil {
					t.Fatal(err)
				}
				want := countRows(t, db, from, to)
				one, err := db.CampaignStats(ctx, from, to, "csat")
				if err != nil {
					t.Fatal(err)
				}
				if len(one) != 1 || !reflect.DeepEqual(one["csat"], want["csat"]) {
					t.Errorf("%s, %d days from day %d, csat alone: %+v, want %+v", when, p.days, p.from, one, want["csat"])
				}
				if !reflect.DeepEqual(got, want) {
					for k := range want {
						if !reflect.DeepEqual(got[k], want[k]) {
							t.Errorf("%s, %d days from day %d, %s:\n got %+v\nwant %+v", when, p.days, p.from, k, got[k], want[k])
						}
					}
					if len(got) != len(want) {
						t.Errorf("%s: %d campaigns, want %d", when, len(got), len(want))
					}
				}
			}
		}
		check("triggers")
		if err := db.RebuildCampaignCounters(ctx); err != nil {
			t.Fatal(err)
		}
		check("rebuilt")
	})
}

// countRows counts the rows themselves, as CampaignStats documents its
// counts: the oracle of the counters.
func countRows(t *testing.T, db *store.DB, from, to time.Time) map[string]*outreach.CampaignStats {
	t.Helper()
	x := db.SQLXForTest()
	f, tt := from.UnixMilli(), to.UnixMilli()
	day := int64(24 * time.Hour / time.Millisecond)
	days := int((tt - f + day - 1) / day)
	out := map[string]*outreach.CampaignStats{}
	get := func(c string) *outreach.CampaignStats {
		if out[c] == nil {
			out[c] = &outreach.CampaignStats{Campaign: c, SentPerDay: make([]int, days)}
		}
		return out[c]
	}
	type row struct {
		C string `db:"c"`
		K string `db:"k"`
		T int64  `db:"t"`
	}
	var rows []row
	q := x.Rebind(`SELECT campaign AS c, 'planned' AS k, created_at AS t FROM deliveries
		UNION ALL SELECT campaign, 'sent', sent_at FROM deliveries WHERE state = 'sent'
		UNION ALL SELECT campaign, 'failed', updated_at FROM deliveries WHERE state = 'failed'
		UNION ALL SELECT d.campaign, x.decision, x.at FROM decisions x JOIN deliveries d ON d.id = x.delivery_id
			WHERE x.decision <> 'sent' AND NOT EXISTS (SELECT 1 FROM decisions y WHERE y.delivery_id = x.delivery_id AND y.decision = x.decision AND y.id < x.id)
		UNION ALL SELECT d.campaign, 'answered', d.sent_at FROM survey_responses r JOIN deliveries d ON d.id = r.delivery_id WHERE d.state = 'sent'
		UNION ALL SELECT campaign, CASE WHEN score >= 9 THEN 'promoter' WHEN score >= 7 THEN 'passive' ELSE 'detractor' END, at FROM survey_responses`)
	if err := x.Select(&rows, q); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.T < f || r.T >= f+int64(days)*day {
			continue
		}
		s := get(r.C)
		switch r.K {
		case "planned":
			s.Planned++
		case "sent":
			s.Sent++
			s.SentPerDay[(r.T-f)/day]++
		case "failed":
			s.Failed++
		case outreach.DecisionDeferred:
			s.Deferred++
		case outreach.DecisionDropped:
			s.Dropped++
		case outreach.DecisionSuppressed:
			s.Suppressed++
		case "answered":
			s.Answered++
		case "promoter":
			s.Promoters++
		case "passive":
			s.Passives++
		case "detractor":
			s.Detractors++
		}
	}
	return out
}

// TestCampaignCountersCompactPastDays writes one campaign's deliveries
// from two PostgreSQL backends, which keep a counter row each, on a past
// day and today: reading the counts folds the past day's rows into one
// (today's stay apart, their writers may still be at work), and the counts
// do not change.
func TestCampaignCountersCompactPastDays(t *testing.T) {
	ctx := context.Background()
	db := open(t, store.Postgres)
	x := db.SQLXForTest()
	day := int64(24 * time.Hour / time.Millisecond)
	now := t0.UnixMilli()
	past := now - 2*day
	for i, at := range []int64{past, past, now, now} {
		conn, err := x.Connx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close() // held to the end: each insert comes from its own backend
		id := fmt.Sprintf("d%d", i)
		if _, err := conn.ExecContext(ctx, `INSERT INTO deliveries (id, campaign, category, contact_id, account_id, occurrence, state,
			due_at, not_before, expires_at, created_at, updated_at) VALUES ($1, 'nps', 'survey', 1, 1, $1, 'planned', $2, $2, $2, $2, $2)`, id, at); err != nil {
			t.Fatal(err)
		}
	}
	rowsOn := func(d int64) (n int) {
		t.Helper()
		if err := x.Get(&n, `SELECT count(*) FROM campaign_counters WHERE day = $1`, d/day); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if a, b := rowsOn(past), rowsOn(now); a != 2 || b != 2 {
		t.Fatalf("before: %d rows on the past day, %d today; want 2 and 2 (one per backend)", a, b)
	}
	for range 2 {
		stats, err := db.CampaignStats(ctx, time.UnixMilli(now-5*day).UTC(), t0)
		if err != nil {
			t.Fatal(err)
		}
		if s := stats["nps"]; s == nil || s.Planned != 4 {
			t.Fatalf("planned = %+v, want 4", s)
		}
	}
	if a, b := rowsOn(past), rowsOn(now); a != 1 || b != 2 {
		t.Errorf("after: %d rows on the past day, %d today; want 1 and 2", a, b)
	}
}
