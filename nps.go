package outreach

import (
	"math"
	"slices"
	"strings"
	"time"
)

// NPS report intervals and groupings (GET /api/v1/nps interval= and
// group_by=).
const (
	IntervalWeek  = "week"  // ISO weeks, starting on Monday (UTC)
	IntervalMonth = "month" // calendar months (UTC)
)

// NPSIntervals and NPSGroupings list the accepted values.
var (
	NPSIntervals = []string{IntervalWeek, IntervalMonth}
	NPSGroupings = []string{"campaign", "plan", "role", "locale", "account", "owner"}
)

// NPSStats is the Net Promoter Score of a set of answers with its 95 %
// margin of error.
type NPSStats struct {
	NPS        *float64 `json:"nps"` // nil without answers
	Responses  int      `json:"responses"`
	Promoters  int      `json:"promoters"`
	Passives   int      `json:"passives"`
	Detractors int      `json:"detractors"`
	// MarginOfError is the half-width of the 95 % confidence interval of
	// the NPS, in NPS points (MarginOfError); nil without answers.
	MarginOfError *float64 `json:"margin_of_error"`
}

// NewNPSStats computes the stats of promoters, passives and detractors.
func NewNPSStats(promoters, passives, detractors int) NPSStats {
	s := NPSStats{Promoters: promoters, Passives: passives, Detractors: detractors, Responses: promoters + passives + detractors}
	if s.Responses == 0 {
		return s
	}
	nps := roundTo(float64(promoters-detractors)*100/float64(s.Responses), 1)
	moe := roundTo(MarginOfError(promoters, passives, detractors), 1)
	s.NPS, s.MarginOfError = &nps, &moe
	return s
}

// Add returns the stats of both sets of answers.
func (s NPSStats) Add(o NPSStats) NPSStats {
	return NewNPSStats(s.Promoters+o.Promoters, s.Passives+o.Passives, s.Detractors+o.Detractors)
}

// MarginOfError is the 95 % margin of error of an NPS, in points: for n
// answers with p and d the promoter and detractor shares,
// 1.96 × sqrt((p + d − (p − d)²) / n) × 100 (the standard error of the
// difference of two shares of one multinomial sample). 0 without answers.
func MarginOfError(promoters, passives, detractors int) float64 {
	n := float64(promoters + passives + detractors)
	if n == 0 {
		return 0
	}
	p, d := float64(promoters)/n, float64(detractors)/n
	return 1.96 * math.Sqrt((p+d-(p-d)*(p-d))/n) * 100
}

func roundTo(v float64, places int) float64 {
	f := math.Pow(10, float64(places))
	return math.Round(v*f) / f
}

// NPSPoint is one period of an NPS series.
type NPSPoint struct {
	Period time.Time `json:"period"` // the start of the week or month (UTC)
	NPSStats
}

// NPSGroup is the NPS of one value of the grouping.
type NPSGroup struct {
	Key string `json:"key"` // the campaign, plan, role, locale, account or owner ("" = unset)
	NPSStats
}

// NPSCount is one row of the store's grouped count: the answers of one
// period and group by class.
type NPSCount struct {
	Period                          string // YYYY-MM-DD start, "" without an interval
	Group                           string // "" without a grouping
	Promoters, Passives, Detractors int
}

// Breakdown sums grouped counts into the overall stats, the series by
// period (oldest first) and the groups (largest first, then by key).
func Breakdown(counts []NPSCount) (overall NPSStats, series []NPSPoint, groups []NPSGroup) {
	periods := map[string]*NPSStats{}
	byGroup := map[string]*NPSStats{}
	var periodKeys, groupKeys []string
	for _, c := range counts {
		s := NewNPSStats(c.Promoters, c.Passives, c.Detractors)
		overall = overall.Add(s)
		if c.Period != "" {
			if periods[c.Period] == nil {
				periods[c.Period] = &NPSStats{}
				periodKeys = append(periodKeys, c.Period)
			}
			*periods[c.Period] = periods[c.Period].Add(s)
		}
		if byGroup[c.Group] == nil {
			byGroup[c.Group] = &NPSStats{}
			groupKeys = append(groupKeys, c.Group)
		}
		*byGroup[c.Group] = byGroup[c.Group].Add(s)
	}
	sortStrings(periodKeys)
	for _, k := range periodKeys {
		t, _ := time.Parse(time.DateOnly, k)
		series = append(series, NPSPoint{Period: t, NPSStats: *periods[k]})
	}
	for _, k := range groupKeys {
		groups = append(groups, NPSGroup{Key: k, NPSStats: *byGroup[k]})
	}
	sortGroups(groups)
	return overall, series, groups
}

func sortStrings(s []string) { slices.Sort(s) }

func sortGroups(g []NPSGroup) {
	slices.SortFunc(g, func(a, b NPSGroup) int {
		if a.Responses != b.Responses {
			return b.Responses - a.Responses
		}
		return strings.Compare(a.Key, b.Key)
	})
}
