package console

import (
	"net/http"
	"net/url"

	"github.com/outreach-dev/outreach"
)

// templateLink is a template locale with the link to its preview.
type templateLink struct {
	Locale, Href string
}

type campaignView struct {
	Campaign  *outreach.Campaign
	Trigger   string
	Filter    string
	TTL       string
	Cooldown  string
	From      string
	ReplyTo   string
	Templates []templateLink
	Paused    *outreach.CampaignPause
	Period    period
	Periods   []int
	Row       campaignRow
	Trend     any
	Days      []dayCount
	Decisions []outreach.CampaignDecision
}

// dayCount is one line of the trend's table.
type dayCount struct {
	Day  string
	Sent int
}

// handleCampaign shows one campaign: its definition, its counts and trend
// over the period, its recent decisions, and pause or resume.
func (s *Server) handleCampaign(w http.ResponseWriter, r *http.Request, c *Context) error {
	l := s.Pack()
	key := r.PathValue("key")
	camp := l.Pack.Campaign(key)
	if camp == nil {
		return outreach.Errorf(outreach.ENOTFOUND, "the active pack has no campaign %q", key)
	}
	p, err := periodOf(r, c.Now)
	if err != nil {
		return err
	}
	stats, err := s.Store.CampaignStats(r.Context(), p.From, p.To, key)
	if err != nil {
		return err
	}
	pauses, err := s.Store.CampaignPauses(r.Context())
	if err != nil {
		return err
	}
	decisions, err := s.Store.CampaignDecisions(r.Context(), key, recentDecisions)
	if err != nil {
		return err
	}
	v := campaignView{
		Campaign: camp, Trigger: describeTrigger(camp.Trigger), Filter: describeFilter(camp.Filter),
		TTL: fmtDuration(outreach.TTLOrDefault(camp.TTL)), Cooldown: fmtDuration(camp.Cooldown),
		From: orPolicy(camp.Identity.From, l.Pack.Policy.Identity.From), ReplyTo: orPolicy(camp.Identity.ReplyTo, l.Pack.Policy.Identity.ReplyTo),
		Period: p, Periods: periods, Decisions: decisions,
		Row: s.campaignRow(c, p, l.Pack, key, camp.Name, camp.Category, stats[key], pauses),
	}
	v.Paused = v.Row.Paused
	v.Trend = trend(c, p, key, v.Row.Stats.SentPerDay, false)
	for i, n := range v.Row.Stats.SentPerDay {
		v.Days = append(v.Days, dayCount{Day: p.From.AddDate(0, 0, i).Format("2006-01-02"), Sent: n})
	}
	if l.Templates != nil {
		for _, loc := range l.Templates.Locales(camp.Template) {
			v.Templates = append(v.Templates, templateLink{Locale: loc,
				Href: Prefix + "/campaigns/" + url.PathEscape(key) + "/preview/" + url.PathEscape(loc)})
		}
	}
	s.render(w, r, c, http.StatusOK, "campaign", "campaign.title", v)
	return nil
}

// orPolicy is the campaign's own value, else the policy's ("" when
// neither: the configured OUTREACH_MAIL_FROM).
func orPolicy(own, policy string) string {
	if own != "" {
		return own
	}
	return policy
}

// handlePause pauses (or resumes) a campaign of the active pack, audited.
func (s *Server) handlePause(pause bool) func(w http.ResponseWriter, r *http.Request, c *Context) error {
	return func(w http.ResponseWriter, r *http.Request, c *Context) error {
		key := r.PathValue("key")
		if s.Pack().Pack.Campaign(key) == nil {
			return outreach.Errorf(outreach.ENOTFOUND, "the active pack has no campaign %q", key)
		}
		var err error
		if pause {
			err = s.Store.PauseCampaign(r.Context(), key, c.Audit("campaign.pause", key, ""))
		} else {
			err = s.Store.ResumeCampaign(r.Context(), key, c.Audit("campaign.resume", key, ""))
		}
		if err != nil {
			return err
		}
		http.Redirect(w, r, Prefix+"/campaigns/"+url.PathEscape(key), http.StatusSeeOther)
		return nil
	}
}
