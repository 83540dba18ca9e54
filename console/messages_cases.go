package console

// caseMessages are the English messages of the cases pages, kept apart
// from the other areas' lists so that each grows without touching another.
var caseMessages = map[string]string{
	"nav.cases":              "Cases",
	"cases.title":            "Follow-up cases",
	"cases.views":            "Lists of cases",
	"cases.view.open":        "Open",
	"cases.view.in_progress": "In progress",
	"cases.view.overdue":     "Overdue",
	"cases.view.closed":      "Closed",
	"cases.filter":           "Filter",
	"cases.case":             "Case and alert",
	"cases.account":          "Account",
	"cases.answers":          "Answers",
	"cases.state":            "Status",
	"cases.age":              "Age",
	"cases.due":              "Due (UTC)",
	"cases.closed_at":        "Closed (UTC)",
	"cases.none":             "No cases in this list.",
	"cases.pages":            "Pages",
	"cases.first":            "First page",
	"cases.next":             "Next page",
	"cases.days":             "%d days",
	"cases.hours":            "%d hours",
	"cases.minutes":          "%d minutes",
	"case.title":             "Follow-up case",
	"case.state.open":        "open",
	"case.state.in_progress": "in progress",
	"case.state.closed":      "closed",
	"case.assignee":          "Assigned to",
	"case.alert":             "Alert rule",
	"case.opened":            "Opened",
	"case.outcome":           "Outcome",
	"case.no_answers":        "No answers are attached to this case any more.",
	"case.notes":             "History",
	"case.by_alert":          "alert",
	"case.actions":           "Act on this case",
	"case.take_help":         "Take the case: it moves to in progress, assigned to you.",
	"case.take":              "I'm on it",
	"case.note_label":        "Add a note (what you did, what the customer said)",
	"case.add_note":          "Add the note",
	"case.outcome_label":     "Outcome — required to close: what was done, what the customer said",
	"case.close":             "Close the case",
	"case.reopen_label":      "Why reopen it — required",
	"case.reopen":            "Reopen the case",
	"case.done.take":         "You took the case: it is in progress, assigned to you.",
	"case.done.note":         "Note added.",
	"case.done.close":        "Case closed with its outcome.",
	"case.done.reopen":       "Case reopened.",
}

func init() {
	for id, text := range caseMessages {
		catalogue["en"][id] = text
	}
}
