package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

// This file is the dispatcher's side of the store up to the send: claiming
// contacts with due deliveries and reading what the throttle decides on.
// The files of the dispatcher's store, by responsibility:
//
//	dispatch.go           the claim of due contacts and its reads
//	dispatch_outcomes.go  the claim's writes: outcomes and their decisions
//	dispatch_retries.go   the claim of retries, reserved deliveries, NextDue
//	dispatch_sends.go     send results, heartbeats, recovery ("Lock order")
//
// Where a statement has a PostgreSQL and an SQLite form, the two sit side
// by side; the dialect helpers they share are in sqlhelp.go.
//
// Atomicity. On PostgreSQL a claim transaction locks its contacts with
// FOR UPDATE SKIP LOCKED (a contact held by another dispatcher is skipped,
// never waited for) and, when the policy has an account survey cap, then
// locks their accounts with FOR UPDATE in id order (a plain wait; every
// transaction waits only on accounts and takes them in the same order, so
// there is no deadlock). The history is read after the locks, so it sees
// every reservation committed by the previous holder. On SQLite the
// transaction is BEGIN IMMEDIATE on the single connection: writers are
// serialised.

// claimWindowFactor sizes the candidate window: the claim looks at up to
// Limit*claimWindowFactor due rows, so that concurrent dispatchers that
// skip each other's locked contacts still find work.
const claimWindowFactor = 16

// claimRow is a claimed contact joined with its account.
type claimRow struct {
	ID          int64          `db:"id"`
	AccountID   int64          `db:"account_id"`
	ExternalID  sql.NullString `db:"external_id"`
	Email       string         `db:"email"`
	Name        string         `db:"name"`
	Role        string         `db:"role"`
	Locale      string         `db:"locale"`
	Timezone    string         `db:"timezone"`
	AccExtID    string         `db:"acc_external_id"`
	AccName     string         `db:"acc_name"`
	AccPlan     string         `db:"acc_plan"`
	AccTimezone string         `db:"acc_timezone"`
	AccStarted  sql.NullInt64  `db:"acc_started_at"`
	AccRenewal  string         `db:"acc_renewal_date"`
	AccPaused   sql.NullInt64  `db:"acc_paused_until"`
	AccOwner    string         `db:"acc_owner_email"`
	OwnerName   string         `db:"acc_owner_name"` // the owner's name in the team data, "" when unknown
}

const contactCols = `c.id, c.account_id, c.external_id, c.email, c.name, c.role, c.locale, c.timezone,
	a.external_id AS acc_external_id, a.name AS acc_name, a.plan AS acc_plan, a.timezone AS acc_timezone,
	a.started_at AS acc_started_at, a.renewal_date AS acc_renewal_date, a.paused_until AS acc_paused_until,
	a.owner_email AS acc_owner_email, COALESCE(t.name, '') AS acc_owner_name`

// ownerJoin adds the account owner's team member (for contactCols): the
// sender identity shows the owner's name and replies reach their address.
const ownerJoin = ` LEFT JOIN team_members t ON t.email = a.owner_email`

func (r *claimRow) contact() outreach.Contact {
	return outreach.Contact{ID: r.ID, ExternalID: r.ExternalID.String, AccountID: r.AccountID,
		AccountExternalID: r.AccExtID, Email: r.Email, Name: r.Name, Role: r.Role, Locale: r.Locale, Timezone: r.Timezone}
}

func (r *claimRow) account() outreach.Account {
	return outreach.Account{ID: r.AccountID, ExternalID: r.AccExtID, Name: r.AccName, Plan: r.AccPlan, OwnerEmail: r.AccOwner,
		Timezone: r.AccTimezone, StartedAt: fromNullMs(r.AccStarted), RenewalDate: r.AccRenewal, PausedUntil: fromNullMs(r.AccPaused)}
}

// claimDueRow is a planned delivery.
type claimDueRow struct {
	ID         string `db:"id"`
	Campaign   string `db:"campaign"`
	Category   string `db:"category"`
	ContactID  int64  `db:"contact_id"`
	AccountID  int64  `db:"account_id"`
	Occurrence string `db:"occurrence"`
	EventID    string `db:"event_id"`
	DueAt      int64  `db:"due_at"`
	NotBefore  int64  `db:"not_before"`
	CreatedAt  int64  `db:"created_at"`
	ExpiresAt  int64  `db:"expires_at"`
	Attempts   int    `db:"attempts"`
	// Properties are the triggering event's, read with the delivery so
	// that a reserved delivery need not be read again to be rendered.
	Properties sql.NullString `db:"properties"`
}

func (r *claimDueRow) delivery() outreach.Delivery {
	return outreach.Delivery{ID: r.ID, Campaign: r.Campaign, Category: r.Category, ContactID: r.ContactID,
		AccountID: r.AccountID, Occurrence: r.Occurrence, EventID: r.EventID, State: outreach.DeliveryPlanned,
		DueAt: fromMs(r.DueAt), NotBefore: fromMs(r.NotBefore), CreatedAt: fromMs(r.CreatedAt)}
}

// claimSlotRow is a reservation of a contact or an account.
type claimSlotRow struct {
	ID         string `db:"id"`
	Owner      int64  `db:"owner"`
	Campaign   string `db:"campaign"`
	Category   string `db:"category"`
	At         int64  `db:"reserved_at"`
	Recipient  string `db:"recipient"` // account history only; "" otherwise
	Occurrence string `db:"occurrence"`
}

func (r *claimSlotRow) reservation() outreach.Reservation {
	return outreach.Reservation{DeliveryID: r.ID, Campaign: r.Campaign, Category: r.Category, At: fromMs(r.At), Recipient: r.Recipient,
		Reminder: outreach.IsReminder(r.Occurrence)}
}

// ClaimDue claims up to c.Limit contacts with deliveries due at c.Now and,
// in the same transaction, reads each one's due deliveries, history,
// account survey reservations and suppressions, calls decide once per
// contact, and writes every outcome with its decision row. It returns the
// deliveries reserved (sending, claimed by c.ProcessID) with what rendering
// needs, and how many contacts it claimed (0: nothing due or every due
// contact is held by another dispatcher).
func (db *DB) ClaimDue(ctx context.Context, c outreach.DispatchClaim, decide func(*outreach.DueContact) []outreach.DispatchOutcome) ([]outreach.ReservedDelivery, int, error) {
	if c.Limit <= 0 {
		return nil, 0, fmt.Errorf("claim deliveries: limit %d must be positive", c.Limit)
	}
	var reserved []outreach.ReservedDelivery
	claimed := 0
	err := db.inTx(ctx, "claim deliveries", func(tx *sqlx.Tx, _ time.Time) error {
		read, err := db.readDue(ctx, tx, c)
		if err != nil || len(read.contacts) == 0 {
			return err
		}
		// After the due deliveries were read: a delivery planned with a
		// pack was committed after it, so this read sees that pack.
		if err := db.checkPackVersion(ctx, tx, c.PackVersion); err != nil {
			return err
		}
		claimed = len(read.contacts)
		var outcomes []outreach.DispatchOutcome
		for _, d := range read.contacts {
			if len(d.Due) == 0 {
				continue // decided by the previous holder of the lock
			}
			outcomes = append(outcomes, decide(d)...)
		}
		if err := db.writeOutcomes(ctx, tx, c, outcomes); err != nil {
			return err
		}
		reserved, err = read.reserved(c, outcomes)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return reserved, claimed, nil
}

// claimRead is what a claim read under its locks.
type claimRead struct {
	contacts []*outreach.DueContact
	rows     map[int64]*claimRow     // contact id -> contact and account
	due      map[string]*claimDueRow // delivery id -> due delivery
}

// reserved returns the deliveries that outcomes reserved, as they now are
// in the database (sending, claimed by c.ProcessID, reserved at c.Now),
// with what rendering needs, ordered by id.
func (r *claimRead) reserved(c outreach.DispatchClaim, outcomes []outreach.DispatchOutcome) ([]outreach.ReservedDelivery, error) {
	var out []outreach.ReservedDelivery
	now := fromMs(ms(c.Now))
	for _, o := range outcomes {
		if o.Decision.Decision != outreach.DecisionSent {
			continue
		}
		due := r.due[o.DeliveryID]
		row := r.rows[due.ContactID]
		d := due.delivery()
		d.State, d.ReservedAt, d.ClaimedBy = outreach.DeliverySending, &now, c.ProcessID
		rd := outreach.ReservedDelivery{Delivery: d, Contact: row.contact(), Account: row.account(),
			ExpiresAt: fromMs(due.ExpiresAt), Attempts: due.Attempts, OwnerName: row.OwnerName}
		if !o.ExpiresAt.IsZero() {
			rd.ExpiresAt = fromMs(ms(o.ExpiresAt))
		}
		if due.Properties.Valid && due.Properties.String != "" {
			if err := unmarshalNumbers(due.Properties.String, &rd.EventProperties); err != nil {
				return nil, fmt.Errorf("load reserved deliveries: event %s properties: %w", d.EventID, err)
			}
		}
		out = append(out, rd)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Delivery.ID < out[j].Delivery.ID })
	return out, nil
}

// readDue locks the claimed contacts (and accounts) and reads everything
// decide needs, in a fixed number of statements whatever the batch size.
func (db *DB) readDue(ctx context.Context, tx *sqlx.Tx, c outreach.DispatchClaim) (*claimRead, error) {
	now := ms(c.Now)
	// On PostgreSQL the candidates are an array that the contacts' primary
	// key is probed with: as an IN subquery the planner hashed them and
	// scanned contacts from the start, through every contact claimed
	// before (15 ms per claim halfway through 100,000 contacts; 1.4 ms).
	candidates := `SELECT contact_id FROM deliveries` + db.indexedBy("deliveries_due_contact") + `
		WHERE state = 'planned' AND not_before <= ? ORDER BY not_before LIMIT ?`
	where, lock := `c.id IN (`+candidates+`)`, ""
	if db.postgres() {
		where, lock = `c.id = ANY(ARRAY(`+candidates+`))`, " FOR UPDATE OF c SKIP LOCKED"
	}
	var rows []claimRow
	q := db.rebind(`SELECT ` + contactCols + ` FROM contacts c JOIN accounts a ON a.id = c.account_id` + ownerJoin + ` WHERE ` + where + `
		LIMIT ?` + lock)
	if err := db.txSelect(ctx, tx, &rows, q, now, c.Limit*claimWindowFactor, c.Limit); err != nil {
		return nil, err
	}
	read := &claimRead{rows: make(map[int64]*claimRow, len(rows))}
	if len(rows) == 0 {
		return read, nil
	}
	byID := make(map[int64]*outreach.DueContact, len(rows))
	ids := make([]int64, 0, len(rows))
	accounts := map[int64]bool{} // of contacts with a survey due
	hashes := make(map[string][]*outreach.DueContact, len(rows))
	for i := range rows {
		d := &outreach.DueContact{Contact: rows[i].contact(), Account: rows[i].account()}
		byID[rows[i].ID] = d
		read.rows[rows[i].ID] = &rows[i]
		ids = append(ids, rows[i].ID)
		h := EmailHash(rows[i].Email)
		hashes[h] = append(hashes[h], d)
		read.contacts = append(read.contacts, d)
	}
	var due []claimDueRow
	q = db.rebind(`SELECT d.id, d.campaign, d.category, d.contact_id, d.account_id, d.occurrence, d.event_id,
		d.due_at, d.not_before, d.created_at, d.expires_at, d.attempts, e.properties
		FROM deliveries d` + db.indexedBy("deliveries_contact_reserved") + ` LEFT JOIN events e ON e.id = d.event_id
		WHERE d.state = 'planned' AND d.not_before <= ? AND ` + db.anyInt("d.contact_id") + ` ORDER BY d.due_at, d.id`)
	if err := db.txSelect(ctx, tx, &due, q, now, db.intsArg(ids)); err != nil {
		return nil, fmt.Errorf("read due deliveries: %w", err)
	}
	read.due = make(map[string]*claimDueRow, len(due))
	for i := range due {
		d := byID[due[i].ContactID]
		d.Due = append(d.Due, due[i].delivery())
		read.due[due[i].ID] = &due[i]
		if due[i].Category == outreach.CategorySurvey {
			accounts[d.Account.ID] = true
		}
	}
	// Only surveys count against the account cap: the accounts of contacts
	// with a survey due are locked and their survey history read. The due
	// deliveries of a locked contact cannot change, so reading them first
	// is safe; the history is read after the locks.
	accIDs := keys(accounts)
	if c.AccountWindow > 0 && db.postgres() && len(accIDs) > 0 {
		var locked []int64
		q := db.rebind(`SELECT id FROM accounts WHERE ` + db.anyInt("id") + ` ORDER BY id FOR UPDATE`)
		if err := db.txSelect(ctx, tx, &locked, q, db.intsArg(accIDs)); err != nil {
			return nil, fmt.Errorf("lock accounts: %w", err)
		}
	}
	if err := db.readHistory(ctx, tx, c, ids, accIDs, read.contacts, byID); err != nil {
		return nil, err
	}
	if err := db.readSuppressions(ctx, tx, hashes); err != nil {
		return nil, err
	}
	// Campaign pauses are read in the claim transaction, so a pause binds
	// every replica from its commit on.
	paused, err := db.campaignPauses(ctx, tx)
	if err != nil {
		return nil, err
	}
	for _, d := range read.contacts {
		d.Paused = paused
	}
	return read, nil
}

// readHistory reads the contacts' reservations within ContactWindow and
// the survey reservations within AccountWindow of accIDs, the accounts of
// contacts with a survey due, each with its recipient's email address
// (the account cap's reason names who took each survey).
func (db *DB) readHistory(ctx context.Context, tx *sqlx.Tx, c outreach.DispatchClaim, ids, accIDs []int64, out []*outreach.DueContact, byID map[int64]*outreach.DueContact) error {
	if c.ContactWindow > 0 {
		var slots []claimSlotRow
		q := db.historyQuery("contact_id", "", false)
		if err := db.txSelect(ctx, tx, &slots, q, ms(c.Now.Add(-c.ContactWindow)), db.intsArg(ids)); err != nil {
			return fmt.Errorf("read contact history: %w", err)
		}
		for i := range slots {
			d := byID[slots[i].Owner]
			d.History = append(d.History, slots[i].reservation())
		}
	}
	if c.AccountWindow > 0 && len(accIDs) > 0 {
		var slots []claimSlotRow
		q := db.historyQuery("account_id", "category = 'survey' AND ", true)
		if err := db.txSelect(ctx, tx, &slots, q, ms(c.Now.Add(-c.AccountWindow)), db.intsArg(accIDs)); err != nil {
			return fmt.Errorf("read account history: %w", err)
		}
		byAccount := map[int64][]outreach.Reservation{}
		for i := range slots {
			byAccount[slots[i].Owner] = append(byAccount[slots[i].Owner], slots[i].reservation())
		}
		for _, d := range out {
			d.AccountSurveys = byAccount[d.Account.ID]
		}
	}
	return nil
}

// historyQuery reads the reservations (sending, sent) since a time
// (first parameter) of a list of owners (second parameter: contact or
// account ids, column owner), with an extra condition on the deliveries
// columns. With recipient, each row carries the email address of its
// contact (column recipient, "" if the contact is gone), looked up in
// contacts by primary key row by row, whatever the plan; otherwise
// recipient is "".
//
// On PostgreSQL it looks each owner up in the (owner, reserved_at) index
// in turn. Written plainly, the planner may pick another index when its
// statistics were taken while few deliveries were reserved (after a reset,
// or before the first sends): reserved_at then looks all NULL and the
// partial index on sending and sent rows empty, and a scan of either looks
// free; it reads every reservation of the window, for each claim, as they
// grow. The lateral subquery (kept apart by OFFSET 0) leaves one lookup per
// owner, and appending an empty string to state keeps the partial index
// out. The contacts are looked up outside it, so that the lookup stays as
// it is.
func (db *DB) historyQuery(owner, extra string, recipient bool) string {
	email := `''`
	if recipient {
		email = `COALESCE((SELECT c.email FROM contacts c WHERE c.id = h.contact_id), '')`
	}
	if !db.postgres() {
		// The (owner, reserved_at) index reads only the window (see
		// indexedBy).
		index := "deliveries_" + strings.TrimSuffix(owner, "_id") + "_reserved"
		return `SELECT h.id, h.` + owner + ` AS owner, h.campaign, h.category, h.reserved_at, h.occurrence, ` + email + ` AS recipient
			FROM deliveries h` + db.indexedBy(index) + ` WHERE ` + extra + `h.state IN ('sending', 'sent') AND h.reserved_at >= ? AND ` + db.anyInt("h."+owner)
	}
	return `SELECT h.id, o.id AS owner, h.campaign, h.category, h.reserved_at, h.occurrence, ` + email + ` AS recipient
		FROM unnest(CAST($2 AS bigint[])) AS o(id) CROSS JOIN LATERAL (
			SELECT id, contact_id, campaign, category, reserved_at, occurrence FROM deliveries
			WHERE ` + owner + ` = o.id AND reserved_at >= $1 AND ` + extra + `(state || '') IN ('sending', 'sent')
			OFFSET 0) AS h`
}

// readSuppressions attaches the suppressions of each claimed address.
func (db *DB) readSuppressions(ctx context.Context, tx *sqlx.Tx, hashes map[string][]*outreach.DueContact) error {
	sups, err := db.suppressionsOf(ctx, tx, keys(hashes))
	if err != nil {
		return err
	}
	for h, ss := range sups {
		for _, d := range hashes[h] {
			for _, s := range ss {
				s.Email = d.Contact.Email
				d.Suppressions = append(d.Suppressions, s)
			}
		}
	}
	return nil
}
