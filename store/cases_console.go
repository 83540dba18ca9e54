package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
)

// This file serves the console's cases page: one page of a case view
// (open, in progress, overdue, closed) with a keyset cursor, and the count
// of each view for the tabs. A page is three statements however many cases
// it holds: the cases with their accounts, then the answers of all of them.

// MaxCasePage caps the cases of one list page.
const MaxCasePage = 200

// caseListRow is a caseRow with its account's name and the sort key of
// its view (due_at, or closed_at for the closed view).
type caseListRow struct {
	caseRow
	AccountName string `db:"account_name"`
	SortKey     int64  `db:"sort_key"`
}

// CaseList returns one page of q's view, q.Limit cases (at most
// MaxCasePage) after q.After: open, in progress and overdue by due time
// (soonest first), closed newest first. A cursor that this method did not
// write is EINVALID.
func (db *DB) CaseList(ctx context.Context, q outreach.CaseQuery) (*outreach.CaseListPage, error) {
	if q.Limit <= 0 || q.Limit > MaxCasePage {
		q.Limit = MaxCasePage
	}
	where, args := []string{}, []any{}
	desc := false
	switch q.View {
	case outreach.CaseViewOpen, outreach.CaseViewInProgress:
		where, args = append(where, "k.state = ?"), append(args, q.View)
	case outreach.CaseViewOverdue:
		where, args = append(where, "k.state <> 'closed'", "k.due_at < ?"), append(args, ms(q.Now))
	case outreach.CaseViewClosed:
		where, desc = append(where, "k.state = 'closed'"), true
	default:
		return nil, outreach.Errorf(outreach.EINVALID, "view: %q is not a case view; use one of %s", q.View, strings.Join(outreach.CaseViews, ", "))
	}
	if q.Owner != "" {
		where, args = append(where, "a.owner_email = ?"), append(args, strings.ToLower(strings.TrimSpace(q.Owner)))
	}
	key := "k.due_at"
	if desc {
		key = "k.closed_at" // set whenever a case is closed
	}
	if q.After != "" {
		after, id, err := parseCaseCursor(q.After)
		if err != nil {
			return nil, err
		}
		cmp := ">"
		if desc {
			cmp = "<"
		}
		where = append(where, fmt.Sprintf("(%s %s ? OR (%s = ? AND k.id %s ?))", key, cmp, key, cmp))
		args = append(args, after, after, id)
	}
	order := key + ", k.id"
	if desc {
		order = key + " DESC, k.id DESC"
	}
	stmt := `SELECT k.id, k.alert, a.external_id AS account, a.name AS account_name, a.owner_email, k.state, k.assignee,
		k.due_at, k.outcome, k.created_at, k.updated_at, k.closed_at, ` + key + ` AS sort_key
		FROM cases k JOIN accounts a ON a.id = k.account_id
		WHERE ` + strings.Join(where, " AND ") + ` ORDER BY ` + order + fmt.Sprintf(" LIMIT %d", q.Limit+1)
	var rows []caseListRow
	if err := db.db.SelectContext(ctx, &rows, db.rebind(stmt), args...); err != nil {
		return nil, fmt.Errorf("case list: %w", err)
	}
	page := &outreach.CaseListPage{Cases: make([]outreach.CaseListItem, 0, len(rows))}
	if len(rows) > q.Limit {
		rows = rows[:q.Limit]
		last := rows[len(rows)-1]
		page.Next = strconv.FormatInt(last.SortKey, 10) + "." + strconv.FormatInt(last.ID, 10)
	}
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		page.Cases = append(page.Cases, outreach.CaseListItem{Case: *r.toCase(q.Now), AccountName: r.AccountName})
		ids = append(ids, r.ID)
	}
	if len(ids) == 0 {
		return page, nil
	}
	if err := db.caseAnswers(ctx, db.db, ids, func(id int64, a outreach.CaseAnswer) {
		i := slices.Index(ids, id)
		page.Cases[i].Answers = append(page.Cases[i].Answers, a)
	}); err != nil {
		return nil, fmt.Errorf("case list: %w", err)
	}
	return page, nil
}

// parseCaseCursor reads a CaseList cursor "SORTKEY.ID".
func parseCaseCursor(s string) (key, id int64, err error) {
	k, i, ok := strings.Cut(s, ".")
	key, err1 := strconv.ParseInt(k, 10, 64)
	id, err2 := strconv.ParseInt(i, 10, 64)
	if !ok || err1 != nil || err2 != nil || id <= 0 {
		return 0, 0, outreach.Errorf(outreach.EINVALID, "after: %q is not a cursor of this list; start again from the first page", s)
	}
	return key, id, nil
}

// CaseCounts returns how many cases each view holds (the keys of
// outreach.CaseViews), for one owner's accounts or everyone's (owner "").
func (db *DB) CaseCounts(ctx context.Context, owner string, now time.Time) (map[string]int, error) {
	stmt := `SELECT
		COALESCE(SUM(CASE WHEN k.state = 'open' THEN 1 ELSE 0 END), 0) AS n_open,
		COALESCE(SUM(CASE WHEN k.state = 'in_progress' THEN 1 ELSE 0 END), 0) AS n_in_progress,
		COALESCE(SUM(CASE WHEN k.state <> 'closed' AND k.due_at < ? THEN 1 ELSE 0 END), 0) AS n_overdue,
		COALESCE(SUM(CASE WHEN k.state = 'closed' THEN 1 ELSE 0 END), 0) AS n_closed
		FROM cases k`
	args := []any{ms(now)}
	if owner != "" {
		stmt += ` JOIN accounts a ON a.id = k.account_id WHERE a.owner_email = ?`
		args = append(args, strings.ToLower(strings.TrimSpace(owner)))
	}
	var n struct {
		Open       int `db:"n_open"`
		InProgress int `db:"n_in_progress"`
		Overdue    int `db:"n_overdue"`
		Closed     int `db:"n_closed"`
	}
	if err := db.db.GetContext(ctx, &n, db.rebind(stmt), args...); err != nil {
		return nil, fmt.Errorf("case counts: %w", err)
	}
	return map[string]int{outreach.CaseViewOpen: n.Open, outreach.CaseViewInProgress: n.InProgress,
		outreach.CaseViewOverdue: n.Overdue, outreach.CaseViewClosed: n.Closed}, nil
}
