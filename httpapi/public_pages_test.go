package httpapi

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPagesRenderInEveryLocale renders every page in every language: a
// missing translation or a template error fails here, not in front of a
// customer.
func TestPagesRenderInEveryLocale(t *testing.T) {
	t.Parallel()
	ps, err := loadPages()
	if err != nil {
		t.Fatal(err)
	}
	pages := map[string]*pageData{
		pageSurvey:       {TitleKey: "survey_title", Scores: scores, Score: 7, MaxComment: MaxCommentRunes, ErrorKey: "score_invalid", Comment: "<b>hi</b>"},
		pageThanks:       {TitleKey: "thanks_title"},
		pageUnsubscribe:  {TitleKey: "unsub_title", Email: "a@example.com", Categories: []categoryChoice{{Key: "survey", LabelKey: "cat_survey", Suppressed: true}}, ErrorKey: "unsub_none_chosen"},
		pageUnsubscribed: {TitleKey: "unsub_done_title", Email: "a@example.com", Categories: []categoryChoice{{Key: "marketing", LabelKey: "cat_marketing"}}},
		pageError:        {TitleKey: "error_title", MessageKey: "error_expired"},
	}
	for _, loc := range pageLocales {
		for name, d := range pages {
			rec := httptest.NewRecorder()
			if err := ps.render(rec, 200, name, loc, d); err != nil {
				t.Errorf("%s in %s: %v", name, loc, err)
				continue
			}
			body := rec.Body.String()
			if !strings.Contains(body, `lang="`+loc+`"`) || strings.Contains(body, "<script") || strings.Contains(body, "<b>hi</b>") {
				t.Errorf("%s in %s: wrong lang, a script or unescaped input:\n%s", name, loc, body)
			}
			if loc != fallbackLocale && strings.Contains(body, ps.texts[fallbackLocale][d.TitleKey]) {
				t.Errorf("%s in %s shows the English title", name, loc)
			}
		}
	}
}

func TestPageLocale(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"pt-BR": "pt-BR", "pt_br": "pt-BR", "pt-PT": "pt", "pt": "pt", "pt-AO": "pt", "fr-CA": "fr", "ru": "ru", "hu-HU": "hu",
		"id-ID": "id", "de": "en", "": "en", "zz-invalid-!!": "en", "EN-gb": "en"} {
		if got := pageLocale(in); got != want {
			t.Errorf("pageLocale(%q) = %q, want %q", in, got, want)
		}
	}
}
