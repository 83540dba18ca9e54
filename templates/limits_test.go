package templates_test

import (
	"strings"
	"testing"

	"github.com/outreach-dev/outreach/templates"
)

// TestTemplateWorkIsBounded: a pack template is typed by whoever may edit
// the pack in the console, and the console validates it as they type by
// rendering it. A few bytes of template must not take the server's memory
// or a core: a loop over a number, loops nested past MaxRangeItems, output
// past MaxRenderBytes and templates calling templates are problems at
// their line, found quickly; a loop over a list of the data still works.
func TestTemplateWorkIsBounded(t *testing.T) {
	sep := strings.Repeat("x", 100)
	fsys := pack(map[string]string{
		// {{define}}/{{template}}: fan-out without bound (2^N calls)
		"calls/en.txt":  "---\nsubject: Hi\n---\nbody\n{{define \"a\"}}x{{end}}{{template \"a\" .}}\n",
		"calls/en.html": okHTML,
		"block/en.txt":  okTxt,
		"block/en.html": "<p>hi</p>\n\n{{block \"b\" .}}x{{end}}\n",
	})
	problems := loadProblems(t, fsys)
	for _, want := range []struct {
		path      string
		line, col int
		msg       string
	}{
		{"templates/calls/en.txt", 5, 0, `{{template "a"}} is not allowed`},
		{"templates/block/en.html", 3, 0, `{{template "b"}} is not allowed`},
	} {
		if !hasProblem(problems, want.path, want.line, want.col, want.msg) {
			t.Errorf("no problem %s:%d:%d: %s in %v", want.path, want.line, want.col, want.msg, problems)
		}
	}

	set, err := templates.Load(pack(map[string]string{
		// a loop over a number: 3 million iterations without output
		"count/en.txt":  "---\nsubject: Hi\n---\nbody\n{{range $i := 3000000}}{{end}}\n",
		"count/en.html": okHTML,
		// the same loop writing 300 MB
		"big/en.txt":  okTxt,
		"big/en.html": "<p>hi</p>\n{{range 3000000}}" + sep + "{{end}}\n",
		// a 2 MiB text without any loop
		"long/en.txt":  "---\nsubject: Hi\n---\n" + strings.Repeat(sep+"\n", 21000),
		"long/en.html": okHTML,
		// nested loops over the 11 survey links: 14,641 iterations
		"nested/en.txt":  "---\nsubject: Hi\n---\n{{range .SurveyLinks}}{{range $.SurveyLinks}}{{range $.SurveyLinks}}{{range $.SurveyLinks}}.{{end}}{{end}}{{end}}{{end}}\n",
		"nested/en.html": okHTML,
		// a loop over the data's list: fine
		"links/en.txt":  "---\nsubject: Hi\n---\n{{range $i, $l := .SurveyLinks}}{{$i}}={{$l}}\n{{end}}",
		"links/en.html": "<p>{{range .SurveyLinks}}<a href=\"{{.}}\">x</a>{{else}}none{{end}}</p>\n",
	}), "templates")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, file, msg string }{
		{"count", "templates/count/en.txt:5:", "range over a number (3000000) is not allowed"},
		{"big", "templates/big/en.html:2:", "range over a number (3000000) is not allowed"},
		{"long", "templates/long/en.txt:4:", "renders more than 1024 KiB"},
		{"nested", "templates/nested/en.txt:4:", "more than 1000 items"},
	} {
		_, err := set.Render(c.name, "en", templates.SampleData("survey", "en"))
		if err == nil || !strings.Contains(err.Error(), c.file) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("render %s: %v, want %s ... %s", c.name, err, c.file, c.msg)
		}
	}
	out, err := set.Render("links", "en", templates.SampleData("survey", "en"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.Text, "10=") || strings.Count(out.HTML, ">x</a>") != 11 {
		t.Errorf("a loop over the survey links renders:\n%s\n%s", out.Text, out.HTML)
	}
}
