package outreach

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file holds the feedback loop after an answer: the pack's alert
// rules (matched here, purely), the follow-up cases they open and the
// notifications (email, Slack, Teams) that tell the account's owner. The
// package alerting runs the loop; the store keeps its tables.

// AlertRule is one entry of the pack's alerts section: which answers it
// matches (When) and whom it tells (Notify).
type AlertRule struct {
	Key string
	// When: every condition set must hold.
	Survey    string   // SurveyNPS or SurveyCSAT; "" = any
	ScoreMin  *int     // inclusive; nil = no minimum
	ScoreMax  *int     // inclusive; nil = no maximum
	Classes   []string // ScoreClass values; empty = any
	Campaigns []string // campaign keys; empty = any
	// NotifyOwner tells the account's owner (owner_email); Addresses are
	// told as well, or instead.
	NotifyOwner bool
	Addresses   []string
	// FollowUp opens a follow-up case due this long after the answer; 0
	// opens none.
	FollowUp time.Duration
}

// AlertAnswer is one recorded answer (or change of one) as the alert rules
// see it, with what the notification shows about its author.
type AlertAnswer struct {
	EventID    string // the survey.answered event it came with
	DeliveryID string // the survey delivery
	Campaign   string
	Survey     string // kind, from the active pack
	Score      int
	Comment    string
	At         time.Time
	ContactID  int64
	Email      string
	Name       string
	Role       string
	AccountID  int64
	// Unsubscribed is true when the contact's address no longer gets
	// surveys (a suppression of all, hard or survey mail). Their answer
	// still alerts — the CSM wants to know — and the alert says so, so
	// that nobody follows up by email with a person who opted out.
	Unsubscribed bool
}

// Matches reports whether answer a meets every condition of rule r.
func (r *AlertRule) Matches(a AlertAnswer) bool {
	switch {
	case r.Survey != "" && r.Survey != a.Survey,
		r.ScoreMin != nil && a.Score < *r.ScoreMin,
		r.ScoreMax != nil && a.Score > *r.ScoreMax,
		len(r.Classes) > 0 && !slices.Contains(r.Classes, ScoreClass(a.Score)),
		len(r.Campaigns) > 0 && !slices.Contains(r.Campaigns, a.Campaign):
		return false
	}
	return true
}

// MatchAlerts returns the rules of rules that answer a matches.
func MatchAlerts(rules []AlertRule, a AlertAnswer) []AlertRule {
	var out []AlertRule
	for _, r := range rules {
		if r.Matches(a) {
			out = append(out, r)
		}
	}
	return out
}

// Case states: open -> in_progress -> closed (with an outcome note).
const (
	CaseOpen       = "open"
	CaseInProgress = "in_progress"
	CaseClosed     = "closed"
)

// MaxCaseNoteRunes bounds a case note (CheckCaseTransition refuses a
// longer one, whichever path it came by).
const MaxCaseNoteRunes = 10_000

// CaseStates lists the case states in their order.
var CaseStates = []string{CaseOpen, CaseInProgress, CaseClosed}

// CheckCaseTransition returns nil when a case in state from may go to
// state to with note, and otherwise a *BatchError (one item, index 0)
// naming the field.
// Closing needs an outcome note, and so does reopening a closed case; a
// PATCH that keeps the state only adds its note. to = "" keeps the state.
// A note is at most MaxCaseNoteRunes characters, without NUL.
func CheckCaseTransition(from, to, note string) error {
	if to == "" {
		to = from
	}
	if !slices.Contains(CaseStates, to) {
		return fieldErr("state", "unknown state "+quote(to)+"; use one of "+strings.Join(CaseStates, ", "))
	}
	noted := strings.TrimSpace(note) != ""
	switch {
	case utf8.RuneCountInString(note) > MaxCaseNoteRunes || strings.ContainsRune(note, 0):
		return fieldErr("note", fmt.Sprintf("keep a note under %d characters, without NUL", MaxCaseNoteRunes))
	case from == to && !noted:
		return fieldErr("note", "the case is already "+from+": give a note to add, or another state")
	case to == CaseClosed && from != CaseClosed && !noted:
		return fieldErr("note", "closing a case needs an outcome note (what was done, what the customer said)")
	case from == CaseClosed && to != CaseClosed && !noted:
		return fieldErr("note", "reopening a closed case (closed -> "+to+") needs a note saying why")
	}
	return nil
}

// CaseAuditAction is the audit action of a case change from state from
// to state to ("" keeps it), taking it when assigned: the one name every
// path (API, signed link, console) writes to the audit log.
func CaseAuditAction(from, to string, assigned bool) string {
	if to == "" {
		to = from
	}
	switch {
	case assigned && to == CaseInProgress:
		return AuditCaseTaken
	case to == CaseClosed && from != CaseClosed:
		return AuditCaseClosed
	case from == CaseClosed && to != CaseClosed:
		return AuditCaseReopened
	case from == to:
		return AuditCaseNoted
	}
	return AuditCaseUpdated
}

// fieldErr is the error of one invalid field of a single request: a
// BatchError of one item (index 0), which the HTTP layer answers with 422
// and the field.
func fieldErr(field, msg string) error {
	return &BatchError{Errors: []FieldError{{Index: 0, Field: field, Message: msg}}}
}

func quote(s string) string { return `"` + s + `"` }

// CaseNote is one note on a case, with the state it moved the case to.
type CaseNote struct {
	At     time.Time `json:"at"`
	State  string    `json:"state"`
	Note   string    `json:"note,omitempty"`
	Author string    `json:"author,omitempty"`
}

// CaseAnswer is an answer attached to a case.
type CaseAnswer struct {
	DeliveryID string    `json:"delivery_id"`
	Campaign   string    `json:"campaign"`
	Score      int       `json:"score"`
	Comment    string    `json:"comment,omitempty"`
	Contact    string    `json:"contact"` // email
	At         time.Time `json:"at"`
}

// Case is a follow-up case: one open case per account and alert rule;
// later answers attach to it.
type Case struct {
	ID        int64        `json:"id"`
	Alert     string       `json:"alert"`
	Account   string       `json:"account"` // external id
	Owner     string       `json:"owner,omitempty"`
	State     string       `json:"state"`
	Assignee  string       `json:"assignee,omitempty"`
	DueAt     time.Time    `json:"due_at"`
	Overdue   bool         `json:"overdue"`
	Outcome   string       `json:"outcome,omitempty"` // the closing note
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
	ClosedAt  *time.Time   `json:"closed_at,omitempty"`
	Answers   []CaseAnswer `json:"answers"`
	Notes     []CaseNote   `json:"notes"`
}

// CaseConsolePath is the path of case id's page in the console, which the
// alert messages, the digest and the signed link's page link to (after
// the public URL).
func CaseConsolePath(id int64) string {
	return "/console/cases/" + strconv.FormatInt(id, 10)
}

// CaseFilter narrows a list of cases; empty fields mean any.
type CaseFilter struct {
	State   string
	Owner   string // accounts.owner_email
	Account string // external id
	Now     time.Time
}

// Case views: the lists of the console's cases page. Open and in
// progress are states; overdue is every case not closed whose due time has
// passed (Case.Overdue); closed lists the newest closed first.
const (
	CaseViewOpen       = CaseOpen
	CaseViewInProgress = CaseInProgress
	CaseViewOverdue    = "overdue"
	CaseViewClosed     = CaseClosed
)

// CaseViews lists the case views in the order of the console's tabs.
var CaseViews = []string{CaseViewOpen, CaseViewInProgress, CaseViewOverdue, CaseViewClosed}

// CaseQuery asks for one page of a case view: Owner narrows to the
// accounts of one owner (accounts.owner_email, any case), After is the
// cursor of the previous page's last case ("" = the first page).
type CaseQuery struct {
	View  string
	Owner string
	After string
	Limit int
	Now   time.Time
}

// CaseListItem is a case of a list page, with its account's name and
// answers but without its notes.
type CaseListItem struct {
	Case
	AccountName string
}

// CaseListPage is one page of a case view and the cursor of the next
// ("" = the last page).
type CaseListPage struct {
	Cases []CaseListItem
	Next  string
}

// CaseUpdate is a PATCH of a case: a new state (or "" to keep it) and a
// note, by Author (the token name, or the owner from a signed link).
type CaseUpdate struct {
	ID       int64
	State    string
	Note     string
	Author   string
	Assignee string // set when taking the case ("I'm on it")
	Now      time.Time
}

// Notification channels.
const (
	ChannelEmail = "email"
	ChannelSlack = "slack"
	ChannelTeams = "teams"
)

// Notification states.
const (
	NotificationPending = "pending"
	NotificationSent    = "sent"
	NotificationFailed  = "failed" // given up after NotificationRetryFor
)

// NotificationRetryFor is how long a notification that fails is tried
// again before it is marked failed.
const NotificationRetryFor = 24 * time.Hour

// Notification is one outgoing internal message of an alert: an email to
// a team member or a post to a Slack or Teams incoming webhook. Its body
// is rendered when the alert fires and kept until it is sent.
type Notification struct {
	ID        string // deterministic: alert id, channel and target
	AlertID   int64
	Channel   string
	Target    string // an email address or a webhook URL
	Subject   string // email
	Text      string // email text part
	HTML      string // email HTML part
	Body      []byte // Slack/Teams JSON
	Attempts  int
	CreatedAt time.Time
}

// AlertDetail is a fired alert with everything its notifications show.
type AlertDetail struct {
	ID      int64
	Rule    string
	Account Account
	Case    *Case         // nil when the rule opens none
	Answers []AlertAnswer // the burst, oldest first
	Earlier []CaseAnswer  // earlier answers of the account's contacts
	// Owner's team member entry, when the owner is a team member.
	OwnerName                  string
	SlackWebhook, TeamsWebhook string
}

// AlertStore is what the alert loop needs from the store.
type AlertStore interface {
	// ProcessAnswers takes up to limit recorded answers not processed yet
	// (skipping those another replica holds), calls match for each, and
	// in the same transaction attaches each match to the open case of its
	// account and rule (opening one due at answer time + FollowUp) and to
	// the alert of its account and rule that has not fired yet (creating
	// one that fires window after the answer). It returns how many it took.
	ProcessAnswers(ctx context.Context, now time.Time, window time.Duration, limit int,
		match func(AlertAnswer) []AlertRule) (int, error)
	// FireAlerts takes up to limit alerts due at now that have not fired,
	// calls build for each and stores its notifications, marking the
	// alert fired, in one transaction per alert.
	FireAlerts(ctx context.Context, now time.Time, limit int, build func(AlertDetail) ([]Notification, error)) (int, error)
	// ClaimNotifications leases up to limit pending notifications due at
	// now until now + lease.
	ClaimNotifications(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Notification, error)
	// FinishNotification records a send: sent, or failed with errMsg and
	// retried at retryAt (zero retryAt gives up: failed).
	FinishNotification(ctx context.Context, id string, now time.Time, errMsg string, retryAt time.Time) error
}

// CaseStore lists and changes cases.
type CaseStore interface {
	Cases(ctx context.Context, f CaseFilter) ([]Case, error)
	Case(ctx context.Context, id int64, now time.Time) (*Case, error) // ENOTFOUND
	// UpdateCase applies u after CheckCaseTransition; ENOTFOUND, or a
	// *BatchError naming the field for a transition that does not exist.
	UpdateCase(ctx context.Context, u CaseUpdate) (*Case, error)
}

// Poster posts a JSON body to an incoming-webhook URL (Slack, Teams).
type Poster interface {
	Post(ctx context.Context, url string, body []byte) error
}
