package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

var _ outreach.CaseStore = (*DB)(nil)

// caseRow is a row of cases with its account.
type caseRow struct {
	ID        int64         `db:"id"`
	Alert     string        `db:"alert"`
	Account   string        `db:"account"`
	Owner     string        `db:"owner_email"`
	State     string        `db:"state"`
	Assignee  string        `db:"assignee"`
	DueAt     int64         `db:"due_at"`
	Outcome   string        `db:"outcome"`
	CreatedAt int64         `db:"created_at"`
	UpdatedAt int64         `db:"updated_at"`
	ClosedAt  sql.NullInt64 `db:"closed_at"`
}

const caseSelect = `SELECT k.id, k.alert, a.external_id AS account, a.owner_email, k.state, k.assignee, k.due_at, k.outcome,
	k.created_at, k.updated_at, k.closed_at FROM cases k JOIN accounts a ON a.id = k.account_id`

// Cases implements outreach.CaseStore: the cases f selects, open ones
// first, by due time.
func (db *DB) Cases(ctx context.Context, f outreach.CaseFilter) ([]outreach.Case, error) {
	q := caseSelect + ` WHERE 1 = 1`
	var args []any
	if f.State != "" {
		q += ` AND k.state = ?`
		args = append(args, f.State)
	}
	if f.Owner != "" {
		q += ` AND LOWER(a.owner_email) = LOWER(?)`
		args = append(args, f.Owner)
	}
	if f.Account != "" {
		q += ` AND a.external_id = ?`
		args = append(args, f.Account)
	}
	q += ` ORDER BY CASE k.state WHEN 'closed' THEN 1 ELSE 0 END, k.due_at, k.id LIMIT 1000`
	var rows []caseRow
	if err := db.db.SelectContext(ctx, &rows, db.rebind(q), args...); err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	cases, err := db.fillCases(ctx, db.db, rows, f.Now)
	if err != nil {
		return nil, err
	}
	out := make([]outreach.Case, 0, len(rows))
	for _, c := range cases {
		out = append(out, *c)
	}
	return out, nil
}

// Case implements outreach.CaseStore.
func (db *DB) Case(ctx context.Context, id int64, now time.Time) (*outreach.Case, error) {
	return db.readCase(ctx, db.db, id, now)
}

// readCase reads one case with its answers and notes, or ENOTFOUND.
func (db *DB) readCase(ctx context.Context, q sqlx.QueryerContext, id int64, now time.Time) (*outreach.Case, error) {
	var r caseRow
	err := sqlx.GetContext(ctx, q, &r, db.rebind(caseSelect+` WHERE k.id = ?`), id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, outreach.Errorf(outreach.ENOTFOUND, "no case %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("case %d: %w", id, err)
	}
	return db.fillCase(ctx, q, r, now)
}

// toCase converts r, without its answers and notes. A case is overdue
// at now when it is not closed and its due time has passed (the one home
// of that rule; CaseCounts and CaseList's overdue view say it in SQL).
func (r caseRow) toCase(now time.Time) *outreach.Case {
	c := &outreach.Case{ID: r.ID, Alert: r.Alert, Account: r.Account, Owner: r.Owner, State: r.State, Assignee: r.Assignee,
		DueAt: fromMs(r.DueAt), Outcome: r.Outcome, CreatedAt: fromMs(r.CreatedAt), UpdatedAt: fromMs(r.UpdatedAt),
		ClosedAt: fromNullMs(r.ClosedAt), Answers: []outreach.CaseAnswer{}}
	c.Overdue = c.State != outreach.CaseClosed && !now.IsZero() && now.After(c.DueAt)
	return c
}

// caseAnswers reads the answers of the cases ids in one query and hands
// each to add with its case id, by case, oldest first.
func (db *DB) caseAnswers(ctx context.Context, q sqlx.QueryerContext, ids []int64, add func(caseID int64, a outreach.CaseAnswer)) error {
	var answers []struct {
		CaseID     int64  `db:"case_id"`
		DeliveryID string `db:"delivery_id"`
		Campaign   string `db:"campaign"`
		Score      int    `db:"score"`
		Comment    string `db:"comment"`
		Email      string `db:"email"`
		At         int64  `db:"at"`
	}
	if err := sqlx.SelectContext(ctx, q, &answers, db.rebind(`SELECT x.case_id, r.delivery_id, r.campaign, r.score, r.comment, c.email, r.at
		FROM case_answers x JOIN survey_responses r ON r.delivery_id = x.delivery_id JOIN contacts c ON c.id = r.contact_id
		WHERE `+db.inInt("x.case_id")+` ORDER BY x.case_id, r.at, r.delivery_id`), jsonArray(ids)); err != nil {
		return fmt.Errorf("case answers: %w", err)
	}
	for _, a := range answers {
		add(a.CaseID, outreach.CaseAnswer{DeliveryID: a.DeliveryID, Campaign: a.Campaign, Score: a.Score,
			Comment: a.Comment, Contact: a.Email, At: fromMs(a.At)})
	}
	return nil
}

// fillCase converts r and reads its answers and notes.
func (db *DB) fillCase(ctx context.Context, q sqlx.QueryerContext, r caseRow, now time.Time) (*outreach.Case, error) {
	cs, err := db.fillCases(ctx, q, []caseRow{r}, now)
	if err != nil {
		return nil, err
	}
	return cs[0], nil
}

// fillCases converts rows and reads their answers and notes, in two
// queries whatever their number.
func (db *DB) fillCases(ctx context.Context, q sqlx.QueryerContext, rows []caseRow, now time.Time) ([]*outreach.Case, error) {
	out := make([]*outreach.Case, len(rows))
	byID := make(map[int64]*outreach.Case, len(rows))
	ids := make([]int64, len(rows))
	for i, r := range rows {
		c := r.toCase(now)
		c.Notes = []outreach.CaseNote{}
		out[i], byID[r.ID], ids[i] = c, c, r.ID
	}
	if len(rows) == 0 {
		return out, nil
	}
	if err := db.caseAnswers(ctx, q, ids, func(id int64, a outreach.CaseAnswer) {
		byID[id].Answers = append(byID[id].Answers, a)
	}); err != nil {
		return nil, err
	}
	var notes []struct {
		CaseID int64  `db:"case_id"`
		At     int64  `db:"at"`
		State  string `db:"state"`
		Note   string `db:"note"`
		Author string `db:"author"`
	}
	if err := sqlx.SelectContext(ctx, q, &notes, db.rebind(`SELECT case_id, at, state, note, author FROM case_notes
		WHERE `+db.inInt("case_id")+` ORDER BY case_id, at`), jsonArray(ids)); err != nil {
		return nil, fmt.Errorf("case notes: %w", err)
	}
	for _, n := range notes {
		c := byID[n.CaseID]
		c.Notes = append(c.Notes, outreach.CaseNote{At: fromMs(n.At), State: n.State, Note: n.Note, Author: n.Author})
	}
	return out, nil
}

// UpdateCase implements outreach.CaseStore: the transition is checked
// under the case's row lock, so two concurrent changes never skip one. The
// change writes its audit entry (outreach.CaseAuditAction, by u.Author) in
// its transaction, whichever path made it: the API, the signed link, the
// console.
func (db *DB) UpdateCase(ctx context.Context, u outreach.CaseUpdate) (*outreach.Case, error) {
	var out *outreach.Case
	err := db.inTx(ctx, "update case", func(tx *sqlx.Tx, now time.Time) error {
		if !u.Now.IsZero() {
			now = u.Now
		}
		var cur struct {
			State     string `db:"state"`
			AccountID int64  `db:"account_id"`
			Alert     string `db:"alert"`
		}
		err := tx.GetContext(ctx, &cur, db.rebind(`SELECT state, account_id, alert FROM cases WHERE id = ?`+db.lockRows("FOR UPDATE")), u.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return outreach.Errorf(outreach.ENOTFOUND, "no case %d", u.ID)
		}
		if err != nil {
			return err
		}
		to := u.State
		if to == "" {
			to = cur.State
		}
		if err := outreach.CheckCaseTransition(cur.State, to, u.Note); err != nil {
			return err
		}
		if cur.State == outreach.CaseClosed && to != outreach.CaseClosed {
			// Reopening: another case of the account and alert may be open.
			var n int
			if err := tx.GetContext(ctx, &n, db.rebind(`SELECT COUNT(*) FROM cases WHERE account_id = ? AND alert = ? AND state <> 'closed'`),
				cur.AccountID, cur.Alert); err != nil {
				return err
			}
			if n > 0 {
				return outreach.Errorf(outreach.ECONFLICT, "the account has another open case for this alert: add the note there")
			}
		}
		set := `state = ?, updated_at = ?`
		args := []any{to, ms(now)}
		switch {
		case to == outreach.CaseClosed && cur.State != outreach.CaseClosed:
			set += `, closed_at = ?, outcome = ?`
			args = append(args, ms(now), u.Note)
		case to != outreach.CaseClosed:
			set += `, closed_at = NULL`
		}
		if u.Assignee != "" {
			set += `, assignee = ?`
			args = append(args, u.Assignee)
		}
		if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE cases SET `+set+` WHERE id = ?`), append(args, u.ID)...); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO case_notes (case_id, at, state, note, author) VALUES (?, ?, ?, ?, ?)`),
			u.ID, ms(now), to, u.Note, u.Author); err != nil {
			return err
		}
		if out, err = db.readCase(ctx, tx, u.ID, now); err != nil {
			return err
		}
		if err := db.auditCase(ctx, tx, now, u, cur.State, out); err != nil {
			return err
		}
		typ := outreach.WebhookCaseUpdated
		if to == outreach.CaseClosed && cur.State != outreach.CaseClosed {
			typ = outreach.WebhookCaseClosed
		}
		return db.emitWebhook(ctx, tx, typ, map[string]any{"id": out.ID, "alert": out.Alert, "account": out.Account,
			"state": out.State, "assignee": out.Assignee, "note": u.Note, "outcome": out.Outcome}, now)
	})
	return out, err
}

// auditCase writes the audit entry of u, which moved case c from state
// from: the account and alert, the move, the assignee and the length of
// the note (the note itself is kept once, in the case's history).
func (db *DB) auditCase(ctx context.Context, tx *sqlx.Tx, now time.Time, u outreach.CaseUpdate, from string, c *outreach.Case) error {
	detail := fmt.Sprintf("%s (%s): %s -> %s", c.Account, c.Alert, from, c.State)
	if u.Assignee != "" {
		detail += "; assigned to " + u.Assignee
	}
	if n := utf8.RuneCountInString(u.Note); n > 0 {
		detail += fmt.Sprintf("; note of %d characters", n)
	}
	return db.audit(ctx, tx, now, u.Author, outreach.CaseAuditAction(from, u.State, u.Assignee != ""), "case "+strconv.FormatInt(c.ID, 10), detail)
}
