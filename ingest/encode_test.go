package ingest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"time"
)

// This file re-encodes decoded batches in the input formats, so that the
// fuzz tests can check that decoding is stable: decode(encode(b)) == b.

func fmtTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// fieldsOf returns the scalar fields and the object field of item i.
func fieldsOf(b *Batch, i int) (map[string]string, map[string]any) {
	switch b.Kind {
	case Accounts:
		a := b.Accounts[i]
		return map[string]string{"external_id": a.ExternalID, "name": a.Name, "owner_email": a.OwnerEmail,
			"plan": a.Plan, "timezone": a.Timezone, "started_at": fmtTime(a.StartedAt),
			"renewal_date": a.RenewalDate, "paused_until": fmtTime(a.PausedUntil)}, a.Attributes
	case Contacts:
		c := b.Contacts[i]
		return map[string]string{"external_id": c.ExternalID, "account_external_id": c.AccountExternalID,
			"email": c.Email, "name": c.Name, "role": c.Role, "locale": c.Locale, "timezone": c.Timezone,
			"last_seen_at": fmtTime(c.LastSeenAt), "status": c.Status}, c.Attributes
	case Events:
		e := b.Events[i]
		return map[string]string{"id": e.ID, "type": e.Type, "contact_external_id": e.ContactExternalID,
			"account_external_id": e.AccountExternalID, "occurred_at": fmtTime(&e.OccurredAt)}, e.Properties
	case Team:
		m := b.Team[i]
		return map[string]string{"email": m.Email, "name": m.Name, "timezone": m.Timezone,
			"digest_schedule": m.DigestSchedule, "console_role": m.ConsoleRole, "locale": m.Locale}, nil
	case Suppressions:
		s := b.Suppressions[i]
		return map[string]string{"email": s.Email, "scope": s.Scope, "reason": s.Reason}, nil
	}
	return nil, nil
}

func encodeJSON(b *Batch) ([]byte, error) {
	sc := schemas[b.Kind]
	items := make([]map[string]any, b.Len())
	for i := range items {
		vals, obj := fieldsOf(b, i)
		m := map[string]any{}
		for k, v := range vals {
			if v != "" {
				m[k] = v
			}
		}
		if len(obj) > 0 {
			m[sc.object] = obj
		}
		items[i] = m
	}
	return json.Marshal(items)
}

func encodeCSV(b *Batch) ([]byte, error) {
	sc := schemas[b.Kind]
	header := append([]string(nil), sc.fields...)
	if sc.object != "" {
		header = append(header, sc.object)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(header); err != nil {
		return nil, err
	}
	for i := 0; i < b.Len(); i++ {
		vals, obj := fieldsOf(b, i)
		row := make([]string, len(header))
		for j, f := range sc.fields {
			row[j] = vals[f]
		}
		if len(obj) > 0 {
			o, err := json.Marshal(obj)
			if err != nil {
				return nil, err
			}
			row[len(row)-1] = string(o)
		}
		if err := w.Write(row); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}
