package console

// csMessages are the English messages of the customer-success pages
// (people, accounts, suppressions), kept apart from the foundation's so
// that the areas of the console grow without touching one list.
var csMessages = map[string]string{
	"nav.contacts":                "People",
	"nav.accounts":                "Accounts",
	"nav.suppressions":            "Suppressions",
	"contact.title":               "Person",
	"contact.search_title":        "Find a person",
	"contact.search":              "Open a person's timeline",
	"contact.email":               "Email address",
	"contact.open":                "Open",
	"contact.name":                "Name",
	"contact.role":                "Role",
	"contact.locale":              "Locale",
	"contact.status":              "Status",
	"contact.last_seen":           "Last seen",
	"contact.never":               "never",
	"contact.account":             "Account",
	"contact.paused":              "Outreach",
	"contact.paused_until":        "paused until",
	"contact.suppressions":        "Suppressions",
	"contact.no_suppressions":     "This address is not suppressed.",
	"contact.manage_suppressions": "Manage the suppressions of this address",
	"contact.answers":             "Answers",
	"contact.no_answers":          "No survey answers.",
	"contact.at":                  "When (UTC)",
	"contact.campaign":            "Campaign",
	"contact.score":               "Score",
	"contact.comment":             "Comment",
	"contact.deliveries":          "Deliveries and their decisions",
	"contact.due":                 "due",
	"contact.sent":                "sent",
	"contact.from_event":          "planned by event",
	"contact.decisions":           "Decisions",
	"contact.decision":            "Decision",
	"contact.rule":                "Rule",
	"contact.reason":              "Reason",
	"contact.until":               "Until (UTC)",
	"contact.no_decisions":        "No throttle decision recorded.",
	"contact.provider":            "Mail provider",
	"contact.no_deliveries":       "Nothing planned or sent.",
	"contact.events":              "Events and what they planned",
	"contact.event":               "Event",
	"contact.outcome":             "Planned, or why not",
	"contact.planned":             "planned",
	"contact.no_events":           "No events.",
}

func init() {
	for id, text := range csMessages {
		catalogue["en"][id] = text
	}
}
