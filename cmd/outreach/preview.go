package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/console"
	"github.com/outreach-dev/outreach/store"
	"github.com/outreach-dev/outreach/templates"
)

const previewUsage = "preview [--campaigns DIR] --campaign KEY --contact EMAIL [--locale L] [--html FILE]"

func (m *Main) previewCommand() *command {
	var dir, key, email, locale, htmlFile string
	return &command{
		Usage:   previewUsage,
		Summary: "render a campaign's email for a contact in the database: subject and text on stdout, HTML to a file",
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&dir, "campaigns", "", "campaign pack directory (default: OUTREACH_CAMPAIGNS, else the built-in pack)")
			fs.StringVar(&key, "campaign", "", "the campaign key (from the pack of --campaigns)")
			fs.StringVar(&email, "contact", "", "the contact's email address")
			fs.StringVar(&locale, "locale", "", "render in this locale instead of the contact's (e.g. pt-BR)")
			fs.StringVar(&htmlFile, "html", "", "where to write the HTML part (default preview-KEY.html)")
		},
		Run: func(ctx context.Context, args []string) error {
			if err := wantArgs(args, 0, previewUsage); err != nil {
				return err
			}
			if dir == "" {
				dir = m.Config.Campaigns
			}
			return m.runPreview(ctx, dir, key, email, locale, htmlFile)
		},
	}
}

// runPreview renders the campaign's template for the contact with real
// data from the database, as the dispatcher would, except that the survey
// and unsubscribe links are inert placeholders: a preview must never
// unsubscribe or answer for the real person when someone clicks in it.
func (m *Main) runPreview(ctx context.Context, dir, key, email, locale, htmlFile string) error {
	key = strings.TrimSpace(key)
	if key == "" {
		return fmt.Errorf("--campaign is required: the key of the campaign to preview")
	}
	if strings.TrimSpace(email) == "" {
		return fmt.Errorf("--contact is required: the email address of a contact in the database")
	}
	email, err := outreach.CanonicalEmail(email)
	if err != nil {
		return fmt.Errorf("--contact: %v", err)
	}
	if locale != "" {
		l, err := outreach.NormalizeLocale(locale)
		if err != nil {
			return fmt.Errorf("--locale: %v", err)
		}
		locale = l
	}
	loaded, err := loadPack(dir)
	if err != nil {
		return fmt.Errorf("campaign pack %s is invalid:\n%w", packName(dir), err)
	}
	if loaded.Pack.Campaign(key) == nil {
		return fmt.Errorf("no campaign %q in %s: use one of %s", key, packName(dir), strings.Join(campaignKeys(loaded.Pack), ", "))
	}
	db, err := m.openExisting(ctx)
	if err != nil {
		return err
	}
	pr, err := m.renderPreview(ctx, db, loaded, key, email, locale)
	if err != nil {
		return err
	}
	if htmlFile == "" {
		htmlFile = "preview-" + key + ".html"
	}
	if err := os.WriteFile(htmlFile, []byte(pr.HTML), 0o644); err != nil {
		return fmt.Errorf("--html: %w", err)
	}
	if pr.Note != "" {
		fmt.Fprintf(m.Stderr, "note: %s\n", pr.Note)
	}
	for _, w := range pr.Warnings {
		fmt.Fprintf(m.Stderr, "warning: %s\n", w)
	}
	abs, err := filepath.Abs(htmlFile)
	if err != nil {
		abs = htmlFile
	}
	fmt.Fprintf(m.Stdout, "Campaign: %s (%s), template %s, locale %s\nFrom: %s\nReply-To: %s\nTo: %s\nSubject: %s\n\n%s\n\nHTML written to %s\n",
		pr.Campaign, pr.Category, pr.Template, pr.Locale, pr.From, pr.ReplyTo, pr.To, pr.Subject, strings.TrimRight(pr.Text, "\n"), abs)
	return nil
}

// renderPreview renders campaign key of loaded for the contact with email
// (canonical) in locale ("" = the contact's), as `outreach preview` and
// the console's pack preview show it.
func (m *Main) renderPreview(ctx context.Context, db *store.DB, loaded *campaigns.Loaded, key, email, locale string) (*console.PreviewResult, error) {
	c := loaded.Pack.Campaign(key)
	if c == nil {
		return nil, outreach.Errorf(outreach.ENOTFOUND, "no campaign %q: use one of %s", key, strings.Join(campaignKeys(loaded.Pack), ", "))
	}
	tl, err := db.Timeline(ctx, email)
	if outreach.ErrorCode(err) == outreach.ENOTFOUND {
		return nil, outreach.Errorf(outreach.ENOTFOUND, "no contact with email %s in the database: import it with `outreach import contacts FILE.csv`", strings.TrimSpace(email))
	}
	if err != nil {
		return nil, err
	}
	data, note, err := m.previewData(c, tl, locale)
	if err != nil {
		return nil, err
	}
	if locale == "" {
		locale = tl.Contact.Locale
	}
	r, err := loaded.Templates.Render(c.Template, locale, data)
	if err != nil {
		return nil, outreach.Errorf(outreach.EINVALID, "campaign %s, template %s, for %s: %v", c.Key, c.Template, tl.Contact.Email, err)
	}
	from, replyTo, err := m.previewSender(ctx, db, c, &loaded.Pack.Policy, tl.Account)
	if err != nil {
		return nil, err
	}
	return &console.PreviewResult{Campaign: c.Key, Category: c.Category, Template: c.Template, Locale: r.Locale,
		From: from, ReplyTo: replyTo, To: tl.Contact.Email, Subject: r.Subject, Text: r.Text, HTML: r.HTML,
		Note: note, Warnings: previewWarnings(c, tl)}, nil
}

// previewSender returns the From and Reply-To lines the dispatcher would
// use for the campaign and the contact's account (see
// outreach.ResolveSender).
func (m *Main) previewSender(ctx context.Context, db *store.DB, c *outreach.Campaign, p *outreach.Policy, acc *outreach.Account) (from, replyTo string, err error) {
	addr, name, err := splitFrom(m.Config.MailFrom)
	if err != nil {
		return "", "", err
	}
	var owner outreach.Mailbox
	if acc != nil && acc.OwnerEmail != "" {
		owner.Address = acc.OwnerEmail
		tm, err := db.TeamMember(ctx, acc.OwnerEmail)
		switch {
		case err == nil:
			owner.Name = tm.Name
		case outreach.ErrorCode(err) != outreach.ENOTFOUND:
			return "", "", err
		}
	}
	f, rt := c.Sender(p, outreach.Mailbox{Name: name, Address: addr}, owner)
	from = mailbox(f)
	replyTo = "(none: replies go to From)"
	if rt != nil {
		replyTo = mailbox(*rt)
	}
	return from, replyTo, nil
}

// mailbox formats an address for people to read: Name <address>.
func mailbox(m outreach.Mailbox) string {
	if m.Name == "" {
		return m.Address
	}
	return m.Name + " <" + m.Address + ">"
}

// previewData builds the template data for a contact: its account, the
// properties of its newest event that triggers the campaign (note says so
// when there is none), the occurrence, placeholder links and the footer.
func (m *Main) previewData(c *outreach.Campaign, tl *outreach.Timeline, locale string) (*templates.Data, string, error) {
	now := m.Now().UTC()
	d := &templates.Data{
		Contact:       templates.PersonFromContact(&tl.Contact),
		Campaign:      templates.CampaignInfo{Key: c.Key, Name: c.Name, Category: c.Category},
		PostalAddress: m.Config.PostalAddress,
		Now:           now,
	}
	if locale != "" {
		d.Contact.Locale = locale
	}
	if tl.Account != nil {
		org, err := templates.OrgFromAccount(tl.Account)
		if err != nil {
			return nil, "", err
		}
		d.Account = org
	}
	base := strings.TrimRight(m.Config.PublicURL, "/")
	if c.Category != outreach.CategoryTransactional {
		d.UnsubscribeURL = base + "/u/preview"
	}
	if c.Category == outreach.CategorySurvey {
		for i := 0; i <= 10; i++ {
			d.SurveyLinks = append(d.SurveyLinks, base+"/s/preview?score="+strconv.Itoa(i))
		}
	}
	var note string
	switch t := c.Trigger; {
	case t.Event != "":
		ev := newestTrigger(c, tl.Events)
		if ev == nil {
			note = fmt.Sprintf("%s has no %s event that triggers %s: the template sees no event properties", tl.Contact.Email, t.Event, c.Key)
			d.Event = map[string]any{}
			break
		}
		d.Event = ev.Properties
		if d.Event == nil {
			d.Event = map[string]any{}
		}
		d.Occurrence, _ = campaigns.EventOccurrence(c, ev)
	case t.Audience.RenewalWithin > 0 && tl.Account != nil:
		d.Occurrence = tl.Account.RenewalDate
	case t.Audience.InactiveFor > 0 && tl.Contact.LastSeenAt != nil:
		d.Occurrence = tl.Contact.LastSeenAt.UTC().Format(time.RFC3339)
	case t.Audience.Anniversary != "":
		d.Occurrence = strconv.Itoa(now.Year())
	}
	return d, note, nil
}

// previewWarnings says why the campaign would not reach the contact, as
// the planner and the throttle would decide: a suppression that stops its
// category, its filter's roles or plans, its filter's locales.
func previewWarnings(c *outreach.Campaign, tl *outreach.Timeline) []string {
	var out []string
	who := tl.Contact.Email
	for _, s := range tl.Suppressions {
		if outreach.Suppresses(s.Scope, c.Category) {
			w := fmt.Sprintf("%s is suppressed (%s since %s", who, s.Scope, s.CreatedAt.UTC().Format(time.DateOnly))
			if s.Reason != "" {
				w += ": " + s.Reason
			}
			out = append(out, w+"): "+c.Key+" would not be sent to them")
		}
	}
	plan := ""
	if tl.Account != nil {
		plan = tl.Account.Plan
	}
	f := c.Filter
	if !campaigns.FilterMatches(outreach.Filter{Roles: f.Roles, Plans: f.Plans}, tl.Contact.Role, "", plan) {
		out = append(out, fmt.Sprintf("%s is filtered out of %s (%s; the contact's role is %q, the account's plan %q): it would not be planned for them",
			who, c.Key, describeRolesPlans(f), tl.Contact.Role, plan))
	}
	if !campaigns.FilterMatches(outreach.Filter{Locales: f.Locales}, "", tl.Contact.Locale, "") {
		out = append(out, fmt.Sprintf("%s's locale %q is outside %s's locales (%s): it would not be planned for them",
			who, orDash(tl.Contact.Locale), c.Key, strings.Join(f.Locales, ", ")))
	}
	return out
}

// describeRolesPlans lists a filter's roles and plans.
func describeRolesPlans(f outreach.Filter) string {
	var parts []string
	if len(f.Roles) > 0 {
		parts = append(parts, "roles "+strings.Join(f.Roles, ", "))
	}
	if len(f.Plans) > 0 {
		parts = append(parts, "plans "+strings.Join(f.Plans, ", "))
	}
	return strings.Join(parts, "; ")
}

// newestTrigger returns the newest of events (newest first) that triggers
// c, or nil.
func newestTrigger(c *outreach.Campaign, events []outreach.TimelineEvent) *outreach.Event {
	for i := range events {
		if campaigns.EventMatches(c, &events[i].Event) {
			return &events[i].Event
		}
	}
	return nil
}

// campaignKeys lists the keys of a pack's campaigns, sorted.
func campaignKeys(p *outreach.Pack) []string {
	keys := make([]string, 0, len(p.Campaigns))
	for _, c := range p.Campaigns {
		keys = append(keys, c.Key)
	}
	sort.Strings(keys)
	return keys
}
