package simulate

import (
	"strings"
	"testing"
	"time"
)

func TestPrintCountsOfOne(t *testing.T) {
	from := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	r := &Result{From: from, End: from.Add(day), Instants: 1, Stale: 1,
		Summary: Summary{Total: CampaignSummary{Campaign: "total", Deferrals: 1},
			Contacts: []ContactSummary{{Contact: "jane@acme.example", Account: "acme", Sent: 1, Max24h: 1, Max7d: 1}}},
		Digests: DigestCounts{Sent: 1, Members: 1},
		Answers: AnswerCounts{Answers: 2, Comments: 1, NPSAnswers: 1, Promoters: 1, CSATAnswers: 1, CSATScoreSum: 7},
	}
	var sb strings.Builder
	if err := r.Print(&sb); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"(1 day): 1 instant\n", "1 stale occurrence not planned", "1 deferral in all", "sent to 1 team member,",
		"per contact: 1 contact was sent something", "1: 1 contact\n",
		"survey answers: 2, 1 with a comment\n",
		"  NPS surveys:  1 answer, NPS +100 (1 promoter, 0 passives, 0 detractors)\n",
		"  CSAT surveys: 1 answer, average 7.0/10, 0% scored 9-10 (not counted in the NPS)\n",
	} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("no %q in:\n%s", want, sb.String())
		}
	}
}
