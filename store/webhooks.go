package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

var _ outreach.WebhookStore = (*DB)(nil)

// CreateWebhook implements outreach.WebhookStore.
func (db *DB) CreateWebhook(ctx context.Context, e outreach.WebhookEndpoint) error {
	events, err := json.Marshal(e.Events)
	if err != nil {
		return err
	}
	return db.inTx(ctx, "create webhook", func(tx *sqlx.Tx, now time.Time) error {
		_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO webhook_endpoints (id, url, events, secret, created_at) VALUES (?, ?, ?, ?, ?)`),
			e.ID, e.URL, string(events), e.Secret, ms(now))
		return err
	})
}

type endpointRow struct {
	ID        string `db:"id"`
	URL       string `db:"url"`
	Events    string `db:"events"`
	Secret    string `db:"secret"`
	CreatedAt int64  `db:"created_at"`
}

func (r endpointRow) endpoint() outreach.WebhookEndpoint {
	e := outreach.WebhookEndpoint{ID: r.ID, URL: r.URL, CreatedAt: fromMs(r.CreatedAt), Secret: r.Secret}
	_ = json.Unmarshal([]byte(r.Events), &e.Events) // written by CreateWebhook
	return e
}

// Webhooks implements outreach.WebhookStore.
func (db *DB) Webhooks(ctx context.Context) ([]outreach.WebhookEndpoint, error) {
	var rows []endpointRow
	if err := db.db.SelectContext(ctx, &rows, `SELECT id, url, events, secret, created_at FROM webhook_endpoints ORDER BY created_at, id`); err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	out := make([]outreach.WebhookEndpoint, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.endpoint())
	}
	return out, nil
}

// DeleteWebhook implements outreach.WebhookStore: the endpoint and its
// pending messages go.
func (db *DB) DeleteWebhook(ctx context.Context, id string) error {
	return db.inTx(ctx, "delete webhook", func(tx *sqlx.Tx, _ time.Time) error {
		r, err := tx.ExecContext(ctx, db.rebind(`DELETE FROM webhook_endpoints WHERE id = ?`), id)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return outreach.Errorf(outreach.ENOTFOUND, "no webhook %q", id)
		}
		_, err = tx.ExecContext(ctx, db.rebind(`DELETE FROM webhook_messages WHERE endpoint_id = ? AND state = 'pending'`), id)
		return err
	})
}

type messageRow struct {
	ID          string        `db:"id"`
	EndpointID  string        `db:"endpoint_id"`
	Type        string        `db:"type"`
	Body        string        `db:"body"`
	State       string        `db:"state"`
	Attempts    int           `db:"attempts"`
	LastStatus  int           `db:"last_status"`
	LastError   string        `db:"last_error"`
	NextAt      int64         `db:"next_at"`
	CreatedAt   int64         `db:"created_at"`
	DeliveredAt sql.NullInt64 `db:"delivered_at"`
	URL         string        `db:"url"`
	Secret      string        `db:"secret"`
}

func (r messageRow) message() outreach.WebhookMessage {
	m := outreach.WebhookMessage{ID: r.ID, EndpointID: r.EndpointID, Type: r.Type, State: r.State, Attempts: r.Attempts,
		LastStatus: r.LastStatus, LastError: r.LastError, CreatedAt: fromMs(r.CreatedAt), DeliveredAt: fromNullMs(r.DeliveredAt),
		Body: []byte(r.Body), URL: r.URL, Secret: r.Secret}
	if r.State == outreach.WebhookPending {
		t := fromMs(r.NextAt)
		m.NextAt = &t
	}
	return m
}

// WebhookDeliveries implements outreach.WebhookStore.
func (db *DB) WebhookDeliveries(ctx context.Context, id string, limit int) ([]outreach.WebhookMessage, error) {
	var n int
	if err := db.db.GetContext(ctx, &n, db.rebind(`SELECT COUNT(*) FROM webhook_endpoints WHERE id = ?`), id); err != nil {
		return nil, fmt.Errorf("webhook deliveries: %w", err)
	}
	if n == 0 {
		return nil, outreach.Errorf(outreach.ENOTFOUND, "no webhook %q", id)
	}
	var rows []messageRow
	if err := db.db.SelectContext(ctx, &rows, db.rebind(`SELECT id, endpoint_id, type, body, state, attempts, last_status, last_error,
		next_at, created_at, delivered_at, '' AS url, '' AS secret FROM webhook_messages WHERE endpoint_id = ?
		ORDER BY created_at DESC, id DESC LIMIT ?`), id, limit); err != nil {
		return nil, fmt.Errorf("webhook deliveries: %w", err)
	}
	out := make([]outreach.WebhookMessage, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.message())
	}
	return out, nil
}

// ClaimWebhookMessages implements outreach.WebhookStore.
func (db *DB) ClaimWebhookMessages(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]outreach.WebhookMessage, error) {
	var out []outreach.WebhookMessage
	err := db.inTx(ctx, "claim webhook messages", func(tx *sqlx.Tx, _ time.Time) error {
		out = out[:0]
		var rows []messageRow
		if err := tx.SelectContext(ctx, &rows, db.rebind(`SELECT m.id, m.endpoint_id, m.type, m.body, m.state, m.attempts, m.last_status,
			m.last_error, m.next_at, m.created_at, m.delivered_at, e.url, e.secret
			FROM webhook_messages m JOIN webhook_endpoints e ON e.id = m.endpoint_id
			WHERE m.state = 'pending' AND m.next_at <= ? ORDER BY m.next_at, m.id LIMIT ?`+db.lockRows("FOR UPDATE OF m SKIP LOCKED")),
			ms(now), limit); err != nil {
			return err
		}
		ids := make([]string, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
			out = append(out, r.message())
		}
		if len(ids) == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, db.rebind(`UPDATE webhook_messages SET next_at = ? WHERE `+db.inText("id")), ms(now.Add(lease)), jsonArray(ids))
		return err
	})
	return out, err
}

// FinishWebhookMessages implements outreach.WebhookStore: one UPDATE per
// chunk of attempts, in one transaction. Only messages still pending
// change (a message deleted with its endpoint meanwhile stays deleted).
func (db *DB) FinishWebhookMessages(ctx context.Context, now time.Time, attempts []outreach.WebhookAttempt) error {
	if len(attempts) == 0 {
		return nil
	}
	return db.inTx(ctx, "finish webhook messages", func(tx *sqlx.Tx, _ time.Time) error {
		for start := 0; start < len(attempts); start += chunkRows {
			chunk := attempts[start:min(start+chunkRows, len(attempts))]
			args := []any{ms(now)}
			for _, a := range chunk {
				var retry sql.NullInt64
				if a.Err != "" && !a.RetryAt.IsZero() {
					retry = sql.NullInt64{Int64: ms(a.RetryAt), Valid: true}
				}
				args = append(args, a.ID, a.Status, a.Err, retry)
			}
			q := db.rebind(`UPDATE webhook_messages SET
				state = CASE WHEN v.column3 = '' THEN 'delivered' WHEN v.column4 IS NULL THEN 'failed' ELSE 'pending' END,
				attempts = attempts + 1, last_status = v.column2, last_error = v.column3,
				delivered_at = CASE WHEN v.column3 = '' THEN ? ELSE delivered_at END,
				next_at = COALESCE(v.column4, next_at)
				FROM (VALUES ` + castValues(len(chunk), "TEXT", "INTEGER", "TEXT", "BIGINT") + `) AS v
				WHERE webhook_messages.id = v.column1 AND webhook_messages.state = 'pending'`)
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// webhookEvent is one event for the outgoing webhooks.
type webhookEvent struct {
	typ  string
	data any
	at   time.Time
}

// emitWebhook queues one event (see emitWebhooks).
func (db *DB) emitWebhook(ctx context.Context, tx *sqlx.Tx, typ string, data any, at time.Time) error {
	return db.emitWebhooks(ctx, tx, []webhookEvent{{typ, data, at}}, at)
}

// emitWebhooks queues each event for every endpoint subscribed to its
// type, in tx: the events and their messages commit or roll back together.
// Without endpoints it costs one small query.
func (db *DB) emitWebhooks(ctx context.Context, tx *sqlx.Tx, events []webhookEvent, now time.Time) error {
	if len(events) == 0 {
		return nil
	}
	var rows []endpointRow
	if err := tx.SelectContext(ctx, &rows, `SELECT id, url, events, secret, created_at FROM webhook_endpoints`); err != nil {
		return fmt.Errorf("webhook endpoints: %w", err)
	}
	for _, r := range rows {
		subscribed := r.endpoint().Events
		for _, e := range events {
			if !slices.Contains(subscribed, e.typ) {
				continue
			}
			body, err := json.Marshal(map[string]any{"type": e.typ, "timestamp": e.at.UTC().Format(time.RFC3339Nano), "data": e.data})
			if err != nil {
				return fmt.Errorf("webhook %s: %w", e.typ, err)
			}
			if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO webhook_messages (id, endpoint_id, type, body, state, next_at, created_at)
				VALUES (?, ?, ?, ?, 'pending', ?, ?)`), "msg_"+uuid.NewString(), r.ID, e.typ, string(body), ms(now), ms(now)); err != nil {
				return err
			}
		}
	}
	return nil
}
