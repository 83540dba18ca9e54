package console

import (
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
)

// npsExportParts are the tables of the NPS page a CSV export can hold.
var npsExportParts = []string{"trend", "breakdown", "csat", "comments"}

// handleNPSExport writes one table of the NPS page as CSV, for the same
// query string as the page (the same filters, and for comments the same
// page of the feed): what is shown, computed by the same code.
func (s *Server) handleNPSExport(w http.ResponseWriter, r *http.Request, c *Context) error {
	part := r.URL.Query().Get("part")
	if !slices.Contains(npsExportParts, part) {
		return outreach.Errorf(outreach.EINVALID, "part: %q is not one of %s", part, strings.Join(npsExportParts, ", "))
	}
	v, err := s.npsData(r, c)
	if err != nil {
		return err
	}
	p := v.P
	var rows [][]string
	switch part {
	case "trend":
		rows = npsCSV(p.Interval, v.Trend)
	case "breakdown":
		rows = npsCSV(p.By, v.Groups)
	case "csat":
		rows = [][]string{{"campaign", "responses", "satisfied_9_10_pct", "passives", "dissatisfied_0_6_pct"}}
		for _, g := range v.CSAT {
			rows = append(rows, []string{g.Label, strconv.Itoa(g.Responses), g.Answered, strconv.Itoa(g.Passives), g.Unhappy})
		}
	case "comments":
		rows = [][]string{{"at", "score", "class", "campaign", "comment", "email", "role", "locale", "account", "account_name", "plan", "owner"}}
		for _, cm := range v.Feed.Comments {
			rows = append(rows, []string{cm.At.UTC().Format(time.RFC3339), strconv.Itoa(cm.Score), cm.Class, cm.Campaign,
				cm.Comment, cm.Email, cm.Role, cm.Locale, cm.Account, cm.AccountName, cm.Plan, cm.Owner})
		}
	}
	name := "nps-" + part + "-" + p.From + "-" + p.To + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	cw := csv.NewWriter(w)
	for i, row := range rows {
		if i > 0 {
			for j := range row {
				row[j] = outreach.SpreadsheetCell(row[j])
			}
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// npsCSV is the CSV of an NPS table whose first column is called first.
func npsCSV(first string, rows []npsRow) [][]string {
	out := [][]string{{first, "nps", "margin_of_error_95", "responses", "promoters", "passives", "detractors"}}
	for _, r := range rows {
		out = append(out, []string{r.Label, r.Score, r.Margin, strconv.Itoa(r.Responses), strconv.Itoa(r.Promoters),
			strconv.Itoa(r.Passives), strconv.Itoa(r.Detractors)})
	}
	return out
}
