package console

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/console/chart"
)

// periods are the lengths, in days, that the campaign pages offer.
var periods = []int{7, 30, 90}

// defaultPeriod is the period in days when the request names none.
const defaultPeriod = 30

// recentDecisions is how many decisions the campaign page shows.
const recentDecisions = 50

// campaignRoles may open the campaign pages (and admins).
var campaignRoles = []string{outreach.RoleMarketing}

// campaignPages returns the marketing pages about campaigns.
func (s *Server) campaignPages() []Page {
	return []Page{
		{Method: "GET", Path: "/campaigns", Roles: campaignRoles, Handle: s.handleCampaigns},
		{Method: "GET", Path: "/campaigns/{key}", Roles: campaignRoles, Handle: s.handleCampaign},
		{Method: "POST", Path: "/campaigns/{key}/pause", Roles: campaignRoles, Handle: s.handlePause(true)},
		{Method: "POST", Path: "/campaigns/{key}/resume", Roles: campaignRoles, Handle: s.handlePause(false)},
	}
}

// period is the window the counts cover: whole UTC days ending today.
type period struct {
	Days     int
	From, To time.Time
}

// periodOf reads ?days= (7, 30 or 90).
func periodOf(r *http.Request, now time.Time) (period, error) {
	days := defaultPeriod
	if v := r.URL.Query().Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || !slices.Contains(periods, n) {
			return period{}, outreach.Errorf(outreach.EINVALID, "days=%q: choose 7, 30 or 90", v)
		}
		days = n
	}
	today := now.UTC().Truncate(24 * time.Hour)
	return period{Days: days, From: today.AddDate(0, 0, -(days - 1)), To: now}, nil
}

// campaignRow is one line of the campaign list.
type campaignRow struct {
	Key, Name, Category string
	Removed             bool // in the counts, no longer in the pack
	Paused              *outreach.CampaignPause
	Stats               outreach.CampaignStats
	Rate, NPS           string // "" when there is nothing to show
	Trend               any    // template.HTML
}

type campaignsView struct {
	Period  period
	Periods []int
	Rows    []campaignRow
}

// handleCampaigns lists the campaigns of the active pack (and removed ones
// with activity) with their counts over the period.
func (s *Server) handleCampaigns(w http.ResponseWriter, r *http.Request, c *Context) error {
	p, err := periodOf(r, c.Now)
	if err != nil {
		return err
	}
	stats, err := s.Store.CampaignStats(r.Context(), p.From, p.To)
	if err != nil {
		return err
	}
	pauses, err := s.Store.CampaignPauses(r.Context())
	if err != nil {
		return err
	}
	pack := s.Pack().Pack
	v := campaignsView{Period: p, Periods: periods}
	seen := map[string]bool{}
	for _, camp := range pack.Campaigns {
		seen[camp.Key] = true
		v.Rows = append(v.Rows, s.campaignRow(c, p, pack, camp.Key, camp.Name, camp.Category, stats[camp.Key], pauses))
	}
	var removed []string
	for k := range stats {
		if !seen[k] {
			removed = append(removed, k)
		}
	}
	slices.Sort(removed)
	for _, k := range removed {
		row := s.campaignRow(c, p, pack, k, "", "", stats[k], pauses)
		row.Removed = true
		v.Rows = append(v.Rows, row)
	}
	s.render(w, r, c, http.StatusOK, "campaigns", "campaigns.title", v)
	return nil
}

// campaignRow builds one line of the list.
func (s *Server) campaignRow(c *Context, p period, pack *outreach.Pack, key, name, category string,
	st *outreach.CampaignStats, pauses map[string]outreach.CampaignPause) campaignRow {
	row := campaignRow{Key: key, Name: name, Category: category}
	if st != nil {
		row.Stats = *st
	} else {
		row.Stats = outreach.CampaignStats{Campaign: key, SentPerDay: make([]int, p.Days)}
	}
	if ps, ok := pauses[key]; ok {
		row.Paused = &ps
	}
	if category == outreach.CategorySurvey || row.Stats.Answered > 0 {
		if rate, ok := row.Stats.ResponseRate(); ok {
			row.Rate = fmt.Sprintf("%d %%", rate)
		}
		if nps, ok := row.Stats.NPS(); ok && !pack.IsCSAT(key) {
			row.NPS = strconv.Itoa(nps)
		}
	}
	row.Trend = trend(c, p, key, row.Stats.SentPerDay, true)
	return row
}

// trend draws the sends per day; small is the list's sparkline.
func trend(c *Context, p period, key string, perDay []int, small bool) any {
	total, maxV, maxDay := 0, 0, 0
	for i, n := range perDay {
		total += n
		if n > maxV {
			maxV, maxDay = n, i
		}
	}
	desc := fmt.Sprintf(translate(c.Lang, "campaigns.trend_desc"), total, p.Days, maxV, p.From.AddDate(0, 0, maxDay).Format("2006-01-02"))
	l := chart.Line{Title: fmt.Sprintf(translate(c.Lang, "campaigns.trend_title"), key), Desc: desc, Values: perDay}
	if small {
		l.Width, l.Height, l.Class = 120, 32, "chart spark"
	} else {
		l.FirstLabel, l.LastLabel = p.From.Format("2006-01-02"), p.To.UTC().Format("2006-01-02")
	}
	return l.SVG()
}

// fmtDuration writes a duration in days when it is whole days.
func fmtDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return d.String()
}

// describeTrigger says what plans the campaign, in the pack's own words.
func describeTrigger(t outreach.Trigger) string {
	var parts []string
	if t.Event != "" {
		parts = append(parts, "event "+t.Event)
		if t.Delay > 0 {
			parts = append(parts, "after "+fmtDuration(t.Delay))
		}
		var keys []string
		for k := range t.Where {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("where %s in [%s]", k, strings.Join(t.Where[k], ", ")))
		}
	}
	if t.Schedule != "" {
		parts = append(parts, "schedule "+t.Schedule)
		a := t.Audience
		if a.RenewalWithin > 0 {
			parts = append(parts, "accounts renewing within "+fmtDuration(a.RenewalWithin))
		}
		if a.InactiveFor > 0 {
			parts = append(parts, "contacts inactive for "+fmtDuration(a.InactiveFor))
		}
		if a.Anniversary != "" {
			parts = append(parts, "anniversary of "+a.Anniversary)
		}
	}
	return strings.Join(parts, ", ")
}

// describeFilter lists a campaign's filter, or "" for everyone.
func describeFilter(f outreach.Filter) string {
	var parts []string
	for _, x := range []struct {
		name string
		vals []string
	}{{"roles", f.Roles}, {"plans", f.Plans}, {"locales", f.Locales}} {
		if len(x.vals) > 0 {
			parts = append(parts, x.name+": "+strings.Join(x.vals, ", "))
		}
	}
	return strings.Join(parts, "; ")
}
