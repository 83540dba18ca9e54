package outreach_test

import (
	"math"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
)

func TestMarginOfError(t *testing.T) {
	for _, c := range []struct {
		p, pa, d int
		nps      float64
	}{
		{50, 30, 20, 30},
		{1, 0, 0, 100}, // everyone a promoter: no spread
		{0, 0, 1, -100},
		{1, 0, 1, 0},
		{400, 300, 300, 10},
	} {
		s := outreach.NewNPSStats(c.p, c.pa, c.d)
		n := float64(c.p + c.pa + c.d)
		p, d := float64(c.p)/n, float64(c.d)/n
		want := math.Round(1.96*math.Sqrt((p+d-(p-d)*(p-d))/n)*100*10) / 10
		if *s.NPS != c.nps || *s.MarginOfError != want {
			t.Errorf("%d/%d/%d: nps %v ± %v, want %v ± %v", c.p, c.pa, c.d, *s.NPS, *s.MarginOfError, c.nps, want)
		}
	}
	// Worked examples: p = 0.5, d = 0.2, n = 100: 1.96 × sqrt((0.7 − 0.09) / 100) × 100 = 15.31;
	// p = d = 0.5, n = 2: 1.96 × sqrt(1 / 2) × 100 = 138.59.
	for _, c := range []struct {
		p, pa, d int
		moe      float64
	}{{50, 30, 20, 15.3}, {1, 0, 1, 138.6}, {3, 0, 0, 0}} {
		if got := outreach.NewNPSStats(c.p, c.pa, c.d); *got.MarginOfError != c.moe {
			t.Errorf("%d/%d/%d: ±%v, want ±%v", c.p, c.pa, c.d, *got.MarginOfError, c.moe)
		}
	}
	if s := outreach.NewNPSStats(0, 0, 0); s.NPS != nil || s.MarginOfError != nil || s.Responses != 0 {
		t.Errorf("no answers = %+v", s)
	}
}

func TestBreakdown(t *testing.T) {
	overall, series, groups := outreach.Breakdown([]outreach.NPSCount{
		{Period: "2026-02-01", Group: "a@x", Promoters: 2, Passives: 1, Detractors: 1},
		{Period: "2026-01-01", Group: "b@x", Promoters: 0, Passives: 0, Detractors: 3},
		{Period: "2026-02-01", Group: "b@x", Promoters: 1},
	})
	if overall.Responses != 8 || *overall.NPS != -12.5 {
		t.Errorf("overall = %+v", overall)
	}
	if len(series) != 2 || !series[0].Period.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) || series[1].Responses != 5 || *series[1].NPS != 40 {
		t.Errorf("series = %+v", series)
	}
	if len(groups) != 2 || groups[0].Key != "a@x" || groups[1].Key != "b@x" || *groups[1].NPS != -50 {
		t.Errorf("groups = %+v", groups)
	}
}
