package httpapi

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
)

// The outbox figures are read at most once per Refresh however often
// /metrics is scraped; the backlog's age grows with the clock between
// reads; a failed read serves the previous figures.
func TestOpsMetricsCachedAndAged(t *testing.T) {
	s, _ := setup(t)
	now := testNow
	s.Now = func() time.Time { return now }
	reads := 0
	var fail error
	s.Ops = &Ops{
		Stats: func(_ context.Context, at time.Time) (outreach.OpsStats, error) {
			reads++
			if fail != nil {
				return outreach.OpsStats{}, fail
			}
			return outreach.OpsStats{Due: 3, OldestDue: testNow.Add(-time.Minute),
				ByState: map[string]int{outreach.DeliveryPlanned: 7, outreach.DeliverySent: 40}}, nil
		},
		Leader:      func() bool { return false },
		PackVersion: func() int { return 4 },
		Refresh:     10 * time.Second,
	}
	scrape := func() string {
		_, body := do(t, s, "GET", "/metrics", "", "")
		return body
	}
	want := func(body string, lines ...string) {
		t.Helper()
		for _, l := range lines {
			if !strings.Contains(body, "\n"+l+"\n") {
				t.Errorf("metrics lack %q", l)
			}
		}
	}
	want(scrape(), "outreach_due_backlog 3", "outreach_due_backlog_age_seconds 60", `outreach_deliveries{state="planned"} 7`,
		`outreach_deliveries{state="sent"} 40`, `outreach_deliveries{state="failed"} 0`, "outreach_leader 0", "outreach_pack_version 4")
	now = now.Add(5 * time.Second)
	want(scrape(), "outreach_due_backlog_age_seconds 65")
	if reads != 1 {
		t.Errorf("%d reads for two scrapes within Refresh, want 1", reads)
	}
	now = now.Add(10 * time.Second)
	fail = errors.New("canceling statement due to statement timeout")
	want(scrape(), "outreach_due_backlog 3", "outreach_due_backlog_age_seconds 75")
	if reads != 2 {
		t.Errorf("%d reads after Refresh, want 2", reads)
	}
}

// A token's last use is written when the recorded one is a minute old or
// more, not on every request.
func TestTokenLastUseAtMostOnceAMinute(t *testing.T) {
	s, tb := setup(t)
	var last *time.Time
	var writes []time.Time
	tb.tokens.TokenByHashFn = func(_ context.Context, hash string) (*outreach.Token, error) {
		if hash != HashToken("ingest-secret") {
			return nil, outreach.Errorf(outreach.ENOTFOUND, "no token")
		}
		return &outreach.Token{Name: "crm", Scope: outreach.ScopeIngest, LastUsedAt: last}, nil
	}
	tb.tokens.TouchTokenFn = func(_ context.Context, name string, at time.Time) error {
		if name != "crm" {
			t.Errorf("touched %q", name)
		}
		writes = append(writes, at)
		last = &at
		return nil
	}
	now := testNow
	s.Now = func() time.Time { return now }
	tb.ingest.InsertEventsFn = func(context.Context, []outreach.Event) (outreach.BatchResult, error) {
		return outreach.BatchResult{}, nil
	}
	for range 3 {
		do(t, s, "POST", "/api/v1/events", "ingest-secret", `[]`)
		now = now.Add(20 * time.Second)
	}
	if len(writes) != 1 || !writes[0].Equal(testNow) {
		t.Fatalf("writes %v after 3 requests within a minute, want one at %v", writes, testNow)
	}
	do(t, s, "POST", "/api/v1/events", "ingest-secret", `[]`) // 60 s after the first
	if len(writes) != 2 {
		t.Errorf("writes %v: a use a minute after the recorded one is written", writes)
	}
}
