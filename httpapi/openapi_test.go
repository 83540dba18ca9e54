package httpapi_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/httpapi"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// loadOpenAPI loads and validates the served document (OpenAPI 3.1: kin-openapi
// validates it, and the responses below, with JSON Schema 2020-12).
func loadOpenAPI(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	b, err := httpapi.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(b)
	if err != nil {
		t.Fatal(err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("the document is not valid OpenAPI: %v", err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return doc, router
}

// TestOpenAPIDocumentsEveryRoute fails when a route under /api/v1 is
// registered without an operation in openapi.yaml (and the reverse): a new
// route is documented in the same change.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	registered := map[string]bool{}
	for _, p := range (&httpapi.Server{}).Routes() {
		if !strings.Contains(p, " /api/v1/") {
			continue
		}
		registered[p] = true
		if !documented[p] {
			t.Errorf("route %s is not in httpapi/openapi.yaml: document it", p)
		}
	}
	for op := range documented {
		if !registered[op] {
			t.Errorf("openapi.yaml documents %s, which no route serves", op)
		}
	}
}

// validator checks every /api/v1 exchange against the document and
// remembers which operations answered 2xx.
type validator struct {
	t      *testing.T
	router routers.Router
	next   http.Handler
	mu     sync.Mutex
	ok     map[string]bool // "GET /api/v1/accounts" -> answered 2xx
}

func (v *validator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/api/v1/") {
		v.next.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	v.next.ServeHTTP(rec, r)
	for k, vals := range rec.Header() {
		w.Header()[k] = vals
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())

	check := r.Clone(context.Background())
	check.Body = io.NopCloser(bytes.NewReader(body))
	check.URL.Host, check.URL.Scheme = "", ""
	if len(body) > 0 && check.Header.Get("Content-Type") == "" {
		check.Header.Set("Content-Type", "application/json") // the API reads JSON whatever the client says
	}
	route, params, err := v.router.FindRoute(check)
	if err != nil {
		v.t.Errorf("%s %s (answered %d): no operation in the document: %v", r.Method, r.URL.Path, rec.Code, err)
		return
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: check, PathParams: params, Route: route, Options: opts}
	if rec.Code < 300 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			v.t.Errorf("%s %s was answered %d but the document refuses the request: %v", r.Method, r.URL, rec.Code, err)
		}
		v.mu.Lock()
		v.ok[r.Method+" "+route.Path] = true
		v.mu.Unlock()
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code, Header: rec.Header(), Options: opts}
	out.SetBodyBytes(rec.Body.Bytes())
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		v.t.Errorf("%s %s: the response %d %s does not match the document: %v", r.Method, r.URL, rec.Code, rec.Body, err)
	}
}

// TestOpenAPIResponsesMatch drives every documented operation through the
// real API over a real store and validates each request and response
// against the document; every operation must have answered 2xx at least
// once.
func TestOpenAPIResponsesMatch(t *testing.T) {
	doc, router := loadOpenAPI(t)
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		db := storetest.Open(t, dialect, func() time.Time { return now })
		s := &httpapi.Server{Ingest: db, Contacts: db, Tokens: db, DB: db, AdminToken: admin, Now: db.Now,
			Audit: db, Lists: db, Feedback: &httpapi.Feedback{Store: db},
			Cases: &httpapi.Cases{Store: db}, Responses: db, Webhooks: &httpapi.OutgoingWebhooks{Store: db}}
		v := &validator{t: t, router: router, next: s.Handler(), ok: map[string]bool{}}
		srv := httptest.NewServer(v)
		t.Cleanup(srv.Close)
		e := &e2e{t: t, db: db, url: srv.URL}
		driveEveryRoute(e, db, now)
		var missing []string
		for path, item := range doc.Paths.Map() {
			for method := range item.Operations() {
				if !v.ok[method+" "+path] {
					missing = append(missing, method+" "+path)
				}
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("operations never answered 2xx in this test (drive them in driveEveryRoute): %v", missing)
		}
	})
}

// driveEveryRoute calls every route with valid and invalid requests.
func driveEveryRoute(e *e2e, db *store.DB, now time.Time) {
	e.want("GET", "/api/v1/openapi.json", "", "", 200, `"openapi":"3.1.0"`)
	e.want("POST", "/api/v1/accounts", admin, `[{"external_id":"acme","name":"Acme","plan":"pro","owner_email":"csm@vendor.example","renewal_date":"2026-12-31"},{"external_id":"beta"}]`, 200, `"created":2`)
	e.want("POST", "/api/v1/accounts", admin, `[{"external_id":""}]`, 422, `"field":"external_id"`)
	e.want("POST", "/api/v1/contacts", admin, `[{"external_id":"c1","account_external_id":"acme","email":"ana@example.com","name":"Ana","role":"admin","locale":"pt-BR"},{"account_external_id":"beta","email":"bo@example.com"}]`, 200, `"created":2`)
	e.want("POST", "/api/v1/events", admin, `[{"id":"e1","type":"onboarding.completed","contact_external_id":"c1","occurred_at":"2026-02-27T10:00:00Z","properties":{"x":1}}]`, 200, `"created":1`)
	e.want("POST", "/api/v1/team", admin, `[{"email":"csm@vendor.example","name":"Maria","digest_schedule":"0 8 * * MON"}]`, 200, `"created":1`)
	e.want("POST", "/api/v1/suppressions", admin, `[{"email":"ana@example.com","scope":"marketing"},{"email":"ana@example.com","scope":"hard","reason":"bounce"}]`, 200, `"created":2`)
	raw := storetest.SQL(e.t, db)
	_, err := raw.Exec(raw.Rebind(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id, occurrence, event_id, state,
		due_at, not_before, expires_at, created_at, updated_at) SELECT 'd1', 'nps-onboarding', 'survey', c.id, c.account_id, 'e1', 'e1', 'planned', ?, ?, ?, ?, ?
		FROM contacts c WHERE c.email = 'ana@example.com'`), now.UnixMilli(), now.UnixMilli(), now.Add(time.Hour).UnixMilli(), now.UnixMilli(), now.UnixMilli())
	if err != nil {
		e.t.Fatal(err)
	}

	e.want("GET", "/api/v1/accounts?plan=pro&limit=1", admin, "", 200, `"external_id":"acme"`)
	e.want("GET", "/api/v1/accounts?limit=1", admin, "", 200, `"next_cursor":"`)
	e.want("GET", "/api/v1/accounts?limit=0", admin, "", 400, "limit")
	e.want("GET", "/api/v1/accounts?plna=pro", admin, "", 400, `unknown query parameter \"plna\"`)
	e.want("GET", "/api/v1/contacts?account=acme&locale=pt-br", admin, "", 200, `"email":"ana@example.com"`)
	e.want("GET", "/api/v1/contacts?cursor=nope", admin, "", 400, "cursor")
	e.want("GET", "/api/v1/deliveries?state=planned&campaign=nps-onboarding&contact=ana@example.com&from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z", admin, "", 200, `"account":"acme"`)
	e.want("GET", "/api/v1/deliveries?state=lost", admin, "", 400, "not a delivery state")
	e.want("GET", "/api/v1/contacts/ana@example.com/timeline", admin, "", 200, `"deliveries":[{`)
	e.want("GET", "/api/v1/contacts/nobody@example.com/timeline", admin, "", 404, "no contact")
	e.want("GET", "/api/v1/nps", admin, "", 200, `"responses":0`)
	e.want("GET", "/api/v1/nps", "", "", 401, "bearer")

	e.want("PATCH", "/api/v1/accounts/acme", admin, `{"paused_until":"2026-04-01T00:00:00Z"}`, 200, `"paused_until":"2026-04-01T00:00:00Z"`)
	e.want("PATCH", "/api/v1/accounts/acme", admin, `{"paused_until":null}`, 200, `"external_id":"acme"`)
	e.want("PATCH", "/api/v1/accounts/acme", admin, `{"plan":"free"}`, 400, "PATCH takes paused_until only")
	e.want("PATCH", "/api/v1/accounts/nope", admin, `{"paused_until":null}`, 404, "no account")
	e.want("DELETE", "/api/v1/suppressions/ana@example.com?scope=hard", admin, "", 409, "force=true")
	e.want("DELETE", "/api/v1/suppressions/ana@example.com?scope=hard&force=true", admin, "", 200, `"scope":"hard"`)
	e.want("DELETE", "/api/v1/suppressions/ana@example.com?scope=marketing", admin, "", 200, `"deleted"`)
	e.want("DELETE", "/api/v1/suppressions/ana@example.com?scope=marketing", admin, "", 404, `no \"marketing\" suppression`)
	driveLoopRoutes(e, db, now)
	e.want("DELETE", "/api/v1/contacts/bo@example.com", admin, "", 204, "")
}

// driveLoopRoutes calls the closed loop's routes: the NPS report's
// breakdowns, the responses export (JSON and CSV), outgoing webhooks and
// cases. It answers d1 (made sent) and opens a case on acme.
func driveLoopRoutes(e *e2e, db *store.DB, now time.Time) {
	ctx := context.Background()
	x := storetest.SQL(e.t, db)
	if _, err := x.Exec(x.Rebind(`UPDATE deliveries SET state = 'sent', sent_at = ? WHERE id = 'd1'`), now.UnixMilli()); err != nil {
		e.t.Fatal(err)
	}
	if err := db.RecordSurveyResponse(ctx, outreach.SurveyResponse{DeliveryID: "d1", Score: 3, Comment: "=slow"}); err != nil {
		e.t.Fatal(err)
	}
	e.want("GET", "/api/v1/nps?interval=month&group_by=owner&from=2026-01-01T00:00:00Z&to=2026-04-01T00:00:00Z", admin, "", 200, `"margin_of_error":0`)
	e.want("GET", "/api/v1/nps?campaign=nps-onboarding&interval=week&group_by=plan", admin, "", 200, `"groups":[{"key":"pro","nps":-100`)
	e.want("GET", "/api/v1/nps?campaign=nope", admin, "", 404, "no campaign")
	e.want("GET", "/api/v1/nps?group_by=color", admin, "", 400, "group_by")
	e.want("GET", "/api/v1/responses?campaign=nps-onboarding&limit=1", admin, "", 200, `"next_cursor":"`)
	e.want("GET", "/api/v1/responses?format=csv&account=acme", admin, "", 200, "d1,nps-onboarding,3,detractor,'=slow")
	e.want("GET", "/api/v1/responses?limit=0", admin, "", 400, "limit")

	body := e.want("POST", "/api/v1/webhooks", admin, `{"url":"https://hooks.example/outreach","events":["response.created","case.opened"]}`, 201, `"secret":"whsec_`)
	id := body[strings.Index(body, `"id":"`)+6:]
	id = id[:strings.IndexByte(id, '"')]
	e.want("POST", "/api/v1/webhooks", admin, `{"url":"http://127.0.0.1/x","events":["response.made"]}`, 422, `"field":"events[0]"`)
	e.want("GET", "/api/v1/webhooks", admin, "", 200, `"url":"https://hooks.example/outreach"`)
	e.want("GET", "/api/v1/webhooks/"+id+"/deliveries", admin, "", 200, `"deliveries"`)
	e.want("GET", "/api/v1/webhooks/ep_nope/deliveries", admin, "", 404, "")
	e.want("DELETE", "/api/v1/webhooks/"+id, admin, "", 204, "")
	e.want("DELETE", "/api/v1/webhooks/"+id, admin, "", 404, "")

	if _, err := x.Exec(x.Rebind(`INSERT INTO cases (account_id, alert, state, due_at, created_at, updated_at)
		SELECT id, 'detractor', 'open', ?, ?, ? FROM accounts WHERE external_id = 'acme'`), now.Add(48*time.Hour).UnixMilli(), now.UnixMilli(), now.UnixMilli()); err != nil {
		e.t.Fatal(err)
	}
	e.want("GET", "/api/v1/cases?state=open&account=acme", admin, "", 200, `"alert":"detractor"`)
	e.want("GET", "/api/v1/cases?state=lost", admin, "", 400, "not a case state")
	caseID := e.want("GET", "/api/v1/cases?account=acme", admin, "", 200, `"id":`)
	caseID = caseID[strings.Index(caseID, `"id":`)+5:]
	caseID = caseID[:strings.IndexAny(caseID, ",}")]
	e.want("GET", "/api/v1/cases/"+caseID, admin, "", 200, `"state":"open"`)
	e.want("GET", "/api/v1/cases/999999", admin, "", 404, "no case")
	e.want("PATCH", "/api/v1/cases/"+caseID, admin, `{"state":"closed"}`, 422, `"field":"note"`)
	e.want("PATCH", "/api/v1/cases/"+caseID, admin, `{"state":"in_progress","note":"calling them"}`, 200, `"state":"in_progress"`)
	e.want("PATCH", "/api/v1/cases/"+caseID, admin, `{"colour":"red"}`, 400, "body")
}
