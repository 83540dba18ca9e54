package outreach

import (
	"context"
	"strings"
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
	// ConsoleSession returns the session with idHash when it was seen after
	// idleSince, and marks it seen now; ENOTFOUND otherwise.
	ConsoleSession(ctx context.Context, idHash string, idleSince time.Time) (*ConsoleSession, error)
	// DeleteConsoleSession ends a session (sign-out) and audits it.
	DeleteConsoleSession(ctx context.Context, idHash string, audit AuditEntry) error
}

// AuditEntry is one line of the audit log: who changed what, and when.
// Every change made through the console writes one, in the transaction of
// the change.
type AuditEntry struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`  // the team member's email, or "token:NAME"
	Action string    `json:"action"` // e.g. "campaign.pause", "console.sign_in"
	Target string    `json:"target"` // what it changed: a campaign key, an email
	Detail string    `json:"detail,omitempty"`
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

// MatchLocale returns which of the available languages a BCP 47 tag falls
// back to: the tag, then its parents (pt-BR -> pt). It is the one rule
// the public pages and the console use to pick a language.
func MatchLocale(locale string, available []string) (string, bool) {
	tag, err := language.Parse(strings.TrimSpace(locale))
	if err != nil || tag == language.Und {
		return "", false
	}
	for c := tag.String(); c != ""; {
		for _, l := range available {
			if strings.EqualFold(c, l) {
				return l, true
			}
		}
		i := strings.LastIndexByte(c, '-')
		if i < 0 {
			break
		}
		c = c[:i]
	}
	return "", false
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

// RedactEmail shortens an address for logs: the first letter of the local
// part and the domain ("j…@example.com"), so no log line carries it in
// full.
func RedactEmail(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at <= 0 {
		return "…"
	}
	r := []rune(email[:at])
	return string(r[0]) + "…" + email[at:]
}
