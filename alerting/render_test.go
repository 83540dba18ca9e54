package alerting_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/alerting"
	"github.com/outreach-dev/outreach/links"
)

// hostile is typed text that would be markup in every channel: HTML, a
// Slack link and mention, Teams Markdown link and emphasis.
const hostile = `<b>x</b> <https://evil.example|click> <!channel> [pay](https://evil.example) *now*`

// renderAlert builds the notifications of one alert of account "acme"
// (its name, the answer's author and comment are hostile) with case 42,
// or without a case.
func renderAlert(t *testing.T, withCase bool) map[string]outreach.Notification {
	t.Helper()
	signer, err := links.NewSigner("alerting-test-secret-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	w := &alerting.Worker{Signer: signer, PublicURL: "https://outreach.example", SlackWebhook: "https://hooks.slack.example/x",
		TeamsWebhook: "https://teams.example/x"}
	d := outreach.AlertDetail{ID: 7, Rule: "detractor", Account: outreach.Account{ExternalID: "acme", Name: "Acme " + hostile, OwnerEmail: "csm@vendor.example"},
		Answers: []outreach.AlertAnswer{{Campaign: "nps", Score: 2, Comment: "Broken " + hostile, At: t0, Email: "ann@acme.example", Name: "Ann " + hostile}}}
	if withCase {
		d.Case = &outreach.Case{ID: 42, DueAt: t0.Add(48 * time.Hour)}
	}
	ns, err := w.Build(d, t0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]outreach.Notification{}
	for _, n := range ns {
		out[n.Channel] = n
	}
	if len(out) != 3 {
		t.Fatalf("notifications = %+v, want an email, a Slack and a Teams one", ns)
	}
	return out
}

// TestAlertLinksToTheCaseInTheConsole: the alert email (text and HTML),
// the Slack blocks and the Teams card each link to the case's page in the
// console next to the signed links, and none without a case; the typed
// text (account name, person, comment) stays text in each of them.
func TestAlertLinksToTheCaseInTheConsole(t *testing.T) {
	const caseURL = "https://outreach.example/console/cases/42"
	ns := renderAlert(t, true)

	email := ns[outreach.ChannelEmail]
	for _, want := range []string{"Open the case in the console: " + caseURL + "\n", "I'm on it (take the case): https://outreach.example/c/"} {
		if !strings.Contains(email.Text, want) {
			t.Errorf("email text lacks %q:\n%s", want, email.Text)
		}
	}
	for _, want := range []string{`<a href="` + caseURL + `">Open the case in the console</a>`, `<a href="https://outreach.example/c/`,
		"&lt;b&gt;x&lt;/b&gt;"} {
		if !strings.Contains(email.HTML, want) {
			t.Errorf("email HTML lacks %q:\n%s", want, email.HTML)
		}
	}
	if strings.Contains(email.HTML, "<b>x") {
		t.Errorf("typed text is markup in the email HTML:\n%s", email.HTML)
	}

	var slack struct {
		Blocks []struct {
			Type     string                      `json:"type"`
			Text     struct{ Type, Text string } `json:"text"`
			Fields   []struct{ Text string }     `json:"fields"`
			Elements []struct {
				Type string `json:"type"`
				Text any    `json:"text"`
				URL  string `json:"url"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(ns[outreach.ChannelSlack].Body, &slack); err != nil {
		t.Fatal(err)
	}
	var slackURLs, slackText []string
	for _, b := range slack.Blocks {
		if b.Text.Type == "mrkdwn" { // the header is plain_text: shown as typed
			slackText = append(slackText, b.Text.Text)
		}
		for _, f := range b.Fields {
			slackText = append(slackText, f.Text)
		}
		for _, e := range b.Elements {
			if e.Type == "button" {
				slackURLs = append(slackURLs, e.URL)
			}
		}
	}
	if len(slackURLs) != 3 || slackURLs[1] != caseURL || !strings.HasPrefix(slackURLs[0], "https://outreach.example/c/") ||
		!strings.HasPrefix(slackURLs[2], "https://outreach.example/p/") {
		t.Errorf("slack buttons = %q, want take, the case, pause", slackURLs)
	}
	if all := strings.Join(slackText, "\n"); strings.Contains(all, "<https://evil") || strings.Contains(all, "<!channel>") ||
		!strings.Contains(all, "&lt;https://evil.example|click&gt; &lt;!channel&gt;") {
		t.Errorf("typed text is mrkdwn in Slack:\n%s", all)
	}

	var teams struct {
		Attachments []struct {
			Content struct {
				Body []struct {
					Text  string                          `json:"text"`
					Facts []struct{ Title, Value string } `json:"facts"`
				} `json:"body"`
				Actions []struct{ Type, Title, URL string } `json:"actions"`
			} `json:"content"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(ns[outreach.ChannelTeams].Body, &teams); err != nil || len(teams.Attachments) != 1 {
		t.Fatalf("teams card: %v %s", err, ns[outreach.ChannelTeams].Body)
	}
	card := teams.Attachments[0].Content
	var teamsURLs, teamsText []string
	for _, a := range card.Actions {
		if a.Type == "Action.OpenUrl" {
			teamsURLs = append(teamsURLs, a.Title+" "+a.URL)
		}
	}
	for _, b := range card.Body {
		teamsText = append(teamsText, b.Text)
		for _, f := range b.Facts {
			teamsText = append(teamsText, f.Value)
		}
	}
	if len(teamsURLs) != 3 || teamsURLs[1] != "Open the case "+caseURL {
		t.Errorf("teams actions = %q, want take, the case, pause", teamsURLs)
	}
	if all := strings.Join(teamsText, "\n"); strings.Contains(all, "[pay](") || strings.Contains(all, "<b>") ||
		!strings.Contains(all, `\[pay\](https://evil.example) \*now\*`) {
		t.Errorf("typed text is Markdown in Teams:\n%s", all)
	}

	for ch, n := range renderAlert(t, false) {
		if s := n.Text + n.HTML + string(n.Body); strings.Contains(s, "/console/cases/") {
			t.Errorf("%s links to a case without one:\n%s", ch, s)
		}
	}
}
