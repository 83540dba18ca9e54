package templates_test

import (
	"strings"
	"testing"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/templates"
)

// Milestone ids such as "1000-invoices" are keys for machines: the email
// shows the event's milestone_label, else a readable form of the id.
func TestMilestoneEmailNamesTheMilestoneForPeople(t *testing.T) {
	set := loadDefault(t)
	for _, c := range []struct {
		event      map[string]any
		want, lack string
	}{
		{map[string]any{"milestone": "1000-invoices"}, "1000 invoices", "1000-invoices"},
		{map[string]any{"milestone": "first_report_shared"}, "first report shared", "first_report"},
		{map[string]any{"milestone": "1000-invoices", "milestone_label": "1,000 invoices sent"}, "1,000 invoices sent", "1000"},
		{map[string]any{}, "reached a new milestone.", "<no value>"},
	} {
		d := templates.SampleData(outreach.CategoryLifecycle, "en")
		d.Event = c.event
		r, err := set.Render("milestone", "en", d)
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range []string{r.Text, r.HTML} {
			if !strings.Contains(part, c.want) || strings.Contains(part, c.lack) {
				t.Errorf("event %v: want %q and not %q in:\n%s", c.event, c.want, c.lack, part)
			}
		}
	}
}
