package httpapi

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"

	"github.com/outreach-dev/outreach"
)

// pagesFS holds the public pages (one html/template file per page, sharing
// layout.html) and their translations (pages/i18n/LOCALE.json).
//
//go:embed pages/*.html pages/i18n/*.json
var pagesFS embed.FS

// pageLocales are the languages of the public pages; en is the fallback.
// pt is European Portuguese and pt-BR Brazilian, as in the default pack's
// templates.
var pageLocales = []string{"en", "pt", "pt-BR", "fr", "ru", "hu", "id"}

// fallbackLocale is the language used when nothing better matches.
const fallbackLocale = "en"

// Page names: each is pages/NAME.html.
const (
	pageSurvey       = "survey"
	pageThanks       = "thanks"
	pageUnsubscribe  = "unsubscribe"
	pageUnsubscribed = "unsubscribed"
	pageError        = "error"
)

// pageSet is the parsed pages and translations.
type pageSet struct {
	pages map[string]*template.Template
	texts map[string]map[string]string // locale -> key -> text
}

// loadPages parses the embedded pages and translations. Every translation
// must have every key of the English one.
func loadPages() (*pageSet, error) {
	ps := &pageSet{pages: map[string]*template.Template{}, texts: map[string]map[string]string{}}
	for _, name := range []string{pageSurvey, pageThanks, pageUnsubscribe, pageUnsubscribed, pageError} {
		t, err := template.New(name).Option("missingkey=error").ParseFS(pagesFS, "pages/layout.html", "pages/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		ps.pages[name] = t
	}
	for _, loc := range pageLocales {
		b, err := fs.ReadFile(pagesFS, path.Join("pages/i18n", loc+".json"))
		if err != nil {
			return nil, fmt.Errorf("page translations: %w", err)
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("page translations %s.json: %w", loc, err)
		}
		ps.texts[loc] = m
	}
	for key := range ps.texts[fallbackLocale] {
		for _, loc := range pageLocales {
			if ps.texts[loc][key] == "" {
				return nil, fmt.Errorf("page translations %s.json: missing %q", loc, key)
			}
		}
	}
	return ps, nil
}

// mustLoadPages is loadPages for embedded files that tests keep valid.
func mustLoadPages() *pageSet {
	ps, err := loadPages()
	if err != nil {
		panic(err)
	}
	return ps
}

// pageData is what every page template sees. Lang and T are set by render;
// the other fields belong to one page or another.
type pageData struct {
	Lang     string
	T        map[string]string
	TitleKey string

	// error page
	MessageKey string
	// survey page
	Scores []int
	Score  int // -1 = none selected
	CSAT   bool
	// Question, Low and High are the email's own text (Feedback.Survey);
	// empty: the page's generic NPS or CSAT text.
	Question, Low, High string
	Sender              string
	Comment             string
	MaxComment          int
	ErrorKey            string
	// unsubscribe pages
	Email      string
	Categories []categoryChoice
	All        bool
	// CanResubscribe offers the resubscribe form (something the person
	// may lift is suppressed); Resubscribed says it was just used.
	CanResubscribe bool
	Resubscribed   bool
}

// categoryChoice is one category on the unsubscribe pages.
type categoryChoice struct {
	Key        string
	LabelKey   string
	Suppressed bool
}

// render writes page in locale with status.
func (ps *pageSet) render(w http.ResponseWriter, status int, name, locale string, d *pageData) error {
	d.Lang = locale
	d.T = ps.texts[locale]
	var buf bytes.Buffer
	if err := ps.pages[name].ExecuteTemplate(&buf, "layout", d); err != nil {
		return fmt.Errorf("render page %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// pageLocale returns the page language for a contact's locale by the rule
// emails follow (outreach.ResolveLocale): the locale, its parents (pt-PT ->
// pt), a regional variant of its language, then en.
func pageLocale(locale string) string {
	return outreach.ResolveLocale(locale, pageLocales)
}

// requestLocale picks the page language from the Accept-Language header,
// for visitors we know nothing else about.
func requestLocale(r *http.Request) string {
	return outreach.AcceptLocale(r.Header.Get("Accept-Language"), pageLocales, fallbackLocale)
}
