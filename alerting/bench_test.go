package alerting_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/alerting"
	"github.com/outreach-dev/outreach/dispatch"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/notify"
	"github.com/outreach-dev/outreach/store"
)

// BenchmarkAlertLatency records 1,000 detractor answers, one account each,
// on PostgreSQL and measures, per answer, the time from recording it (the
// survey page's POST reaches the store) to its Slack post arriving at a
// Slack-compatible receiver, with the alert worker running as serve runs
// it (polling every 100 ms, burst window 0). It reports p50 and p99.
//
//	go test ./alerting/ -run '^$' -bench BenchmarkAlertLatency -benchtime 1x
func BenchmarkAlertLatency(b *testing.B) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("OUTREACH_BENCH_ANSWERS")); err == nil && v > 0 && v <= 1000 {
		n = v
	}
	ctx := context.Background()
	db := storetest.Open(b, store.Postgres, nil)
	x := storetest.SQL(b, db)
	for _, q := range []string{
		`INSERT INTO accounts (external_id, owner_email, created_at, updated_at) SELECT 'a' || g, 'csm@vendor.example', 0, 0 FROM generate_series(1, 1000) g`,
		`INSERT INTO contacts (external_id, account_id, email, created_at, updated_at) SELECT 'c' || id, id, 'p' || id || '@example.com', 0, 0 FROM accounts`,
		`INSERT INTO deliveries (id, campaign, category, contact_id, account_id, occurrence, state, due_at, not_before, expires_at, sent_at, created_at, updated_at)
			SELECT 'd' || id, 'nps', 'survey', id, account_id, 'o', 'sent', 0, 0, 0, 0, 0, 0 FROM contacts`,
	} {
		if _, err := x.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	var ids []int64
	if err := x.SelectContext(ctx, &ids, `SELECT id FROM contacts ORDER BY id`); err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	posted := map[string]time.Time{}
	var lat []time.Duration
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The account of each alert is in the payload; one answer per account.
		body, _ := io.ReadAll(r.Body)
		k := len(body)
		now := time.Now()
		mu.Lock()
		for acc, t := range posted {
			if containsWord(string(body[:k]), `*Account*\n`+acc+`"`) { // the account fact of the Slack blocks
				lat = append(lat, now.Sub(t))
				delete(posted, acc)
				break
			}
		}
		if len(lat) == n {
			close(done)
		}
		mu.Unlock()
	}))
	defer srv.Close()
	pack := &outreach.Pack{Alerts: []outreach.AlertRule{{Key: "detractor", ScoreMax: intp(6), NotifyOwner: true, FollowUp: 48 * time.Hour}}}
	w := &alerting.Worker{Store: db, Pack: func() *outreach.Pack { return pack }, Sender: &dispatch.Recorder{Keep: 10},
		Poster: notify.New(true), PublicURL: "https://x", From: "o@vendor.example", SlackWebhook: srv.URL, Window: -1, Poll: 100 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go w.Run(wctx, time.Now)
	b.ResetTimer()
	for _, id := range ids[:n] {
		mu.Lock()
		posted[fmt.Sprintf("a%d", id)] = time.Now()
		mu.Unlock()
		if err := db.RecordSurveyResponse(ctx, outreach.SurveyResponse{DeliveryID: fmt.Sprintf("d%d", id), Score: 2, Survey: "nps"}); err != nil {
			b.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // answers arrive over time, not all at once
	}
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		b.Fatalf("only %d of %d alerts arrived", len(lat), n)
	}
	b.StopTimer()
	slices.Sort(lat)
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	b.ReportMetric(float64(p50.Milliseconds()), "p50-ms")
	b.ReportMetric(float64(p99.Milliseconds()), "p99-ms")
	b.Logf("%d answers: alert latency p50 %v, p99 %v, max %v (poll 100ms, window 0)", n, p50, p99, lat[len(lat)-1])
}

func containsWord(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if s[i:i+len(w)] == w {
			return true
		}
	}
	return false
}
