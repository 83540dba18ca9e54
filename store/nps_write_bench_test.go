package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// BenchmarkAnswerWithAggregate times RecordSurveyResponse on PostgreSQL
// with the daily NPS aggregate's triggers on and, in the same run, with
// them disabled, alternating blocks of 25 answers between the two (ALTER
// TABLE invalidates cached plans: toggling each answer would time the
// re-planning), and reports the ratio: what keeping the aggregate costs an
// answer.
//
//	go test ./store/ -run '^$' -bench BenchmarkAnswerWithAggregate -benchtime 400x
func BenchmarkAnswerWithAggregate(b *testing.B) {
	ctx := context.Background()
	db := storetest.Open(b, store.Postgres, nil)
	x := db.SQLXForTest()
	const block = 25
	each := max(1, b.N/block) * block // answers each way, whole blocks
	n := 2 * each
	for _, q := range []string{
		`INSERT INTO accounts (external_id, owner_email, created_at, updated_at) SELECT 'a' || g, 'csm@vendor.example', 0, 0 FROM generate_series(1, 50) g`,
		`INSERT INTO contacts (external_id, account_id, email, created_at, updated_at)
			SELECT 'c' || g, (SELECT id FROM accounts WHERE external_id = 'a' || (g % 50 + 1)), 'p' || g || '@example.com', 0, 0 FROM generate_series(1, 1000) g`,
		fmt.Sprintf(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id, occurrence, state, due_at, not_before, expires_at, sent_at, created_at, updated_at)
			SELECT 'd' || g, 'nps', 'survey', c.id, c.account_id, 'o' || g, 'sent', 0, 0, 0, 1767225600000 + g * 60000, 0, 0
			FROM generate_series(1, %d) g JOIN contacts c ON c.external_id = 'c' || (g %% 1000 + 1)`, n),
		`ANALYZE`,
	} {
		if _, err := x.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	var with, without time.Duration
	b.ResetTimer()
	for i := range n {
		on := (i/block)%2 == 0
		if i%block == 0 {
			b.StopTimer()
			if _, err := x.ExecContext(ctx, map[bool]string{true: `ALTER TABLE survey_responses ENABLE TRIGGER USER`,
				false: `ALTER TABLE survey_responses DISABLE TRIGGER USER`}[on]); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		t := time.Now()
		if err := db.RecordSurveyResponse(ctx, outreach.SurveyResponse{DeliveryID: fmt.Sprintf("d%d", i+1), Score: i % 11, Survey: "nps"}); err != nil {
			b.Fatal(err)
		}
		if on {
			with += time.Since(t)
		} else {
			without += time.Since(t)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(with.Microseconds())/float64(each), "with-us")
	b.ReportMetric(float64(without.Microseconds())/float64(each), "without-us")
	b.ReportMetric(float64(with)/float64(without), "ratio")
	b.Logf("%d answers each way: %v an answer with the aggregate's triggers, %v without, ratio %.2f",
		each, with/time.Duration(each), without/time.Duration(each), float64(with)/float64(without))
}
