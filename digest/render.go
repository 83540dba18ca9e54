package digest

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/links"
)

//go:embed templates/digest.txt templates/digest.html
var templateFS embed.FS

// MaxItems caps each list of the email; the rest is counted ("and 12
// more") and visible with `outreach explain` and the timeline.
const MaxItems = 25

var (
	textTmpl = texttemplate.Must(texttemplate.New("digest.txt").Funcs(texttemplate.FuncMap(funcs(nil))).
			ParseFS(templateFS, "templates/digest.txt"))
	htmlTmpl = htmltemplate.Must(htmltemplate.New("digest.html").Funcs(htmltemplate.FuncMap(funcs(nil))).
			ParseFS(templateFS, "templates/digest.html"))
)

// renderData is what the templates see.
type renderData struct {
	*Digest
	Name      string // of the owner, or their email
	Period    string // "Mon 2 Mar 08:00 – Mon 9 Mar 08:00 (Asia/Tokyo)"
	Mentioned []*outreach.Account
}

// Render returns the subject, text and HTML of d. Every account line links
// to a signed page (publicURL/p/TOKEN) that pauses the account's automated
// outreach for outreach.PauseFor; the links expire
// outreach.PauseLinkValidity after the period end.
func Render(d *Digest, signer *links.Signer, publicURL string) (subject, text, html string, err error) {
	if d == nil {
		return "", "", "", errors.New("render digest: no digest")
	}
	if signer == nil {
		return "", "", "", errors.New("render digest: no link signer")
	}
	loc := d.Location
	if loc == nil {
		loc = time.UTC
	}
	data := renderData{
		Digest:    d,
		Name:      d.Owner.Name,
		Period:    fmt.Sprintf("%s – %s (%s)", d.From.In(loc).Format(whenLayout), d.To.In(loc).Format(whenLayout), loc),
		Mentioned: mentioned(d),
	}
	if data.Name == "" {
		data.Name = d.Owner.Email
	}
	fm := funcs(&pauser{signer: signer, base: strings.TrimRight(publicURL, "/"), at: d.To, expires: d.To.Add(outreach.PauseLinkValidity), loc: loc})
	var tb, hb bytes.Buffer
	if err := texttemplate.Must(textTmpl.Clone()).Funcs(fm).Execute(&tb, data); err != nil {
		return "", "", "", fmt.Errorf("render digest text: %w", err)
	}
	ht, err := htmlTmpl.Clone()
	if err != nil {
		return "", "", "", fmt.Errorf("render digest html: %w", err)
	}
	if err := ht.Funcs(htmltemplate.FuncMap(fm)).Execute(&hb, data); err != nil {
		return "", "", "", fmt.Errorf("render digest html: %w", err)
	}
	return Subject(d), tb.String(), hb.String(), nil
}

// Subject sums up d in one line: the period and its highlights.
func Subject(d *Digest) string {
	loc := d.Location
	if loc == nil {
		loc = time.UTC
	}
	var parts []string
	if c := d.Cases; c != nil && len(c.Open) > 0 {
		s := plural(len(c.Open), "open case")
		if n := c.Overdue(); n > 0 {
			s += fmt.Sprintf(" (%d overdue)", n)
		}
		parts = append(parts, s)
	}
	if f := d.Feedback; f != nil && f.Overall.Current.Responses() > 0 {
		s := "NPS " + signed(f.Overall.Current.Score())
		if c, ok := f.Overall.Change(); ok {
			s += " (" + signed(c) + ")"
		}
		parts = append(parts, s)
		if n := len(f.Detractors); n > 0 {
			parts = append(parts, plural(n, "detractor"))
		}
	}
	if n := len(d.Renewals); n > 0 {
		parts = append(parts, plural(n, "renewal")+" ahead")
	}
	if n := len(d.MailIssues); n > 0 {
		if n == 1 {
			parts = append(parts, "1 bounce or unsubscribe")
		} else {
			parts = append(parts, fmt.Sprintf("%d bounces or unsubscribes", n))
		}
	}
	s := "Customer digest " + d.From.In(loc).Format(dateLayout) + " – " + d.To.In(loc).Format(dateLayout)
	if len(parts) == 0 {
		return s
	}
	return s + ": " + strings.Join(parts, ", ")
}

const (
	dateLayout = "Mon 2 Jan"
	whenLayout = "Mon 2 Jan 15:04"
)

// pauser signs pause links and formats times in the digest's timezone.
type pauser struct {
	signer  *links.Signer
	base    string
	at      time.Time // the period end
	expires time.Time
	loc     *time.Location
}

// funcs returns the template functions; p is nil when parsing.
func funcs(p *pauser) map[string]any {
	loc := time.UTC
	if p != nil {
		loc = p.loc
	}
	return map[string]any{
		"date": func(t time.Time) string { return t.In(loc).Format(dateLayout) },
		"when": func(t time.Time) string { return t.In(loc).Format(whenLayout) },
		"whenp": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.In(loc).Format(whenLayout)
		},
		"nps": func(n NPS) string {
			if n.Responses() == 0 {
				return "no answers"
			}
			return "NPS " + signed(n.Score()) + " (" + plural(n.Responses(), "answer") + ")"
		},
		// latest is a renewal's latest NPS.
		"latest": func(n NPS) string {
			if n.Responses() == 0 {
				return "no NPS answers in the last year"
			}
			return "latest NPS " + signed(n.Score()) + " (" + plural(n.Responses(), "answer") + ")"
		},
		// in is "today", "in 1 day", "in 20 days".
		"in": func(days int) string {
			if days == 0 {
				return "today"
			}
			return "in " + plural(days, "day")
		},
		"change": func(t Trend) string {
			if c, ok := t.Change(); ok {
				return signed(c) + " vs previous period (" + signed(t.Previous.Score()) + ")"
			}
			return "no answers in the previous period"
		},
		"account": accountName,
		"paused": func(a *outreach.Account) string {
			if p == nil || a.PausedAt(p.at) == nil {
				return ""
			}
			return "paused until " + a.PausedUntil.In(loc).Format(dateLayout)
		},
		"pause": func(a *outreach.Account) string {
			if p == nil || a == nil {
				return ""
			}
			return p.base + "/p/" + p.signer.Sign(links.KindPause, a.ExternalID, p.expires)
		},
		// console is the account's page in the console; a person who is
		// not signed in goes through sign-in and comes back to it.
		"console": func(a *outreach.Account) string {
			if p == nil || a == nil {
				return ""
			}
			return p.base + "/console/accounts/" + url.PathEscape(a.ExternalID)
		},
		// caseConsole is a case's page in the console (sign-in returns
		// to it as it does to an account's).
		"caseConsole": func(k outreach.Case) string {
			if p == nil {
				return ""
			}
			return p.base + outreach.CaseConsolePath(k.ID)
		},
		// line and quote write typed text (names, comments, received
		// reasons) into the plain-text email so that it cannot pass for
		// the email's own structure (outreach.PlainLine, PlainQuote).
		"line":   outreach.PlainLine,
		"quote":  outreach.PlainQuote,
		"first":  func(items any) any { return limit(items, MaxItems) },
		"more":   func(items any) int { return overflow(items, MaxItems) },
		"plural": plural,
		// pauseFor is how long a pause link holds outreach: "14 days".
		"pauseFor": func() string { return plural(int(outreach.PauseFor/(24*time.Hour)), "day") },
	}
}

// accountName is "Name (external_id)", or the external id alone.
func accountName(a *outreach.Account) string {
	if a == nil {
		return ""
	}
	name, id := outreach.PlainLine(a.Name), outreach.PlainLine(a.ExternalID)
	if name == "" || name == id {
		return id
	}
	return name + " (" + id + ")"
}

// signed formats n with its sign: +40, 0, -15.
func signed(n int) string {
	if n > 0 {
		return fmt.Sprintf("+%d", n)
	}
	return fmt.Sprint(n)
}

// plural is "1 answer", "2 answers".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// limit returns the first n elements of a slice of the section types.
func limit(items any, n int) any {
	switch s := items.(type) {
	case []Response:
		return s[:min(n, len(s))]
	case []Item:
		return s[:min(n, len(s))]
	case []QuietContact:
		return s[:min(n, len(s))]
	case []Milestone:
		return s[:min(n, len(s))]
	case []MailIssue:
		return s[:min(n, len(s))]
	case []Renewal:
		return s[:min(n, len(s))]
	}
	panic(fmt.Sprintf("digest template: first of %T", items))
}

// overflow is how many elements limit leaves out.
func overflow(items any, n int) int {
	var l int
	switch s := items.(type) {
	case []Response:
		l = len(s)
	case []Item:
		l = len(s)
	case []QuietContact:
		l = len(s)
	case []Milestone:
		l = len(s)
	case []MailIssue:
		l = len(s)
	case []Renewal:
		l = len(s)
	default:
		panic(fmt.Sprintf("digest template: more of %T", items))
	}
	return max(0, l-n)
}

// mentioned lists the accounts that the digest shows, by name: those get a
// pause link in the text version's closing list.
func mentioned(d *Digest) []*outreach.Account {
	seen := map[*outreach.Account]bool{}
	add := func(a *outreach.Account) {
		if a != nil {
			seen[a] = true
		}
	}
	if f := d.Feedback; f != nil {
		for _, t := range f.Accounts {
			add(t.Account)
		}
		for _, r := range f.CSAT {
			add(r.Account)
		}
	}
	for _, r := range d.Renewals {
		add(r.Account)
	}
	for _, q := range d.Quiet {
		add(q.Account)
	}
	for _, m := range d.Milestones {
		add(m.Account)
	}
	if a := d.Activity; a != nil {
		for _, list := range [][]Item{a.Sent, a.Failed, a.Deferred, a.Dropped, a.Overdue, a.Planned} {
			for _, it := range list {
				add(it.Account)
			}
		}
	}
	for _, m := range d.MailIssues {
		add(m.Account)
	}
	var out []*outreach.Account
	for i := range d.Accounts {
		if seen[&d.Accounts[i]] {
			out = append(out, &d.Accounts[i])
		}
	}
	return out
}
