package outreach

import "time"

// Account risk: what ranks a customer-success manager's book of accounts
// (the console's accounts page). The store computes the flags in one
// set-based query from these thresholds; the page shows each as text.
const (
	// RiskRenewalWindow: a renewal date within this much of now is soon.
	RiskRenewalWindow = 60 * 24 * time.Hour
	// RiskNPSWindow: the NPS of an account is over the answers of this
	// window, compared with the window before it.
	RiskNPSWindow = 90 * 24 * time.Hour
	// RiskQuietWindow: an account none of whose people was seen within
	// this window has gone quiet (the inactivity window).
	RiskQuietWindow = 30 * 24 * time.Hour
	// RiskFallingBy: an NPS lower than the previous window's by at least
	// this many points is falling.
	RiskFallingBy = 20
)

// AccountRiskPageMax bounds a page of the risk list: the work of ranking
// follows the accounts of one page, however many the filters select. A
// customer-success manager's book (50-300 accounts) is one page.
const AccountRiskPageMax = 300

// AccountRiskQuery selects the accounts of the risk list: a page of at most
// Limit accounts the filters select, in external id order after After,
// ranked among themselves.
type AccountRiskQuery struct {
	Now    time.Time
	Owner  string // owner_email; "" means every owner
	Plan   string // "" means every plan
	Search string // part of the name or external id, any case; "" means all
	// ExcludeCampaigns are left out of the NPS (the CSAT campaigns).
	ExcludeCampaigns []string
	Limit            int    // at most AccountRiskPageMax
	After            string // the external id the page starts after; "" for the first
}

// AccountRiskPage is a page of the risk list, riskiest first.
type AccountRiskPage struct {
	Accounts []AccountRisk
	// Next is the After of the next page, "" on the last one.
	Next string
}

// AccountRisk is an account with what puts it at risk. NPS and PrevNPS are
// nil without answers in their window.
type AccountRisk struct {
	Account
	People      int
	LastSeenAt  *time.Time // the latest last_seen_at of its people
	Answers     int        // NPS answers of the last RiskNPSWindow
	Detractors  int        // of them, scores 0-6
	NPS         *int
	PrevAnswers int // NPS answers of the window before
	PrevNPS     *int

	RenewalSoon, LowNPS, FallingNPS, Quiet, Paused bool
	// OpenDetractors: a detractor answered in the last RiskNPSWindow and
	// no case of the account was closed since the latest one.
	OpenDetractors bool
	// Score orders the list: the weighted sum of the flags.
	Score int
}

// NPSOf returns the Net Promoter Score of n answers with p promoters and
// d detractors, rounded toward zero; nil when n is 0.
func NPSOf(n, p, d int) *int {
	if n == 0 {
		return nil
	}
	v := 100 * (p - d) / n
	return &v
}

// The account page's automation section is bounded: the newest
// AccountDeliveriesShown deliveries of the account, each with its newest
// AccountDecisionsShown decisions (the person's timeline has them all).
const (
	AccountDeliveriesShown = 50
	AccountDecisionsShown  = 20
)

// AccountActivity is what the console's account page shows besides the
// account: its people, every NPS or CSAT answer, and its newest
// deliveries with the decisions about each.
type AccountActivity struct {
	People     []Contact
	Answers    []AccountAnswer // newest first
	Deliveries []AccountDelivery
}

// AccountAnswer is a survey answer with who gave it.
type AccountAnswer struct {
	SurveyResponse
	Email string
	Role  string
}

// AccountDelivery is a delivery to one of an account's people with its
// newest decisions, oldest first (every deferral with its rule and reason,
// then what was finally decided; none yet for a delivery not yet due).
type AccountDelivery struct {
	Delivery
	Email string // the person's address
	// EarlierDecisions counts the older decisions left out of Decisions.
	EarlierDecisions int
}
