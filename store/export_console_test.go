package store

import "github.com/outreach-dev/outreach"

// AccountRiskStatement exposes the statement AccountRisks runs, for the
// benchmark's bare-SQL baseline.
func (db *DB) AccountRiskStatement(q outreach.AccountRiskQuery) (string, []any) {
	return db.accountRiskStatement(q)
}
