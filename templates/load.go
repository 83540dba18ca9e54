package templates

import (
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	texttemplate "text/template"
	"text/template/parse"

	"github.com/outreach-dev/outreach"
	"golang.org/x/text/language"
)

// FallbackLocale is the locale every template must have: the last step of
// the fallback chain (outreach.FallbackLocale, the one rule).
const FallbackLocale = outreach.FallbackLocale

// Set is a loaded, parsed set of templates. It is safe for concurrent use.
type Set struct {
	byName   map[string]map[string]*entry // name -> locale -> entry
	resolved resolvedCache
}

// entry is one template in one locale: its subject, text and HTML parts.
type entry struct {
	name, locale string
	subject      *texttemplate.Template
	subjectPart  part
	text         *texttemplate.Template
	textPart     part
	html         *htmltemplate.Template
	htmlPart     part
	survey       surveyLabels // from the front matter
	// bound pools copies of the templates with their functions bound
	// (render_pool.go); an entry is only ever used by pointer.
	bound sync.Pool
}

// surveyLabels are what a survey template asks in its locale, written once
// in the front matter of its .txt file (question, low, high) and used by
// the email ({{question}}, {{npsScale}}) and the survey page
// (Set.SurveyText). Empty fields are unset.
type surveyLabels struct {
	question, low, high string
}

// file is one LOCALE.txt or LOCALE.html found while loading.
type file struct{ path, locale, ext string }

var templateName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// Load parses every template under dir of fsys: dir/NAME/LOCALE.html and
// dir/NAME/LOCALE.txt, LOCALE being a canonical BCP 47 tag (en.txt,
// pt-BR.html). The subject is in a front matter at the top of the .txt file:
// "---\nsubject: Quick question, {{.Contact.FirstName}}\n---\n". On failure
// it returns a *LoadErrors holding every problem found.
func Load(fsys fs.FS, dir string) (*Set, error) {
	problems := &LoadErrors{}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		problems.add(dir, 0, 0, "cannot read the templates folder: %v", unwrapPath(err))
		return nil, problems.err()
	}
	set := &Set{byName: map[string]map[string]*entry{}}
	for _, de := range entries {
		p := path.Join(dir, de.Name())
		switch {
		case strings.HasPrefix(de.Name(), "."):
		case !de.IsDir():
			problems.add(p, 1, 1, "unexpected file: a template is a folder %s/NAME holding LOCALE.txt and LOCALE.html files", dir)
		case !templateName.MatchString(de.Name()):
			problems.add(p, 0, 0, "invalid template name %q: use lower-case letters, digits, '-' and '_'", de.Name())
		default:
			if locales := loadTemplate(fsys, p, de.Name(), problems); len(locales) > 0 {
				set.byName[de.Name()] = locales
			}
		}
	}
	if err := problems.err(); err != nil {
		return nil, err
	}
	return set, nil
}

// loadTemplate loads the folder of one template and returns its locales.
func loadTemplate(fsys fs.FS, dir, name string, problems *LoadErrors) map[string]*entry {
	files, err := fs.ReadDir(fsys, dir)
	if err != nil {
		problems.add(dir, 0, 0, "cannot read template folder: %v", unwrapPath(err))
		return nil
	}
	pairs := map[string]map[string]file{} // locale -> ext -> file
	var first string
	for _, de := range files {
		f, ok := classify(dir, de, problems)
		if !ok {
			continue
		}
		if first == "" || (f.ext == ".txt" && !strings.HasSuffix(first, ".txt")) {
			first = f.path // problems about the whole template point at a .txt
		}
		if pairs[f.locale] == nil {
			pairs[f.locale] = map[string]file{}
		}
		pairs[f.locale][f.ext] = f
	}
	if first == "" {
		problems.add(dir, 0, 0, "template %s has no files: add %s/%s.txt and %s/%s.html", name, dir, FallbackLocale, dir, FallbackLocale)
		return nil
	}
	if _, ok := pairs[FallbackLocale]; !ok {
		// Reported at the template's folder, where the files are missing,
		// not at one of the files that exist.
		have := make([]string, 0, len(pairs))
		for l := range pairs {
			have = append(have, l)
		}
		slices.Sort(have)
		problems.add(dir, 0, 0, "template %s has no %s version (it has %s): add %s and %s, the fallback for every other language",
			name, FallbackLocale, strings.Join(have, ", "), path.Join(dir, FallbackLocale+".txt"), path.Join(dir, FallbackLocale+".html"))
	}
	locales := map[string]*entry{}
	for locale, byExt := range pairs {
		txt, hasTxt := byExt[".txt"]
		html, hasHTML := byExt[".html"]
		switch {
		case !hasTxt:
			problems.add(html.path, 1, 1, "no text part: add %s (every email has a text and an HTML part)", path.Join(dir, locale+".txt"))
			continue
		case !hasHTML:
			problems.add(txt.path, 1, 1, "no HTML part: add %s (every email has a text and an HTML part)", path.Join(dir, locale+".html"))
			continue
		}
		if e := parseEntry(fsys, name, locale, txt.path, html.path, problems); e != nil {
			locales[locale] = e
		}
	}
	return locales
}

// classify checks one directory entry of a template folder.
func classify(dir string, de fs.DirEntry, problems *LoadErrors) (file, bool) {
	p := path.Join(dir, de.Name())
	if strings.HasPrefix(de.Name(), ".") {
		return file{}, false
	}
	if de.IsDir() {
		problems.add(p, 0, 0, "unexpected folder inside a template: expected only LOCALE.txt and LOCALE.html files")
		return file{}, false
	}
	ext := path.Ext(de.Name())
	if ext != ".txt" && ext != ".html" {
		problems.add(p, 1, 1, "unknown file %s: expected LOCALE.txt or LOCALE.html (e.g. en.txt, pt-BR.html)", de.Name())
		return file{}, false
	}
	raw := strings.TrimSuffix(de.Name(), ext)
	tag, err := language.Parse(raw)
	if err != nil || tag == language.Und {
		problems.add(p, 1, 1, "unknown locale %q in the file name: use a BCP 47 tag such as en, pt or pt-BR", raw)
		return file{}, false
	}
	if canonical := tag.String(); canonical != raw {
		problems.add(p, 1, 1, "locale %q in the file name should be written %q (rename to %s%s)", raw, canonical, canonical, ext)
		return file{}, false
	}
	return file{path: p, locale: raw, ext: ext}, true
}

// parseEntry reads and parses the .txt and .html files of one locale.
func parseEntry(fsys fs.FS, name, locale, txtPath, htmlPath string, problems *LoadErrors) *entry {
	e := &entry{name: name, locale: locale}
	ok := true
	txt, err := fs.ReadFile(fsys, txtPath)
	if err != nil {
		problems.add(txtPath, 0, 0, "cannot read: %v", unwrapPath(err))
		return nil
	}
	fm, fmProblems := parseFrontMatter(txtPath, normalizeNewlines(string(txt)))
	if len(fmProblems) > 0 {
		problems.Errors = append(problems.Errors, fmProblems...)
		ok = false
	} else {
		e.survey = surveyLabels{question: fm.labels["question"], low: fm.labels["low"], high: fm.labels["high"]}
		e.subjectPart = part{path: txtPath, lineOffset: fm.subjectLine - 1, firstCol: fm.subjectCol, source: fm.subject}
		e.subject, err = newText(txtPath).Parse(fm.subject)
		if err != nil {
			problems.Errors = append(problems.Errors, *e.subjectPart.problem(err))
			ok = false
		} else if lp := e.subjectPart.limitTrees(textTrees(e.subject)); len(lp) > 0 {
			problems.Errors = append(problems.Errors, lp...)
			ok = false
		}
		e.textPart = part{path: txtPath, lineOffset: fm.bodyLine - 1, firstCol: 1, source: fm.body}
		e.text, err = newText(txtPath).Parse(fm.body)
		if err != nil {
			problems.Errors = append(problems.Errors, *e.textPart.problem(err))
			ok = false
		} else if lp := e.textPart.limitTrees(textTrees(e.text)); len(lp) > 0 {
			problems.Errors = append(problems.Errors, lp...)
			ok = false
		}
	}

	html, err := fs.ReadFile(fsys, htmlPath)
	if err != nil {
		problems.add(htmlPath, 0, 0, "cannot read: %v", unwrapPath(err))
		return nil
	}
	e.htmlPart = part{path: htmlPath, firstCol: 1, source: normalizeNewlines(string(html))}
	e.html, err = newHTML(htmlPath).Parse(e.htmlPart.source)
	if err == nil {
		if lp := e.htmlPart.limitTrees(htmlTrees(e.html)); len(lp) > 0 {
			problems.Errors = append(problems.Errors, lp...)
			return nil
		}
		err = checkEscaping(e.html)
	}
	if err != nil {
		problems.Errors = append(problems.Errors, *e.htmlPart.problem(err))
		ok = false
	}
	if !ok {
		return nil
	}
	return e
}

// textTrees and htmlTrees return the parse trees of a template and of
// the templates it defines, for limitTrees.
func textTrees(t *texttemplate.Template) []*parse.Tree {
	var out []*parse.Tree
	for _, x := range t.Templates() {
		out = append(out, x.Tree)
	}
	return out
}

func htmlTrees(t *htmltemplate.Template) []*parse.Tree {
	var out []*parse.Tree
	for _, x := range t.Templates() {
		out = append(out, x.Tree)
	}
	return out
}

func newText(name string) *texttemplate.Template {
	return texttemplate.New(name).Option("missingkey=error").Funcs(placeholderFuncs(false))
}

func newHTML(name string) *htmltemplate.Template {
	return htmltemplate.New(name).Option("missingkey=error").Funcs(placeholderFuncs(true))
}

// checkEscaping runs html/template's contextual escaper, which otherwise only
// runs at the first execution, on a copy of t, so that escaping problems
// (an {{if}} whose branches end in different HTML contexts, ...) are load
// errors. Execution errors of the empty data are irrelevant and ignored.
func checkEscaping(t *htmltemplate.Template) error {
	c, err := t.Clone()
	if err != nil {
		return err
	}
	err = c.Execute(io.Discard, &Data{})
	var escErr *htmltemplate.Error
	if errors.As(err, &escErr) {
		return escErr
	}
	return nil
}

// frontMatter is the parsed head of a .txt file.
type frontMatter struct {
	subject     string
	subjectLine int // 1-based file line of the subject
	subjectCol  int // 1-based file column where the subject value starts
	body        string
	bodyLine    int // 1-based file line where the body starts
	// labels holds the survey labels: question, low, high (plain text).
	labels     map[string]string
	labelLines map[string]int
}

// labelKeys are the front matter keys of a survey's labels.
var labelKeys = []string{"question", "low", "high"}

// parseFrontMatter splits "---\nsubject: ...\n---\nbody" and checks it.
func parseFrontMatter(p, s string) (frontMatter, []Problem) {
	var fm frontMatter
	fix := `start the file with a front matter: "---", "subject: ...", "---"`
	lines := strings.SplitAfter(s, "\n")
	if len(lines) == 0 || strings.TrimRight(lines[0], " \t\n") != "---" {
		return fm, []Problem{{File: p, Line: 1, Col: 1, Message: "missing subject: " + fix}}
	}
	var problems []Problem
	closed := false
	offset := len(lines[0])
	for i := 1; i < len(lines); i++ {
		line, n := strings.TrimRight(lines[i], "\n"), i+1
		offset += len(lines[i])
		if strings.TrimRight(line, " \t") == "---" {
			closed, fm.bodyLine, fm.body = true, n+1, s[offset:]
			break
		}
		key, value, found := strings.Cut(line, ":")
		switch {
		case strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#"):
		case !found:
			problems = append(problems, Problem{p, n, 1, `expected "key: value" in the front matter`})
		case slices.Contains(labelKeys, strings.TrimSpace(key)):
			problems = append(problems, fm.label(p, n, strings.TrimSpace(key), value)...)
		case strings.TrimSpace(key) != "subject":
			problems = append(problems, Problem{p, n, 1, fmt.Sprintf("unknown front matter key %q: use subject, question, low or high", strings.TrimSpace(key))})
		case fm.subjectLine != 0:
			problems = append(problems, Problem{p, n, 1, fmt.Sprintf("subject given twice (first on line %d)", fm.subjectLine)})
		default:
			fm.subjectLine = n
			fm.subjectCol = len(key) + 2 + len(value) - len(strings.TrimLeft(value, " \t"))
			fm.subject = strings.TrimSpace(value)
			if u, err := strconv.Unquote(fm.subject); err == nil && strings.HasPrefix(fm.subject, `"`) {
				fm.subject, fm.subjectCol = u, fm.subjectCol+1
			}
			if fm.subject == "" {
				problems = append(problems, Problem{p, n, fm.subjectCol, "empty subject: write the subject line after \"subject:\""})
			}
		}
	}
	switch {
	case !closed:
		problems = append(problems, Problem{p, 1, 1, `front matter is not closed: add a "---" line after the subject`})
	case fm.subjectLine == 0:
		problems = append(problems, Problem{p, 1, 1, "missing subject: add \"subject: ...\" to the front matter"})
	}
	return fm, problems
}

// label records a survey label of the front matter.
func (fm *frontMatter) label(p string, n int, key, value string) []Problem {
	if fm.labels == nil {
		fm.labels, fm.labelLines = map[string]string{}, map[string]int{}
	}
	if first, ok := fm.labelLines[key]; ok {
		return []Problem{{p, n, 1, fmt.Sprintf("%s given twice (first on line %d)", key, first)}}
	}
	v := strings.TrimSpace(value)
	if u, err := strconv.Unquote(v); err == nil && strings.HasPrefix(v, `"`) {
		v = u
	}
	if v == "" {
		return []Problem{{p, n, len(key) + 2, fmt.Sprintf("empty %s: write the text after \"%s:\"", key, key)}}
	}
	fm.labels[key], fm.labelLines[key] = v, n
	return nil
}

// normalizeNewlines drops a UTF-8 byte order mark and turns CRLF into LF,
// so files saved by any editor parse the same.
func normalizeNewlines(s string) string {
	return strings.ReplaceAll(strings.TrimPrefix(s, "\ufeff"), "\r\n", "\n")
}

// unwrapPath drops the *fs.PathError wrapper, whose path the problem
// already names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Has reports whether the set holds a template called name.
func (s *Set) Has(name string) bool {
	_, ok := s.byName[name]
	return ok
}

// Names returns the names of the templates, sorted.
func (s *Set) Names() []string {
	names := make([]string, 0, len(s.byName))
	for n := range s.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Locales returns the locales template name exists in, sorted; nil when the
// template does not exist.
func (s *Set) Locales(name string) []string {
	byLocale, ok := s.byName[name]
	if !ok {
		return nil
	}
	locales := make([]string, 0, len(byLocale))
	for l := range byLocale {
		locales = append(locales, l)
	}
	sort.Strings(locales)
	return locales
}
