package console

import (
	"io/fs"
	"regexp"
	"testing"
)

// TestEveryMessageIDHasEnglish holds every {{.T "id"}} / {{$.T "id"}} of the
// templates and every id of nav to the English catalogue, so no page shows
// a bare message id.
func TestEveryMessageIDHasEnglish(t *testing.T) {
	re := regexp.MustCompile(`\.T "([^"]+)"`)
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil || len(names) == 0 {
		t.Fatalf("templates: %v %v", names, err)
	}
	for _, n := range names {
		b, _ := files.ReadFile(n)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if _, ok := catalogue["en"][m[1]]; !ok {
				t.Errorf("%s: message id %q is not in the English catalogue", n, m[1])
			}
		}
	}
	for _, it := range nav {
		if _, ok := catalogue["en"][it.Label]; !ok {
			t.Errorf("nav %s: message id %q is not in the English catalogue", it.Path, it.Label)
		}
	}
	for lang, msgs := range catalogue {
		for id := range msgs {
			if _, ok := catalogue["en"][id]; !ok {
				t.Errorf("%s has %q, which English lacks", lang, id)
			}
		}
	}
}
