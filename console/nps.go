package console

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/console/chart"
)

// npsPages returns the NPS report page and its CSV export. Every signed-in
// member may open them; a cs member sees the answers of the accounts they
// own only (npsParams).
func (s *Server) npsPages() []Page {
	return []Page{
		{Method: "GET", Path: "/nps", Handle: s.handleNPS},
		{Method: "GET", Path: "/nps/export.csv", Handle: s.handleNPSExport},
	}
}

// Bounds of the NPS page.
const (
	// npsCommentPage is how many comments one page of the feed shows.
	npsCommentPage = 50
	// npsCommentScan is how many commented answers a search reads for one
	// page at most (outreach.CommentQuery.ScanLimit).
	npsCommentScan = 5000
	// npsMaxDays bounds the period.
	npsMaxDays = 5 * 366
)

// npsGroupings are the breakdowns the page offers (outreach.NPSGroupings
// without the per-account one: the accounts page is that).
var npsGroupings = []string{"campaign", "plan", "role", "locale", "owner"}

// npsParams is the page's query string, parsed and checked: the form shows
// it back, the report and the feed and the CSV export all use it.
type npsParams struct {
	From, To  string // YYYY-MM-DD, both inclusive
	Interval  string // outreach.IntervalWeek or IntervalMonth
	By        string // one of npsGroupings
	Campaign  string
	Owner     string // forced to the member's own address for cs
	OwnerLock bool   // a cs member: the owner filter is not theirs to change
	Plan      string
	Role      string
	Locale    string
	Class     string // score band of the feed
	Search    string
	Feed      string // outreach.SurveyNPS or SurveyCSAT: whose comments the feed shows
	Before    *outreach.CommentCursor

	from, to time.Time // [from, to) in UTC
}

// parseNPSParams reads the query string of r; defaults: the last twelve
// months by month, broken down by campaign.
func parseNPSParams(r *http.Request, c *Context) (npsParams, error) {
	q := r.URL.Query()
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	p := npsParams{Interval: get("interval"), By: get("by"), Campaign: get("campaign"), Plan: get("plan"), Role: get("role"),
		Class: get("class"), Search: get("q"), Feed: get("feed"), Owner: strings.ToLower(get("owner"))}
	if c.Member.ConsoleRole == outreach.RoleCS {
		p.Owner, p.OwnerLock = strings.ToLower(c.Member.Email), true
	}
	if p.Interval == "" {
		p.Interval = outreach.IntervalMonth
	}
	if !slices.Contains(outreach.NPSIntervals, p.Interval) {
		return p, outreach.Errorf(outreach.EINVALID, "interval: %q is not one of week, month", p.Interval)
	}
	if p.By == "" {
		p.By = "campaign"
	}
	if !slices.Contains(npsGroupings, p.By) {
		return p, outreach.Errorf(outreach.EINVALID, "by: %q is not one of %s", p.By, strings.Join(npsGroupings, ", "))
	}
	if p.Feed == "" {
		p.Feed = outreach.SurveyNPS
	}
	if p.Feed != outreach.SurveyNPS && p.Feed != outreach.SurveyCSAT {
		return p, outreach.Errorf(outreach.EINVALID, "feed: %q is not nps or csat", p.Feed)
	}
	for k, v := range map[string]string{"campaign": p.Campaign, "plan": p.Plan, "role": p.Role, "q": p.Search, "owner": p.Owner} {
		if len(v) > 200 {
			return p, outreach.Errorf(outreach.EINVALID, "%s: at most 200 characters", k)
		}
	}
	var err error
	if p.Locale, err = outreach.NormalizeLocale(get("locale")); err != nil {
		return p, outreach.Errorf(outreach.EINVALID, "locale: %v", err)
	}
	if b := get("before"); b != "" {
		if p.Before, err = outreach.ParseCommentCursor(b); err != nil {
			return p, err
		}
	}
	if err := p.period(get("from"), get("to"), c.Now); err != nil {
		return p, err
	}
	return p, outreach.CommentQuery{Class: p.Class, Limit: 1}.Validate()
}

// period sets the window from the from and to dates (inclusive; defaults:
// the first day of the month eleven months back, and today).
func (p *npsParams) period(from, to string, now time.Time) error {
	today := now.UTC().Truncate(24 * time.Hour)
	end, start := today, time.Date(today.Year(), today.Month()-11, 1, 0, 0, 0, 0, time.UTC)
	var err error
	if to != "" {
		if end, err = time.Parse(time.DateOnly, to); err != nil {
			return outreach.Errorf(outreach.EINVALID, "to: %q is not a date (YYYY-MM-DD)", to)
		}
	}
	if from != "" {
		if start, err = time.Parse(time.DateOnly, from); err != nil {
			return outreach.Errorf(outreach.EINVALID, "from: %q is not a date (YYYY-MM-DD)", from)
		}
	}
	if end.Before(start) {
		return outreach.Errorf(outreach.EINVALID, "from (%s) is after to (%s)", start.Format(time.DateOnly), end.Format(time.DateOnly))
	}
	if end.Sub(start) > npsMaxDays*24*time.Hour {
		return outreach.Errorf(outreach.EINVALID, "the period is at most %d days", npsMaxDays)
	}
	p.from, p.to = start, end.Add(24*time.Hour)
	p.From, p.To = start.Format(time.DateOnly), end.Format(time.DateOnly)
	return nil
}

// filter returns the report's filter for the answers of kind.
func (p npsParams) filter() outreach.NPSFilter {
	from, to := p.from, p.to
	return outreach.NPSFilter{Campaign: p.Campaign, From: &from, To: &to, Owner: p.Owner, Plan: p.Plan, Role: p.Role,
		Locale: p.Locale, Interval: p.Interval, GroupBy: p.By}
}

// values returns p as a query string, without the cursor.
func (p npsParams) values() url.Values {
	v := url.Values{}
	for k, val := range map[string]string{"from": p.From, "to": p.To, "interval": p.Interval, "by": p.By,
		"campaign": p.Campaign, "plan": p.Plan, "role": p.Role, "locale": p.Locale, "class": p.Class, "q": p.Search, "feed": p.Feed} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if !p.OwnerLock && p.Owner != "" {
		v.Set("owner", p.Owner)
	}
	return v
}

// npsView is the NPS page's data.
type npsView struct {
	P         npsParams
	Admin     bool // the owner filter is offered
	Campaigns []npsCampaign
	Intervals []string
	Groupings []string
	Classes   []string
	// CampaignKind is the kind of the chosen campaign ("" = none chosen).
	CampaignKind string
	NPS          *outreach.NPSReport // nil when a CSAT campaign is chosen
	Overall      npsRow
	Trend        []npsRow // one per week or month with answers
	Groups       []npsRow // one per value of the breakdown
	Chart        template.HTML
	CSAT         []npsRow // one per CSAT campaign with answers
	CSATTotal    npsRow
	Feed         *outreach.CommentPage
	Older        string            // the next page of the feed, or ""
	Presets      []npsPreset       // quick periods
	CSV          map[string]string // the CSV export of each table, by part
	People       bool              // links to the people and accounts pages (cs, admin)
}

// npsPreset is a link to the page for a common period, with the other
// filters kept.
type npsPreset struct {
	Label, Href string
	Current     bool
}

// npsPresets returns the quick periods: the last 30 and 90 days, the last
// twelve months (the default), this year and last year.
func npsPresets(c *Context, p npsParams) []npsPreset {
	today := c.Now.UTC().Truncate(24 * time.Hour)
	jan1 := time.Date(today.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	periods := []struct {
		label    string
		from, to time.Time
	}{
		{"nps.last_30", today.AddDate(0, 0, -29), today},
		{"nps.last_90", today.AddDate(0, 0, -89), today},
		{"nps.last_12m", time.Date(today.Year(), today.Month()-11, 1, 0, 0, 0, 0, time.UTC), today},
		{"nps.this_year", jan1, today},
		{"nps.last_year", jan1.AddDate(-1, 0, 0), jan1.AddDate(0, 0, -1)},
	}
	out := make([]npsPreset, len(periods))
	for i, pr := range periods {
		v := p.values()
		from, to := pr.from.Format(time.DateOnly), pr.to.Format(time.DateOnly)
		v.Set("from", from)
		v.Set("to", to)
		out[i] = npsPreset{Label: translate(c.Lang, pr.label), Href: Prefix + "/nps?" + v.Encode(), Current: from == p.From && to == p.To}
	}
	return out
}

// npsCampaign is an option of the campaign filter.
type npsCampaign struct {
	Key, Name, Kind string
}

// npsData computes everything the page (and its CSV) shows for the
// filters of r's query string.
func (s *Server) npsData(r *http.Request, c *Context) (*npsView, error) {
	p, err := parseNPSParams(r, c)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	v := &npsView{P: p, Admin: !p.OwnerLock, People: c.Allowed([]string{outreach.RoleCS}), Intervals: outreach.NPSIntervals, Groupings: npsGroupings,
		Classes: []string{outreach.ClassPromoter, outreach.ClassPassive, outreach.ClassDetractor}}
	var csat []string
	if v.Campaigns, csat, err = s.surveyCampaigns(ctx); err != nil {
		return nil, err
	}
	if p.Campaign != "" {
		i := slices.IndexFunc(v.Campaigns, func(k npsCampaign) bool { return k.Key == p.Campaign })
		if i < 0 {
			return nil, outreach.Errorf(outreach.EINVALID, "campaign: no survey campaign %q", p.Campaign)
		}
		v.CampaignKind = v.Campaigns[i].Kind
		v.P.Feed, p.Feed = v.CampaignKind, v.CampaignKind
	}
	// The trend, the CSAT section and the comment feed are independent
	// reads: they run side by side, so the page costs the slowest of them.
	f := p.filter()
	var wg sync.WaitGroup
	var npsErr, csatErr, feedErr error
	if v.CampaignKind != outreach.SurveyCSAT {
		nf := f
		nf.ExcludeCampaigns = csat
		wg.Go(func() { v.NPS, npsErr = s.Store.NPS(ctx, nf) })
	}
	if v.CampaignKind != outreach.SurveyNPS {
		wg.Go(func() { csatErr = s.csatRows(ctx, v, f, csat) })
	}
	q := outreach.CommentQuery{NPSFilter: p.filter(), Class: p.Class, Search: p.Search, Before: p.Before,
		Limit: npsCommentPage, ScanLimit: npsCommentScan}
	switch {
	case p.Campaign == "" && p.Feed == outreach.SurveyCSAT:
		q.Campaigns = csat
	case p.Campaign == "":
		q.ExcludeCampaigns = csat
	}
	v.Feed = &outreach.CommentPage{}
	if len(q.Campaigns) > 0 || p.Campaign != "" || p.Feed == outreach.SurveyNPS {
		wg.Go(func() { v.Feed, feedErr = s.Store.Comments(ctx, q) })
	}
	wg.Wait()
	if err := errors.Join(npsErr, csatErr, feedErr); err != nil {
		return nil, err
	}
	if v.NPS != nil {
		v.Chart = npsTrendChart(c.Lang, v.NPS.Series, p)
		v.Overall = newNPSRow("", v.NPS.Overall)
		for _, pt := range v.NPS.Series {
			v.Trend = append(v.Trend, newNPSRow(periodLabel(pt.Period, p.Interval), pt.NPSStats))
		}
		for _, g := range v.NPS.Groups {
			v.Groups = append(v.Groups, newNPSRow(g.Key, g.NPSStats))
		}
	}
	if v.Feed.Next != nil {
		next := p.values()
		next.Set("before", v.Feed.Next.String())
		v.Older = Prefix + "/nps?" + next.Encode() + "#comments"
	}
	v.Presets = npsPresets(c, p)
	v.CSV = map[string]string{}
	for _, part := range npsExportParts {
		ex := p.values()
		if p.Before != nil {
			ex.Set("before", p.Before.String())
		}
		ex.Set("part", part)
		v.CSV[part] = Prefix + "/nps/export.csv?" + ex.Encode()
	}
	return v, nil
}

// csatRows fills the CSAT section: one line per CSAT campaign (or the
// chosen one), with the same filters as the NPS, never mixed into it. It
// is one report grouped by campaign over every campaign but the NPS ones
// (the page knows every key that ever sent or was answered), so the page
// costs one aggregate whatever the number of CSAT campaigns.
func (s *Server) csatRows(ctx context.Context, v *npsView, f outreach.NPSFilter, csat []string) error {
	keys := csat
	f.Interval, f.GroupBy, f.ExcludeCampaigns = "", "campaign", nil
	if f.Campaign != "" {
		keys = []string{f.Campaign}
	} else {
		for _, k := range v.Campaigns {
			if !slices.Contains(csat, k.Key) {
				f.ExcludeCampaigns = append(f.ExcludeCampaigns, k.Key)
			}
		}
	}
	if len(keys) == 0 {
		v.CSATTotal = newNPSRow("", outreach.NPSStats{})
		return nil
	}
	rep, err := s.Store.NPS(ctx, f)
	if err != nil {
		return err
	}
	var total outreach.NPSStats
	for _, k := range keys {
		i := slices.IndexFunc(rep.Groups, func(g outreach.NPSGroup) bool { return g.Key == k })
		if i >= 0 && rep.Groups[i].Responses > 0 {
			v.CSAT = append(v.CSAT, newNPSRow(k, rep.Groups[i].NPSStats))
			total = total.Add(rep.Groups[i].NPSStats)
		}
	}
	v.CSATTotal = newNPSRow("", total)
	return nil
}

// surveyCampaigns lists the campaigns the filter offers — the active
// pack's survey campaigns, then keys that sent or were answered but are no
// longer in the pack — and the CSAT keys among them (outreach.Pack.IsCSAT,
// the rule of GET /api/v1/nps).
func (s *Server) surveyCampaigns(ctx context.Context) ([]npsCampaign, []string, error) {
	var pack *outreach.Pack
	if s.Pack != nil {
		if l := s.Pack(); l != nil {
			pack = l.Pack
		}
	}
	var out []npsCampaign
	var csat []string
	add := func(key, name string) {
		kind := pack.SurveyKind(key)
		out = append(out, npsCampaign{Key: key, Name: name, Kind: kind})
		if kind == outreach.SurveyCSAT {
			csat = append(csat, key)
		}
	}
	if pack != nil {
		for _, c := range pack.Campaigns {
			if c.Category == "survey" {
				add(c.Key, c.Name)
			}
		}
	}
	sent, err := s.Store.SentCampaigns(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, k := range sent {
		if pack == nil || pack.Campaign(k) == nil {
			add(k, "")
		}
	}
	return out, csat, nil
}

// handleNPS shows the NPS trend with its margin of error, a breakdown,
// CSAT apart, and the comment feed, for the filters of the query string.
func (s *Server) handleNPS(w http.ResponseWriter, r *http.Request, c *Context) error {
	v, err := s.npsData(r, c)
	if err != nil {
		return err
	}
	s.render(w, r, c, http.StatusOK, "nps", "nps.title", v)
	return nil
}

// npsTrendChart draws the series as a line with its 95 % margin of error
// as a band (chart.Band); the page's table says the same in numbers.
func npsTrendChart(lang string, series []outreach.NPSPoint, p npsParams) template.HTML {
	if len(series) == 0 {
		return ""
	}
	interval := p.Interval
	b := chart.Band{Title: fmt.Sprintf(translate(lang, "nps.chart_title"), translate(lang, "nps.interval."+interval)),
		Min: -100, Max: 100, Slots: periodSlot(p.from, p.to.Add(-time.Nanosecond), interval) + 1}
	var desc []string
	for _, pt := range series {
		label := periodLabel(pt.Period, interval)
		v, m := *pt.NPS, *pt.MarginOfError
		b.Points = append(b.Points, chart.BandPoint{Label: label, Value: v, Low: v - m, High: v + m,
			Slot: periodSlot(p.from, pt.Period, interval)})
		desc = append(desc, fmt.Sprintf(translate(lang, "nps.chart_point"), label, v, m, pt.Responses))
	}
	b.Desc = strings.Join(desc, "; ")
	return b.SVG()
}

// periodSlot is the number of whole weeks or months from the period of
// from to the period of t: where t goes on the chart's axis.
func periodSlot(from, t time.Time, interval string) int {
	if interval == outreach.IntervalMonth {
		return (t.Year()-from.Year())*12 + int(t.Month()) - int(from.Month())
	}
	monday := func(d time.Time) time.Time {
		d = d.UTC().Truncate(24 * time.Hour)
		return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	}
	return int(monday(t).Sub(monday(from)).Hours()+12) / (7 * 24)
}

// periodLabel names a period of the series: 2026-02 for a month, the
// Monday's date for a week.
func periodLabel(t time.Time, interval string) string {
	if interval == outreach.IntervalMonth {
		return t.Format("2006-01")
	}
	return t.Format(time.DateOnly)
}

// npsRow is a line of the page's tables and of the CSV export, its
// numbers written once for both.
type npsRow struct {
	Label string
	outreach.NPSStats
	Score    string // the NPS, one decimal, or "—" without answers
	Margin   string // ± the margin of error at 95 %
	Range    string // "[low, high]", clamped to -100…+100
	Answered string // CSAT: the share of 9-10 answers, in %
	Unhappy  string // CSAT: the share of 0-6 answers, in %
}

// newNPSRow formats st.
func newNPSRow(label string, st outreach.NPSStats) npsRow {
	r := npsRow{Label: label, NPSStats: st, Score: "—", Margin: "—", Range: "—", Answered: "—", Unhappy: "—"}
	if st.NPS == nil || st.MarginOfError == nil {
		return r
	}
	v, m := *st.NPS, *st.MarginOfError
	r.Score, r.Margin = fmt.Sprintf("%.1f", v), fmt.Sprintf("%.1f", m)
	r.Range = fmt.Sprintf("[%.1f, %.1f]", max(v-m, -100), min(v+m, 100))
	n := float64(st.Responses)
	r.Answered = fmt.Sprintf("%.1f", float64(st.Promoters)*100/n)
	r.Unhappy = fmt.Sprintf("%.1f", float64(st.Detractors)*100/n)
	return r
}
