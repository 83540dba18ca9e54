package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/outreach-dev/outreach"
)

// commentColumns are the columns of a comment row, in Scan order.
const commentColumns = `r.delivery_id, r.campaign, r.score, r.comment, r.at, c.email, c.role, c.locale,
	a.external_id, a.name, a.plan, a.owner_email`

// commentSearch returns the dialect's case-insensitive "contains" test of
// col against one parameter, and the parameter for search: the search is
// text (LIKE's wildcards and the escape character are escaped), matched
// with ILIKE on PostgreSQL (Unicode case folding) and LIKE on SQLite (its
// LIKE ignores the case of ASCII letters only).
func (db *DB) commentSearch(col, search string) (string, string) {
	pattern := "%" + likeEscaper.Replace(search) + "%"
	return col + db.pick(` ILIKE ? ESCAPE '\'`, ` LIKE ? ESCAPE '\'`), pattern
}

// commentFeedQuery returns the statement that reads q's commented answers,
// newest first, after q.Before: with a search, the ScanLimit newest rows
// with a hit flag (1 when the comment matches; the comment text only then),
// else the Limit+1 newest rows.
func (db *DB) commentFeedQuery(q outreach.CommentQuery, accountID int64) (string, []any) {
	// The answer's account (survey_responses.account_id, its person's,
	// kept by triggers) leads: one owner's or account's comments are read
	// newest first from survey_responses_account_commented (migration
	// 00027), not every answer of their people.
	inner := `SELECT ` + commentColumns + ` FROM survey_responses r JOIN contacts c ON c.id = r.contact_id
		JOIN accounts a ON a.id = r.account_id WHERE r.comment <> ''`
	inner, args := db.npsWhere(inner, npsCols{campaign: "r.campaign", time: "r.at", account: "r.account_id", role: "c.role", locale: "c.locale"}, q.NPSFilter, accountID)
	if len(q.Campaigns) > 0 {
		inner += " AND " + db.inText("r.campaign")
		args = append(args, jsonArray(q.Campaigns))
	}
	if q.Class != "" {
		low, high, _ := outreach.ScoreRange(q.Class)
		inner += " AND r.score BETWEEN ? AND ?"
		args = append(args, low, high)
	}
	if b := q.Before; b != nil {
		inner += " AND (r.at < ? OR (r.at = ? AND r.delivery_id < ?))"
		args = append(args, ms(b.At), ms(b.At), b.DeliveryID)
	}
	inner += " ORDER BY r.at DESC, r.delivery_id DESC LIMIT ?"
	if q.Search == "" {
		return db.rebind(inner), append(args, q.Limit+1)
	}
	args = append(args, q.ScanLimit)
	test, pattern := db.commentSearch("s.comment", q.Search)
	// The search is applied to the scanned rows only (bounded work). Only
	// what the page needs comes back: the first Limit+1 matches and the
	// last row read, each with its place in the scan (n) and the number
	// of rows read (scanned); the comments of rows that do not match are
	// not sent.
	outer := `SELECT u.delivery_id, u.campaign, u.score, CASE WHEN u.hit = 1 THEN u.comment ELSE '' END, u.at, u.email,
		u.role, u.locale, u.external_id, u.name, u.plan, u.owner_email, u.hit, u.n, u.scanned
		FROM (SELECT t.*, ROW_NUMBER() OVER w AS n, COUNT(*) OVER () AS scanned, SUM(t.hit) OVER w AS hits
			FROM (SELECT s.*, CASE WHEN ` + test + ` THEN 1 ELSE 0 END AS hit FROM (` + inner + `) s) t
			WINDOW w AS (ORDER BY t.at DESC, t.delivery_id DESC ROWS UNBOUNDED PRECEDING)) u
		WHERE (u.hit = 1 AND u.hits <= ?) OR u.n = u.scanned
		ORDER BY u.at DESC, u.delivery_id DESC`
	return db.rebind(outer), append(append([]any{pattern}, args...), q.Limit+1)
}

// Comments returns one page of the commented answers q selects, newest
// first (answer time, then delivery id), after q.Before. Without a search
// the page holds up to q.Limit answers. With one (outreach.CommentQuery.
// Search, text matched case-insensitively: see commentSearch), at most
// q.ScanLimit commented answers are read: the page ends at q.Limit
// matches or when the scan does, and Next then points after the last
// answer read, so a rare word costs a bounded amount of work per page.
// An unknown account is ENOTFOUND.
func (db *DB) Comments(ctx context.Context, q outreach.CommentQuery) (*outreach.CommentPage, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var accountID int64
	if q.Account != "" {
		err := db.db.GetContext(ctx, &accountID, db.rebind(`SELECT id FROM accounts WHERE external_id = ?`), q.Account)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, outreach.Errorf(outreach.ENOTFOUND, "no account with external_id %q", q.Account)
		}
		if err != nil {
			return nil, fmt.Errorf("comments: %w", err)
		}
	}
	query, args := db.commentFeedQuery(q, accountID)
	rows, err := db.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("comments: %w", err)
	}
	defer rows.Close()
	page := &outreach.CommentPage{Comments: []outreach.Comment{}}
	var last outreach.CommentCursor
	for rows.Next() {
		var c outreach.Comment
		var at int64
		var role, locale, name, plan sql.NullString
		dest := []any{&c.DeliveryID, &c.Campaign, &c.Score, &c.Comment, &at, &c.Email, &role, &locale,
			&c.Account, &name, &plan, &c.Owner}
		// Without a search every row is a match; with one, n is the row's
		// place among the scanned (the last of which always comes back).
		hit, n, scanned := 1, 0, 0
		if q.Search != "" {
			dest = append(dest, &hit, &n, &scanned)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("comments: %w", err)
		}
		c.At, c.Class = fromMs(at), outreach.ScoreClass(c.Score)
		c.Role, c.Locale, c.AccountName, c.Plan = role.String, locale.String, name.String, plan.String
		if hit == 1 && len(page.Comments) == q.Limit {
			// One more match than the page holds: the next page starts
			// after the last one shown, which the scan read up to.
			if q.Search != "" {
				page.Scanned = n - 1
			}
			l := page.Comments[q.Limit-1]
			page.Next = &outreach.CommentCursor{At: l.At, DeliveryID: l.DeliveryID}
			return page, nil
		}
		if hit == 1 {
			page.Comments = append(page.Comments, c)
		}
		page.Scanned, last = scanned, outreach.CommentCursor{At: c.At, DeliveryID: c.DeliveryID}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("comments: %w", err)
	}
	if q.Search != "" && page.Scanned == q.ScanLimit {
		page.ScanEnded, page.Next = true, &last
	}
	return page, nil
}

// CommentFeedQuery returns Comments' statement for q (exposed for the
// console's benchmark, which times the page against the bare SQL).
func (db *DB) CommentFeedQuery(q outreach.CommentQuery) (string, []any) {
	return db.commentFeedQuery(q, 0)
}
