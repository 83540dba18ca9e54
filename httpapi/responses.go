package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
)

// ResponseStore reads answers for the export (implemented by store.DB).
type ResponseStore interface {
	Responses(ctx context.Context, q outreach.ResponseQuery) ([]outreach.ResponseRow, error)
}

// Export page sizes.
const (
	DefaultResponsesLimit = 100
	MaxResponsesLimit     = 5000
)

// responsesBody is the JSON answer of GET /api/v1/responses.
type responsesBody struct {
	Responses  []outreach.ResponseRow `json:"responses"`
	NextCursor string                 `json:"next_cursor,omitempty"` // "" on the last page
}

// handleResponses answers GET /api/v1/responses?from=&to=&campaign=
// &account=&format=json|csv&cursor=&limit= (admin): the answers with their
// comments, oldest first, a page at a time. The cursor names the last row
// of the previous page, so answers recorded meanwhile are neither skipped
// nor repeated (a changed answer moves to its new time). CSV pages carry
// the next cursor in the X-Next-Cursor header.
func (s *Server) handleResponses(w http.ResponseWriter, r *http.Request) error {
	if s.Responses == nil {
		return outreach.Errorf(outreach.EINTERNAL, "responses are not configured on this server")
	}
	q := r.URL.Query()
	rq := outreach.ResponseQuery{Campaign: strings.TrimSpace(q.Get("campaign")), Account: strings.TrimSpace(q.Get("account")), Limit: DefaultResponsesLimit}
	var err error
	if rq.From, err = outreach.ParseTime(q.Get("from")); err != nil {
		return outreach.Errorf(outreach.EINVALID, "from: %v", err)
	}
	if rq.To, err = outreach.ParseTime(q.Get("to")); err != nil {
		return outreach.Errorf(outreach.EINVALID, "to: %v", err)
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxResponsesLimit {
			return outreach.Errorf(outreach.EINVALID, "limit: %q is not a whole number from 1 to %d", v, MaxResponsesLimit)
		}
		rq.Limit = n
	}
	if c := q.Get("cursor"); c != "" {
		if rq.AfterAt, rq.AfterID, err = decodeCursor(c); err != nil {
			return outreach.Errorf(outreach.EINVALID, "cursor: not a cursor from a previous page (next_cursor)")
		}
	}
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		return outreach.Errorf(outreach.EINVALID, "format: %q is not json or csv", format)
	}
	rows, err := s.Responses.Responses(r.Context(), rq)
	if err != nil {
		return err
	}
	next := ""
	if len(rows) == rq.Limit {
		last := rows[len(rows)-1]
		next = encodeCursor(last.At, last.DeliveryID)
	}
	if format != "csv" {
		return writeJSON(w, http.StatusOK, responsesBody{Responses: rows, NextCursor: next})
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="responses.csv"`)
	if next != "" {
		w.Header().Set("X-Next-Cursor", next)
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"delivery_id", "campaign", "score", "class", "comment", "at", "contact", "contact_external_id", "account", "owner"})
	for _, x := range rows {
		row := []string{x.DeliveryID, x.Campaign, strconv.Itoa(x.Score), x.Class, x.Comment, x.At.Format(time.RFC3339Nano),
			x.Contact, x.ContactID, x.Account, x.Owner}
		for i := range row {
			row[i] = outreach.SpreadsheetCell(row[i])
		}
		_ = cw.Write(row)
	}
	cw.Flush()
	return nil // the status is sent: a write error means the client went away
}

func encodeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UnixMilli(), 10) + "|" + id))
}

func decodeCursor(c string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", err
	}
	msText, id, ok := strings.Cut(string(b), "|")
	msv, err := strconv.ParseInt(msText, 10, 64)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", outreach.Errorf(outreach.EINVALID, "bad cursor")
	}
	return time.UnixMilli(msv).UTC(), id, nil
}
