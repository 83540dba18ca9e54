package httpapi

import (
	"errors"
	"net/http"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/ingest"
)

// handleIngest answers POST /api/v1/{kind}: a JSON array of at most
// ingest.MaxItems items, written atomically. A batch with invalid fields
// is refused with the unknown references of its other items too, so that
// one answer lists everything to fix.
func (s *Server) handleIngest(kind ingest.Kind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		body := http.MaxBytesReader(w, r.Body, s.MaxBodyBytes)
		batch, err := ingest.DecodeJSON(kind, body, ingest.MaxItems)
		var be *outreach.BatchError
		if errors.As(err, &be) {
			if err := ingest.CheckRefs(r.Context(), s.Ingest, batch, be); err != nil {
				return err
			}
		}
		if err != nil {
			s.countInvalid(kind, err)
			return err
		}
		res, err := ingest.Write(r.Context(), s.Ingest, batch, s.Now())
		if err != nil {
			s.countInvalid(kind, err)
			return positionErrors(err, batch)
		}
		s.metrics.countIngested(string(kind), res)
		return writeJSON(w, http.StatusOK, res)
	}
}

// countInvalid counts the distinct invalid items of a batch error.
func (s *Server) countInvalid(kind ingest.Kind, err error) {
	var be *outreach.BatchError
	if !errors.As(err, &be) {
		return
	}
	items := map[int]bool{}
	for _, e := range be.Errors {
		items[e.Index] = true
	}
	s.metrics.ingested.WithLabelValues(string(kind), "invalid").Add(float64(len(items)))
}

// positionErrors rewrites the indexes of a store's batch error (positions
// in the slice it was given) into positions in the request.
func positionErrors(err error, b *ingest.Batch) error {
	var be *outreach.BatchError
	if !errors.As(err, &be) {
		return err
	}
	out := &outreach.BatchError{}
	for _, e := range be.Errors {
		if e.Index >= 0 && e.Index < len(b.Positions) {
			e.Index = b.Positions[e.Index]
		}
		out.Errors = append(out.Errors, e)
	}
	return out
}
