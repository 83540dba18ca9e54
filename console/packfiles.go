package console

import (
	"archive/tar"
	"errors"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
)

// Bounds of a pack edited in the browser: the request body, the number of
// files and a file's size.
const (
	maxPackBody  = 4 << 20
	maxPackFiles = 200
	maxPackFile  = 512 << 10
)

// fileField prefixes the form field of each pack file: "file:templates/x/en.html".
const fileField = "file:"

// packProblem is one validation error of a draft, at its file and line.
type packProblem struct {
	File      string `json:"file"`
	Line      int    `json:"line"`
	Col       int    `json:"col"`
	Message   string `json:"message"`
	Formatted string `json:"formatted"` // FILE:LINE:COL: message
}

// loadedCache keeps the packs validateFiles loaded, by content hash:
// loading renders every template with sample data (tens of ms), and the
// preview and forecast load the same active pack and drafts again and
// again. A loaded pack is only read afterwards.
var loadedCache = struct {
	sync.Mutex
	m     map[string]*campaigns.Loaded
	bytes int // the source bytes of the packs in m
}{m: map[string]*campaigns.Loaded{}}

// maxLoadedCache and maxLoadedCacheBytes bound loadedCache, by packs and
// by their files' bytes (a loaded pack takes about ten times its source:
// sixteen 4 MiB drafts kept 640 MB); when full it starts again empty.
const (
	maxLoadedCache      = 16
	maxLoadedCacheBytes = 8 << 20
)

// packBytes is the size of a pack's files.
func packBytes(files map[string]string) int {
	n := 0
	for p, c := range files {
		n += len(p) + len(c)
	}
	return n
}

// validateFiles loads files with the real campaigns loader and returns the
// loaded pack, or its problems by file and line.
func validateFiles(files map[string]string) (*campaigns.Loaded, []packProblem) {
	hash := campaigns.Hash(files)
	loadedCache.Lock()
	l, ok := loadedCache.m[hash]
	loadedCache.Unlock()
	if ok {
		return l, nil
	}
	loaded, err := campaigns.FromFiles(files, "")
	if err == nil {
		size := packBytes(files)
		loadedCache.Lock()
		if len(loadedCache.m) >= maxLoadedCache || loadedCache.bytes+size > maxLoadedCacheBytes {
			clear(loadedCache.m)
			loadedCache.bytes = 0
		}
		if size <= maxLoadedCacheBytes {
			loadedCache.m[hash] = loaded
			loadedCache.bytes += size
		}
		loadedCache.Unlock()
		return loaded, nil
	}
	var errs *campaigns.Errors
	if !errors.As(err, &errs) {
		return nil, []packProblem{{File: campaigns.PackFile, Message: err.Error(), Formatted: err.Error()}}
	}
	out := make([]packProblem, len(errs.List))
	for i, p := range errs.List {
		out[i] = packProblem{File: p.File, Line: p.Line, Col: p.Col, Message: p.Message, Formatted: p.String()}
	}
	return nil, out
}

// checkPackPath refuses a path that is not campaigns.yaml or a file under
// templates/.
func checkPackPath(p string) error {
	clean := path.Clean(p)
	if clean != p || strings.HasPrefix(p, "/") || strings.Contains(p, "..") || strings.ContainsAny(p, "\\\x00") {
		return outreach.Errorf(outreach.EINVALID, "file %q: use a plain relative path such as templates/welcome/en.html", p)
	}
	if p != campaigns.PackFile && !strings.HasPrefix(p, campaigns.TemplatesDir+"/") {
		return outreach.Errorf(outreach.EINVALID, "file %q: a pack holds %s and files under %s/ only", p, campaigns.PackFile, campaigns.TemplatesDir)
	}
	return nil
}

// formFiles reads the pack files of an editor form: a field per file
// (fileField + path), and new_path/new_content for a file added.
func formFiles(w http.ResponseWriter, r *http.Request) (map[string]string, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxPackBody)
	if err := r.ParseMultipartForm(maxPackBody); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return nil, outreach.Errorf(outreach.EINVALID, "the form is too large or malformed (at most %d MiB)", maxPackBody>>20)
	}
	if r.PostForm == nil {
		if err := r.ParseForm(); err != nil {
			return nil, outreach.Errorf(outreach.EINVALID, "the form is too large or malformed (at most %d MiB)", maxPackBody>>20)
		}
	}
	files := map[string]string{}
	for k, v := range r.PostForm {
		p, ok := strings.CutPrefix(k, fileField)
		if !ok || len(v) == 0 {
			continue
		}
		if err := addFile(files, p, v[0]); err != nil {
			return nil, err
		}
	}
	if p := strings.TrimSpace(r.PostFormValue("new_path")); p != "" {
		if _, dup := files[p]; dup {
			return nil, outreach.Errorf(outreach.EINVALID, "new file %q: the draft already has it", p)
		}
		if err := addFile(files, p, r.PostFormValue("new_content")); err != nil {
			return nil, err
		}
	}
	for _, p := range strings.Fields(r.PostFormValue("delete")) {
		delete(files, p)
	}
	return files, nil
}

func addFile(files map[string]string, p, content string) error {
	if err := checkPackPath(p); err != nil {
		return err
	}
	if len(content) > maxPackFile {
		return outreach.Errorf(outreach.EINVALID, "file %s: %d KiB, at most %d KiB", p, len(content)>>10, maxPackFile>>10)
	}
	if len(files) >= maxPackFiles {
		return outreach.Errorf(outreach.EINVALID, "at most %d files in a pack", maxPackFiles)
	}
	// Browsers send textarea text with CRLF line ends; the pack keeps LF.
	files[p] = strings.ReplaceAll(content, "\r\n", "\n")
	return nil
}

// sortedPaths returns the paths of files, campaigns.yaml first.
func sortedPaths(files map[string]string) []string {
	out := make([]string, 0, len(files))
	for p := range files {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b string) int {
		if a == campaigns.PackFile {
			return -1
		}
		if b == campaigns.PackFile {
			return 1
		}
		return strings.Compare(a, b)
	})
	return out
}

// writeTar writes files as a tar archive under dir/, for a commit to git.
func writeTar(w http.ResponseWriter, dir string, files map[string]string) error {
	w.Header().Set("Content-Type", "application/x-tar")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.tar"`, dir))
	tw := tar.NewWriter(w)
	for _, p := range sortedPaths(files) {
		b := []byte(files[p])
		if err := tw.WriteHeader(&tar.Header{Name: dir + "/" + p, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		if _, err := tw.Write(b); err != nil {
			return err
		}
	}
	return tw.Close()
}
