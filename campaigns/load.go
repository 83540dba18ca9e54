package campaigns

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing/fstest"

	outreach "github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns/defaultpack"
	"github.com/outreach-dev/outreach/templates"
)

// Names of the parts of a pack.
const (
	PackFile     = "campaigns.yaml"        // the campaigns and the policy
	TemplatesDir = "templates"             // one folder per template, one file per locale
	FallbackLang = outreach.FallbackLocale // every template must have it
)

// DefaultName is how the embedded default pack is named in errors.
const DefaultName = "(built-in pack)"

// Loaded is a parsed, valid pack with its templates and the files it was
// read from.
type Loaded struct {
	Pack      *outreach.Pack
	Templates *templates.Set
	Files     map[string]string // slash path within the pack -> content, for storing
}

// PackAndTemplates returns the parsed pack and the renderer of its
// templates, as the dispatcher reads the active pack (dispatch depends on
// the domain, not on this package): nil, nil for a nil l.
func (l *Loaded) PackAndTemplates() (*outreach.Pack, outreach.Renderer) {
	if l == nil {
		return nil, nil
	}
	if l.Templates == nil {
		return l.Pack, nil
	}
	return l.Pack, l.Templates
}

// SurveyText returns what the survey campaign with key asks a reader of
// locale: its template's question and scale labels in the locale its email
// uses. ok is false for an unknown campaign or a template without a
// question (the survey page then asks its own generic question).
func (l *Loaded) SurveyText(campaign, locale string) (outreach.SurveyText, bool) {
	if l == nil || l.Pack == nil || l.Templates == nil {
		return outreach.SurveyText{}, false
	}
	c := l.Pack.Campaign(campaign)
	if c == nil {
		return outreach.SurveyText{}, false
	}
	return l.Templates.SurveyText(c.Template, locale)
}

// LoadDir loads and validates the pack in directory dir.
func LoadDir(dir string) (*Loaded, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("campaign pack %s: %w", dir, err)
	}
	return Load(os.DirFS(dir), dir)
}

// Default returns the pack embedded in the binary. It panics only when the
// embedded pack is invalid, which TestDefaultPackLoads prevents.
func Default() *Loaded {
	l, err := Load(defaultpack.FS, DefaultName)
	if err != nil {
		panic(fmt.Sprintf("embedded campaign pack is invalid:\n%v", err))
	}
	return l
}

// FromFiles re-loads a pack stored as path -> content (as in Loaded.Files),
// e.g. the active pack read back from the database.
func FromFiles(files map[string]string, name string) (*Loaded, error) {
	fsys := fstest.MapFS{}
	for p, content := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(content), Mode: 0o644}
	}
	return Load(fsys, name)
}

// Load parses and validates the pack in fsys: campaigns.yaml and
// templates/. name is shown in errors (e.g. the directory path). Every
// problem is reported at once in an *Errors.
func Load(fsys fs.FS, name string) (*Loaded, error) {
	errs := &Errors{}
	files, err := readFiles(fsys)
	if err != nil {
		return nil, fmt.Errorf("read campaign pack %s: %w", name, err)
	}
	yamlFile := displayPath(name, PackFile)
	src, ok := files[PackFile]
	if !ok {
		errs.add(yamlFile, 0, 0, "missing: a pack is a directory with campaigns.yaml and templates/ (`outreach init DIR` writes an example)")
		return nil, errs.err()
	}
	w := &walker{file: yamlFile, errs: errs}
	pack := &outreach.Pack{}
	var parsed []parsedCampaign
	if root := w.parseYAML([]byte(src)); root != nil {
		pack, parsed = w.parsePack(root)
	}
	set := loadTemplates(fsys, name, errs)
	checkTemplates(w, name, set, parsed, files)
	if err := errs.err(); err != nil {
		return nil, err
	}
	pack.Hash = Hash(files)
	return &Loaded{Pack: pack, Templates: set, Files: files}, nil
}

// readFiles returns campaigns.yaml and every file under templates/,
// skipping hidden files (.DS_Store, editor swap files) so they do not change
// the hash.
func readFiles(fsys fs.FS) (map[string]string, error) {
	files := map[string]string{}
	if b, err := fs.ReadFile(fsys, PackFile); err == nil {
		files[PackFile] = string(b)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	err := fs.WalkDir(fsys, TemplatesDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == TemplatesDir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll // reported by the templates check
			}
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != TemplatesDir {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files[p] = string(b)
		return nil
	})
	return files, err
}

// loadTemplates loads templates/ and maps its problems to file positions.
func loadTemplates(fsys fs.FS, name string, errs *Errors) *templates.Set {
	if _, err := fs.Stat(fsys, TemplatesDir); err != nil {
		errs.add(displayPath(name, TemplatesDir), 0, 0, "missing: a pack needs a templates/ directory with one folder per template (e.g. templates/nps/en.txt and en.html)")
		return nil
	}
	set, err := templates.Load(fsys, TemplatesDir)
	if err == nil {
		return set
	}
	var le *templates.LoadErrors
	if !errors.As(err, &le) {
		errs.add(displayPath(name, TemplatesDir), 0, 0, "%v", err)
		return nil
	}
	for _, p := range le.Errors {
		errs.add(templatePath(name, p.File), p.Line, p.Col, "%s", p.Message)
	}
	return nil
}

// templatePath maps a path reported by package templates (relative to the
// pack, "templates/nps/en.txt") to the path shown in errors.
func templatePath(name, p string) string {
	rel := path.Clean(filepath.ToSlash(p))
	if rel != TemplatesDir && !strings.HasPrefix(rel, TemplatesDir+"/") {
		rel = path.Join(TemplatesDir, rel)
	}
	return displayPath(name, rel)
}

// checkTemplates checks that every campaign's template exists, has the en
// fallback, and renders in each of its locales for a sample contact, and for
// one without the optional data the campaign does not guarantee. When
// templates/ did not load (set is nil), it still reports templates that do
// not exist at all.
func checkTemplates(w *walker, packName string, set *templates.Set, parsed []parsedCampaign, files map[string]string) {
	rendered := map[[2]string]error{} // (template+locale+sample, category) -> render result
	reported := map[templates.Problem]bool{}
	names := templateNames(files)
	for _, pc := range parsed {
		if pc.templateNode == nil || pc.Template == "" {
			continue
		}
		what := pc.what + " template"
		if set == nil {
			if !slices.Contains(names, pc.Template) {
				w.errorf(pc.templateNode, "%s: unknown template %q; add templates/%s/en.txt and en.html, or use one of: %s",
					what, pc.Template, pc.Template, strings.Join(names, ", "))
			}
			continue
		}
		if !set.Has(pc.Template) {
			w.errorf(pc.templateNode, "%s: unknown template %q; add templates/%s/en.txt and en.html, or use one of: %s",
				what, pc.Template, pc.Template, strings.Join(names, ", "))
			continue
		}
		locales := set.Locales(pc.Template)
		if !slices.Contains(locales, FallbackLang) {
			w.errorf(pc.templateNode, "%s: template %q has no %q version (it has %s): add templates/%s/en.html, the fallback for every other language",
				what, pc.Template, FallbackLang, strings.Join(locales, ", "), pc.Template)
		}
		if !pc.categoryOK {
			continue
		}
		for _, loc := range locales {
			// First a sample contact with every field set, then, when that
			// renders, one with only what the campaign guarantees: a real
			// contact may have no name, or an account without a renewal date.
			if renderSample(w, packName, set, &pc, loc, false, rendered, reported) {
				renderSample(w, packName, set, &pc, loc, true, rendered, reported)
				checkScale(w, set, &pc, loc)
			}
		}
	}
}

// renderSample renders the template of pc in locale loc with sample data
// (bare: without the optional data pc does not guarantee) and reports a
// failure, once per template position. It reports whether it rendered.
func renderSample(w *walker, packName string, set *templates.Set, pc *parsedCampaign, loc string, bare bool,
	rendered map[[2]string]error, reported map[templates.Problem]bool) bool {
	data, unset := sampleData(&pc.Campaign, loc, bare)
	k := [2]string{fmt.Sprintf("%s\x00%s\x00%t%s", pc.Template, loc, bare, unset), pc.Category}
	err, done := rendered[k]
	if !done {
		_, err = set.Render(pc.Template, loc, data)
		rendered[k] = err
	}
	sample := fmt.Sprintf("a sample %s contact", pc.Category)
	if bare {
		sample = fmt.Sprintf("a sample %s contact without optional data (no name, role or zone; an account with no name, plan%s)", pc.Category, unset)
	}
	var p *templates.Problem
	switch {
	case err == nil:
		return true
	case errors.As(err, &p) && p.File != "":
		// Point at the template line, once, naming the first campaign that needs it.
		if !reported[*p] {
			reported[*p] = true
			w.errs.add(templatePath(packName, p.File), p.Line, p.Col, "%s (rendering %s for %s of %s)", p.Message, loc, sample, pc.what)
		}
	default:
		w.errorf(pc.templateNode, "%s template: template %q (%s) fails to render with %s: %v", pc.what, pc.Template, loc, sample, err)
	}
	return false
}

// sampleScoreLink matches the sample survey links of templates.SampleData
// in a rendered email, capturing the score.
var sampleScoreLink = regexp.MustCompile(`/s/sample-survey-token\?score=(\d+)`)

// checkScale reports a survey campaign whose template, in locale loc, does
// not show the whole 0-10 answer scale in both its text and HTML parts: such
// a survey reaches people who cannot answer it.
func checkScale(w *walker, set *templates.Set, pc *parsedCampaign, loc string) {
	if pc.Category != outreach.CategorySurvey {
		return
	}
	r, err := set.Render(pc.Template, loc, templates.SampleData(pc.Category, loc))
	if err != nil {
		return // reported by renderSample
	}
	for _, part := range []struct{ name, body, ext string }{{"text", r.Text, "txt"}, {"HTML", r.HTML, "html"}} {
		seen := map[string]bool{}
		for _, m := range sampleScoreLink.FindAllStringSubmatch(part.body, -1) {
			seen[m[1]] = true
		}
		for score := 0; score <= 10; score++ {
			if !seen[strconv.Itoa(score)] {
				w.errorf(pc.templateNode, "%s template: template %q (%s) has no 0-10 answer scale in its %s part (score %d has no link): add {{npsScale}} to templates/%s/%s.%s, or nobody can answer this survey",
					pc.what, pc.Template, loc, part.name, score, pc.Template, r.Locale, part.ext)
				break
			}
		}
	}
}

// sampleData returns the data a template of c is validated with in locale
// loc: templates.SampleData, or with bare templates.BareSampleData plus
// what c's audience guarantees (renewal_within: the renewal date;
// anniversary: the start date). The second result ends the description of
// the bare data (", renewal date or start date" when it has neither).
func sampleData(c *outreach.Campaign, loc string, bare bool) (*templates.Data, string) {
	full := templates.SampleData(c.Category, loc)
	if !bare {
		return full, ""
	}
	d := templates.BareSampleData(c.Category, loc)
	var unset []string
	if c.Trigger.Audience.RenewalWithin > 0 {
		d.Account.RenewalDate = full.Account.RenewalDate
	} else {
		unset = append(unset, "renewal date")
	}
	if c.Trigger.Audience.Anniversary != "" {
		d.Account.StartedAt = full.Account.StartedAt
	} else {
		unset = append(unset, "start date")
	}
	switch len(unset) {
	case 0:
		return d, ""
	case 1:
		return d, " or " + unset[0]
	}
	return d, ", " + unset[0] + " or " + unset[1]
}

// templateNames lists the folders of templates/, for "use one of" hints.
func templateNames(files map[string]string) []string {
	var names []string
	for p := range files {
		rest, ok := strings.CutPrefix(p, TemplatesDir+"/")
		if dir, _, nested := strings.Cut(rest, "/"); ok && nested && !slices.Contains(names, dir) {
			names = append(names, dir)
		}
	}
	slices.Sort(names)
	return names
}

// displayPath joins the pack's name and a slash path inside it for errors.
func displayPath(name, rel string) string {
	if name == "" {
		return rel
	}
	return filepath.Join(name, filepath.FromSlash(rel))
}

// Hash returns the content hash of a pack's files: SHA-256 over the sorted
// paths and their contents, hex-encoded. It does not depend on map order or
// on where the pack was read from.
func Hash(files map[string]string) string {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	h := sha256.New()
	for _, p := range paths {
		// Length prefixes keep ("a", "bc") and ("ab", "c") apart.
		fmt.Fprintf(h, "%d:%s%d:", len(p), p, len(files[p]))
		h.Write([]byte(files[p]))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// WriteDefault writes the embedded default pack into dir (created when
// missing). It refuses to overwrite: when any of its files already exists,
// nothing is written.
func WriteDefault(dir string) error {
	var paths []string
	err := fs.WalkDir(defaultpack.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read embedded pack: %w", err)
	}
	var existing []string
	for _, p := range paths {
		target := filepath.Join(dir, filepath.FromSlash(p))
		if _, err := os.Lstat(target); err == nil {
			existing = append(existing, target)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("init %s: %w", dir, err)
		}
	}
	if len(existing) > 0 {
		return outreach.Errorf(outreach.ECONFLICT, "%s already exists (%d of the pack's %d files do); refusing to overwrite: choose an empty or new directory", existing[0], len(existing), len(paths))
	}
	for _, p := range paths {
		if err := writeNew(dir, p); err != nil {
			return fmt.Errorf("init %s: %w", dir, err)
		}
	}
	return nil
}

// writeNew copies embedded file p into dir, failing if it exists.
func writeNew(dir, p string) error {
	b, err := fs.ReadFile(defaultpack.FS, p)
	if err != nil {
		return err
	}
	target := filepath.Join(dir, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
