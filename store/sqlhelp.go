package store

import (
	"context"
	"database/sql"
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
// db.go and this file, no store file compares db.dialect
// (TestDialectInOnePlace).

// pick returns the PostgreSQL or the SQLite form of a query or fragment.
func (db *DB) pick(postgres, sqlite string) string {
	if db.dialect == Postgres {
		return postgres
	}
	return sqlite
}

// postgres reports whether db is PostgreSQL, for steps only it has.
func (db *DB) postgres() bool { return db.dialect == Postgres }

// indexedBy returns " INDEXED BY index" on SQLite and "" on PostgreSQL,
// to follow a table name. SQLite plans without statistics (the store never
// runs ANALYZE) and, given "state = 'planned'" or "state IN (...)", takes
// the index on deliveries.state (00005, for /metrics) over a narrower
// one: it then reads every planned, or every sent, delivery. The hot
// statements of the dispatcher name their index instead; a missing index
// is an error, not a silent scan. PostgreSQL plans by its statistics.
func (db *DB) indexedBy(index string) string {
	return db.pick("", " INDEXED BY "+index)
}

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

// txSelect is tx.SelectContext for the dispatcher's reads and writes. No
// statement is prepared by name, in a transaction or out of one: a pooler
// in transaction mode (PgBouncer) gives each transaction whichever server
// connection is free, where a statement prepared before does not exist
// (or one of the same name is another client's). With binary_parameters
// (see pgDSN) lib/pq sends an unnamed statement and its parameters in one
// round trip, as a prepared statement did. q is in the dialect's bind
// style.
func (db *DB) txSelect(ctx context.Context, tx *sqlx.Tx, dest any, q string, args ...any) error {
	return tx.SelectContext(ctx, dest, q, args...)
}

// anyInt is a condition "col is one of a list of ids" whose list is one
// parameter (see intsArg). On PostgreSQL it is "= ANY(bigint[])", which
// the planner estimates from the array and serves from an index on col;
// a set-returning function in IN is estimated at 100 rows and may lead it
// to scan instead.
func (db *DB) anyInt(col string) string {
	if db.dialect == Postgres {
		return col + " = ANY(CAST(? AS bigint[]))"
	}
	return db.inInt(col)
}

// intsArg encodes ids for anyInt.
func (db *DB) intsArg(ids []int64) string {
	if db.dialect != Postgres {
		return jsonArray(ids)
	}
	return intArray(ids)
}

// anyText is anyInt for text columns (see textsArg).
func (db *DB) anyText(col string) string {
	if db.dialect == Postgres {
		return col + " = ANY(CAST(? AS text[]))"
	}
	return db.inText(col)
}

// textsArg encodes strings for anyText: a PostgreSQL array literal with
// every element quoted, or a JSON array on SQLite.
func (db *DB) textsArg(vals []string) string {
	if db.dialect != Postgres {
		return jsonArray(vals)
	}
	return textArray(vals)
}

// textArray encodes strings as a PostgreSQL array literal, every element
// quoted.
func textArray(vals []string) string {
	size := 2
	for _, v := range vals {
		size += len(v) + 3
	}
	var b strings.Builder
	b.Grow(size)
	b.WriteByte('{')
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for j := 0; j < len(v); j++ {
			if v[j] == '"' || v[j] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(v[j])
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// intArray encodes integers as a PostgreSQL array literal.
func intArray(vals []int64) string {
	b := make([]byte, 0, 2+len(vals)*14)
	b = append(b, '{')
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, v, 10)
	}
	return string(append(b, '}'))
}

// nullIntArray encodes nullable integers as a PostgreSQL array literal.
func nullIntArray(vals []sql.NullInt64) string {
	b := make([]byte, 0, 2+len(vals)*14)
	b = append(b, '{')
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		if v.Valid {
			b = strconv.AppendInt(b, v.Int64, 10)
		} else {
			b = append(b, "NULL"...)
		}
	}
	return string(append(b, '}'))
}
