package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// deliver inserts a delivery of campaign to contact c1 in state; a sent
// delivery was sent at sentAt.
func deliver(t *testing.T, db *store.DB, id, campaign, category, state string, sentAt time.Time) {
	t.Helper()
	var sent any
	if state == outreach.DeliverySent {
		sent = sentAt.UnixMilli()
	}
	_, err := db.SQLXForTest().Exec(db.SQLXForTest().Rebind(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id,
		occurrence, state, due_at, not_before, expires_at, sent_at, message_id, created_at, updated_at)
		SELECT ?, ?, ?, id, account_id, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM contacts WHERE external_id = 'c1'`),
		id, campaign, category, id, state, t0.UnixMilli(), t0.UnixMilli(), t0.Add(time.Hour).UnixMilli(), sent,
		"", t0.UnixMilli(), t0.UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
}

func fevent(id, typ, delivery string) outreach.FeedbackEvent {
	return outreach.FeedbackEvent{Event: outreach.ProviderEvent{ID: id, DeliveryID: delivery, Email: "jane@example.com",
		Type: typ, At: t0.Add(time.Minute), Payload: json.RawMessage(`{"event":"` + typ + `"}`)}}
}

func TestRecordProviderEvents(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		seed(t, db)
		deliver(t, db, "d-crashed", "nps", outreach.CategorySurvey, outreach.DeliverySending, time.Time{})
		deliver(t, db, "d-sent", "nps", outreach.CategorySurvey, outreach.DeliverySent, t0)
		plan(t, db, "d-planned", outreach.CategoryLifecycle)
		plan(t, db, "d-trans", outreach.CategoryTransactional)

		processed := fevent("ev-1", "processed", "d-crashed")
		processed.Processed, processed.MessageID = true, "msg-1"
		late := fevent("ev-2", "processed", "d-sent")
		late.Processed, late.MessageID = true, "msg-2"
		opened := fevent("ev-3", "open", "")
		opened.MessageID = "msg-1" // no delivery_id: found by message id
		unsub := fevent("ev-4", "unsubscribe", "d-sent")
		unsub.Suppress, unsub.Reason = outreach.ScopeAll, "sendgrid unsubscribe"
		other := fevent("ev-5", "delivered", "not-ours")
		res, err := db.RecordProviderEvents(ctx, []outreach.FeedbackEvent{processed, late, opened, unsub, other, processed})
		if err != nil {
			t.Fatal(err)
		}
		if want := (outreach.FeedbackResult{Recorded: 5, Duplicates: 1, Suppressed: 1, Reconciled: 1}); res != want {
			t.Errorf("result = %+v, want %+v", res, want)
		}
		again, err := db.RecordProviderEvents(ctx, []outreach.FeedbackEvent{processed, unsub})
		if err != nil {
			t.Fatal(err)
		}
		if again != (outreach.FeedbackResult{Duplicates: 2}) {
			t.Errorf("retried request = %+v, want 2 duplicates and no change", again)
		}

		tl, err := db.Timeline(ctx, "jane@example.com")
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]outreach.Delivery{}
		for _, d := range tl.Deliveries {
			byID[d.ID] = d
		}
		c := byID["d-crashed"]
		if c.State != outreach.DeliverySent || c.MessageID != "msg-1" || c.SentAt == nil || !c.SentAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("crashed delivery = %+v, want sent with msg-1 at the event's time", c)
		}
		if len(c.ProviderEvents) != 2 || c.ProviderEvents[0].Type != "processed" || c.ProviderEvents[1].Type != "open" {
			t.Errorf("crashed delivery's provider events = %+v, want processed and open", c.ProviderEvents)
		}
		if s := byID["d-sent"]; s.MessageID != "" || len(s.ProviderEvents) != 2 {
			t.Errorf("already sent delivery = %+v, want unchanged with 2 provider events", s)
		}
		if p := byID["d-planned"]; p.State != outreach.DeliverySuppressed || len(p.Decisions) != 1 ||
			p.Decisions[0].Reason != "unsubscribed from all non-transactional mail since 2026-03-02 09:30 UTC (sendgrid unsubscribe)" {
			t.Errorf("planned lifecycle delivery = %+v, want suppressed at once", p)
		}
		if p := byID["d-trans"]; p.State != outreach.DeliveryPlanned {
			t.Errorf("transactional delivery = %+v, want still planned after an all suppression", p)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM provider_events WHERE delivery_id IS NULL`); n != 1 {
			t.Errorf("%d provider events without a delivery, want 1 (the one naming another system's delivery)", n)
		}

		hard := fevent("ev-6", "bounce", "d-sent")
		hard.Suppress = outreach.ScopeHard
		if _, err := db.RecordProviderEvents(ctx, []outreach.FeedbackEvent{hard}); err != nil {
			t.Fatal(err)
		}
		scopes, err := db.SuppressionScopes(ctx, "Jane@Example.com")
		if err != nil {
			t.Fatal(err)
		}
		if len(scopes) != 2 || scopes[0] != "all" || scopes[1] != "hard" {
			t.Errorf("scopes = %v, want [all hard]", scopes)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM deliveries WHERE id = 'd-trans' AND state = 'suppressed'`); n != 1 {
			t.Errorf("a hard suppression left the transactional delivery planned")
		}
	})
}

func TestRecordProviderEventsIsAtomic(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		db := open(t, dialect)
		seed(t, db)
		bad := fevent("", "open", "")
		if _, err := db.RecordProviderEvents(context.Background(), []outreach.FeedbackEvent{fevent("ok", "open", ""), bad}); outreach.ErrorCode(err) != outreach.EINVALID {
			t.Fatalf("err = %v, want EINVALID for an event without id", err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM provider_events`); n != 0 {
			t.Errorf("%d provider events stored from a refused request", n)
		}
	})
}

func TestSurveyResponses(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		seed(t, db)
		deliver(t, db, "d1", "nps", outreach.CategorySurvey, outreach.DeliverySent, t0)
		target, err := db.SurveyDelivery(ctx, "d1")
		if err != nil {
			t.Fatal(err)
		}
		if target.Email != "jane@example.com" || target.Campaign != "nps" || target.Name != "Jane" {
			t.Errorf("target = %+v", target)
		}
		if _, err := db.SurveyDelivery(ctx, "nope"); outreach.ErrorCode(err) != outreach.ENOTFOUND {
			t.Errorf("unknown delivery: err = %v, want ENOTFOUND", err)
		}
		if err := db.RecordSurveyResponse(ctx, outreach.SurveyResponse{DeliveryID: "d1", Score: 11}); outreach.ErrorCode(err) != outreach.EINVALID {
			t.Errorf("score 11: err = %v, want EINVALID", err)
		}
		if err := db.RecordSurveyResponse(ctx, outreach.SurveyResponse{DeliveryID: "nope", Score: 5}); outreach.ErrorCode(err) != outreach.ENOTFOUND {
			t.Errorf("unknown delivery: err = %v, want ENOTFOUND", err)
		}
		for _, r := range []outreach.SurveyResponse{{DeliveryID: "d1", Score: 3, Comment: "slow"}, {DeliveryID: "d1", Score: 9, Comment: "better now"}} {
			if err := db.RecordSurveyResponse(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		tl, err := db.Timeline(ctx, "jane@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if len(tl.Responses) != 1 || tl.Responses[0].Score != 9 || tl.Responses[0].Comment != "better now" || tl.Responses[0].Campaign != "nps" {
			t.Errorf("responses = %+v, want the last answer only", tl.Responses)
		}
		if loc, err := db.ContactLocale(ctx, "JANE@example.com"); err != nil || loc != "" {
			t.Errorf("ContactLocale = %q, %v", loc, err)
		}
		if loc, err := db.ContactLocale(ctx, "nobody@example.com"); err != nil || loc != "" {
			t.Errorf("ContactLocale(unknown) = %q, %v", loc, err)
		}
	})
}

func TestNPS(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		seed(t, db)
		// Ten surveys sent a day apart; answers 10, 9, 8, 7, 6, 0 to the
		// first six, each an hour after its survey.
		scores := []int{10, 9, 8, 7, 6, 0}
		for i := range 10 {
			id := "s" + string(rune('0'+i))
			campaign := "nps"
			if i == 9 {
				campaign = "csat"
			}
			deliver(t, db, id, campaign, outreach.CategorySurvey, outreach.DeliverySent, t0.Add(time.Duration(i)*24*time.Hour))
			if i < len(scores) {
				at := t0.Add(time.Duration(i)*24*time.Hour + time.Hour)
				if err := db.RecordSurveyResponse(ctx, outreach.SurveyResponse{DeliveryID: id, Score: scores[i], At: at}); err != nil {
					t.Fatal(err)
				}
			}
		}
		deliver(t, db, "life", "welcome", outreach.CategoryLifecycle, outreach.DeliverySent, t0)

		rep, err := db.NPS(ctx, outreach.NPSFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.NPS == nil || *rep.NPS != 0 || rep.Promoters != 2 || rep.Passives != 2 || rep.Detractors != 2 ||
			rep.Responses != 6 || rep.SurveysSent != 10 || rep.Answered != 6 || rep.ResponseRate != 0.6 {
			t.Errorf("all = %+v, want NPS 0 from 2/2/2 and 6 of 10 answered", rep)
		}
		from, to := t0, t0.Add(2*24*time.Hour) // surveys s0, s1 and their answers 10, 9
		rep, err = db.NPS(ctx, outreach.NPSFilter{Campaign: "nps", Account: "a1", From: &from, To: &to})
		if err != nil {
			t.Fatal(err)
		}
		if rep.NPS == nil || *rep.NPS != 100 || rep.Responses != 2 || rep.SurveysSent != 2 || rep.ResponseRate != 1 {
			t.Errorf("first two days = %+v, want NPS 100, 2 of 2", rep)
		}
		rep, err = db.NPS(ctx, outreach.NPSFilter{Campaign: "csat"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.NPS != nil || rep.Responses != 0 || rep.SurveysSent != 1 || rep.ResponseRate != 0 {
			t.Errorf("csat = %+v, want no score, 1 sent", rep)
		}
		rep, err = db.NPS(ctx, outreach.NPSFilter{Account: "a2"})
		if err != nil || rep.SurveysSent != 0 || rep.Responses != 0 {
			t.Errorf("other account = %+v, %v, want nothing", rep, err)
		}
		if _, err := db.NPS(ctx, outreach.NPSFilter{Account: "zzz"}); outreach.ErrorCode(err) != outreach.ENOTFOUND {
			t.Errorf("unknown account: err = %v, want ENOTFOUND", err)
		}
	})
}

func TestNPSExcludeCampaigns(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		seed(t, db)
		// An NPS survey answered 0, a CSAT survey answered 10, an
		// unanswered CSAT survey, another CSAT campaign answered 9.
		for _, d := range []struct {
			id, campaign string
			score        int
		}{{"n1", "nps-onboarding", 0}, {"c1", "ticket-feedback", 10}, {"c2", "ticket-feedback", -1}, {"c3", "csat-support", 9}} {
			deliver(t, db, d.id, d.campaign, outreach.CategorySurvey, outreach.DeliverySent, t0)
			if d.score >= 0 {
				if err := db.RecordSurveyResponse(ctx, outreach.SurveyResponse{DeliveryID: d.id, Score: d.score, At: t0.Add(time.Hour)}); err != nil {
					t.Fatal(err)
				}
			}
		}
		plan(t, db, "p1", outreach.CategorySurvey) // camp-survey: planned, never sent

		rep, err := db.NPS(ctx, outreach.NPSFilter{ExcludeCampaigns: []string{"ticket-feedback", "csat-support"}})
		if err != nil {
			t.Fatal(err)
		}
		if rep.NPS == nil || *rep.NPS != -100 || rep.Responses != 1 || rep.SurveysSent != 1 || rep.Answered != 1 {
			t.Errorf("CSAT excluded = %+v, want NPS -100 from the one NPS survey", rep)
		}
		from, to := t0, t0.Add(2*time.Hour)
		rep, err = db.NPS(ctx, outreach.NPSFilter{Account: "a1", From: &from, To: &to, ExcludeCampaigns: []string{"ticket-feedback"}})
		if err != nil {
			t.Fatal(err)
		}
		if rep.NPS == nil || *rep.NPS != 0 || rep.Responses != 2 || rep.SurveysSent != 2 || rep.ResponseRate != 1 {
			t.Errorf("a1, window, ticket-feedback excluded = %+v, want NPS 0 from 0 and 9, 2 of 2 answered", rep)
		}
		rep, err = db.NPS(ctx, outreach.NPSFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Responses != 3 || rep.SurveysSent != 4 {
			t.Errorf("nothing excluded = %+v, want 3 answers of 4 surveys", rep)
		}

		keys, err := db.SentCampaigns(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(keys, ","); got != "csat-support,nps-onboarding,ticket-feedback" {
			t.Errorf("SentCampaigns = %v, want the three that sent, sorted, without the planned one", keys)
		}
	})
}

func TestSurveyAnswersAreEvents(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		seed(t, db)
		deliver(t, db, "d1", "nps", outreach.CategorySurvey, outreach.DeliverySent, t0)
		for _, r := range []outreach.SurveyResponse{
			{DeliveryID: "d1", Score: 3, Survey: outreach.SurveyNPS, At: t0.Add(time.Hour)},
			{DeliveryID: "d1", Score: 3, Survey: outreach.SurveyNPS, At: t0.Add(2 * time.Hour)}, // the same answer: no event
			{DeliveryID: "d1", Score: 10, Comment: "fixed, thanks", Survey: outreach.SurveyNPS, At: t0.Add(3 * time.Hour)},
		} {
			if err := db.RecordSurveyResponse(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		var rows []struct {
			ID        string `db:"id"`
			Props     string `db:"properties"`
			Unplanned bool   `db:"unplanned"`
		}
		if err := db.SQLXForTest().Select(&rows, `SELECT id, properties, planned_at IS NULL AS unplanned FROM events
			WHERE type = 'survey.answered' ORDER BY seq`); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 {
			t.Fatalf("events = %+v, want 2 (the first answer and its change)", rows)
		}
		want := []struct{ id, class, comment string }{{"survey.answered:d1:0", "detractor", "false"}, {"survey.answered:d1:1", "promoter", "true"}}
		for i, w := range want {
			var p map[string]any
			if err := json.Unmarshal([]byte(rows[i].Props), &p); err != nil {
				t.Fatal(err)
			}
			if rows[i].ID != w.id || p["class"] != w.class || p["survey"] != "nps" || p["campaign"] != "nps" ||
				p["response"] != "d1" || strings.ToLower(jsonString(p["has_comment"])) != w.comment || !rows[i].Unplanned {
				t.Errorf("event %d = %+v, want %+v", i, rows[i], w)
			}
		}
	})
}

func jsonString(v any) string { b, _ := json.Marshal(v); return string(b) }
