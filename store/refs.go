package store

import (
	"context"
	"fmt"

	"github.com/outreach-dev/outreach"
)

// LookupRefs reports which of the named accounts and contacts exist, with
// the account of each contact: two reads, no transaction, nothing written.
func (db *DB) LookupRefs(ctx context.Context, accounts, contacts []string) (outreach.Refs, error) {
	refs := outreach.Refs{Accounts: map[string]bool{}, Contacts: map[string]string{}}
	if len(accounts) > 0 {
		q := db.rebind(`SELECT external_id FROM accounts WHERE ` + db.inText("external_id"))
		var found []string
		if err := db.db.SelectContext(ctx, &found, q, jsonArray(accounts)); err != nil {
			return outreach.Refs{}, fmt.Errorf("look up accounts: %w", err)
		}
		for _, ext := range found {
			refs.Accounts[ext] = true
		}
	}
	if len(contacts) > 0 {
		q := db.rebind(`SELECT c.external_id AS contact, a.external_id AS account
			FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE ` + db.inText("c.external_id"))
		var found []struct {
			Contact string `db:"contact"`
			Account string `db:"account"`
		}
		if err := db.db.SelectContext(ctx, &found, q, jsonArray(contacts)); err != nil {
			return outreach.Refs{}, fmt.Errorf("look up contacts: %w", err)
		}
		for _, f := range found {
			refs.Contacts[f.Contact] = f.Account
		}
	}
	return refs, nil
}
