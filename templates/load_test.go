package templates_test

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/outreach-dev/outreach/templates"
)

// pack builds an in-memory pack: files maps paths under templates/ to text.
func pack(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for p, text := range files {
		fsys["templates/"+p] = &fstest.MapFile{Data: []byte(text)}
	}
	return fsys
}

const (
	okTxt  = "---\nsubject: Hello {{firstName}}\n---\n{{greeting}}\n\nBody.\n"
	okHTML = "<p>{{greeting}}</p>\n<p>Body.</p>\n"
)

// loadProblems loads fsys and returns the problems, failing when it loads.
func loadProblems(t *testing.T, fsys fstest.MapFS) []templates.Problem {
	t.Helper()
	_, err := templates.Load(fsys, "templates")
	var le *templates.LoadErrors
	if !errors.As(err, &le) {
		t.Fatalf("Load: got %v, want *LoadErrors", err)
	}
	return le.Errors
}

// hasProblem reports whether problems hold one at path:line:col whose
// message contains want.
func hasProblem(problems []templates.Problem, path string, line, col int, want string) bool {
	for _, p := range problems {
		if p.File == path && p.Line == line && (col == 0 || p.Col == col) && strings.Contains(p.Message, want) {
			return true
		}
	}
	return false
}

func TestLoadReportsEveryProblemWithItsPosition(t *testing.T) {
	fsys := pack(map[string]string{
		// no en fallback
		"nps/fr.txt":  okTxt,
		"nps/fr.html": okHTML,
		// html without txt and txt without html
		"csat/en.txt":  okTxt,
		"csat/en.html": okHTML,
		"csat/pt.html": okHTML,
		"csat/ru.txt":  okTxt,
		// broken body action on line 3 of the body = line 6 of the file
		"broken/en.txt":  "---\nsubject: Hi\n---\nline one\n\nok {{.Contact.Name}} then {{if}}\n",
		"broken/en.html": "<p>\n{{range}}</p>\n",
		// broken subject: reported on line 2, at the column of the action
		"subj/en.txt":  "---\nsubject: Hi {{.Contact.Name\n---\nbody\n",
		"subj/en.html": okHTML,
		// missing subject, unknown key, unclosed front matter
		"nosubj/en.txt":  "---\ntitle: x\n---\nbody\n",
		"nosubj/en.html": okHTML,
		"nofm/en.txt":    "Just a body\n",
		"nofm/en.html":   okHTML,
		// a byte order mark and CRLF line ends are fine
		"crlf/en.txt":  "\ufeff---\r\nsubject: Hi\r\n---\r\nbody\r\n",
		"crlf/en.html": okHTML,
		// unknown files and locales
		"names/en.txt":      okTxt,
		"names/en.html":     okHTML,
		"names/english.txt": okTxt,
		"names/pt-br.txt":   okTxt,
		"names/en.md":       "notes",
		"names/.DS_Store":   "ignored",
		"README.md":         "not a template",
		// html/template escaping problem: branches end in different contexts
		"esc/en.txt":  okTxt,
		"esc/en.html": "<p>ok</p>\n<p>{{if .Contact.Name}}<a href=\"{{end}}x\">y</a></p>\n",
		// undefined function
		"fn/en.txt":  "---\nsubject: Hi\n---\n{{nope}}\n",
		"fn/en.html": okHTML,
	})
	problems := loadProblems(t, fsys)
	for _, want := range []struct {
		path      string
		line, col int
		msg       string
	}{
		{"templates/nps", 0, 0, "template nps has no en version (it has fr): add templates/nps/en.txt and templates/nps/en.html"},
		{"templates/csat/pt.html", 1, 1, "no text part: add templates/csat/pt.txt"},
		{"templates/csat/ru.txt", 1, 1, "no HTML part: add templates/csat/ru.html"},
		{"templates/broken/en.txt", 6, 0, "missing value for if"},
		{"templates/broken/en.html", 2, 0, "missing value for range"},
		{"templates/subj/en.txt", 2, 0, "unclosed action"},
		{"templates/nosubj/en.txt", 2, 1, `unknown front matter key "title"`},
		{"templates/nosubj/en.txt", 1, 1, "missing subject"},
		{"templates/nofm/en.txt", 1, 1, "missing subject"},
		{"templates/names/english.txt", 1, 1, `unknown locale "english"`},
		{"templates/names/pt-br.txt", 1, 1, `should be written "pt-BR"`},
		{"templates/names/en.md", 1, 1, "unknown file en.md"},
		{"templates/README.md", 1, 1, "unexpected file"},
		{"templates/esc/en.html", 2, 0, "branches end in different contexts"},
		{"templates/fn/en.txt", 4, 0, `function "nope" not defined`},
	} {
		if !hasProblem(problems, want.path, want.line, want.col, want.msg) {
			t.Errorf("no problem %s:%d:%d: %s", want.path, want.line, want.col, want.msg)
		}
	}
	for _, p := range problems {
		if strings.Contains(p.File, ".DS_Store") || strings.Contains(p.File, "crlf") {
			t.Errorf("dotfile reported: %v", p.Error())
		}
	}
	if t.Failed() {
		t.Logf("problems:\n%v", (&templates.LoadErrors{Errors: problems}).Error())
	}
}

func TestLoadErrorsFormat(t *testing.T) {
	problems := loadProblems(t, pack(map[string]string{
		"nps/en.txt":  "---\nsubject: Hi\n---\n\n{{end}}\n",
		"nps/en.html": okHTML,
	}))
	err := (&templates.LoadErrors{Errors: problems}).Error()
	if !strings.HasPrefix(err, "templates/nps/en.txt:5:") || !strings.Contains(err, "unexpected {{end}}") {
		t.Errorf("error = %q, want templates/nps/en.txt:5:COL: unexpected {{end}}", err)
	}
}

func TestLoadSubjectColumn(t *testing.T) {
	// A parse error inside the subject's first line has an exact column; an
	// execution error gives line 2 and the column of the failing action.
	set, err := templates.Load(pack(map[string]string{
		"x/en.txt":  "---\nsubject: Hi {{.Event.plan}}\n---\nbody\n",
		"x/en.html": okHTML,
	}), "templates")
	if err != nil {
		t.Fatal(err)
	}
	_, err = set.Render("x", "en", templates.SampleData("lifecycle", "en"))
	var p *templates.Problem
	if !errors.As(err, &p) {
		t.Fatalf("render: got %v, want *Problem", err)
	}
	// "subject: Hi {{.Event.plan}}": the action spans columns 13..27 of line
	// 2; text/template points inside it (at ".plan").
	if p.File != "templates/x/en.txt" || p.Line != 2 || p.Col < 13 || p.Col > 27 {
		t.Errorf("problem at %s:%d:%d, want templates/x/en.txt:2:13..27", p.File, p.Line, p.Col)
	}
	if !strings.Contains(p.Message, "missing variable .Event.plan") {
		t.Errorf("message %q does not name .Event.plan", p.Message)
	}
}

func TestLoadMissingFolder(t *testing.T) {
	_, err := templates.Load(fstest.MapFS{}, "templates")
	if err == nil || !strings.HasPrefix(err.Error(), "templates: cannot read the templates folder") {
		t.Errorf("err = %v", err)
	}
}

func TestResolveFallback(t *testing.T) {
	set, err := templates.Load(pack(map[string]string{
		"nps/en.txt": okTxt, "nps/en.html": okHTML,
		"nps/pt.txt": okTxt, "nps/pt.html": okHTML,
		"nps/pt-BR.txt": okTxt, "nps/pt-BR.html": okHTML,
		"nps/fr.txt": okTxt, "nps/fr.html": okHTML,
		"nps/zh-Hant.txt": okTxt, "nps/zh-Hant.html": okHTML,
		"csat/en.txt": okTxt, "csat/en.html": okHTML,
		"csat/es-MX.txt": okTxt, "csat/es-MX.html": okHTML,
	}), "templates")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, locale, want string }{
		{"nps", "pt-BR", "pt-BR"},
		{"nps", "pt-br", "pt-BR"}, // any spelling of a tag
		{"nps", "pt_BR", "pt-BR"},
		{"nps", "pt-PT", "pt"},
		{"nps", "pt", "pt"},
		{"nps", "fr-CA", "fr"},
		{"nps", "fr", "fr"},
		{"nps", "zh", "en"},
		{"nps", "zh-Hant-TW", "zh-Hant"},
		{"nps", "en-GB", "en"},
		{"nps", "", "en"},
		{"nps", "not a locale", "en"},
		{"csat", "pt-BR", "en"},
		{"csat", "es", "es-MX"}, // a regional variant beats English
		{"csat", "es-AR", "es-MX"},
		{"missing", "en", ""},
	} {
		for pass := range 2 { // the second answer comes from the Set's cache
			if got := set.Resolve(tt.name, tt.locale); got != tt.want {
				t.Errorf("pass %d: Resolve(%q, %q) = %q, want %q", pass+1, tt.name, tt.locale, got, tt.want)
			}
		}
	}
	if got := strings.Join(set.Locales("nps"), ","); got != "en,fr,pt,pt-BR,zh-Hant" {
		t.Errorf("Locales(nps) = %s", got)
	}
	if set.Has("missing") || !set.Has("csat") || set.Locales("missing") != nil {
		t.Errorf("Has/Locales of an unknown template")
	}
}
