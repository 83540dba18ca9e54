package templates

import (
	"encoding/json"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"math"
	"regexp"
	"strings"
	texttemplate "text/template"

	"github.com/outreach-dev/outreach"
)

// Render renders template name for a contact of locale (resolved with
// Resolve): the subject and the text part with text/template, the HTML part
// with html/template (contact and event data escaped), each part ending with
// the postal address footer and, unless the campaign is transactional, the
// unsubscribe link. A template error, such as a missing variable, is a
// *Problem naming the file position and the variable; it never renders
// "<no value>".
func (s *Set) Render(name, locale string, d *Data) (*Rendered, error) {
	if d == nil {
		return nil, errors.New("render: no data")
	}
	byLocale, ok := s.byName[name]
	if !ok {
		return nil, fmt.Errorf("unknown template %q", name)
	}
	loc := s.Resolve(name, locale)
	e := byLocale[loc]
	r := newRenderer(d, loc)
	r.survey = e.survey
	if err := r.check(); err != nil {
		return nil, err
	}
	b, err := e.get(r)
	if err != nil {
		return nil, err
	}
	defer e.put(b)
	subject, err := execText(b.subject, e.subjectPart, r.d)
	if err != nil {
		return nil, err
	}
	subject = strings.Join(strings.Fields(subject), " ") // one header line
	if subject == "" {
		line, col := e.subjectPart.position(1, -1)
		return nil, &Problem{File: e.subjectPart.path, Line: line, Col: col, Message: "the subject renders empty"}
	}
	text, err := execText(b.text, e.textPart, r.d)
	if err != nil {
		return nil, err
	}
	body, err := execHTML(b.html, e.htmlPart, r.d)
	if err != nil {
		return nil, err
	}
	page, err := r.htmlWithFooter(body, subject, loc)
	if err != nil {
		return nil, err
	}
	return &Rendered{Locale: loc, Subject: subject, Text: r.textWithFooter(text), HTML: page}, nil
}

// Check renders every locale of template name with SampleData of category
// and returns the problems, for pack validation. It returns nil when the
// template renders in every locale.
func (s *Set) Check(name, category string) []Problem {
	var problems []Problem
	for _, loc := range s.Locales(name) {
		_, err := s.Render(name, loc, SampleData(category, loc))
		var p *Problem
		switch {
		case err == nil:
		case errors.As(err, &p):
			problems = append(problems, *p)
		default:
			e := s.byName[name][loc]
			problems = append(problems, Problem{File: e.textPart.path, Line: 1, Col: 1, Message: err.Error()})
		}
	}
	return problems
}

// newRenderer copies d and fills what the templates rely on: FirstName,
// Location, and an Event without null properties. Names (the contact's,
// the account's, its plan) are put on one line without control characters
// (outreach.PlainLine): a name is typed by people, and in the text part
// nothing escapes it, so a line break in it must not start a paragraph of
// its own.
func newRenderer(d *Data, locale string) *renderer {
	c := *d
	for _, s := range []*string{&c.Contact.Name, &c.Contact.FirstName, &c.Account.Name, &c.Account.Plan} {
		*s = outreach.PlainLine(*s)
	}
	r := &renderer{d: &c, lang: langFor(locale)}
	if c.Contact.FirstName == "" {
		c.Contact.FirstName = r.lang.firstNameOf(c.Contact.Name)
	}
	r.named = c.Contact.FirstName != ""
	if !r.named {
		c.Contact.FirstName = r.lang.nameless
	}
	if c.Location == nil {
		c.Location = outreach.LocationOrUTC(c.Contact.Timezone)
	}
	if c.Event != nil {
		c.Event = eventValue(d.Event).(map[string]any)
	}
	return r
}

// eventValue copies an event property for templates: map entries that are
// null are dropped (absent, so that printing them is a missing-variable
// error), and whole JSON numbers become int64 so that they print as 48213,
// not 4.8213e+04, and compare equal to integer constants. Numbers decoded
// exactly (json.Number) keep every digit: a whole number beyond int64 (a
// 20-digit ticket id) stays as written, and other numbers become float64
// like numbers decoded without json.Number.
func eventValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			if e != nil {
				m[k] = eventValue(e)
			}
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = eventValue(e)
		}
		return s
	case json.Number:
		return numberValue(x)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x)
		}
	}
	return v
}

// numberValue converts an exact JSON number: an integer literal is an int64,
// or stays the json.Number (its digits as written) beyond int64; a number
// with a fraction or an exponent is a float64, an int64 when whole.
func numberValue(n json.Number) any {
	if i, err := n.Int64(); err == nil {
		return i
	}
	if !strings.ContainsAny(n.String(), ".eE") {
		return n
	}
	f, err := n.Float64()
	if err != nil {
		return n // beyond float64: print it as written
	}
	return eventValue(f)
}

// check refuses data that would make an email the law or the product does
// not allow.
func (r *renderer) check() error {
	if r.d.PostalAddress == "" {
		return errors.New("render: a postal address is required: every email ends with it (CAN-SPAM)")
	}
	if r.d.Campaign.Category != outreach.CategoryTransactional && r.d.UnsubscribeURL == "" {
		category := r.d.Campaign.Category
		if category == "" {
			category = "uncategorised"
		}
		return fmt.Errorf("render: an unsubscribe URL is required for %s mail", category)
	}
	return nil
}

// execText executes a bound text template on d.
func execText(t *texttemplate.Template, pt part, d *Data) (string, error) {
	b := getBuffer()
	defer putBuffer(b)
	if err := t.Execute(cappedWriter{b}, d); err != nil {
		if errors.Is(err, errTooLarge) {
			return "", pt.tooLarge()
		}
		return "", pt.problem(err)
	}
	out := b.String()
	if strings.Contains(out, "<no value>") && !strings.Contains(pt.source, "<no value>") {
		return "", pt.noValue()
	}
	if strings.Contains(out, "<nil>") && !strings.Contains(pt.source, "<nil>") {
		return "", pt.nilValue()
	}
	return out, nil
}

// execHTML executes a bound html template on d.
func execHTML(t *htmltemplate.Template, pt part, d *Data) (string, error) {
	b := getBuffer()
	defer putBuffer(b)
	if err := t.Execute(cappedWriter{b}, d); err != nil {
		if errors.Is(err, errTooLarge) {
			return "", pt.tooLarge()
		}
		return "", pt.problem(err)
	}
	out := b.String()
	if strings.Contains(out, "&lt;nil&gt;") && !strings.Contains(pt.source, "&lt;nil&gt;") {
		return "", pt.nilValue()
	}
	return out, nil
}

// printedIndex finds an action that prints an index lookup, the only way
// left to print a missing value once missingkey=error is set.
var printedIndex = regexp.MustCompile(`\{\{-?\s*index\s`)

// noValue reports that the piece printed "<no value>", pointing at the most
// likely culprit: a printed {{index ...}} of a missing key.
func (pt part) noValue() *Problem {
	line, col := pt.find(printedIndex)
	if line == 0 {
		line, col = pt.position(1, -1)
	}
	return &Problem{File: pt.path, Line: line, Col: col, Message: `prints a missing value ("<no value>"): print optional values inside {{with index .Event "name"}}{{.}}{{end}}`}
}

// printedDate finds an action that prints one of the account's optional
// dates as is, which prints "<nil>" when the date is unset.
var printedDate = regexp.MustCompile(`\{\{-?\s*\$?\.Account\.(?:RenewalDate|StartedAt)\s*-?\}\}`)

// nilValue reports that the piece printed "<nil>", an unset optional value
// (an account date printed without date), pointing at the printed date or,
// failing that, at a printed {{index ...}}.
func (pt part) nilValue() *Problem {
	line, col := pt.find(printedDate)
	if line == 0 {
		line, col = pt.find(printedIndex)
	}
	if line == 0 {
		line, col = pt.position(1, -1)
	}
	return &Problem{File: pt.path, Line: line, Col: col, Message: `prints an unset value ("<nil>"): print optional dates inside {{with .Account.RenewalDate}}{{date .}}{{end}}`}
}

// find returns the file position of the first match of re in the piece, or
// 0, 0.
func (pt part) find(re *regexp.Regexp) (int, int) {
	for i, l := range strings.Split(pt.source, "\n") {
		if loc := re.FindStringIndex(l); loc != nil {
			return pt.position(i+1, loc[0])
		}
	}
	return 0, 0
}

// textWithFooter ends the text part with the postal address and the
// unsubscribe link.
func (r *renderer) textWithFooter(text string) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(text))
	b.WriteString("\n\n-- \n")
	b.WriteString(r.d.PostalAddress)
	b.WriteString("\n")
	if r.d.Contact.Email != "" {
		fmt.Fprintf(&b, r.lang.sentTo+"\n", r.d.Contact.Email)
	}
	if r.unsubscribes() {
		colon := r.lang.colon
		if colon == "" {
			colon = ":"
		}
		fmt.Fprintf(&b, "%s%s %s\n", r.lang.unsubLabel, colon, r.d.UnsubscribeURL)
	}
	return b.String()
}

// unsubscribes reports whether the footer carries the unsubscribe link.
func (r *renderer) unsubscribes() bool {
	return r.d.Campaign.Category != outreach.CategoryTransactional && r.d.UnsubscribeURL != ""
}

// layout wraps HTML fragments. It is executed once, with marker values, to
// cut the skeletons that Render fills (render_layout.go).
var layout = htmltemplate.Must(htmltemplate.New("layout").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Subject}}</title>
</head>
<body style="margin:0;padding:0;background-color:#f4f5f7;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f4f5f7;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;background-color:#ffffff;border-radius:6px;">
<tr><td style="padding:12px 32px 12px 32px;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:24px;color:#1f2933;text-align:left;">
{{.Body}}
</td></tr>
</table>
{{template "footer" .}}
</td></tr>
</table>
</body>
</html>
{{define "footer"}}<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;">
<tr><td align="center" style="padding:16px 32px;font-family:Arial,Helvetica,sans-serif;font-size:12px;line-height:18px;color:#6b7280;">
{{.Postal}}<br>
{{with .SentTo}}{{.}}<br>
{{end}}{{with .UnsubURL}}<a href="{{.}}" style="color:#6b7280;text-decoration:underline;">{{$.UnsubLabel}}</a>
{{end}}</td></tr>
</table>{{end}}`))

// page is the data of layout.
type page struct {
	Lang, Subject, Postal, SentTo, UnsubURL, UnsubLabel string
	Body                                                htmltemplate.HTML
}

var closingBody = regexp.MustCompile(`(?i)</body\s*>`)

// containsHTMLTag reports whether body contains "<html" in any case, as
// strings.Contains(strings.ToLower(body), "<html") does, without lowering a
// copy of the whole body (no other character lowers to these ASCII ones).
func containsHTMLTag(body string) bool {
	const tag = "<html"
	for i := strings.IndexByte(body, '<'); i >= 0; {
		if len(body)-i < len(tag) {
			return false
		}
		if asciiEqualFold(body[i:i+len(tag)], tag) {
			return true
		}
		next := strings.IndexByte(body[i+1:], '<')
		if next < 0 {
			return false
		}
		i += 1 + next
	}
	return false
}

// asciiEqualFold compares s with the lower-case ASCII word lower, ignoring
// the case of ASCII letters in s.
func asciiEqualFold(s, lower string) bool {
	for i := 0; i < len(lower); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// htmlWithFooter wraps a fragment in the layout, or inserts the footer
// before </body> of a template that is a whole document.
func (r *renderer) htmlWithFooter(body, subject, locale string) (string, error) {
	p := page{Lang: locale, Subject: subject, Postal: r.d.PostalAddress, UnsubLabel: r.lang.unsubLabel,
		Body: htmltemplate.HTML(strings.TrimSpace(body))} // already escaped by html/template
	if r.d.Contact.Email != "" {
		p.SentTo = fmt.Sprintf(r.lang.sentTo, r.d.Contact.Email)
	}
	if r.unsubscribes() {
		p.UnsubURL = r.d.UnsubscribeURL
	}
	b := getBuffer()
	defer putBuffer(b)
	if !containsHTMLTag(body) {
		layoutSkeletons.pick(true, &p).write(b, &p) // layout, precut (render_layout.go)
		return b.String(), nil
	}
	layoutSkeletons.pick(false, &p).write(b, &p) // its footer
	all := closingBody.FindAllStringIndex(body, -1)
	if len(all) == 0 {
		return body + b.String(), nil
	}
	at := all[len(all)-1][0]
	return body[:at] + b.String() + "\n" + body[at:], nil
}
