package scheduler_test

import (
	"context"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
)

// answeredCampaigns follows up on survey answers, as the default pack does.
const answeredCampaigns = testCampaigns + `
  - key: thanks
    category: lifecycle
    trigger: {event: survey.answered, where: {survey: [nps], class: [promoter]}}
    dedupe: response
    template: milestone
  - key: sorry
    category: lifecycle
    trigger: {event: survey.answered, where: {survey: [nps], class: [detractor]}}
    dedupe: response
    template: milestone
`

// TestSurveyAnswerTriggersCampaigns: an answer recorded on the survey page
// is a survey.answered event that the planner plans follow-ups from, one
// per answered survey and class, even when the answer changes twice.
func TestSurveyAnswerTriggersCampaigns(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		b := setupPack(t, dialect, answeredCampaigns)
		ctx := context.Background()
		raw := storetest.SQL(t, b.db)
		_, err := raw.Exec(raw.Rebind(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id,
			occurrence, state, due_at, not_before, expires_at, sent_at, message_id, created_at, updated_at)
			SELECT 'survey-1', 'nps-qbr', 'survey', id, account_id, 'q1', 'sent', ?, ?, ?, ?, '', ?, ? FROM contacts WHERE external_id = 'ann'`),
			t0.UnixMilli(), t0.UnixMilli(), t0.Add(time.Hour).UnixMilli(), t0.UnixMilli(), t0.UnixMilli(), t0.UnixMilli())
		if err != nil {
			t.Fatal(err)
		}
		for _, score := range []int{3, 10, 9} { // detractor, then promoter, then promoter again
			b.clock.Add(time.Minute)
			if err := b.db.RecordSurveyResponse(ctx, outreach.SurveyResponse{DeliveryID: "survey-1", Score: score, Survey: outreach.SurveyNPS}); err != nil {
				t.Fatal(err)
			}
			b.tick(t)
		}
		for _, c := range []string{"thanks", "sorry"} {
			ds := b.deliveries(t, c)
			if len(ds) != 1 || ds[0].ContactID != b.ids["ann"] || ds[0].Occurrence != "survey-1" {
				t.Errorf("%s deliveries = %+v, want one to ann for survey-1", c, ds)
			}
		}
	})
}
