package store

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
)

// chunkRows caps the rows of one multi-row statement so that its
// parameters stay well under PostgreSQL's limit of 65,535.
const chunkRows = 1000

// values returns "(?, ?), (?, ?)" style placeholders for rows × cols,
// already in the dialect's bind style.
func (db *DB) values(rows, cols int) string {
	var b strings.Builder
	b.Grow(rows * cols * 6)
	n := 0
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := 0; c < cols; c++ {
			if c > 0 {
				b.WriteString(", ")
			}
			n++
			if db.dialect == Postgres {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(n))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

// inText returns a condition "col IN (list)" whose list is one parameter
// holding a JSON array of strings (see jsonArray).
func (db *DB) inText(col string) string {
	if db.dialect == Postgres {
		return col + " IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb)))"
	}
	return col + " IN (SELECT value FROM json_each(?))"
}

// inInt is inText for integer columns.
func (db *DB) inInt(col string) string {
	if db.dialect == Postgres {
		return col + " IN (SELECT CAST(jsonb_array_elements_text(CAST(? AS jsonb)) AS bigint))"
	}
	return col + " IN (SELECT value FROM json_each(?))"
}

// jsonArray encodes a list parameter for inText and inInt.
func jsonArray[T any](vals []T) string {
	if len(vals) == 0 {
		return "[]"
	}
	b, err := json.Marshal(vals)
	if err != nil {
		panic(err) // strings and integers always encode
	}
	return string(b)
}

// jsonText encodes an optional JSON document; nil is SQL NULL.
func jsonText(v map[string]any) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// parseJSON decodes an optional JSON object column.
func parseJSON(s *string) (map[string]any, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	var m map[string]any
	if err := unmarshalNumbers(*s, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// unmarshalNumbers decodes stored JSON keeping numbers as json.Number, so
// that 12345678901234567890 reaches a template or an API answer exactly as
// it was ingested (a float64 would print 1.2345678901234567e+19).
func unmarshalNumbers(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	return dec.Decode(v)
}

// indexedBy returns " INDEXED BY index" on SQLite and "" on PostgreSQL,
// to follow a table name. SQLite plans without statistics (the store never
// runs ANALYZE) and, given "state = 'planned'" or "state IN (...)", takes
// the index on deliveries.state (00005, for /metrics) over a narrower
// one: it then reads every planned, or every sent, delivery. The hot
// statements of the dispatcher name their index instead; a missing index
// is an error, not a silent scan. PostgreSQL plans by its statistics.
func (db *DB) indexedBy(index string) string {
	if db.dialect == Postgres {
		return ""
	}
	return " INDEXED BY " + index
}

// rebind converts a '?' query to the dialect's bind style.
func (db *DB) rebind(q string) string {
	if db.dialect == Postgres {
		return sqlx.Rebind(sqlx.DOLLAR, q)
	}
	return q
}

// keys returns the keys of a set in unspecified order.
func keys[K comparable, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// contains returns a condition "col contains the text of the parameter",
// literally (no LIKE wildcards).
func (db *DB) contains(col string) string {
	if db.dialect == Postgres {
		return "strpos(" + col + ", CAST(? AS text)) > 0"
	}
	return "instr(" + col + ", ?) > 0"
}
