package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

// alertDetails reads what the notifications of each alert of due show
// (the account, the answers with their unsubscribed flags, up to five
// earlier answers of the account, the case, the owner's name and webhooks)
// in six queries for the whole batch, whatever its size: a burst of
// answers from many accounts fires many alerts at once, and eight queries
// an alert made each wait for the ones before it.
func (db *DB) alertDetails(ctx context.Context, tx *sqlx.Tx, due []dueAlert, now time.Time) (map[int64]*outreach.AlertDetail, error) {
	out := make(map[int64]*outreach.AlertDetail, len(due))
	if len(due) == 0 {
		return out, nil
	}
	var alertIDs, accountIDs, caseIDs []int64
	seenAccount := map[int64]bool{}
	for _, al := range due {
		alertIDs = append(alertIDs, al.ID)
		if !seenAccount[al.AccountID] {
			seenAccount[al.AccountID] = true
			accountIDs = append(accountIDs, al.AccountID)
		}
		if al.CaseID.Valid {
			caseIDs = append(caseIDs, al.CaseID.Int64)
		}
	}
	accounts, err := db.accountsByID(ctx, tx, accountIDs)
	if err != nil {
		return nil, err
	}
	for _, al := range due {
		a := accounts[al.AccountID]
		if a == nil {
			return nil, fmt.Errorf("alert %d: no account %d", al.ID, al.AccountID)
		}
		out[al.ID] = &outreach.AlertDetail{ID: al.ID, Rule: al.Rule, Account: *a}
	}
	if err := db.alertAnswers(ctx, tx, alertIDs, out); err != nil {
		return nil, err
	}
	earlier, err := db.latestAnswers(ctx, tx, accountIDs, 20)
	if err != nil {
		return nil, err
	}
	cases, err := db.casesByID(ctx, tx, caseIDs, now)
	if err != nil {
		return nil, err
	}
	owners, err := db.ownerMembers(ctx, tx, accounts)
	if err != nil {
		return nil, err
	}
	for _, al := range due {
		d := out[al.ID]
		in := map[string]bool{}
		for _, a := range d.Answers {
			in[a.DeliveryID] = true
		}
		for _, r := range earlier[al.AccountID] {
			if !in[r.DeliveryID] && len(d.Earlier) < 5 {
				d.Earlier = append(d.Earlier, r)
			}
		}
		if al.CaseID.Valid {
			if d.Case = cases[al.CaseID.Int64]; d.Case == nil {
				return nil, outreach.Errorf(outreach.ENOTFOUND, "no case %d", al.CaseID.Int64)
			}
		}
		m := owners[strings.ToLower(d.Account.OwnerEmail)]
		d.OwnerName, d.SlackWebhook, d.TeamsWebhook = m.Name, m.Slack, m.Teams
	}
	return out, nil
}

// accountsByID reads the accounts of ids.
func (db *DB) accountsByID(ctx context.Context, tx *sqlx.Tx, ids []int64) (map[int64]*outreach.Account, error) {
	var rows []accountRow
	if err := tx.SelectContext(ctx, &rows, db.rebind(`SELECT id, external_id, name, owner_email, plan, timezone,
		started_at, renewal_date, paused_until, attributes FROM accounts WHERE `+db.inInt("id")), jsonArray(ids)); err != nil {
		return nil, err
	}
	out := make(map[int64]*outreach.Account, len(rows))
	for _, r := range rows {
		a, err := r.withAttributes()
		if err != nil {
			return nil, err
		}
		out[r.ID] = a
	}
	return out, nil
}

// alertAnswers appends to each alert of details its answers, oldest
// first, flagged when their contact unsubscribed from surveys.
func (db *DB) alertAnswers(ctx context.Context, tx *sqlx.Tx, alertIDs []int64, details map[int64]*outreach.AlertDetail) error {
	var rows []struct {
		AlertID int64 `db:"alert_id"`
		queuedAnswer
	}
	if err := tx.SelectContext(ctx, &rows, db.rebind(`SELECT x.alert_id, r.delivery_id, r.campaign, r.score, r.comment, r.at,
		c.id AS contact_id, c.email, c.name, c.role, c.account_id
		FROM alert_answers x JOIN survey_responses r ON r.delivery_id = x.delivery_id JOIN contacts c ON c.id = r.contact_id
		WHERE `+db.inInt("x.alert_id")+` ORDER BY x.alert_id, r.at, r.delivery_id`), jsonArray(alertIDs)); err != nil {
		return err
	}
	hashes := make([]string, len(rows))
	for i, r := range rows {
		hashes[i] = EmailHash(r.Email)
	}
	sups, err := db.suppressionsOf(ctx, tx, hashes)
	if err != nil {
		return err
	}
	for i, r := range rows {
		_, unsubscribed := outreach.StoppedBy(sups[hashes[i]], outreach.CategorySurvey)
		d := details[r.AlertID]
		d.Answers = append(d.Answers, outreach.AlertAnswer{DeliveryID: r.DeliveryID, Campaign: r.Campaign, Score: r.Score,
			Comment: r.Comment, At: fromMs(r.At), ContactID: r.ContactID, Email: r.Email, Name: r.Name, Role: r.Role, AccountID: r.AccountID,
			Unsubscribed: unsubscribed})
	}
	return nil
}

// latestAnswers returns the latest n answers of each account of ids,
// newest first.
func (db *DB) latestAnswers(ctx context.Context, tx *sqlx.Tx, ids []int64, n int) (map[int64][]outreach.CaseAnswer, error) {
	var rows []struct {
		AccountID  int64  `db:"account_id"`
		DeliveryID string `db:"delivery_id"`
		Campaign   string `db:"campaign"`
		Score      int    `db:"score"`
		Comment    string `db:"comment"`
		At         int64  `db:"at"`
		Email      string `db:"email"`
		N          int    `db:"n"`
	}
	if err := tx.SelectContext(ctx, &rows, db.rebind(`SELECT account_id, delivery_id, campaign, score, comment, at, email, n FROM (
		SELECT c.account_id, r.delivery_id, r.campaign, r.score, r.comment, r.at, c.email,
			ROW_NUMBER() OVER (PARTITION BY c.account_id ORDER BY r.at DESC, r.delivery_id) AS n
		FROM survey_responses r JOIN contacts c ON c.id = r.contact_id WHERE `+db.inInt("c.account_id")+`) t
		WHERE n <= ? ORDER BY account_id, n`), jsonArray(ids), n); err != nil {
		return nil, err
	}
	out := map[int64][]outreach.CaseAnswer{}
	for _, r := range rows {
		out[r.AccountID] = append(out[r.AccountID], outreach.CaseAnswer{DeliveryID: r.DeliveryID, Campaign: r.Campaign,
			Score: r.Score, Comment: r.Comment, Contact: r.Email, At: fromMs(r.At)})
	}
	return out, nil
}

// casesByID reads the cases of ids with their answers and notes.
func (db *DB) casesByID(ctx context.Context, tx *sqlx.Tx, ids []int64, now time.Time) (map[int64]*outreach.Case, error) {
	out := map[int64]*outreach.Case{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []caseRow
	if err := tx.SelectContext(ctx, &rows, db.rebind(caseSelect+` WHERE `+db.inInt("k.id")), jsonArray(ids)); err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	cases, err := db.fillCases(ctx, tx, rows, now)
	if err != nil {
		return nil, err
	}
	for _, c := range cases {
		out[c.ID] = c
	}
	return out, nil
}

// ownerMember is what an alert shows of the account owner's team member.
type ownerMember struct {
	Email string `db:"email"`
	Name  string `db:"name"`
	Slack string `db:"slack_webhook_url"`
	Teams string `db:"teams_webhook_url"`
}

// ownerMembers returns the team members owning accounts, by lower-case
// address.
func (db *DB) ownerMembers(ctx context.Context, tx *sqlx.Tx, accounts map[int64]*outreach.Account) (map[string]ownerMember, error) {
	var emails []string
	for _, a := range accounts {
		if a.OwnerEmail != "" {
			emails = append(emails, strings.ToLower(a.OwnerEmail))
		}
	}
	out := map[string]ownerMember{}
	if len(emails) == 0 {
		return out, nil
	}
	var rows []ownerMember
	if err := tx.SelectContext(ctx, &rows, db.rebind(`SELECT LOWER(email) AS email, name, slack_webhook_url, teams_webhook_url
		FROM team_members WHERE `+db.inText("LOWER(email)")), jsonArray(emails)); err != nil {
		return nil, err
	}
	for _, r := range rows {
		if _, ok := out[r.Email]; !ok {
			out[r.Email] = r
		}
	}
	return out, nil
}
