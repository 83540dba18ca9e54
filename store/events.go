package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

// contactRef is what an event needs to know about its contact.
type contactRef struct {
	ID        int64
	AccountID int64
}

// InsertEvents stores events in one transaction: one lookup of the
// referenced contacts, one of the referenced accounts, then multi-row
// INSERT ... ON CONFLICT (id) DO NOTHING RETURNING id per 1,000 events. A
// known id (in the database or earlier in the batch) is a duplicate and
// changes nothing. contact.active events move their contact's last_seen_at
// forward to occurred_at; NoTrigger events are stored as already planned,
// at 0 (the epoch: history that was never planned, as the timeline says).
func (db *DB) InsertEvents(ctx context.Context, items []outreach.Event) (outreach.BatchResult, error) {
	var res outreach.BatchResult
	err := db.inBatchTx(ctx, "insert events", func(tx *sqlx.Tx, now time.Time) error {
		contactExt := map[string]contactRef{}
		accountExt := map[string]int64{}
		for _, e := range items {
			if e.ContactExternalID != "" {
				contactExt[e.ContactExternalID] = contactRef{}
			}
			if e.AccountExternalID != "" {
				accountExt[e.AccountExternalID] = 0
			}
		}
		if err := db.resolveRefs(ctx, tx, contactExt, accountExt); err != nil {
			return err
		}
		rows, err := resolveEvents(items, contactExt, accountExt)
		if err != nil {
			return err
		}
		// On PostgreSQL the events are inserted in id order, so that
		// concurrent batches wait for each other's new events in one
		// order and never deadlock, but numbered (seq, the planner's
		// order) in batch order all the same (see newIDs).
		seqs, err := db.newIDs(ctx, tx, "events", "seq", len(rows))
		if err != nil {
			return err
		}
		for i := range rows {
			rows[i].Seq = 0 // the store numbers events, never the caller
			if seqs != nil {
				rows[i].Seq = seqs[i]
			}
		}
		if seqs != nil {
			slices.SortFunc(rows, func(a, b outreach.Event) int { return strings.Compare(a.ID, b.ID) })
		}
		created := 0
		seen := make(map[int64]int64) // contact id -> latest contact.active
		for start := 0; start < len(rows); start += chunkRows {
			chunk := rows[start:min(start+chunkRows, len(rows))]
			ids, err := db.insertEventChunk(ctx, tx, chunk, now)
			if err != nil {
				return err
			}
			created += len(ids)
			for _, e := range chunk {
				if e.Type == outreach.EventContactActive && e.ContactID != 0 && ids[e.ID] {
					if t := ms(e.OccurredAt); t > seen[e.ContactID] {
						seen[e.ContactID] = t
					}
				}
			}
		}
		res.Created = created
		res.Duplicates = len(items) - created
		return db.moveLastSeen(ctx, tx, seen, now)
	})
	return res, err
}

// resolveRefs fills the row ids of the referenced contacts and accounts;
// unknown external ids are deleted from the maps.
func (db *DB) resolveRefs(ctx context.Context, tx *sqlx.Tx, contacts map[string]contactRef, accounts map[string]int64) error {
	if len(contacts) > 0 {
		q := db.rebind(`SELECT external_id, id, account_id FROM contacts WHERE ` + db.inText("external_id"))
		rows, err := tx.QueryContext(ctx, q, jsonArray(keys(contacts)))
		if err != nil {
			return err
		}
		found := map[string]contactRef{}
		for rows.Next() {
			var ext string
			var c contactRef
			if err := rows.Scan(&ext, &c.ID, &c.AccountID); err != nil {
				rows.Close()
				return err
			}
			found[ext] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		clear(contacts)
		for k, v := range found {
			contacts[k] = v
		}
	}
	if len(accounts) > 0 {
		found, err := db.accountIDs(ctx, tx, keys(accounts), "")
		if err != nil {
			return err
		}
		clear(accounts)
		for k, v := range found {
			accounts[k] = v
		}
	}
	return nil
}

// resolveEvents validates the batch against the resolved references and
// fills ContactID and AccountID; it returns a *BatchError listing every
// invalid item. Events repeated in the batch keep their first occurrence.
func resolveEvents(items []outreach.Event, contacts map[string]contactRef, accounts map[string]int64) ([]outreach.Event, error) {
	var bad outreach.BatchError
	out := make([]outreach.Event, 0, len(items))
	inBatch := make(map[string]bool, len(items))
	for i, e := range items {
		e.ID = strings.TrimSpace(e.ID)
		if bad.AddFirst(i, e.Validate()) {
			continue
		}
		e.ContactID, e.AccountID = 0, 0
		if e.ContactExternalID != "" {
			c, ok := contacts[e.ContactExternalID]
			if !ok {
				bad.Add(i, "contact_external_id", "%s", outreach.UnknownContact(e.ContactExternalID))
				continue
			}
			e.ContactID, e.AccountID = c.ID, c.AccountID
		}
		if e.AccountExternalID != "" {
			a, ok := accounts[e.AccountExternalID]
			switch {
			case !ok:
				bad.Add(i, "account_external_id", "%s", outreach.UnknownAccount(e.AccountExternalID))
				continue
			case e.ContactID != 0 && a != e.AccountID:
				bad.Add(i, "account_external_id", "%s", outreach.ForeignAccount(e.ContactExternalID, e.AccountExternalID))
				continue
			}
			e.AccountID = a
		}
		if inBatch[e.ID] {
			continue
		}
		inBatch[e.ID] = true
		out = append(out, e)
	}
	return out, bad.Err()
}

// insertEventChunk inserts up to chunkRows events and returns the ids it
// created (the others were known).
func (db *DB) insertEventChunk(ctx context.Context, tx *sqlx.Tx, chunk []outreach.Event, now time.Time) (map[string]bool, error) {
	const cols = 9
	args := make([]any, 0, len(chunk)*cols)
	for _, e := range chunk {
		var props any
		if e.Properties != nil {
			b, err := json.Marshal(e.Properties)
			if err != nil {
				return nil, fmt.Errorf("event %s properties: %w", e.ID, err)
			}
			props = string(b)
		}
		var contact, planned any
		if e.ContactID != 0 {
			contact = e.ContactID
		}
		if e.NoTrigger {
			planned = int64(0) // marked planned at the epoch: history, never planned (the timeline says so)
		}
		args = append(args, nullID(e.Seq), e.ID, e.Type, contact, e.AccountID, ms(e.OccurredAt), props, ms(now), planned)
	}
	q := `INSERT INTO events (seq, id, type, contact_id, account_id, occurred_at, properties, ingested_at, planned_at)
		VALUES ` + db.values(len(chunk), cols) + ` ON CONFLICT (id) DO NOTHING RETURNING id`
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	created := make(map[string]bool, len(chunk))
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		created[id] = true
	}
	return created, rows.Err()
}

// moveLastSeen moves each contact's last_seen_at forward (never back) in
// one statement; seen maps contact id to epoch milliseconds.
func (db *DB) moveLastSeen(ctx context.Context, tx *sqlx.Tx, seen map[int64]int64, now time.Time) error {
	if len(seen) == 0 {
		return nil
	}
	pairs := make([][2]int64, 0, len(seen))
	ids := make([]int64, 0, len(seen))
	for id, t := range seen {
		pairs = append(pairs, [2]int64{id, t})
		ids = append(ids, id)
	}
	if db.postgres() {
		// Lock the contacts in id order first, as UpsertContacts does:
		// the UPDATE below would lock them in the order of its plan.
		slices.Sort(ids)
		var locked []int64
		q := `SELECT id FROM contacts WHERE ` + db.rebind(db.anyInt("id")) + ` ORDER BY id FOR NO KEY UPDATE`
		if err := tx.SelectContext(ctx, &locked, q, db.intsArg(ids)); err != nil {
			return err
		}
	}
	list := jsonArray(pairs)
	q := db.pick(
		`UPDATE contacts SET last_seen_at = v.t, updated_at = $2
			FROM (SELECT CAST(e->>0 AS bigint) AS id, CAST(e->>1 AS bigint) AS t
			      FROM jsonb_array_elements(CAST($1 AS jsonb)) AS e) AS v
			WHERE contacts.id = v.id AND (contacts.last_seen_at IS NULL OR contacts.last_seen_at < v.t)`,
		`UPDATE contacts SET last_seen_at = v.t, updated_at = ?2
			FROM (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS t
			      FROM json_each(?1)) AS v
			WHERE contacts.id = v.id AND (contacts.last_seen_at IS NULL OR contacts.last_seen_at < v.t)`)
	_, err := tx.ExecContext(ctx, q, list, ms(now))
	return err
}
