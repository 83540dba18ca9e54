package outreach

import (
	"context"
	"encoding/base64"
	"strings"
	"time"
)

// Page sizes of the list routes.
const (
	DefaultListLimit = 100
	MaxListLimit     = 1000
)

// ListPage asks for one page of a list: the rows after Cursor (an opaque
// string returned as the previous page's next cursor; "" = from the start),
// at most Limit of them.
type ListPage struct {
	Cursor string
	Limit  int
}

// AccountFilter selects accounts; empty fields do not filter.
type AccountFilter struct {
	Owner string // owner_email
	Plan  string
	ListPage
}

// ContactFilter selects contacts; empty fields do not filter.
type ContactFilter struct {
	Account string // the account's external id
	Role    string
	Locale  string
	Status  string
	ListPage
}

// DeliveryFilter selects deliveries; empty fields do not filter. The
// window [From, To) applies to the delivery's created_at (when it was
// planned).
type DeliveryFilter struct {
	State    string
	Campaign string
	Contact  string // the contact's email
	From, To *time.Time
	ListPage
}

// DeliveryItem is one delivery in a list: the outbox row with the contact
// and account it is for, without its decisions (the timeline has those).
type DeliveryItem struct {
	ID         string     `json:"id"`
	Campaign   string     `json:"campaign"`
	Category   string     `json:"category"`
	Contact    string     `json:"contact"` // email
	Account    string     `json:"account"` // external id
	Occurrence string     `json:"occurrence"`
	EventID    string     `json:"event_id,omitempty"`
	State      string     `json:"state"`
	DueAt      time.Time  `json:"due_at"`
	NotBefore  time.Time  `json:"not_before"`
	SentAt     *time.Time `json:"sent_at,omitempty"`
	Error      string     `json:"error,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

// ListStore reads pages of accounts, contacts and deliveries in a stable
// order (rows created while paging appear on a later page, never twice).
// Each method returns the page and the cursor of the next one, "" after
// the last.
type ListStore interface {
	ListAccounts(ctx context.Context, f AccountFilter) ([]Account, string, error)
	ListContacts(ctx context.Context, f ContactFilter) ([]Contact, string, error)
	ListDeliveries(ctx context.Context, f DeliveryFilter) ([]DeliveryItem, string, error)
}

// EncodeCursor turns the sort key of a page's last row into an opaque
// cursor.
func EncodeCursor(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(key))
}

// DecodeCursor returns the sort key of a cursor made by EncodeCursor; a
// cursor this program did not make is EINVALID.
func DecodeCursor(cursor string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) == 0 || strings.ContainsAny(string(b), "\x00") {
		return "", Errorf(EINVALID, "cursor %q is not one this API returned: pass the next_cursor of the previous page, or none for the first page", cursor)
	}
	return string(b), nil
}
