package templates

import (
	"errors"
	"fmt"
	"html"
	htmltemplate "html/template"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// renderer holds one rendering's data; its methods are the template
// functions, bound to that data by Render.
type renderer struct {
	d      *Data // normalised copy of the caller's data
	lang   *lang
	named  bool         // the contact has a real name (FirstName is not a default)
	survey surveyLabels // the template's survey labels in this locale
	ranged int          // items the {{range}} loops went through (limits.go)
}

// funcs returns the template functions bound to r. The HTML and text
// versions differ only in npsScale.
func (r *renderer) funcs(forHTML bool) map[string]any {
	m := map[string]any{
		"greeting":         r.greeting,
		"firstName":        r.firstName,
		"date":             r.date,
		"plural":           r.plural,
		"anniversaryYears": r.anniversaryYears,
		"unsubscribeURL":   r.unsubscribeURL,
		"npsScale":         r.npsScaleText,
		"question":         r.question,
		"milestone":        r.milestone,
		rangeLimitFunc:     r.rangeLimit,
	}
	if forHTML {
		m["npsScale"] = r.npsScaleHTML
	}
	return m
}

// placeholderFuncs declares the function names at parse time; Render binds
// the real ones to each rendering's data.
func placeholderFuncs(forHTML bool) map[string]any {
	return (&renderer{d: &Data{Location: time.UTC}, lang: langs[FallbackLocale]}).funcs(forHTML)
}

// greeting returns the opening line: "Hi Ana," or "Hi there,".
func (r *renderer) greeting() string {
	if r.named {
		return fmt.Sprintf(r.lang.hello, r.d.Contact.FirstName)
	}
	return r.lang.helloAnon
}

func (r *renderer) firstName() string { return r.d.Contact.FirstName }

// unsubscribeURL returns the contact's unsubscribe link; transactional mail
// has none, so asking for it there is an error.
func (r *renderer) unsubscribeURL() (string, error) {
	if r.d.UnsubscribeURL == "" {
		return "", errors.New("this message has no unsubscribe URL (transactional mail has none)")
	}
	return r.d.UnsubscribeURL, nil
}

// errDateNotSet is date's error for an unset date: a nil *time.Time (an
// optional date of the account) or a zero time.Time. execMessage names the
// field and the {{with}} guard.
var errDateNotSet = errors.New("the date is not set")

// date formats a calendar date in the template's language. Times with a
// clock are shown in the recipient's zone; a value at exactly 00:00:00 UTC
// is a calendar date (how renewal dates are kept) and is shown as is, so
// that 31 December does not become 30 December in Sao Paulo. Accepts
// time.Time, *time.Time (the account's optional dates) and "2026-12-31" or
// RFC 3339 strings; an unset date is an error, never "1 January 1".
func (r *renderer) date(v any) (string, error) {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return "", errDateNotSet
		}
		t = *x
	case nil:
		return "", errDateNotSet
	case string:
		var err error
		if t, err = time.Parse(time.DateOnly, x); err != nil {
			if t, err = time.Parse(time.RFC3339, x); err != nil {
				return "", fmt.Errorf("%q is not a date (2026-12-31) or an RFC 3339 time", x)
			}
		}
	default:
		return "", fmt.Errorf("cannot format a %T as a date", v)
	}
	if t.IsZero() {
		return "", errDateNotSet
	}
	if !isCalendarDate(t) {
		t = t.In(r.d.Location)
	}
	return r.lang.date(r.lang, t), nil
}

func isCalendarDate(t time.Time) bool {
	return t.Location() == time.UTC && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

// plural returns the form of forms that the template language uses for n:
// {{plural $n "year" "years"}}, {{plural $n "год" "года" "лет"}}.
func (r *renderer) plural(n any, forms ...string) (string, error) {
	if len(forms) == 0 {
		return "", errors.New(`plural needs the word forms: {{plural N "year" "years"}}`)
	}
	i, err := toInt(n)
	if err != nil {
		return "", err
	}
	if i < 0 {
		i = -i
	}
	k := r.lang.plural(i)
	if k >= len(forms) {
		k = len(forms) - 1
	}
	return forms[k], nil
}

func toInt(v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case int64:
		return int(x), nil
	case float64:
		return int(x), nil
	case string:
		i, err := strconv.Atoi(strings.TrimSpace(x))
		if err != nil {
			return 0, fmt.Errorf("%q is not a whole number", x)
		}
		return i, nil
	}
	return 0, fmt.Errorf("%v (%T) is not a whole number", v, v)
}

// anniversaryYears returns how many years the account has been a customer
// at this anniversary. The occurrence of an anniversary is its year (2026),
// from which Account.StartedAt's year is subtracted; a small number is taken
// as the count itself; otherwise it is computed from StartedAt and Now.
func (r *renderer) anniversaryYears() (int, error) {
	var start time.Time
	if r.d.Account.StartedAt != nil {
		start = *r.d.Account.StartedAt
	}
	n, err := strconv.Atoi(strings.TrimSpace(r.d.Occurrence))
	switch {
	case err == nil && n >= 1000 && !start.IsZero():
		n -= start.Year()
	case err == nil && n > 0 && n < 1000:
	case !start.IsZero() && !r.d.Now.IsZero():
		n = fullYears(start.In(r.d.Location), r.d.Now.In(r.d.Location))
	default:
		return 0, errors.New("needs Account.StartedAt or a year in .Occurrence")
	}
	if n < 1 {
		return 0, fmt.Errorf("the account started on %s: not a full year yet", start.Format(time.DateOnly))
	}
	return n, nil
}

// fullYears counts the anniversaries of from that passed by to.
func fullYears(from, to time.Time) int {
	n := to.Year() - from.Year()
	if to.Month() < from.Month() || (to.Month() == from.Month() && to.Day() < from.Day()) {
		n--
	}
	return n
}

// milestone names the event's milestone for people: its milestone_label
// property when the event carries one ("1,000 invoices sent"), else its
// milestone id made readable ("1000-invoices" -> "1000 invoices"), else ""
// (so {{with milestone}} skips it).
func (r *renderer) milestone() string {
	if r.d.Event == nil {
		return ""
	}
	if l, ok := r.d.Event["milestone_label"].(string); ok && strings.TrimSpace(l) != "" {
		return strings.TrimSpace(l)
	}
	id := fmt.Sprint(r.d.Event["milestone"])
	if r.d.Event["milestone"] == nil {
		return ""
	}
	return strings.Join(strings.FieldsFunc(id, func(c rune) bool { return c == '-' || c == '_' || c == ' ' }), " ")
}

// question returns the survey question of the template's front matter.
func (r *renderer) question() (string, error) {
	if r.survey.question == "" {
		return "", errors.New(`this locale's front matter has no question: add "question: ..." to its .txt file`)
	}
	return r.survey.question, nil
}

// scaleEnds returns the end labels of the scale: the front matter's low and
// high, else the language's NPS labels.
func (r *renderer) scaleEnds() (string, string) {
	low, high := r.survey.low, r.survey.high
	if low == "" {
		low = r.lang.notLikely
	}
	if high == "" {
		high = r.lang.veryLikely
	}
	return low, high
}

// scale returns the 11 survey links and the two end labels, checked.
func (r *renderer) scale(labels []string) ([]string, string, string, error) {
	links := r.d.SurveyLinks
	if len(links) != 11 {
		return nil, "", "", fmt.Errorf("needs the 11 survey links of scores 0..10, got %d (npsScale is for survey campaigns)", len(links))
	}
	for i, l := range links {
		u, err := url.Parse(l)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, "", "", fmt.Errorf("survey link %d is not an http(s) URL: %q", i, l)
		}
	}
	switch len(labels) {
	case 0:
		low, high := r.scaleEnds()
		return links, low, high, nil
	case 2:
		return links, labels[0], labels[1], nil
	}
	return nil, "", "", errors.New(`npsScale takes no labels or two: {{npsScale "Not satisfied" "Very satisfied"}}`)
}

// npsScaleText renders the scale for the text part: a legend, then one
// "0: URL" line per score.
func (r *renderer) npsScaleText(labels ...string) (string, error) {
	links, low, high, err := r.scale(labels)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, r.lang.scaleHint+"\n", 0, low, 10, high)
	for i, l := range links {
		fmt.Fprintf(&b, "%d: %s\n", i, l)
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// Score cells of the HTML scale: a 34 px box with 2 px either side, so a
// block of six is 228 px, which fits the 232 px a 320 px phone leaves for
// the layout's content.
const (
	scoreCell  = `<td align="center" style="padding:0 2px 4px 2px;"><a href="%s" style="display:block;width:34px;height:34px;line-height:34px;border:1px solid #c5ccd6;border-radius:4px;background-color:#ffffff;color:#1f2933;font-family:Arial,Helvetica,sans-serif;font-size:15px;font-weight:bold;text-decoration:none;text-align:center;">%d</a></td>`
	scoreLabel = `<tr><td colspan="%d" align="%s" style="padding:2px 2px 8px 2px;font-family:Arial,Helvetica,sans-serif;font-size:12px;line-height:16px;color:#6b7280;">%s</td></tr>`
	scoreWidth = 38 // px per cell
)

// npsScaleHTML renders the scale as a "fluid hybrid" email block: two
// tables, 0-5 and 6-10, each an inline-block, side by side where there is
// room (one row of 11 on a desktop) and the second below the first on a
// phone, so no client scrolls sideways at 320 px. Clients that ignore
// inline-block (Outlook for Windows renders with Word) get the two blocks
// in the cells of one table row through conditional comments. "Not likely"
// stands under 0, "Extremely likely" under 10.
func (r *renderer) npsScaleHTML(labels ...string) (htmltemplate.HTML, error) {
	links, low, high, err := r.scale(labels)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	block := func(from, to int, align, label string) {
		n := to - from + 1
		fmt.Fprintf(&b, `<div style="display:inline-block;vertical-align:top;width:%dpx;max-width:100%%;">`, n*scoreWidth)
		b.WriteString(`<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;"><tr>`)
		for i := from; i <= to; i++ {
			fmt.Fprintf(&b, scoreCell, html.EscapeString(links[i]), i)
		}
		b.WriteString(`</tr>`)
		fmt.Fprintf(&b, scoreLabel, n, align, html.EscapeString(label))
		b.WriteString(`</table></div>`)
	}
	b.WriteString(`<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:8px 0 8px 0;border-collapse:collapse;"><tr><td style="font-size:0;line-height:0;">`)
	b.WriteString(`<!--[if mso]><table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr><td valign="top" width="228"><![endif]-->`)
	block(0, 5, "left", low)
	b.WriteString(`<!--[if mso]></td><td valign="top" width="190"><![endif]-->`)
	block(6, 10, "right", high)
	b.WriteString(`<!--[if mso]></td></tr></table><![endif]-->`)
	b.WriteString(`</td></tr></table>`)
	return htmltemplate.HTML(b.String()), nil
}
