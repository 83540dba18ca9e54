package outreach

import (
	"context"
	"fmt"
	"time"
)

// IngestStore is the part of the store that ingestion (API and CSV import)
// uses. Every method is atomic: when it returns an error nothing was
// written. Invalid references (an unknown account, an external_id and an
// email naming two different contacts) are reported as a *BatchError with
// the item's index and field.
type IngestStore interface {
	// UpsertAccounts inserts or updates accounts by external_id. Unset
	// fields ("" or nil) keep their current value.
	UpsertAccounts(ctx context.Context, items []Account) (BatchResult, error)
	// UpsertContacts inserts or updates contacts by external_id, else by
	// email. last_seen_at only moves forward.
	UpsertContacts(ctx context.Context, items []Contact) (BatchResult, error)
	// InsertEvents stores events; a known id is a duplicate and changes
	// nothing. contact.active moves the contact's last_seen_at forward.
	InsertEvents(ctx context.Context, items []Event) (BatchResult, error)
	// UpsertTeam inserts or updates team members by email.
	UpsertTeam(ctx context.Context, items []TeamMember) (BatchResult, error)
	Suppressor
	// LookupRefs reports which of the accounts and contacts named by
	// external id exist. It writes nothing: ingestion uses it to list the
	// unknown references of a batch refused for invalid fields, which the
	// methods above never see.
	LookupRefs(ctx context.Context, accounts, contacts []string) (Refs, error)
}

// Suppressor adds suppressions: ingestion, the unsubscribe page and the
// feedback webhook all go through it.
type Suppressor interface {
	// AddSuppressions inserts suppressions; an existing (email, scope) is a
	// duplicate. Pending deliveries they stop are suppressed at once.
	AddSuppressions(ctx context.Context, items []Suppression) (BatchResult, error)
}

// Refs says which of the accounts and contacts that a batch names exist.
type Refs struct {
	// Accounts holds the external ids of the existing accounts.
	Accounts map[string]bool
	// Contacts maps the external id of each existing contact to the
	// external id of its account.
	Contacts map[string]string
}

// ContactStore reads and erases people.
type ContactStore interface {
	// Timeline returns everything known about the contact with email, or
	// an ENOTFOUND error.
	Timeline(ctx context.Context, email string) (*Timeline, error)
	// EraseContact deletes the contact and the personal properties of its
	// events, and keeps a hashed "all" suppression so that the address is
	// never mailed again. ENOTFOUND when no such contact exists.
	EraseContact(ctx context.Context, email string) error
}

// TokenStore keeps API tokens (hashes only).
type TokenStore interface {
	CreateToken(ctx context.Context, t Token) error // ECONFLICT on a taken name
	Tokens(ctx context.Context) ([]Token, error)
	RevokeToken(ctx context.Context, name string) error // ENOTFOUND when unknown
	// TokenByHash returns the live (not revoked) token with this hash, or
	// ENOTFOUND.
	TokenByHash(ctx context.Context, hash string) (*Token, error)
	// TouchToken records a use of the token named name at at, at most
	// once a minute per token (a use within a minute of the recorded one
	// writes nothing).
	TouchToken(ctx context.Context, name string, at time.Time) error
}

// StoredPack is a campaign pack as kept in the database: its files and
// their content hash, with a version that grows with each change.
type StoredPack struct {
	Version     int
	Hash        string
	Files       map[string]string // path inside the pack -> content
	ActivatedAt time.Time
}

// PackActivator stores a campaign pack as the active one.
type PackActivator interface {
	// ActivatePack stores files as the active pack. When the active pack
	// already has this hash, nothing changes and changed is false.
	ActivatePack(ctx context.Context, hash string, files map[string]string) (version int, changed bool, err error)
}

// PackStore keeps the active campaign pack.
type PackStore interface {
	PackActivator
	// ActivePack returns the active pack, or ENOTFOUND when none was stored.
	ActivePack(ctx context.Context) (*StoredPack, error)
}

// SettingStore keeps small process-wide settings (the generated link
// signing secret).
type SettingStore interface {
	// Setting returns the value of key, or "" and ok=false.
	Setting(ctx context.Context, key string) (value string, ok bool, err error)
	// SetSettingIfAbsent stores value unless key exists, and returns the
	// value in force (so two replicas agree on one generated secret).
	SetSettingIfAbsent(ctx context.Context, key, value string) (string, error)
}

// UnknownAccount is the message of a reference to an account that does
// not exist. The store (when it writes) and ingest.CheckRefs (for a batch
// refused before it reaches the store) word reference errors alike.
func UnknownAccount(externalID string) string {
	return fmt.Sprintf("no account has external_id %q: import the account first", externalID)
}

// UnknownContact is the message of a reference to a contact that does not
// exist.
func UnknownContact(externalID string) string {
	return fmt.Sprintf("no contact has external_id %q: import the contact first", externalID)
}

// ForeignAccount is the message of an event whose contact belongs to
// another account than the one it names.
func ForeignAccount(contactExternalID, accountExternalID string) string {
	return fmt.Sprintf("contact %q belongs to another account than %q", contactExternalID, accountExternalID)
}
