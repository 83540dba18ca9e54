package simulate

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/sample"
)

func TestDrawShareAndSkew(t *testing.T) {
	a := &Answers{Share: 0.3, Seed: 7}
	sent := time.Date(2026, 3, 3, 14, 0, 0, 0, time.UTC)
	dayStart := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	var c AnswerCounts
	const n = 20000
	for i := range n {
		account := fmt.Sprintf("acc-%03d", i%200)
		r, ok := a.draw(fmt.Sprintf("delivery-%d", i), account, "fr", sent, dayStart)
		if !ok {
			continue
		}
		if r.Score < 0 || r.Score > 10 || r.At.Before(sent.Add(time.Minute)) || !r.At.Before(dayStart) {
			t.Fatalf("answer %+v: want a score 0-10 between the send and the day start", r)
		}
		if r.Comment != "" && !slices.ContainsFunc(sample.Comments("fr"), func(c sample.Comment) bool { return c.Text == r.Comment }) {
			t.Fatalf("comment %q is not one of the French sample comments", r.Comment)
		}
		again, _ := a.draw(fmt.Sprintf("delivery-%d", i), account, "fr", sent, dayStart)
		if again != r {
			t.Fatalf("the same delivery drew %+v, then %+v", r, again)
		}
		c.add(r, false)
	}
	if share := float64(c.Answers) / n; share < 0.28 || share > 0.32 {
		t.Errorf("answered %.3f of the surveys, want 0.3", share)
	}
	// Mostly happy customers: more promoters than detractors, but enough
	// detractors to matter; unhappy customers comment more.
	p, d := float64(c.Promoters)/float64(c.Answers), float64(c.Detractors)/float64(c.Answers)
	if p < 0.35 || p > 0.6 || d < 0.12 || d > 0.35 || c.NPS() <= 0 {
		t.Errorf("promoters %.2f, detractors %.2f, NPS %d: want a realistic, positive skew", p, d, c.NPS())
	}
	if cm := float64(c.Comments) / float64(c.Answers); cm < 0.35 || cm > 0.65 {
		t.Errorf("%.2f of the answers have a comment, want about half", cm)
	}
}

func TestNPS(t *testing.T) {
	for _, tc := range []struct {
		c    AnswerCounts
		want int
	}{
		{AnswerCounts{}, 0},
		{AnswerCounts{Answers: 3, NPSAnswers: 3, Promoters: 2, Detractors: 1}, 33},
		{AnswerCounts{Answers: 3, NPSAnswers: 3, Promoters: 1, Detractors: 2}, -33},
		{AnswerCounts{Answers: 8, NPSAnswers: 8, Promoters: 3, Passives: 4, Detractors: 1}, 25},
		{AnswerCounts{Answers: 2, NPSAnswers: 2, Detractors: 2}, -100},
		// CSAT answers count in no NPS.
		{AnswerCounts{Answers: 5, NPSAnswers: 2, Promoters: 1, Passives: 1, CSATAnswers: 3, CSATScoreSum: 6}, 50},
		{AnswerCounts{Answers: 4, CSATAnswers: 4, CSATScoreSum: 40, CSATSatisfied: 4}, 0},
	} {
		if got := tc.c.NPS(); got != tc.want {
			t.Errorf("%+v: NPS %d, want %d", tc.c, got, tc.want)
		}
	}
}
