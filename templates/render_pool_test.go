package templates

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/outreach-dev/outreach"
)

func TestContainsHTMLTagMatchesLowerCaseSearch(t *testing.T) {
	for _, body := range []string{
		"", "<", "<htm", "<html", "<HTML lang=en>", "x<HtMl>", "<p>html</p>", "<<html", "< html",
		"<h1>Title</h1><htmx>", "\u212a<html>", "<\u0130tml>", "<p>a</p><BODY></BODY>", "<ht\u212al>",
	} {
		want := strings.Contains(strings.ToLower(body), "<html")
		if got := containsHTMLTag(body); got != want {
			t.Errorf("containsHTMLTag(%q) = %v, want %v", body, got, want)
		}
	}
}

// TestConcurrentRendersSeeTheirOwnData renders one template from many
// goroutines at once: every rendering must see its own data in the
// template functions (bound copies are pooled and reused).
func TestConcurrentRendersSeeTheirOwnData(t *testing.T) {
	set, err := Load(fstest.MapFS{
		"templates/t/en.txt":  {Data: []byte("---\nsubject: Hi {{firstName}}\n---\n{{greeting}} {{unsubscribeURL}}\n")},
		"templates/t/en.html": {Data: []byte("<p>{{greeting}}</p><p>{{.Contact.Email}}</p>")},
	}, "templates")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				d := SampleData(outreach.CategoryLifecycle, "en")
				name := fmt.Sprintf("P%dx%d", g, i)
				d.Contact.Name, d.Contact.Email = name+" Smith", name+"@example.com"
				d.UnsubscribeURL = "https://outreach.example.com/u/" + name
				r, err := set.Render("t", "en", d)
				if err != nil {
					t.Error(err)
					return
				}
				if r.Subject != "Hi "+name || !strings.Contains(r.Text, "Hi "+name+", "+d.UnsubscribeURL) ||
					!strings.Contains(r.HTML, "<p>Hi "+name+",</p><p>"+d.Contact.Email+"</p>") {
					t.Errorf("rendering %s saw another rendering's data:\n%s\n%s\n%s", name, r.Subject, r.Text, r.HTML)
					return
				}
			}
		}()
	}
	wg.Wait()
}
