package e2e

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/sendgrid/sgfake"
)

// TestMetricsAfterARun runs serve on a small outbox — five contacts, two
// campaigns, one email per contact per day, SendGrid refusing the first
// request — then reads /metrics: each operator series is there with the
// value the run implies.
func TestMetricsAfterARun(t *testing.T) {
	const n = 5
	e := newEnv(t, tightCaps, 2)
	fake := sgfake.New(t)
	fake.FailNext(1, sgfake.BadRequest("personalizations.0.to.0.email", "does not contain a valid address"))
	p := startServe(t, "serve", e.with(append(sendTo(fake, "1000"), "OUTREACH_SENDGRID_WEBHOOK_PUBLIC_KEY", fake.PublicKey())...))
	seedContacts(t, p.url(), "m", n)
	post(t, p.url(), "/api/v1/events", append(events("m", n, 1, time.Now()), events("m", n, 2, time.Now())...))
	waitUntil(t, 30*time.Second, "every delivery decided and sent", func() (bool, string) {
		st := states(t, e.db)
		return st["sent"]+st["failed"] == n && st["planned"] == n && pendingDue(t, e.db) == 0, fmt.Sprintf("states %v", st)
	})
	// A delivered event stamped 30 s ago reaches the webhook now.
	m := fake.Messages()[0]
	err := fake.PostEvents(p.url()+"/webhooks/sendgrid", map[string]any{
		"email": m.To[0], "event": "delivered", "timestamp": time.Now().Add(-30 * time.Second).Unix(),
		"sg_event_id": "delivered-" + m.MessageID, "sg_message_id": m.MessageID + ".filter-0", "delivery_id": m.DeliveryID,
	})
	if err != nil {
		t.Fatal(err)
	}

	res, err := http.Get(p.url() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	body := string(b)
	value := func(series string) float64 {
		t.Helper()
		re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
		mm := re.FindStringSubmatch(body)
		if mm == nil {
			t.Errorf("/metrics lacks %s", series)
			return -1
		}
		v, err := strconv.ParseFloat(mm[1], 64)
		if err != nil {
			t.Errorf("%s: %v", series, err)
		}
		return v
	}
	for series, want := range map[string]float64{
		`outreach_deliveries{state="sent"}`:              n - 1,
		`outreach_deliveries{state="failed"}`:            1,
		`outreach_deliveries{state="planned"}`:           n, // the second campaign, deferred a day by max_per_day
		`outreach_deliveries{state="sending"}`:           0,
		`outreach_due_backlog`:                           0, // nothing due is waiting: the deferred are not due
		`outreach_due_backlog_age_seconds`:               0,
		`outreach_leader`:                                1,
		`outreach_pack_version`:                          1,
		`outreach_send_duration_seconds_count`:           n,
		`outreach_send_failures_total{reason="refused"}`: 1,
		`outreach_webhook_lag_seconds_count`:             1,
		`outreach_sends_total{result="sent"}`:            n - 1,
		`outreach_webhook_lag_seconds_bucket{le="15"}`:   0,
		`outreach_webhook_lag_seconds_bucket{le="+Inf"}`: 1,
	} {
		if got := value(series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	if lag := value(`outreach_webhook_lag_seconds_sum`); lag < 29 || lag > 120 {
		t.Errorf("webhook lag %v s, want about 30", lag)
	}
	if d := value(`outreach_send_duration_seconds_sum`); d <= 0 || d > 30 {
		t.Errorf("send latency sum %v s: want the fake's answer times", d)
	}
}
