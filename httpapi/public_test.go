package httpapi

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/links"
	"github.com/outreach-dev/outreach/store"
)

func newSQLiteEnv(t *testing.T) *fbEnv {
	t.Helper()
	return newFeedbackEnv(t, store.SQLite)
}

// wantNoScript checks that a public page has no script at all.
func wantNoScript(t *testing.T, body string) {
	t.Helper()
	lower := strings.ToLower(body)
	for _, bad := range []string{"<script", "javascript:", " onload=", " onclick="} {
		if strings.Contains(lower, bad) {
			t.Errorf("public page contains %q", bad)
		}
	}
}

func TestSurveyGetRecordsNothing(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	e.deliver(t, "d1", "nps-onboarding", outreach.CategorySurvey, outreach.DeliverySent, "jane@example.com")
	for score := 0; score <= 10; score++ {
		res, body := e.request(t, http.MethodGet, e.surveyPath("d1", score), "", "", nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET score %d: %d %s", score, res.StatusCode, body)
		}
		wantPublicHeaders(t, res)
		wantNoScript(t, body)
		if want := `value="` + strconv.Itoa(score) + `" checked`; !strings.Contains(body, want) {
			t.Errorf("GET score %d: page lacks %s", score, want)
		}
		if n := strings.Count(body, " checked"); n != 1 {
			t.Errorf("GET score %d: %d checked radios, want 1", score, n)
		}
		// jane's locale is pt-BR: the page is in Brazilian Portuguese.
		if !strings.Contains(body, `lang="pt-BR"`) || !strings.Contains(body, "Enviar minha resposta") {
			t.Errorf("GET for a pt-BR contact is not in Portuguese")
		}
	}
	if n := e.count(t, `SELECT COUNT(*) FROM survey_responses`); n != 0 {
		t.Errorf("GETs recorded %d responses, want none", n)
	}
	res, body := e.request(t, http.MethodGet, e.surveyPath("d1", 42), "", "", nil)
	if res.StatusCode != http.StatusOK || strings.Contains(body, " checked") {
		t.Errorf("GET score 42: %d, want the form with nothing selected", res.StatusCode)
	}
}

func TestSurveyPostRecordsLastAnswer(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	e.deliver(t, "d1", "nps-onboarding", outreach.CategorySurvey, outreach.DeliverySent, "bob@example.com")
	path := e.surveyPath("d1", 3)
	res, body := e.form(t, path, "score=3&comment=too+slow")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Thank you") {
		t.Fatalf("first answer: %d %s", res.StatusCode, body)
	}
	wantPublicHeaders(t, res)
	e.clock.Advance(time.Hour)
	if res, body := e.form(t, path, "score=9&comment=%C3%A7a+va+mieux"); res.StatusCode != http.StatusOK {
		t.Fatalf("second answer: %d %s", res.StatusCode, body)
	}
	for _, bad := range []string{"score=11", "score=-1", "score=ten", "comment=no+score"} {
		res, body := e.form(t, path, bad)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `name="score"`) || !strings.Contains(body, "0 to 10") {
			t.Errorf("POST %s: %d, want 400 with the form and the message", bad, res.StatusCode)
		}
	}
	long := "score=5&comment=" + strings.Repeat("a", MaxCommentRunes+1)
	if res, _ := e.form(t, path, long); res.StatusCode != http.StatusBadRequest {
		t.Errorf("overlong comment: %d, want 400", res.StatusCode)
	}
	tl, err := e.db.Timeline(t.Context(), "bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.Responses) != 1 || tl.Responses[0].Score != 9 || tl.Responses[0].Comment != "ça va mieux" ||
		!tl.Responses[0].At.Equal(testNow.Add(time.Hour)) {
		t.Errorf("responses = %+v, want only the last answer (9, at +1h)", tl.Responses)
	}
}

func TestSurveyBadLinks(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	e.deliver(t, "d1", "csat-support", outreach.CategorySurvey, outreach.DeliverySent, "bob@example.com")
	good := e.signer.Sign(links.KindSurvey, "d1", testNow.Add(links.SurveyValidity))
	last := good[len(good)-1]
	flipped := byte('A')
	if last == 'A' {
		flipped = 'B'
	}
	tampered := good[:len(good)-1] + string(flipped)
	forged, _ := links.NewSigner("someone-elses-key-0123456789")
	cases := []struct {
		name, token string
		status      int
	}{
		{"tampered signature", tampered, http.StatusBadRequest},
		{"garbage", "not-a-token", http.StatusBadRequest},
		{"signed with an unknown key", forged.Sign(links.KindSurvey, "d1", testNow.Add(time.Hour)), http.StatusBadRequest},
		{"unsubscribe token", e.signer.Sign(links.KindUnsubscribe, "bob@example.com", time.Time{}), http.StatusBadRequest},
		{"unknown delivery", e.signer.Sign(links.KindSurvey, "gone", testNow.Add(time.Hour)), http.StatusNotFound},
	}
	for _, c := range cases {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			res, body := e.request(t, method, "/s/"+c.token+"?score=9", "application/x-www-form-urlencoded", "score=9", nil)
			if res.StatusCode != c.status || !strings.Contains(body, "<h1>") || strings.Contains(body, `name="score"`) {
				t.Errorf("%s %s: %d, want %d with a friendly page", method, c.name, res.StatusCode, c.status)
			}
			wantPublicHeaders(t, res)
		}
	}
	// Expired: 30 days later the link shows a friendly 410 and records nothing.
	e.clock.Advance(links.SurveyValidity)
	res, body := e.form(t, "/s/"+good, "score=9")
	if res.StatusCode != http.StatusGone || !strings.Contains(body, "closed") {
		t.Errorf("expired POST: %d %s, want 410 with a friendly page", res.StatusCode, body)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM survey_responses`); n != 0 {
		t.Errorf("bad links recorded %d responses", n)
	}
}

func TestSurveyKeyRotation(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	e.deliver(t, "d1", "nps", outreach.CategorySurvey, outreach.DeliverySent, "bob@example.com")
	// A link sent before the rotation, signed with the key that is now
	// the second one.
	before, err := links.NewSigner(fbOldKey)
	if err != nil {
		t.Fatal(err)
	}
	tok := before.Sign(links.KindSurvey, "d1", testNow.Add(links.SurveyValidity))
	if res, body := e.request(t, http.MethodGet, "/s/"+tok+"?score=8", "", "", nil); res.StatusCode != http.StatusOK {
		t.Fatalf("GET with an old-key link: %d %s", res.StatusCode, body)
	}
	if res, body := e.form(t, "/s/"+tok, "score=8"); res.StatusCode != http.StatusOK {
		t.Fatalf("POST with an old-key link: %d %s", res.StatusCode, body)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM survey_responses WHERE score = 8`); n != 1 {
		t.Errorf("old-key answer not recorded")
	}
	unsub := "/u/" + before.Sign(links.KindUnsubscribe, "bob@example.com", time.Time{})
	if res, body := e.form(t, unsub, "List-Unsubscribe=One-Click"); res.StatusCode != http.StatusOK {
		t.Errorf("one-click with an old-key link: %d %s", res.StatusCode, body)
	}
}

func TestUnsubscribeGetChangesNothing(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	e.deliver(t, "p1", "news", outreach.CategoryMarketing, outreach.DeliveryPlanned, "jane@example.com")
	res, body := e.request(t, http.MethodGet, e.unsubscribePath("jane@example.com"), "", "", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET: %d %s", res.StatusCode, body)
	}
	wantPublicHeaders(t, res)
	wantNoScript(t, body)
	for _, want := range []string{`name="List-Unsubscribe" value="One-Click"`, `value="survey"`, `value="lifecycle"`,
		`value="marketing"`, "Cancelar a inscrição de tudo", "jane@example.com"} {
		if !strings.Contains(body, want) {
			t.Errorf("unsubscribe page lacks %s", want)
		}
	}
	if strings.Contains(body, `value="transactional"`) {
		t.Errorf("unsubscribe page offers transactional mail")
	}
	if n := e.count(t, `SELECT COUNT(*) FROM suppressions`); n != 0 {
		t.Errorf("GET created %d suppressions", n)
	}
	if got := e.state(t, "p1"); got != outreach.DeliveryPlanned {
		t.Errorf("GET changed a planned delivery to %s", got)
	}
}

func TestUnsubscribeOneClick(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	e.deliver(t, "p1", "news", outreach.CategoryMarketing, outreach.DeliveryPlanned, "bob@example.com")
	e.deliver(t, "p2", "renewal", outreach.CategoryTransactional, outreach.DeliveryPlanned, "bob@example.com")
	path := e.unsubscribePath("bob@example.com")
	for i := range 2 {
		res, body := e.form(t, path, "List-Unsubscribe=One-Click")
		if res.StatusCode != http.StatusOK || !strings.Contains(body, "You are unsubscribed") {
			t.Fatalf("one-click POST %d: %d %s", i+1, res.StatusCode, body)
		}
		wantPublicHeaders(t, res)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM suppressions WHERE email = 'bob@example.com' AND scope = 'all'`); n != 1 {
		t.Errorf("%d all suppressions after two one-click POSTs, want 1", n)
	}
	if got := e.state(t, "p1"); got != outreach.DeliverySuppressed {
		t.Errorf("pending marketing delivery is %s, want suppressed at once", got)
	}
	if got := e.state(t, "p2"); got != outreach.DeliveryPlanned {
		t.Errorf("transactional delivery is %s, want still planned", got)
	}
	// The page now shows every category as stopped.
	_, body := e.request(t, http.MethodGet, path, "", "", nil)
	if n := strings.Count(body, "already unsubscribed"); n != 3 {
		t.Errorf("after unsubscribing from all, %d categories show as stopped, want 3", n)
	}

	// RFC 8058 allows multipart/form-data too.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("List-Unsubscribe", "One-Click"); err != nil {
		t.Fatal(err)
	}
	mw.Close()
	res, body := e.request(t, http.MethodPost, e.unsubscribePath("jane@example.com"), mw.FormDataContentType(), buf.String(), nil)
	if res.StatusCode != http.StatusOK {
		t.Errorf("multipart one-click: %d %s", res.StatusCode, body)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM suppressions WHERE email = 'jane@example.com' AND scope = 'all'`); n != 1 {
		t.Errorf("multipart one-click created %d suppressions, want 1", n)
	}
}

func TestUnsubscribeCategories(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	e.deliver(t, "s1", "nps", outreach.CategorySurvey, outreach.DeliveryPlanned, "bob@example.com")
	e.deliver(t, "l1", "tips", outreach.CategoryLifecycle, outreach.DeliveryPlanned, "bob@example.com")
	path := e.unsubscribePath("bob@example.com")
	for _, bad := range []string{"", "action=categories", "category=transactional", "category=survey&category=all"} {
		res, body := e.form(t, path, bad)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "at least one") {
			t.Errorf("POST %q: %d, want 400 with the form again", bad, res.StatusCode)
		}
	}
	res, body := e.form(t, path, "category=survey&category=marketing&action=categories")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Surveys") || strings.Contains(body, "tips and milestones") {
		t.Fatalf("categories: %d %s", res.StatusCode, body)
	}
	var scopes []string
	if err := storetest.SQL(t, e.db).Select(&scopes, `SELECT scope FROM suppressions ORDER BY scope`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(scopes, ",") != "marketing,survey" {
		t.Errorf("scopes = %v, want marketing and survey", scopes)
	}
	if e.state(t, "s1") != outreach.DeliverySuppressed || e.state(t, "l1") != outreach.DeliveryPlanned {
		t.Errorf("survey delivery %s, lifecycle %s; want suppressed and planned", e.state(t, "s1"), e.state(t, "l1"))
	}
}

func TestUnsubscribeUnknownAddressUsesBrowserLanguage(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	h := http.Header{"Accept-Language": {"de-DE, fr-CA;q=0.8, en;q=0.5"}}
	res, body := e.request(t, http.MethodGet, e.unsubscribePath("stranger@example.org"), "", "", h)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `lang="fr"`) || !strings.Contains(body, "Me désabonner de tout") {
		t.Errorf("unknown address with a French browser: %d, want the French page", res.StatusCode)
	}
	res, body = e.request(t, http.MethodGet, "/u/forged.token", "", "", h)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Ce lien ne fonctionne pas") {
		t.Errorf("bad unsubscribe token: %d %s, want a friendly French 400", res.StatusCode, body)
	}
}

func TestPublicBodyLimit(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	e.deliver(t, "d1", "nps", outreach.CategorySurvey, outreach.DeliverySent, "bob@example.com")
	body := "score=9&comment=" + strings.Repeat("x", MaxPublicBodyBytes)
	res, text := e.form(t, e.surveyPath("d1", 9), body)
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(text, "too long") {
		t.Errorf("oversized survey POST: %d, want 413 with a friendly page", res.StatusCode)
	}
	wantPublicHeaders(t, res)
	if n := e.count(t, `SELECT COUNT(*) FROM survey_responses`); n != 0 {
		t.Errorf("oversized POST recorded %d responses", n)
	}
}

func TestPublicRateLimit(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	lim, err := NewLimiter(1, 3, 100, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	e.s.Feedback.Limiter = lim // read on each request
	path := e.unsubscribePath("bob@example.com")
	n := 0
	get := func(ip string) *http.Response {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.RemoteAddr = ip + ":5555"
		// A peer on the internet cannot pick its key with the header.
		n++
		req.Header.Set("X-Forwarded-For", "192.0.2."+strconv.Itoa(n))
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		return rec.Result()
	}
	for i := range 3 {
		if res := get("198.51.100.7"); res.StatusCode != http.StatusOK {
			t.Fatalf("request %d within the burst: %d", i+1, res.StatusCode)
		}
	}
	res := get("198.51.100.7")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "1" {
		t.Errorf("4th request: %d Retry-After %q, want 429 after 1 s", res.StatusCode, res.Header.Get("Retry-After"))
	}
	wantPublicHeaders(t, res)
	// The page says what happened and, like Retry-After, to retry soon.
	b, _ := io.ReadAll(res.Body)
	if body := string(b); !strings.Contains(body, "<h1>Too many requests</h1>") || !strings.Contains(body, "wait a few seconds") ||
		strings.Contains(body, "does not work") || strings.Contains(body, "minute") {
		t.Errorf("429 page:\n%s\nwant headed \"Too many requests\", saying to wait a few seconds", body)
	}
	if res := get("203.0.113.9"); res.StatusCode != http.StatusOK {
		t.Errorf("another address: %d, want 200", res.StatusCode)
	}
	// In the browser's language, like the other public pages.
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.RemoteAddr = "198.51.100.7:5555"
	req.Header.Set("Accept-Language", "fr-FR")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if body := rec.Body.String(); rec.Code != http.StatusTooManyRequests || !strings.Contains(body, "<h1>Trop de requêtes</h1>") ||
		!strings.Contains(body, "quelques secondes") {
		t.Errorf("429 for a French browser: %d\n%s\nwant the French page", rec.Code, body)
	}
	e.clock.Advance(time.Second)
	if res := get("198.51.100.7"); res.StatusCode != http.StatusOK {
		t.Errorf("after a second: %d, want 200", res.StatusCode)
	}
	if res := get("198.51.100.7"); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("second request after a second: %d, want 429", res.StatusCode)
	}
}

func TestPublicRoutesWithoutFeedbackAre503(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	h := s.Handler()
	for _, path := range []string{"/s/x?score=1", "/u/x"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusServiceUnavailable {
			t.Errorf("GET %s without feedback: %d, want 503", path, rec.Code)
		}
	}
}

// TestSurveyCommentNotUTF8: bytes that are not UTF-8 (only a broken or
// hand-made client sends them) become U+FFFD and the answer is kept; so
// does NUL, which PostgreSQL cannot store. Nothing is called "too long".
func TestSurveyCommentNotUTF8(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		e := newFeedbackEnv(t, dialect)
		e.deliver(t, "d1", "nps", outreach.CategorySurvey, outreach.DeliverySent, "bob@example.com")
		for _, c := range []struct{ form, want string }{
			{"score=7&comment=%ff%fe", "\uFFFD"},
			{"score=8&comment=bon%ffjour+%C3%A7a", "bon\uFFFDjour ça"},
			{"score=9&comment=a%00b", "a\uFFFDb"},
		} {
			res, body := e.form(t, e.surveyPath("d1", 7), c.form)
			if res.StatusCode != http.StatusOK || !strings.Contains(body, "Thank you") || strings.Contains(body, "too long") {
				t.Errorf("POST %s: %d\n%s\nwant 200 and thanks", c.form, res.StatusCode, body)
				continue
			}
			tl, err := e.db.Timeline(t.Context(), "bob@example.com")
			if err != nil {
				t.Fatal(err)
			}
			if len(tl.Responses) != 1 || tl.Responses[0].Comment != c.want {
				t.Errorf("POST %s: responses %+v, want the comment %q", c.form, tl.Responses, c.want)
			}
		}
	})
}

// TestSurveyPageWordingFollowsDeclaredKind: a campaign is CSAT when its
// survey: in the active pack says so, whatever its key or template; a
// removed campaign is judged by its key.
func TestSurveyPageWordingFollowsDeclaredKind(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	e.s.Feedback.Pack = func() *outreach.Pack {
		return &outreach.Pack{Campaigns: []outreach.Campaign{
			{Key: "ticket-feedback", Category: outreach.CategorySurvey, Template: "feedback", Survey: outreach.SurveyCSAT},
			{Key: "nps-onboarding", Category: outreach.CategorySurvey, Template: "csat", Survey: outreach.SurveyNPS},
			{Key: "csat-support", Category: outreach.CategorySurvey, Template: "csat", Survey: outreach.SurveyNPS},
		}}
	}
	const csatQ, npsQ = "How satisfied are you", "How likely are you to recommend"
	for _, c := range []struct {
		campaign, want string
	}{
		{"ticket-feedback", csatQ}, // declared csat under another key and template
		{"nps-onboarding", npsQ},   // declared nps, whatever its template
		{"csat-support", npsQ},     // declared nps, whatever its key
		{"csat-removed", csatQ},    // no longer in the pack: the key decides
		{"nps-removed", npsQ},
	} {
		e.deliver(t, c.campaign, c.campaign, outreach.CategorySurvey, outreach.DeliverySent, "bob@example.com")
		res, body := e.request(t, http.MethodGet, e.surveyPath(c.campaign, 9), "", "", nil)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, c.want) {
			t.Errorf("survey page of %s: %d, want the question %q", c.campaign, res.StatusCode, c.want)
		}
	}
}
