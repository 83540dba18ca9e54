// Package ingest decodes the data that customers feed outreach — accounts,
// contacts, events, team members and suppressions — from JSON arrays (the
// HTTP API) and from CSV files (outreach import), validates every field and
// collects every problem into one *outreach.BatchError.
//
// Both formats go through the same path:
//
//	JSON object ─┐
//	             ├─> item (string values by field name, extras, object field) ─> build<Kind> ─> Batch
//	CSV row ─────┘
//
// so a field means the same thing whichever way it arrives: JSON names are
// CSV headers (which match in any case), an empty cell, a JSON null or an
// absent field is unset, and values are trimmed of surrounding white space.
// Times and dates must fall in the years outreach.MinYear to
// outreach.MaxYear, and no string, key or nested value may hold a NUL
// character, which PostgreSQL cannot store. Unknown fields of accounts
// and contacts become attributes; unknown columns of an events file become
// properties; unknown JSON fields of events, and unknown fields of team
// members and suppressions, are errors.
//
// Decoding returns the valid items and a *outreach.BatchError listing the
// invalid ones: callers that need atomic batches reject the whole batch on
// any error, and `outreach import --skip-invalid` writes the valid items.
// For JSON the error index is the 0-based position in the array; for CSV it
// is the line number in the file (the header is line 1) and the field is the
// column name. References to accounts and contacts are the store's to check
// when it writes; CheckRefs looks them up for a batch that decoding refused,
// so that one answer lists every problem.
package ingest
