package console

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/simulate"
)

// Forecaster runs each pack over the stored customers for days from now
// and returns their summaries in the same order (the real planner and
// throttle, by simulate.Run). cmd/outreach supplies it.
type Forecaster func(ctx context.Context, packs []*campaigns.Loaded, days int) ([]simulate.Summary, error)

// Bounds of a forecast: days, and the time one may take.
const (
	maxForecastDays = 90
	forecastTimeout = 2 * time.Minute
)

// forecastChange is one line of simulate.Compare with its difference.
type forecastChange struct {
	simulate.Change
	Delta int
}

type forecastView struct {
	Drafts   []outreach.PackDraft
	Source   string
	Days     int
	Problems []packProblem
	Ran      bool
	Changes  []forecastChange
	Active   simulate.Summary
	Draft    simulate.Summary
	// OverCaps lists contacts the draft would send more than the caps
	// allow (exempt categories may); empty is the expected answer.
	OverCaps []simulate.ContactSummary
	MaxDay   int
	MaxWeek  int
}

// handleForecast runs the chosen draft and the active pack over the stored
// customers and shows what the change adds, removes, defers and drops per
// campaign and rule, and whether any contact would exceed the caps. One
// forecast runs at a time per process; another request is told to retry.
func (s *Server) handleForecast(w http.ResponseWriter, r *http.Request, c *Context) error {
	q := r.URL.Query()
	v := forecastView{Source: q.Get("draft"), Days: 30}
	var err error
	if v.Drafts, err = s.Store.PackDrafts(r.Context(), packListLimit); err != nil {
		return err
	}
	if d := q.Get("days"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > maxForecastDays {
			return outreach.Errorf(outreach.EINVALID, "days: a whole number from 1 to %d", maxForecastDays)
		}
		v.Days = n
	}
	if v.Source == "" || v.Source == "active" || s.PackEdit.Forecast == nil {
		s.render(w, r, c, http.StatusOK, "packforecast", "pack.forecast_title", v)
		return nil
	}
	draft, problems, err := s.previewPack(r)
	if err != nil {
		return err
	}
	if v.Problems = problems; draft == nil {
		s.render(w, r, c, http.StatusOK, "packforecast", "pack.forecast_title", v)
		return nil
	}
	stored, err := s.Store.ActivePack(r.Context())
	if err != nil {
		return err
	}
	active, problems := validateFiles(stored.Files)
	if active == nil {
		return outreach.Errorf(outreach.EINVALID, "the active pack no longer loads: %s", problems[0].Formatted)
	}
	select {
	case s.forecastSlot <- struct{}{}:
		defer func() { <-s.forecastSlot }()
	default:
		return outreach.Errorf(outreach.ECONFLICT, "another forecast is running on this server: try again in a minute")
	}
	ctx, cancel := context.WithTimeout(r.Context(), forecastTimeout)
	defer cancel()
	sums, err := s.PackEdit.Forecast(ctx, []*campaigns.Loaded{active, draft}, v.Days)
	if ctx.Err() == context.DeadlineExceeded {
		return outreach.Errorf(outreach.EINVALID, "the forecast took longer than %v: choose fewer days", forecastTimeout)
	}
	if err != nil {
		return err
	}
	v.Ran, v.Active, v.Draft = true, sums[0], sums[1]
	for _, ch := range simulate.Compare(sums[0], sums[1]) {
		v.Changes = append(v.Changes, forecastChange{Change: ch, Delta: ch.After - ch.Before})
	}
	p := draft.Pack.Policy
	v.MaxDay, v.MaxWeek = p.MaxPerDay, p.MaxPerWeek
	for _, cs := range v.Draft.Contacts {
		if (p.MaxPerDay > 0 && cs.Max24h > p.MaxPerDay) || (p.MaxPerWeek > 0 && cs.Max7d > p.MaxPerWeek) {
			v.OverCaps = append(v.OverCaps, cs)
		}
	}
	s.render(w, r, c, http.StatusOK, "packforecast", "pack.forecast_title", v)
	return nil
}
