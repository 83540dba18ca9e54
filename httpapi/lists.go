package httpapi

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
)

// listRoutes registers the list routes (docs/api.md "Lists").
func (s *Server) listRoutes(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v1/accounts", adminScope, s.handleListAccounts)
	s.handle(mux, "GET /api/v1/contacts", adminScope, s.handleListContacts)
	s.handle(mux, "GET /api/v1/deliveries", adminScope, s.handleListDeliveries)
}

// listBody is the answer of every list route: one page and the cursor of
// the next, null after the last.
type listBody[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func writeList[T any](w http.ResponseWriter, items []T, next string) error {
	b := listBody[T]{Items: items}
	if b.Items == nil {
		b.Items = []T{}
	}
	if next != "" {
		b.NextCursor = &next
	}
	return writeJSON(w, http.StatusOK, b)
}

// listQuery reads the query of a list route: the parameters it allows
// (any other is an error naming it, so a typo does not silently return
// everything), the cursor and the limit.
func listQuery(r *http.Request, filters ...string) (url.Values, outreach.ListPage, error) {
	q := r.URL.Query()
	allowed := append([]string{"cursor", "limit"}, filters...)
	for k := range q {
		if !slices.Contains(allowed, k) {
			return nil, outreach.ListPage{}, outreach.Errorf(outreach.EINVALID, "unknown query parameter %q: this route takes %s", k, strings.Join(allowed, ", "))
		}
	}
	p := outreach.ListPage{Cursor: q.Get("cursor"), Limit: outreach.DefaultListLimit}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > outreach.MaxListLimit {
			return nil, p, outreach.Errorf(outreach.EINVALID, "limit %q is not a whole number from 1 to %d", v, outreach.MaxListLimit)
		}
		p.Limit = n
	}
	return q, p, nil
}

// lists returns the list store, or a 503 error.
func (s *Server) lists() (outreach.ListStore, error) {
	if s.Lists == nil {
		return nil, outreach.Errorf(outreach.EUNAVAILABLE, "this server has no list store configured")
	}
	return s.Lists, nil
}

// handleListAccounts answers GET /api/v1/accounts?owner=&plan=.
func (s *Server) handleListAccounts(w http.ResponseWriter, r *http.Request) error {
	store, err := s.lists()
	if err != nil {
		return err
	}
	q, page, err := listQuery(r, "owner", "plan")
	if err != nil {
		return err
	}
	items, next, err := store.ListAccounts(r.Context(), outreach.AccountFilter{Owner: q.Get("owner"), Plan: q.Get("plan"), ListPage: page})
	if err != nil {
		return err
	}
	return writeList(w, items, next)
}

// handleListContacts answers GET /api/v1/contacts?account=&role=&locale=&status=.
func (s *Server) handleListContacts(w http.ResponseWriter, r *http.Request) error {
	store, err := s.lists()
	if err != nil {
		return err
	}
	q, page, err := listQuery(r, "account", "role", "locale", "status")
	if err != nil {
		return err
	}
	items, next, err := store.ListContacts(r.Context(), outreach.ContactFilter{Account: q.Get("account"), Role: q.Get("role"),
		Locale: q.Get("locale"), Status: q.Get("status"), ListPage: page})
	if err != nil {
		return err
	}
	return writeList(w, items, next)
}

// deliveryStates are the values of the deliveries route's state filter.
var deliveryStates = []string{outreach.DeliveryPlanned, outreach.DeliverySending, outreach.DeliverySent,
	outreach.DeliveryFailed, outreach.DeliveryDropped, outreach.DeliverySuppressed}

// handleListDeliveries answers GET /api/v1/deliveries?state=&campaign=&contact=&from=&to=.
func (s *Server) handleListDeliveries(w http.ResponseWriter, r *http.Request) error {
	store, err := s.lists()
	if err != nil {
		return err
	}
	q, page, err := listQuery(r, "state", "campaign", "contact", "from", "to")
	if err != nil {
		return err
	}
	f := outreach.DeliveryFilter{State: q.Get("state"), Campaign: q.Get("campaign"), Contact: q.Get("contact"), ListPage: page}
	if f.State != "" && !slices.Contains(deliveryStates, f.State) {
		return outreach.Errorf(outreach.EINVALID, "state %q is not a delivery state: use %s", f.State, strings.Join(deliveryStates, ", "))
	}
	for name, dst := range map[string]**time.Time{"from": &f.From, "to": &f.To} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return outreach.Errorf(outreach.EINVALID, "%s %q is not an RFC 3339 time such as 2026-03-01T00:00:00Z", name, v)
			}
			*dst = &t
		}
	}
	items, next, err := store.ListDeliveries(r.Context(), f)
	if err != nil {
		return err
	}
	return writeList(w, items, next)
}
