package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/outreach-dev/outreach"
)

// accountRiskSQL ranks one page of accounts by risk in one set-based
// statement: the page is at most q.Limit accounts the filters select, in
// external id order after the cursor (one owner's book fits in one page:
// accounts_owner_external); for each, its people's last activity
// (contacts_account_last_seen), its NPS answers of the current and the
// previous window (survey_responses_account_at: the answers carry their
// person's account) and its latest closed case (cases_account_closed; a
// detractor counts until one is closed after it) are read account by
// account from indexes alone, so the work follows the page, not the
// tables. Flags are computed from the thresholds passed in and the page is
// ordered by their weighted sum. Every row carries next_key: the cursor of
// the next page, empty on the last one.
const accountRiskSQL = `WITH page AS (
	SELECT id, external_id, name, owner_email, plan, renewal_date, paused_until FROM accounts
	WHERE {{where}} ORDER BY external_id LIMIT ?
), acc AS (
	SELECT * FROM page ORDER BY external_id LIMIT ?
), act AS (
	SELECT c.account_id, COUNT(*) AS people, MAX(c.last_seen_at) AS last_seen
	FROM contacts c JOIN acc ON acc.id = c.account_id GROUP BY c.account_id
), ans AS (
	SELECT r.account_id,
		SUM(CASE WHEN r.at >= ? THEN 1 ELSE 0 END) AS n,
		SUM(CASE WHEN r.at >= ? AND r.score >= 9 THEN 1 ELSE 0 END) AS p,
		SUM(CASE WHEN r.at >= ? AND r.score <= 6 THEN 1 ELSE 0 END) AS d,
		MAX(CASE WHEN r.at >= ? AND r.score <= 6 THEN r.at END) AS last_d,
		SUM(CASE WHEN r.at < ? THEN 1 ELSE 0 END) AS pn,
		SUM(CASE WHEN r.at < ? AND r.score >= 9 THEN 1 ELSE 0 END) AS pp,
		SUM(CASE WHEN r.at < ? AND r.score <= 6 THEN 1 ELSE 0 END) AS pd
	FROM acc JOIN survey_responses r ON r.account_id = acc.id
	WHERE r.at >= ? AND r.at < ? AND NOT {{campaigns}}
	GROUP BY r.account_id
), closed AS (
	SELECT k.account_id, MAX(k.closed_at) AS last_closed
	FROM acc JOIN cases k ON k.account_id = acc.id WHERE k.state = 'closed' GROUP BY k.account_id
), flags AS (
	SELECT acc.id, acc.external_id, acc.name, acc.owner_email, acc.plan, acc.renewal_date, acc.paused_until,
		COALESCE(act.people, 0) AS people, act.last_seen,
		COALESCE(ans.n, 0) AS n, COALESCE(ans.p, 0) AS p, COALESCE(ans.d, 0) AS d,
		COALESCE(ans.pn, 0) AS pn, COALESCE(ans.pp, 0) AS pp, COALESCE(ans.pd, 0) AS pd,
		CASE WHEN acc.renewal_date >= ? AND acc.renewal_date <= ? THEN 1 ELSE 0 END AS renewal_soon,
		CASE WHEN COALESCE(ans.n, 0) > 0 AND ans.p < ans.d THEN 1 ELSE 0 END AS low_nps,
		CASE WHEN COALESCE(ans.n, 0) > 0 AND COALESCE(ans.pn, 0) > 0
			AND 100 * (ans.p - ans.d) * ans.pn - 100 * (ans.pp - ans.pd) * ans.n <= CAST(? AS BIGINT) * ans.n * ans.pn
			THEN 1 ELSE 0 END AS falling_nps,
		CASE WHEN COALESCE(ans.d, 0) > 0 AND (closed.last_closed IS NULL OR closed.last_closed < ans.last_d)
			THEN 1 ELSE 0 END AS open_detractors,
		CASE WHEN act.last_seen IS NULL OR act.last_seen < ? THEN 1 ELSE 0 END AS quiet,
		CASE WHEN acc.paused_until > ? THEN 1 ELSE 0 END AS paused
	FROM acc LEFT JOIN act ON act.account_id = acc.id LEFT JOIN ans ON ans.account_id = acc.id
		LEFT JOIN closed ON closed.account_id = acc.id
)
SELECT flags.*, 3 * renewal_soon + 3 * low_nps + 2 * falling_nps + 2 * open_detractors + 2 * quiet + paused AS score,
	CASE WHEN (SELECT COUNT(*) FROM page) > ? THEN (SELECT MAX(external_id) FROM acc) ELSE '' END AS next_key
FROM flags ORDER BY score DESC, renewal_date = '', renewal_date, name, external_id`

type accountRiskRow struct {
	ID          int64         `db:"id"`
	ExternalID  string        `db:"external_id"`
	Name        string        `db:"name"`
	OwnerEmail  string        `db:"owner_email"`
	Plan        string        `db:"plan"`
	RenewalDate string        `db:"renewal_date"`
	PausedUntil sql.NullInt64 `db:"paused_until"`
	People      int           `db:"people"`
	LastSeen    sql.NullInt64 `db:"last_seen"`
	N           int           `db:"n"`
	P           int           `db:"p"`
	D           int           `db:"d"`
	PN          int           `db:"pn"`
	PP          int           `db:"pp"`
	PD          int           `db:"pd"`
	RenewalSoon int           `db:"renewal_soon"`
	LowNPS      int           `db:"low_nps"`
	FallingNPS  int           `db:"falling_nps"`
	OpenDetr    int           `db:"open_detractors"`
	Quiet       int           `db:"quiet"`
	Paused      int           `db:"paused"`
	Score       int           `db:"score"`
	NextKey     string        `db:"next_key"`
}

// accountRiskStatement returns the statement of AccountRisks and its
// arguments.
func (db *DB) accountRiskStatement(q outreach.AccountRiskQuery) (string, []any) {
	now := q.Now.UnixMilli()
	cur := q.Now.Add(-outreach.RiskNPSWindow).UnixMilli()
	prev := q.Now.Add(-2 * outreach.RiskNPSWindow).UnixMilli()
	search := strings.ToLower(strings.TrimSpace(q.Search))
	like := "%" + likeEscaper.Replace(search) + "%"
	today := q.Now.UTC().Format("2006-01-02")
	soon := q.Now.Add(outreach.RiskRenewalWindow).UTC().Format("2006-01-02")
	excl := q.ExcludeCampaigns
	if excl == nil {
		excl = []string{}
	}
	// Only the filters given are in the statement: an "(? = '' OR col = ?)"
	// would keep PostgreSQL's generic plan off the owner index.
	where, args := []string{"1 = 1"}, []any{}
	if q.Owner != "" {
		where, args = append(where, "owner_email = ?"), append(args, q.Owner)
	}
	if q.Plan != "" {
		where, args = append(where, "plan = ?"), append(args, q.Plan)
	}
	if search != "" {
		where = append(where, `(LOWER(name) LIKE ? ESCAPE '\' OR LOWER(external_id) LIKE ? ESCAPE '\')`)
		args = append(args, like, like)
	}
	if q.After != "" {
		where, args = append(where, "external_id > ?"), append(args, q.After)
	}
	limit := min(max(q.Limit, 1), outreach.AccountRiskPageMax)
	query := db.rebind(strings.NewReplacer("{{where}}", strings.Join(where, " AND "),
		"{{campaigns}}", db.inText("r.campaign")).Replace(accountRiskSQL))
	return query, append(args, limit+1, limit,
		cur, cur, cur, cur, cur, cur, cur, prev, now+1, jsonArray(excl),
		today, soon, -outreach.RiskFallingBy, q.Now.Add(-outreach.RiskQuietWindow).UnixMilli(), now, limit)
}

// AccountRisks returns a page of the accounts q selects: at most q.Limit
// (capped at outreach.AccountRiskPageMax) in external id order after
// q.After, ranked riskiest first, each with the flags that put it at risk
// (see outreach.Risk*), and the cursor of the next page.
func (db *DB) AccountRisks(ctx context.Context, q outreach.AccountRiskQuery) (*outreach.AccountRiskPage, error) {
	query, args := db.accountRiskStatement(q)
	var rows []accountRiskRow
	if err := db.db.SelectContext(ctx, &rows, query, args...); err != nil {
		return nil, err
	}
	page := &outreach.AccountRiskPage{Accounts: make([]outreach.AccountRisk, len(rows))}
	out := page.Accounts
	for i, r := range rows {
		page.Next = r.NextKey
		out[i] = outreach.AccountRisk{
			Account: outreach.Account{ID: r.ID, ExternalID: r.ExternalID, Name: r.Name, OwnerEmail: r.OwnerEmail,
				Plan: r.Plan, RenewalDate: r.RenewalDate, PausedUntil: fromNullMs(r.PausedUntil)},
			People: r.People, LastSeenAt: fromNullMs(r.LastSeen), Answers: r.N, Detractors: r.D,
			NPS: outreach.NPSOf(r.N, r.P, r.D), PrevAnswers: r.PN, PrevNPS: outreach.NPSOf(r.PN, r.PP, r.PD),
			RenewalSoon: r.RenewalSoon == 1, LowNPS: r.LowNPS == 1, FallingNPS: r.FallingNPS == 1, OpenDetractors: r.OpenDetr == 1,
			Quiet: r.Quiet == 1, Paused: r.Paused == 1, Score: r.Score,
		}
	}
	return page, nil
}

// likeEscaper escapes the wildcards of LIKE (ESCAPE '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// suppressionOwned is the condition that the suppression s is of a
// contact of an account owned by the owner_email given: an erased
// address (s.email NULL) is nobody's.
const suppressionOwned = ` AND EXISTS (SELECT 1 FROM contacts c JOIN accounts a ON a.id = c.account_id
	WHERE c.email = s.email AND a.owner_email = ?)`

// maxSuppressionPage bounds a page of ConsoleSuppressions.
const maxSuppressionPage = 200

// ConsoleSuppressions returns a page of the suppressions of q.Email in
// scope order: with q.Owner set, only if the address is a contact of an
// account q.Owner owns (the filter is in the query, so a cs member's page
// is never someone else's customer).
func (db *DB) ConsoleSuppressions(ctx context.Context, q outreach.SuppressionQuery) ([]outreach.Suppression, error) {
	email := strings.ToLower(strings.TrimSpace(q.Email))
	if q.Limit <= 0 || q.Limit > maxSuppressionPage {
		q.Limit = maxSuppressionPage
	}
	stmt, args := `SELECT s.scope, s.reason, s.created_at FROM suppressions s WHERE s.email_hash = ? AND s.scope > ?`,
		[]any{EmailHash(email), q.After}
	if q.Owner != "" {
		stmt, args = stmt+suppressionOwned, append(args, strings.ToLower(strings.TrimSpace(q.Owner)))
	}
	var rows []struct {
		Scope     string `db:"scope"`
		Reason    string `db:"reason"`
		CreatedAt int64  `db:"created_at"`
	}
	if err := db.db.SelectContext(ctx, &rows, db.rebind(stmt+` ORDER BY s.scope LIMIT ?`), append(args, q.Limit)...); err != nil {
		return nil, fmt.Errorf("console suppressions: %w", err)
	}
	out := make([]outreach.Suppression, len(rows))
	for i, r := range rows {
		out[i] = outreach.Suppression{Email: email, Scope: r.Scope, Reason: r.Reason, CreatedAt: fromMs(r.CreatedAt)}
	}
	return out, nil
}

// accountPageLimit bounds each list of the account page.
const accountPageLimit = 500

// AccountActivity returns the people of the account with id accountID and
// its survey answers (newest first), each list at most accountPageLimit
// long, and its newest outreach.AccountDeliveriesShown deliveries (latest
// due first) with the newest outreach.AccountDecisionsShown decisions of
// each, read as the timeline reads them (deliveryDecisions).
func (db *DB) AccountActivity(ctx context.Context, accountID int64) (*outreach.AccountActivity, error) {
	out := &outreach.AccountActivity{}
	var people []struct {
		Email    string        `db:"email"`
		Name     string        `db:"name"`
		Role     string        `db:"role"`
		Status   string        `db:"status"`
		LastSeen sql.NullInt64 `db:"last_seen_at"`
	}
	if err := db.db.SelectContext(ctx, &people, db.rebind(`SELECT email, name, role, status, last_seen_at
		FROM contacts WHERE account_id = ? ORDER BY role, email LIMIT ?`), accountID, accountPageLimit); err != nil {
		return nil, err
	}
	for _, p := range people {
		out.People = append(out.People, outreach.Contact{Email: p.Email, Name: p.Name, Role: p.Role, Status: p.Status, LastSeenAt: fromNullMs(p.LastSeen)})
	}
	var answers []struct {
		Campaign string `db:"campaign"`
		Score    int    `db:"score"`
		Comment  string `db:"comment"`
		At       int64  `db:"at"`
		Email    string `db:"email"`
		Role     string `db:"role"`
	}
	if err := db.db.SelectContext(ctx, &answers, db.rebind(`SELECT r.campaign, r.score, r.comment, r.at, c.email, c.role
		FROM contacts c JOIN survey_responses r ON r.contact_id = c.id WHERE c.account_id = ?
		ORDER BY r.at DESC LIMIT ?`), accountID, accountPageLimit); err != nil {
		return nil, err
	}
	for _, a := range answers {
		out.Answers = append(out.Answers, outreach.AccountAnswer{Email: a.Email, Role: a.Role,
			SurveyResponse: outreach.SurveyResponse{Campaign: a.Campaign, Score: a.Score, Comment: a.Comment, At: fromMs(a.At)}})
	}
	var dels []struct {
		deliveryRow
		Email string `db:"email"`
	}
	if err := db.db.SelectContext(ctx, &dels, db.rebind(`SELECT d.id, d.campaign, d.category, d.contact_id, d.account_id,
		d.occurrence, d.event_id, d.state, d.due_at, d.not_before, d.reserved_at, d.sent_at, d.claimed_by, d.heartbeat_at,
		d.message_id, d.error, d.created_at, c.email
		FROM (SELECT * FROM deliveries WHERE account_id = ? ORDER BY created_at DESC, id LIMIT ?) d
		JOIN contacts c ON c.id = d.contact_id
		ORDER BY d.due_at DESC, d.id`), accountID, outreach.AccountDeliveriesShown); err != nil {
		return nil, err
	}
	ids := make([]string, len(dels))
	for i, d := range dels {
		ids[i] = d.ID
	}
	decs, older, err := db.deliveryDecisions(ctx, db.db, ids, outreach.AccountDecisionsShown)
	if err != nil {
		return nil, err
	}
	for _, d := range dels {
		out.Deliveries = append(out.Deliveries, outreach.AccountDelivery{Delivery: d.delivery(decs[d.ID]),
			Email: d.Email, EarlierDecisions: older[d.ID]})
	}
	return out, nil
}
