package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/outreach-dev/outreach"
)

// MaxItems is the largest number of items one API batch may hold.
const MaxItems = 10000

// Kind names one kind of data, as in the API path and the import command.
type Kind string

// The five kinds of data.
const (
	Accounts     Kind = "accounts"
	Contacts     Kind = "contacts"
	Events       Kind = "events"
	Team         Kind = "team"
	Suppressions Kind = "suppressions"
)

// Kinds lists every kind in a stable order.
var Kinds = []Kind{Accounts, Contacts, Events, Team, Suppressions}

// ParseKind returns the Kind named s, or an EINVALID error listing the kinds.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", outreach.Errorf(outreach.EINVALID, "unknown kind %q: use accounts, contacts, events, team or suppressions", s)
}

// Batch holds decoded, valid items of one kind. Only the slice of its Kind
// is used.
type Batch struct {
	Kind         Kind
	Accounts     []outreach.Account
	Contacts     []outreach.Contact
	Events       []outreach.Event
	Team         []outreach.TeamMember
	Suppressions []outreach.Suppression

	// Positions holds, for each item, where it came from: its 0-based
	// index in a JSON array or its line in a CSV file.
	Positions []int
}

// Len returns the number of items in the batch.
func (b *Batch) Len() int {
	switch b.Kind {
	case Accounts:
		return len(b.Accounts)
	case Contacts:
		return len(b.Contacts)
	case Events:
		return len(b.Events)
	case Team:
		return len(b.Team)
	case Suppressions:
		return len(b.Suppressions)
	}
	return 0
}

// Slice returns the items [i, j) of the batch as a new batch sharing the
// underlying arrays.
func (b *Batch) Slice(i, j int) *Batch {
	s := &Batch{Kind: b.Kind, Positions: b.Positions[i:j]}
	switch b.Kind {
	case Accounts:
		s.Accounts = b.Accounts[i:j]
	case Contacts:
		s.Contacts = b.Contacts[i:j]
	case Events:
		s.Events = b.Events[i:j]
	case Team:
		s.Team = b.Team[i:j]
	case Suppressions:
		s.Suppressions = b.Suppressions[i:j]
	}
	return s
}

// Without returns a copy of the batch without the items at the given
// indexes (0-based positions in the batch).
func (b *Batch) Without(drop map[int]bool) *Batch {
	out := &Batch{Kind: b.Kind}
	for i := 0; i < b.Len(); i++ {
		if drop[i] {
			continue
		}
		out.Positions = append(out.Positions, b.Positions[i])
		switch b.Kind {
		case Accounts:
			out.Accounts = append(out.Accounts, b.Accounts[i])
		case Contacts:
			out.Contacts = append(out.Contacts, b.Contacts[i])
		case Events:
			out.Events = append(out.Events, b.Events[i])
		case Team:
			out.Team = append(out.Team, b.Team[i])
		case Suppressions:
			out.Suppressions = append(out.Suppressions, b.Suppressions[i])
		}
	}
	return out
}

// WithoutFailed returns a copy of the batch without the items that errs
// names by position (index in a JSON array, line in a CSV file).
func (b *Batch) WithoutFailed(errs *outreach.BatchError) *Batch {
	failed := map[int]bool{}
	for _, e := range errs.Errors {
		failed[e.Index] = true
	}
	drop := map[int]bool{}
	for i, pos := range b.Positions {
		if failed[pos] {
			drop[i] = true
		}
	}
	return b.Without(drop)
}

// SetNoTrigger marks every event of the batch to be stored without
// planning (imports of history).
func (b *Batch) SetNoTrigger() {
	for i := range b.Events {
		b.Events[i].NoTrigger = true
	}
}

// Write stores the batch with the IngestStore method of its kind, in one
// atomic call. Suppressions without a time get now.
func Write(ctx context.Context, st outreach.IngestStore, b *Batch, now time.Time) (outreach.BatchResult, error) {
	switch b.Kind {
	case Accounts:
		return st.UpsertAccounts(ctx, b.Accounts)
	case Contacts:
		return st.UpsertContacts(ctx, b.Contacts)
	case Events:
		return st.InsertEvents(ctx, b.Events)
	case Team:
		return st.UpsertTeam(ctx, b.Team)
	case Suppressions:
		for i := range b.Suppressions {
			if b.Suppressions[i].CreatedAt.IsZero() {
				b.Suppressions[i].CreatedAt = now.UTC()
			}
		}
		return st.AddSuppressions(ctx, b.Suppressions)
	}
	return outreach.BatchResult{}, fmt.Errorf("write batch: unknown kind %q", b.Kind)
}
