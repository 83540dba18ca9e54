package ingest

import (
	"context"
	"fmt"
	"sort"

	"github.com/outreach-dev/outreach"
)

// CheckRefs adds to errs the unknown references of the valid items of b: a
// contact naming an unknown account, an event naming an unknown contact or
// account, or a contact and an account that do not belong together. Its
// indexes are b's Positions, like the decoders'; the errors of errs end up
// sorted by index.
//
// The store checks the same references when it writes, atomically, so
// callers only need CheckRefs for a batch that decoding already refused:
// without it, the store never sees that batch and its reference errors
// would surface one round trip later, after the field errors are fixed.
// Conflicts that depend on the order of items (an email that belongs to
// another contact) are left to the store.
func CheckRefs(ctx context.Context, st outreach.IngestStore, b *Batch, errs *outreach.BatchError) error {
	accounts, contacts := referenced(b)
	if len(accounts) == 0 && len(contacts) == 0 {
		return nil
	}
	refs, err := st.LookupRefs(ctx, accounts, contacts)
	if err != nil {
		return fmt.Errorf("check references: %w", err)
	}
	switch b.Kind {
	case Contacts:
		for i, c := range b.Contacts {
			if c.AccountExternalID != "" && !refs.Accounts[c.AccountExternalID] {
				errs.Add(b.Positions[i], "account_external_id", "%s", outreach.UnknownAccount(c.AccountExternalID))
			}
		}
	case Events:
		for i, e := range b.Events {
			if field, msg := eventRefError(e, refs); msg != "" {
				errs.Add(b.Positions[i], field, "%s", msg)
			}
		}
	}
	sort.SliceStable(errs.Errors, func(i, j int) bool { return errs.Errors[i].Index < errs.Errors[j].Index })
	return nil
}

// referenced returns the external ids of the accounts and contacts that
// the items of b name.
func referenced(b *Batch) (accounts, contacts []string) {
	seenA, seenC := map[string]bool{}, map[string]bool{}
	add := func(list *[]string, seen map[string]bool, id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			*list = append(*list, id)
		}
	}
	for _, c := range b.Contacts {
		add(&accounts, seenA, c.AccountExternalID)
	}
	for _, e := range b.Events {
		add(&accounts, seenA, e.AccountExternalID)
		add(&contacts, seenC, e.ContactExternalID)
	}
	return accounts, contacts
}

// eventRefError returns the field and message of the first reference of e
// that refs does not confirm, or "" and "".
func eventRefError(e outreach.Event, refs outreach.Refs) (field, msg string) {
	account, known := refs.Contacts[e.ContactExternalID]
	switch {
	case e.ContactExternalID != "" && !known:
		return "contact_external_id", outreach.UnknownContact(e.ContactExternalID)
	case e.AccountExternalID != "" && !refs.Accounts[e.AccountExternalID]:
		return "account_external_id", outreach.UnknownAccount(e.AccountExternalID)
	case e.ContactExternalID != "" && e.AccountExternalID != "" && account != e.AccountExternalID:
		return "account_external_id", outreach.ForeignAccount(e.ContactExternalID, e.AccountExternalID)
	}
	return "", ""
}
