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
			if db.postgres() {
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
	return col + db.pick(" IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb)))",
		" IN (SELECT value FROM json_each(?))")
}

// inInt is inText for integer columns.
func (db *DB) inInt(col string) string {
	return col + db.pick(" IN (SELECT CAST(jsonb_array_elements_text(CAST(? AS jsonb)) AS bigint))",
		" IN (SELECT value FROM json_each(?))")
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

// The two dialects in the store's files. A query whose text differs
// between PostgreSQL and SQLite writes its two forms side by side where it
// is built, PostgreSQL first, through pick; a step that exists on
// PostgreSQL only (row locks and their order, sequences drawn ahead, table
// statistics, leader election, pool sizing: SQLite serialises its one
// connection) is guarded by postgres. Apart from the connection setup in
// db.go, this file and the files still to convert (TestDialectInOnePlace
// lists them), no store file compares db.dialect.

// pick returns the PostgreSQL or the SQLite form of a query or fragment.
func (db *DB) pick(postgres, sqlite string) string {
	if db.dialect == Postgres {
		return postgres
	}
	return sqlite
}

// postgres reports whether db is PostgreSQL, for steps only it has.
func (db *DB) postgres() bool { return db.dialect == Postgres }

// rebind converts a '?' query to the dialect's bind style.
func (db *DB) rebind(q string) string {
	if db.postgres() {
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
	return db.pick("strpos("+col+", CAST(? AS text)) > 0",
		"instr("+col+", ?) > 0")
}
