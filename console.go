package outreach

import (
	"context"
	"time"

	"golang.org/x/text/language"
)

// Console roles of a team member (TeamMember.ConsoleRole). A member with no
// role cannot sign in to the console.
const (
	RoleAdmin     = "admin"     // everything, the audit log
	RoleMarketing = "marketing" // campaigns, the pack, NPS (read)
	RoleCS        = "cs"        // accounts, contacts, NPS, cases, suppressions
	// RoleNone, given in a CSV cell or an API field, removes a member's
	// role (an empty value keeps the stored one, like every other field).
	RoleNone = "none"
)

// ConsoleRoles lists the roles that may sign in, most powerful first.
var ConsoleRoles = []string{RoleAdmin, RoleMarketing, RoleCS}

// ValidConsoleRole reports whether role is a console role or RoleNone.
func ValidConsoleRole(role string) bool {
	return role == RoleNone || role == RoleAdmin || role == RoleMarketing || role == RoleCS
}

// SignInTTL is how long a console sign-in link stays valid.
const SignInTTL = 15 * time.Minute

// SessionIdle is how long a console session lives without a request.
const SessionIdle = 12 * time.Hour

// ConsoleSession is a signed-in console member. IDHash is the hex SHA-256
// of the random session id held in the browser's cookie; the id itself is
// never stored.
type ConsoleSession struct {
	IDHash     string
	Email      string
	CSRF       string // per-session token every form and script sends back
	CreatedAt  time.Time
	LastSeenAt time.Time
	// Member is the signed-in team member, read with the session
	// (ConsoleSession fills it in).
	Member TeamMember
}

// Sign-in link failures, as ConsumeSignIn reports them (the code of an
// *Error is ENOTFOUND, the message one of these).
const (
	SignInUnknown = "sign-in link unknown"
	SignInExpired = "sign-in link expired"
	SignInUsed    = "sign-in link already used"
)

// ConsoleAuthStore keeps the console's sign-in links and sessions, hashed.
type ConsoleAuthStore interface {
	// ConsoleMember returns the team member with email, or ENOTFOUND.
	ConsoleMember(ctx context.Context, email string) (*TeamMember, error)
	// CreateSignIn stores a one-time sign-in link for email by the hash of
	// its token, valid until expires.
	CreateSignIn(ctx context.Context, tokenHash, email string, expires time.Time) error
	// ConsumeSignIn marks the link used and, in the same transaction,
	// creates session s for its email (s.Email is filled in), and writes the
	// audit entry. A link that is unknown, expired or used is an ENOTFOUND
	// *Error whose message is SignInUnknown, SignInExpired or SignInUsed.
	ConsumeSignIn(ctx context.Context, tokenHash string, s *ConsoleSession) error
	// ConsoleSession returns the session with idHash, and its member, when
	// it was seen after idleSince, and marks it seen now; ENOTFOUND
	// otherwise (also when the member is gone).
	ConsoleSession(ctx context.Context, idHash string, idleSince time.Time) (*ConsoleSession, error)
	// DeleteConsoleSession ends a session (sign-out) and audits it.
	DeleteConsoleSession(ctx context.Context, idHash string, audit AuditEntry) error
}

// AuditFilter selects audit entries, newest first; zero fields match all.
type AuditFilter struct {
	Actor  string
	Action string
	Target string
	Before int64 // entries with ID < Before (a cursor); 0 = from the newest
	Limit  int
}

// AuditLog reads the audit log. Writes happen inside the store methods
// that change state, which take an AuditEntry.
type AuditLog interface {
	AuditEntries(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

// AcceptLocale picks from available the first language of an
// Accept-Language header that MatchLocale finds, else fallback.
func AcceptLocale(header string, available []string, fallback string) string {
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil {
		return fallback
	}
	for _, t := range tags {
		if loc, ok := MatchLocale(t.String(), available); ok {
			return loc
		}
	}
	return fallback
}

// CampaignPauseRecheck is how long a delivery of a paused campaign is
// deferred at a time. Resuming the campaign brings its deferred
// deliveries forward at once; the recheck only bounds the wait if the
// pause ends another way.
const CampaignPauseRecheck = 24 * time.Hour

// CampaignPause says that a campaign is paused: its due deliveries are
// deferred (never dropped) until it is resumed. Pauses live in the store
// and the dispatcher reads them in its claim transaction, so every replica
// honours a pause from its commit on.
type CampaignPause struct {
	Campaign string    `json:"campaign"`
	PausedBy string    `json:"paused_by"`
	PausedAt time.Time `json:"paused_at"`
}

// PauseReason is the reason of a deferral by a campaign pause.
func (p CampaignPause) PauseReason() string {
	return "campaign " + p.Campaign + " paused by " + p.PausedBy + " at " + p.PausedAt.UTC().Format("2006-01-02 15:04 UTC")
}

// CampaignStats counts what happened to one campaign's deliveries in a
// period.
type CampaignStats struct {
	Campaign   string
	Planned    int // deliveries created in the period
	Sent       int // sent in the period
	Deferred   int // deliveries first deferred in the period (dropped, suppressed alike)
	Dropped    int
	Suppressed int
	Failed     int
	// Answered counts the survey answers to the deliveries sent in the
	// period; Promoters, Passives and Detractors the answers given in it.
	Answered                        int
	Promoters, Passives, Detractors int
	// SentPerDay holds the sends of each UTC day of the period, oldest
	// first.
	SentPerDay []int
}

// NPS returns the net promoter score of the period's answers and whether
// there were any.
func (s CampaignStats) NPS() (int, bool) {
	n := s.Promoters + s.Passives + s.Detractors
	if n == 0 {
		return 0, false
	}
	return (s.Promoters - s.Detractors) * 100 / n, true
}

// ResponseRate returns the share of the period's sends that were answered,
// in percent, and whether anything was sent.
func (s CampaignStats) ResponseRate() (int, bool) {
	if s.Sent == 0 {
		return 0, false
	}
	return s.Answered * 100 / s.Sent, true
}

// CampaignDecision is one decision about a delivery of a campaign, with
// its recipient, for the console's campaign page.
type CampaignDecision struct {
	DeliveryID string
	Contact    string // email; "" after erasure
	At         time.Time
	Decision   string
	Reason     string
	Until      *time.Time
}

// CampaignStore reads campaign statistics and keeps campaign pauses.
type CampaignStore interface {
	// CampaignStats returns the counts of every campaign with activity
	// over the UTC days from from's to to's (to is now), by campaign key,
	// or of the campaign named (only); SentPerDay has one entry per day.
	CampaignStats(ctx context.Context, from, to time.Time, only ...string) (map[string]*CampaignStats, error)
	// CampaignDecisions returns the latest decisions about the campaign's
	// most recent deliveries, newest first.
	CampaignDecisions(ctx context.Context, campaign string, limit int) ([]CampaignDecision, error)
	// CampaignPauses returns the paused campaigns by key.
	CampaignPauses(ctx context.Context) (map[string]CampaignPause, error)
	// PauseCampaign pauses a campaign (no change when it is paused) and
	// writes audit in the same transaction.
	PauseCampaign(ctx context.Context, campaign string, audit AuditEntry) error
	// ResumeCampaign ends a pause and brings the campaign's due, deferred
	// deliveries forward so they are decided again at once; audited.
	ResumeCampaign(ctx context.Context, campaign string, audit AuditEntry) error
}

// SuppressionQuery selects the suppressions of one address that a console
// member may see: with Owner set, only if the address is a contact of an
// account Owner owns (a cs member's book; an erased address is nobody's).
// Scopes come in order, those after After, at most Limit of them.
type SuppressionQuery struct {
	Email string // the address, any case
	Owner string // owner_email of the member's accounts; "" means every address (admins)
	After string // the last scope of the page before; "" for the first page
	Limit int
}

// SuppressionLift lifts one suppression from the console: the reason is
// the person's request, written into the audit entry; Force is the
// confirmation that hard and erasure suppressions need; with Owner set the
// address must be a contact of an account Owner owns, else ENOTFOUND.
type SuppressionLift struct {
	Email, Scope string
	Force        bool
	Actor        string
	Reason       string
	Owner        string // as in SuppressionQuery
}
