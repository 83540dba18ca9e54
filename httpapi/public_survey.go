package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/links"
)

// MaxCommentRunes caps the comment of a survey answer.
const MaxCommentRunes = 2000

// scores are the choices of the survey page.
var scores = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}

// handleSurveyForm answers GET /s/{token}?score=N: the survey page with N
// selected. It records nothing: link scanners open every link of an email
// (some run scripts), so only a person's POST of the form counts.
func (s *Server) handleSurveyForm(w http.ResponseWriter, r *http.Request) error {
	target, ok, err := s.surveyTarget(w, r)
	if !ok {
		return err
	}
	score, err := parseScore(r.URL.Query().Get("score"))
	if err != nil {
		score = -1 // a mangled link still shows the form
	}
	d := s.surveyPage(target, score, "")
	s.renderPage(w, r, http.StatusOK, pageSurvey, pageLocale(target.Locale), d)
	return nil
}

// handleSurveyAnswer answers POST /s/{token} (form: score, comment): it
// records the answer, replacing an earlier one, and thanks the person. An
// invalid score or an overlong comment shows the form again with a 400.
func (s *Server) handleSurveyAnswer(w http.ResponseWriter, r *http.Request) error {
	target, ok, err := s.surveyTarget(w, r)
	if !ok {
		return err
	}
	if err := parsePublicForm(r); err != nil {
		return err
	}
	locale := pageLocale(target.Locale)
	comment := cleanComment(r.PostForm.Get("comment"))
	score, err := parseScore(r.PostForm.Get("score"))
	if err != nil {
		d := s.surveyPage(target, -1, comment)
		d.ErrorKey = "score_invalid"
		s.renderPage(w, r, http.StatusBadRequest, pageSurvey, locale, d)
		return nil
	}
	if utf8.RuneCountInString(comment) > MaxCommentRunes {
		d := s.surveyPage(target, score, "")
		d.ErrorKey = "comment_too_long"
		s.renderPage(w, r, http.StatusBadRequest, pageSurvey, locale, d)
		return nil
	}
	err = s.Feedback.Store.RecordSurveyResponse(r.Context(), outreach.SurveyResponse{
		DeliveryID: target.DeliveryID, Score: score, Comment: comment, At: s.Now().UTC(),
		Survey: s.Feedback.activePack().SurveyKind(target.Campaign)})
	if err != nil {
		return err
	}
	s.renderPage(w, r, http.StatusOK, pageThanks, locale, &pageData{TitleKey: "thanks_title"})
	return nil
}

// surveyTarget verifies the survey token of the request and finds its
// delivery. When ok is false the friendly page is written (a tampered
// token is a 400, an expired one a 410, an unknown delivery a 404) or err
// says what went wrong.
func (s *Server) surveyTarget(w http.ResponseWriter, r *http.Request) (*outreach.SurveyTarget, bool, error) {
	f := s.Feedback
	tok, err := f.Links.Verify(r.PathValue("token"), links.KindSurvey, s.Now())
	switch {
	case errors.Is(err, links.ErrExpired):
		locale := requestLocale(r)
		if t, err := f.Store.SurveyDelivery(r.Context(), tok.Subject); err == nil {
			locale = pageLocale(t.Locale)
		}
		s.metrics.errors.WithLabelValues("link_expired").Inc()
		s.renderPage(w, r, http.StatusGone, pageError, locale, &pageData{TitleKey: "error_title", MessageKey: "error_expired"})
		return nil, false, nil
	case err != nil:
		s.metrics.errors.WithLabelValues("link_invalid").Inc()
		s.renderPage(w, r, http.StatusBadRequest, pageError, requestLocale(r), &pageData{TitleKey: "error_title", MessageKey: "error_invalid"})
		return nil, false, nil
	}
	target, err := f.Store.SurveyDelivery(r.Context(), tok.Subject)
	if err != nil {
		return nil, false, err
	}
	return target, true, nil
}

// surveyPage returns the data of the survey page: the question and scale
// labels of the email (Feedback.Survey) when the pack defines them, else
// the CSAT question for a CSAT campaign (outreach.Pack.IsCSAT) and the NPS
// question otherwise; and who asks.
func (s *Server) surveyPage(t *outreach.SurveyTarget, score int, comment string) *pageData {
	f := s.Feedback
	d := &pageData{TitleKey: "survey_title", Scores: scores, Score: score, Comment: comment,
		MaxComment: MaxCommentRunes, CSAT: f.activePack().IsCSAT(t.Campaign), Sender: f.SenderName}
	if f.Survey != nil {
		if st, ok := f.Survey(t.Campaign, t.Locale); ok {
			d.Question, d.Low, d.High = st.Question, st.Low, st.High
		}
	}
	return d
}

// cleanComment normalises a survey comment: CRLF line ends become LF,
// surrounding space goes, and bytes that are not UTF-8 (a browser sends
// UTF-8, so only a broken or hand-made client sends them) and NUL
// characters (which PostgreSQL cannot store) become U+FFFD, so the answer
// is kept rather than refused for a stray byte.
func cleanComment(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

// parseScore parses a score from 0 to 10.
func parseScore(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > 10 {
		return 0, outreach.Errorf(outreach.EINVALID, "score %q is not a whole number from 0 to 10", s)
	}
	return n, nil
}
