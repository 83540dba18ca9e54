package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/outreach-dev/outreach"
)

// files holds the page templates (one per page, each defining "content"
// inside layout.html) and the static files.
//
//go:embed templates/*.html static/*
var files embed.FS

// view is what the layout renders: the page's own data is Data.
type view struct {
	Lang    string
	Title   string
	Member  *outreach.TeamMember
	CSRF    string
	Nav     []navLink
	Message string // the error page's text
	Status  int
	Data    any
}

// T translates a message id into the page's language.
func (v *view) T(id string) string { return translate(v.Lang, id) }

// part is what a shared template (templates/_NAME.html) gets from
// {{template "NAME" part $ ITEM}}: the page's view, for its messages, and
// the item it shows.
type part struct {
	V    *view
	Item any
}

// navLink is one entry of the navigation, for the signed-in member's role.
type navLink struct {
	Href, Label string
	Current     bool
}

// navItem is an entry of the navigation and the roles that see it.
type navItem struct {
	Path  string
	Label string // message id
	Roles []string
}

// nav lists the sections in the order of the navigation bar. A page
// that is a section adds its entry here.
var nav = []navItem{
	{Path: "/", Label: "nav.home"},
	{Path: "/campaigns", Label: "nav.campaigns", Roles: []string{outreach.RoleMarketing}},
	{Path: "/pack", Label: "nav.pack", Roles: []string{outreach.RoleMarketing}},
	{Path: "/accounts", Label: "nav.accounts", Roles: []string{outreach.RoleCS}},
	{Path: "/cases", Label: "nav.cases", Roles: []string{outreach.RoleCS}},
	{Path: "/nps", Label: "nav.nps"},
	{Path: "/contacts", Label: "nav.contacts", Roles: []string{outreach.RoleCS}},
	{Path: "/suppressions", Label: "nav.suppressions", Roles: []string{outreach.RoleCS}},
	{Path: "/audit", Label: "nav.audit", Roles: []string{outreach.RoleAdmin}},
}

// navFor returns the navigation of c's member, marking the current section.
func navFor(c *Context) []navLink {
	var out []navLink
	for _, it := range nav {
		if !c.Allowed(it.Roles) {
			continue
		}
		href := Prefix + it.Path
		cur := c.Path == href || (it.Path != "/" && strings.HasPrefix(c.Path, href+"/"))
		out = append(out, navLink{Href: href, Label: translate(c.Lang, it.Label), Current: cur})
	}
	return out
}

// mustTemplates parses layout.html and the shared parts (_NAME.html) with
// each page template.
func mustTemplates(st *staticFiles) map[string]*template.Template {
	funcs := template.FuncMap{"static": st.url, "part": func(v *view, item any) part { return part{V: v, Item: item} },
		"accountURL": accountURL, "contactURL": contactURL}
	names, err := fs.Glob(files, "templates/*.html")
	check(err, "list templates")
	out := map[string]*template.Template{}
	for _, n := range names {
		if base := path.Base(n); base == "layout.html" || strings.HasPrefix(base, "_") {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/_*.html", n)
		check(err, "parse "+n)
		out[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return out
}

// render writes the page template name with data inside the layout.
// title is the message id of the page's title.
func (s *Server) render(w http.ResponseWriter, r *http.Request, c *Context, status int, name, title string, data any) {
	s.renderView(w, r, name, status, &view{Lang: c.Lang, Title: translate(c.Lang, title), Data: data}, c)
}

func (s *Server) renderView(w http.ResponseWriter, r *http.Request, name string, status int, v *view, c *Context) {
	if c != nil && c.Session != nil {
		v.Member, v.CSRF, v.Nav = &c.Member, c.Session.CSRF, navFor(c)
	}
	v.Status = status
	t, ok := s.pages[name]
	var buf bytes.Buffer
	if !ok {
		s.Logger.Error("console: no template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.Execute(&buf, v); err != nil {
		s.Logger.Error("console: render", "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// renderError writes the error page with the message id msg.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, c *Context, status int, msg string) {
	s.renderErrorText(w, r, c, status, msg, "")
}

// renderErrorText writes the error page: title msg, and detail (text
// from the domain error) when not empty.
func (s *Server) renderErrorText(w http.ResponseWriter, r *http.Request, c *Context, status int, msg, detail string) {
	if c == nil {
		c = &Context{Lang: requestLang(r), Path: r.URL.Path}
	}
	v := &view{Lang: c.Lang, Title: translate(c.Lang, msg), Message: detail}
	s.renderView(w, r, "error", status, v, c)
}

// staticFiles serves the embedded CSS and JavaScript under names that
// carry a hash of their content, cached for a year.
type staticFiles struct {
	byName map[string]string // "console.css" -> "console.3f2a….css"
	byHash map[string][]byte // hashed name -> content
}

func mustStatic() *staticFiles {
	st := &staticFiles{byName: map[string]string{}, byHash: map[string][]byte{}}
	names, err := fs.Glob(files, "static/*")
	check(err, "list static files")
	for _, n := range names {
		b, err := files.ReadFile(n)
		check(err, "read "+n)
		sum := sha256.Sum256(b)
		base := path.Base(n)
		ext := path.Ext(base)
		hashed := strings.TrimSuffix(base, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		st.byName[base], st.byHash[hashed] = hashed, b
	}
	return st
}

// url returns the path of a static file by its plain name.
func (st *staticFiles) url(name string) string {
	h, ok := st.byName[name]
	if !ok {
		panic("console: no static file " + name) // a template typo, caught by every page test
	}
	return Prefix + "/static/" + h
}

// ServeHTTP serves a static file by its hashed name.
func (st *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, Prefix+"/static/")
	b, ok := st.byHash[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	switch path.Ext(name) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case ".svg":
		w.Header().Set("Content-Type", "image/svg+xml")
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(b)
}
