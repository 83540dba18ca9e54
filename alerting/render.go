package alerting

import (
	"encoding/json"
	"fmt"
	"html/template"
	"strings"
	"unicode"

	"github.com/outreach-dev/outreach"
)

// content is one alert as every channel shows it: the signed links ("I'm
// on it", "pause outreach") and the case's page in the console (for a
// signed-in member; "" without a case or a public URL).
type content struct {
	d                          outreach.AlertDetail
	takeURL, pauseURL, caseURL string
}

// line flattens typed text (a name, a role) to one line of printable
// characters, so it cannot forge lines or headers in a plain-text email.
func line(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
	}), " ")
}

// quoted renders a comment as quoted plain text: each of its lines starts
// with "> ", so it cannot pass for the email's own text.
func quoted(s, indent string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		b.WriteString(indent + "> " + line(l) + "\n")
	}
	return b.String()
}

func (c *content) account() string {
	a := c.d.Account
	if a.Name == "" || a.Name == a.ExternalID {
		return line(a.ExternalID)
	}
	return line(a.Name) + " (" + line(a.ExternalID) + ")"
}

func person(a outreach.AlertAnswer) string {
	s := a.Email
	if a.Name != "" {
		s = line(a.Name) + " <" + a.Email + ">"
	}
	if a.Role != "" {
		s += ", " + line(a.Role)
	}
	if a.Unsubscribed {
		s += " (unsubscribed)"
	}
	return s
}

func (c *content) subject() string {
	n := len(c.d.Answers)
	first := c.d.Answers[0]
	if n == 1 {
		return fmt.Sprintf("Alert: %d/10 from %s at %s", first.Score, line(firstName(first)), c.account())
	}
	return fmt.Sprintf("Alert: %d answers from %s (lowest %d/10)", n, c.account(), lowest(c.d.Answers))
}

func firstName(a outreach.AlertAnswer) string {
	if a.Name != "" {
		return a.Name
	}
	return a.Email
}

func lowest(as []outreach.AlertAnswer) int {
	m := 10
	for _, a := range as {
		m = min(m, a.Score)
	}
	return m
}

// facts are the account lines every channel shows.
func (c *content) facts() [][2]string {
	a := c.d.Account
	f := [][2]string{{"Account", c.account()}}
	if a.Plan != "" {
		f = append(f, [2]string{"Plan", line(a.Plan)})
	}
	if a.RenewalDate != "" {
		f = append(f, [2]string{"Renewal", a.RenewalDate})
	}
	if k := c.d.Case; k != nil {
		f = append(f, [2]string{"Follow-up case", fmt.Sprintf("#%d, due %s", k.ID, k.DueAt.UTC().Format("Mon 2 Jan 15:04 UTC"))})
	}
	return f
}

func (c *content) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Alert %q for %s.\n\n", c.d.Rule, c.account())
	for _, a := range c.d.Answers {
		fmt.Fprintf(&b, "%d/10 (%s) from %s, %s, %s\n", a.Score, outreach.ScoreClass(a.Score), person(a), a.Campaign, a.At.UTC().Format("2 Jan 15:04 UTC"))
		if strings.TrimSpace(a.Comment) != "" {
			b.WriteString(quoted(a.Comment, "  "))
		}
	}
	b.WriteString("\n")
	for _, f := range c.facts() {
		fmt.Fprintf(&b, "%s: %s\n", f[0], f[1])
	}
	if len(c.d.Earlier) > 0 {
		b.WriteString("\nEarlier answers from this account:\n")
		for _, e := range c.d.Earlier {
			fmt.Fprintf(&b, "  %d/10 from %s, %s, %s\n", e.Score, e.Contact, e.Campaign, e.At.UTC().Format("2 Jan 2006"))
		}
	}
	b.WriteString("\n")
	if c.takeURL != "" {
		fmt.Fprintf(&b, "I'm on it (take the case): %s\n", c.takeURL)
	}
	if c.caseURL != "" {
		fmt.Fprintf(&b, "Open the case in the console: %s\n", c.caseURL)
	}
	if c.pauseURL != "" {
		fmt.Fprintf(&b, "Pause outreach to this account for 14 days: %s\n", c.pauseURL)
	}
	return b.String()
}

var htmlTmpl = template.Must(template.New("alert").Funcs(template.FuncMap{"class": outreach.ScoreClass}).Parse(`<div style="font-family:Arial,Helvetica,sans-serif;color:#1f2328;line-height:1.5">
<p>Alert <strong>{{.Rule}}</strong> for <strong>{{.Account}}</strong>.</p>
<ul>{{range .Answers}}<li><strong>{{.Score}}/10</strong> ({{class .Score}}) from {{.Person}}, {{.Campaign}}, {{.At}}{{if .Comment}}<br><em>“{{.Comment}}”</em>{{end}}</li>{{end}}</ul>
<p>{{range .Facts}}{{index . 0}}: {{index . 1}}<br>{{end}}</p>
{{if .Earlier}}<p>Earlier answers from this account:</p><ul>{{range .Earlier}}<li>{{.Score}}/10 from {{.Contact}}, {{.Campaign}}</li>{{end}}</ul>{{end}}
<p>{{if .Take}}<a href="{{.Take}}">I'm on it</a> · {{end}}{{if .Case}}<a href="{{.Case}}">Open the case in the console</a> · {{end}}{{if .Pause}}<a href="{{.Pause}}">Pause outreach 14 days</a>{{end}}</p>
</div>`))

func (c *content) html() string {
	type ans struct {
		Score                         int
		Person, Campaign, At, Comment string
	}
	var as []ans
	for _, a := range c.d.Answers {
		as = append(as, ans{a.Score, person(a), a.Campaign, a.At.UTC().Format("2 Jan 15:04 UTC"), strings.TrimSpace(a.Comment)})
	}
	var b strings.Builder
	_ = htmlTmpl.Execute(&b, map[string]any{"Rule": c.d.Rule, "Account": c.account(), "Answers": as, "Facts": c.facts(),
		"Earlier": c.d.Earlier, "Take": c.takeURL, "Case": c.caseURL, "Pause": c.pauseURL}) // the data always fits the template
	return b.String()
}

// slackEscape escapes the three characters Slack's mrkdwn treats as
// control characters.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// slack renders a Slack incoming-webhook message with blocks.
func (c *content) slack() ([]byte, error) {
	var ans strings.Builder
	for _, a := range c.d.Answers {
		fmt.Fprintf(&ans, "*%d/10* from %s (%s)\n", a.Score, slackEscape(person(a)), slackEscape(a.Campaign))
		if s := strings.TrimSpace(a.Comment); s != "" {
			fmt.Fprintf(&ans, ">%s\n", slackEscape(line(s)))
		}
	}
	var facts []map[string]any
	for _, f := range c.facts() {
		facts = append(facts, map[string]any{"type": "mrkdwn", "text": "*" + f[0] + "*\n" + slackEscape(f[1])})
	}
	blocks := []map[string]any{
		{"type": "header", "text": map[string]any{"type": "plain_text", "text": truncate(c.subject(), 150)}},
		{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": truncate(ans.String(), 3000)}},
		{"type": "section", "fields": facts},
	}
	if len(c.d.Earlier) > 0 {
		var e strings.Builder
		for _, x := range c.d.Earlier {
			fmt.Fprintf(&e, "%d/10 from %s, %s · ", x.Score, slackEscape(x.Contact), x.At.UTC().Format("2 Jan 2006"))
		}
		blocks = append(blocks, map[string]any{"type": "context", "elements": []map[string]any{{"type": "mrkdwn", "text": truncate("Earlier: "+e.String(), 2000)}}})
	}
	var buttons []map[string]any
	if c.takeURL != "" {
		buttons = append(buttons, map[string]any{"type": "button", "text": map[string]any{"type": "plain_text", "text": "I'm on it"}, "url": c.takeURL, "style": "primary"})
	}
	if c.caseURL != "" {
		buttons = append(buttons, map[string]any{"type": "button", "text": map[string]any{"type": "plain_text", "text": "Open the case"}, "url": c.caseURL})
	}
	if c.pauseURL != "" {
		buttons = append(buttons, map[string]any{"type": "button", "text": map[string]any{"type": "plain_text", "text": "Pause outreach"}, "url": c.pauseURL})
	}
	if len(buttons) > 0 {
		blocks = append(blocks, map[string]any{"type": "actions", "elements": buttons})
	}
	return json.Marshal(map[string]any{"text": c.subject(), "blocks": blocks})
}

// teamsEscape escapes the Markdown of an Adaptive Card TextBlock.
func teamsEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;").Replace(s)
}

// teams renders a Microsoft Teams incoming-webhook message: an Adaptive
// Card attachment.
func (c *content) teams() ([]byte, error) {
	body := []map[string]any{{"type": "TextBlock", "size": "Medium", "weight": "Bolder", "text": teamsEscape(c.subject()), "wrap": true}}
	for _, a := range c.d.Answers {
		body = append(body, map[string]any{"type": "TextBlock", "wrap": true,
			"text": fmt.Sprintf("**%d/10** from %s (%s)", a.Score, teamsEscape(person(a)), teamsEscape(a.Campaign))})
		if s := strings.TrimSpace(a.Comment); s != "" {
			body = append(body, map[string]any{"type": "TextBlock", "wrap": true, "isSubtle": true, "text": "“" + teamsEscape(line(s)) + "”"})
		}
	}
	var facts []map[string]any
	for _, f := range c.facts() {
		facts = append(facts, map[string]any{"title": f[0], "value": teamsEscape(f[1])})
	}
	for _, x := range c.d.Earlier {
		facts = append(facts, map[string]any{"title": "Earlier", "value": fmt.Sprintf("%d/10 from %s, %s", x.Score, teamsEscape(x.Contact), x.At.UTC().Format("2 Jan 2006"))})
	}
	body = append(body, map[string]any{"type": "FactSet", "facts": facts})
	var actions []map[string]any
	if c.takeURL != "" {
		actions = append(actions, map[string]any{"type": "Action.OpenUrl", "title": "I'm on it", "url": c.takeURL})
	}
	if c.caseURL != "" {
		actions = append(actions, map[string]any{"type": "Action.OpenUrl", "title": "Open the case", "url": c.caseURL})
	}
	if c.pauseURL != "" {
		actions = append(actions, map[string]any{"type": "Action.OpenUrl", "title": "Pause outreach", "url": c.pauseURL})
	}
	card := map[string]any{"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
		"version": "1.4", "body": body, "actions": actions}
	return json.Marshal(map[string]any{"type": "message", "attachments": []map[string]any{
		{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": nil, "content": card}}})
}

// truncate cuts s to at most n runes (Slack's field limits).
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
