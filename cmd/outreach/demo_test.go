package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/syncbuf"
)

func TestDemoNoServe(t *testing.T) {
	dir, outbox := t.TempDir(), t.TempDir()
	env := map[string]string{"OUTREACH_OUTBOX_DIR": outbox}
	r := run(t, env, "demo", "--accounts", "30", "--days", "21", "--seed", "3", "--dir", dir, "--no-serve")
	if r.err != nil {
		t.Fatalf("demo: %v\n%s\n%s", r.err, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"database: " + filepath.Join(dir, "outreach.db"),
		"customers: 30 accounts",
		"the 21 days up to now, seed 3",
		"campaign             category",
		"survey answers: ",
		"digests: ",
		"── the latest digest of ",
		"Subject: Customer digest",
		"FEEDBACK",
		"done in ",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the demo did not print %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "ready in") || strings.Contains(r.stdout, "API token") {
		t.Errorf("--no-serve still offered the API:\n%s", r.stdout)
	}

	// The printed count is the number of .eml files written.
	m := regexp.MustCompile(`\n(\d+) emails \((\d+) to customers, (\d+) digests to CSMs\) written as .eml files into (\S+)\n`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no email count in:\n%s", r.stdout)
	}
	all, err := filepath.Glob(filepath.Join(outbox, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string // alert-*.eml are written after the count
	for _, f := range all {
		if !strings.HasPrefix(filepath.Base(f), "alert-") {
			files = append(files, f)
		}
	}
	if n, _ := strconv.Atoi(m[1]); n == 0 || n != len(files) || m[4] != outbox {
		t.Errorf("printed %s emails into %s; %d .eml files in %s", m[1], m[4], len(files), outbox)
	}
	digests, _ := filepath.Glob(filepath.Join(outbox, "digest-*.eml"))
	if d, _ := strconv.Atoi(m[3]); d == 0 || d != len(digests) {
		t.Errorf("printed %s digests, %d digest files", m[3], len(digests))
	}
	if b, err := os.ReadFile(digests[0]); err != nil || !bytes.Contains(b, []byte("Subject: ")) {
		t.Errorf("digest file %s: %v", digests[0], err)
	}

	// The answers are in the database the demo leaves behind.
	db := openDB(t, map[string]string{"OUTREACH_DATABASE_URL": "sqlite:" + filepath.Join(dir, "outreach.db")})
	rep, err := db.NPS(context.Background(), outreach.NPSFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Responses == 0 || rep.SurveysSent == 0 || !strings.Contains(r.stdout, "survey answers: "+strconv.Itoa(rep.Responses)+", ") {
		t.Errorf("NPS in the database %+v; the demo printed:\n%s", rep, r.stdout)
	}
	if lines := strings.Count(mustRead(t, filepath.Join(dir, "decisions.jsonl")), "\n"); lines == 0 {
		t.Error("the decision log is empty")
	}

	// A second demo in the same directory refuses to mix its data in.
	r = run(t, map[string]string{"OUTREACH_OUTBOX_DIR": t.TempDir()}, "demo", "--accounts", "5", "--days", "2", "--dir", dir, "--no-serve")
	if r.err == nil || !strings.Contains(r.err.Error(), "already holds a demo database") {
		t.Errorf("second demo in %s: %v", dir, r.err)
	}
}

func TestDigestHead(t *testing.T) {
	text := "Title\nperiod\n\n\nA\na1\na2\n\n\nB\nb1\n\n\nC\nc1\nc2\nc3\n"
	for _, tc := range []struct {
		max  int
		head string
		rest int
	}{
		{100, strings.TrimRight(text, "\n"), 0},
		{1, "Title\nperiod", 15}, // the first section always
		{7, "Title\nperiod\n\n\nA\na1\na2", 10},
		{10, "Title\nperiod\n\n\nA\na1\na2", 10},
		{11, "Title\nperiod\n\n\nA\na1\na2\n\n\nB\nb1", 6},
		{16, "Title\nperiod\n\n\nA\na1\na2\n\n\nB\nb1", 6},
	} {
		head, rest := digestHead(text, tc.max)
		if head != tc.head || rest != tc.rest {
			t.Errorf("max %d: %q, %d more; want %q, %d more", tc.max, head, rest, tc.head, tc.rest)
		}
	}
}

func TestDemoServes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncbuf.Buffer{}
	m := NewMain()
	m.Stdout, m.Stderr = out, io.Discard
	env := map[string]string{"OUTREACH_HTTP_ADDR": "127.0.0.1:0", "OUTREACH_OUTBOX_DIR": t.TempDir()}
	m.Getenv = func(k string) string { return env[k] }
	m.Now = func() time.Time { return testNow } // a fixed window: the same customers answer the same
	listening := make(chan string, 1)
	m.OnListen = func(addr string) { listening <- addr }
	if err := m.ParseFlags(ctx, []string{"demo", "--accounts", "40", "--days", "30", "--dir", t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	defer m.Close()
	var addr string
	select {
	case addr = <-listening:
	case err := <-done:
		t.Fatalf("the demo stopped before serving: %v\n%s", err, out.String())
	}
	printed := out.String()
	token := regexp.MustCompile(`API token \(admin\): (\S+)`).FindStringSubmatch(printed)
	contact := regexp.MustCompile(`/api/v1/contacts/(\S+)/timeline`).FindStringSubmatch(printed)
	if token == nil || contact == nil || !strings.Contains(printed, "ready in ") || !strings.Contains(printed, "curl -s http://"+addr+"/healthz") {
		t.Fatalf("no token, timeline command or ready line for %s in:\n%s", addr, printed)
	}

	get := func(path, bearer string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if code, _ := get("/healthz", ""); code != http.StatusOK {
		t.Errorf("GET /healthz: %d", code)
	}
	// The printed console link signs in the demo's admin.
	link := regexp.MustCompile(`http://\S+/console/auth/\S+`).FindString(printed)
	if link == "" || !strings.HasPrefix(link, "http://"+addr+"/") {
		t.Fatalf("no console link on %s in:\n%s", addr, printed)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	if resp, err := browser.PostForm(link, nil); err != nil || resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/console/" {
		t.Fatalf("console link: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if resp, err := browser.Get("http://" + addr + "/console/audit"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the demo's admin on /console/audit: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	path := "/api/v1/contacts/" + contact[1] + "/timeline"
	if code, _ := get(path, ""); code != http.StatusUnauthorized {
		t.Errorf("timeline without a token: %d, want 401", code)
	}
	code, body := get(path, token[1])
	var tl outreach.Timeline
	if code != http.StatusOK || json.Unmarshal(body, &tl) != nil || tl.Contact.Email != contact[1] || len(tl.Deliveries) == 0 {
		t.Errorf("timeline of %s: %d %s", contact[1], code, body)
	}
	if link := regexp.MustCompile(`open it in a browser to answer\): (\S+)`).FindStringSubmatch(printed); link == nil {
		t.Errorf("no survey link in:\n%s", printed)
	} else if code, page := get(strings.TrimPrefix(link[1], "http://"+addr), ""); code != http.StatusOK || !regexp.MustCompile(`<p class="sender">[^<]*Outreach</p>`).Match(page) {
		t.Errorf("survey link %s: %d; want the page naming the sender (OUTREACH_MAIL_FROM's name):\n%s", link[1], code, page)
	}
	// serve wires the list routes: the contact's deliveries, as the timeline has them.
	var list struct {
		Items      []outreach.DeliveryItem `json:"items"`
		NextCursor *string                 `json:"next_cursor"`
	}
	code, body = get("/api/v1/deliveries?limit=1000&contact="+contact[1], token[1])
	if code != http.StatusOK || json.Unmarshal(body, &list) != nil || len(list.Items) != len(tl.Deliveries) || list.NextCursor != nil {
		t.Errorf("GET /api/v1/deliveries?contact=%s: %d, %d items, want the timeline's %d\n%s", contact[1], code, len(list.Items), len(tl.Deliveries), body)
	}

	// The printed NPS is the one the printed NPS request answers: over NPS
	// answers only, the CSAT answers apart.
	npsPath := regexp.MustCompile(`'http://[^/]+(/api/v1/nps\?from=\S+)'`).FindStringSubmatch(printed)
	npsLine := regexp.MustCompile(`\n  NPS surveys: +(\d+) answers?, NPS ([+-]\d+) `).FindStringSubmatch(printed)
	csatLine := regexp.MustCompile(`\n  CSAT surveys: (\d+) answers?, average `).FindStringSubmatch(printed)
	if npsPath == nil || npsLine == nil || csatLine == nil {
		t.Fatalf("no NPS request, NPS line or CSAT line in:\n%s", printed)
	}
	var api struct {
		Promoters  int      `json:"promoters"`
		Detractors int      `json:"detractors"`
		Responses  int      `json:"responses"`
		Excluded   []string `json:"excluded_campaigns"`
	}
	code, body = get(npsPath[1], token[1])
	if code != http.StatusOK || json.Unmarshal(body, &api) != nil {
		t.Fatalf("GET %s: %d %s", npsPath[1], code, body)
	}
	if n, _ := strconv.Atoi(npsLine[1]); n != api.Responses || api.Responses == 0 ||
		npsLine[2] != fmt.Sprintf("%+.0f", math.Round(100*float64(api.Promoters-api.Detractors)/float64(api.Responses))) {
		t.Errorf("printed NPS %s over %s answers; the API says %+v", npsLine[2], npsLine[1], api)
	}
	var csat struct {
		Responses int `json:"responses"`
	}
	code, body = get(npsPath[1]+"&campaign=csat-support", token[1])
	if code != http.StatusOK || json.Unmarshal(body, &csat) != nil {
		t.Fatalf("GET csat-support: %d %s", code, body)
	}
	if n, _ := strconv.Atoi(csatLine[1]); n != csat.Responses || n == 0 || !slices.Contains(api.Excluded, "csat-support") {
		t.Errorf("printed %s CSAT answers; the API counts %d for csat-support and excludes %v", csatLine[1], csat.Responses, api.Excluded)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("demo after cancel: %v", err)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The demo names the digest's owner with their account count: "(1
// account)", not "(1 accounts)".
func TestDemoDigestOwnerOfOneAccount(t *testing.T) {
	env := map[string]string{"OUTREACH_OUTBOX_DIR": t.TempDir()}
	r := run(t, env, "demo", "--accounts", "1", "--days", "8", "--dir", t.TempDir(), "--no-serve")
	if r.err != nil {
		t.Fatalf("demo: %v\n%s\n%s", r.err, r.stdout, r.stderr)
	}
	if !regexp.MustCompile(`(── the latest digest of \S+ \(1 account\), sent |\n\S+ \(1 account\) was sent no digest)`).MatchString(r.stdout) {
		t.Errorf("the demo's digest heading does not say \"(1 account)\":\n%s", r.stdout)
	}
}

func TestDemoFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--days", "200000"}, "--days 1 to 3660"},
		{[]string{"--days", "-3"}, "--days 1 to 3660"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		dir := t.TempDir()
		r := run(t, map[string]string{"OUTREACH_OUTBOX_DIR": t.TempDir()}, append([]string{"demo", "--accounts", "2", "--dir", dir, "--no-serve"}, tc.args...)...)
		if r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
			t.Errorf("demo %v: %v, want an error saying %q", tc.args, r.err, tc.want)
		}
		if _, err := os.Stat(filepath.Join(dir, "outreach.db")); err == nil {
			t.Errorf("demo %v created a database before refusing its flags", tc.args)
		}
	}
}

func TestDemoSingular(t *testing.T) {
	r := run(t, map[string]string{"OUTREACH_OUTBOX_DIR": t.TempDir()}, "demo", "--accounts", "1", "--days", "1", "--dir", t.TempDir(), "--no-serve")
	if r.err != nil {
		t.Fatalf("demo: %v\n%s", r.err, r.stdout)
	}
	for _, want := range []string{"customers: 1 account, ", "the 1 day up to now", "simulating 1 day "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("no %q in:\n%s", want, r.stdout)
		}
	}
	if m := badPlural.FindAllString(r.stdout, -1); m != nil {
		t.Errorf("plural nouns after a count of one %q in:\n%s", m, r.stdout)
	}
}

// TestDemoOutbox checks that two demo runs never mix their emails: by
// default each writes into an outbox in its own directory, and an outbox
// named by OUTREACH_OUTBOX_DIR that holds emails already is refused.
func TestDemoOutbox(t *testing.T) {
	emls := func(dir string) int {
		t.Helper()
		files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
		if err != nil {
			t.Fatal(err)
		}
		return len(files)
	}
	count := regexp.MustCompile(`\n(\d+) emails \(.*\) written as .eml files into (\S+)\n`)
	dirs := []string{t.TempDir(), t.TempDir()}
	for _, dir := range dirs {
		r := run(t, nil, "demo", "--accounts", "5", "--days", "7", "--dir", dir, "--no-serve")
		m := count.FindStringSubmatch(r.stdout)
		if r.err != nil || m == nil {
			t.Fatalf("demo in %s: %v\n%s", dir, r.err, r.stdout)
		}
		outbox := filepath.Join(dir, "outbox")
		if n, _ := strconv.Atoi(m[1]); n == 0 || n != emls(outbox) || m[2] != outbox {
			t.Errorf("printed %s emails into %s; %d .eml files in %s", m[1], m[2], emls(outbox), outbox)
		}
	}
	if a, b := emls(filepath.Join(dirs[0], "outbox")), emls(filepath.Join(dirs[1], "outbox")); a != b {
		t.Errorf("the same demo wrote %d, then %d emails: the second run changed the first one's outbox", a, b)
	}

	outbox := t.TempDir()
	env := map[string]string{"OUTREACH_OUTBOX_DIR": outbox}
	if r := run(t, env, "demo", "--accounts", "5", "--days", "7", "--dir", t.TempDir(), "--no-serve"); r.err != nil {
		t.Fatal(r.err)
	}
	before := emls(outbox)
	second := t.TempDir()
	r := run(t, env, "demo", "--accounts", "5", "--days", "7", "--dir", second, "--no-serve")
	if r.err == nil || !strings.Contains(r.err.Error(), "the outbox "+outbox+" already holds "+strconv.Itoa(before)+" .eml files") {
		t.Errorf("second demo into %s: %v", outbox, r.err)
	}
	if emls(outbox) != before {
		t.Errorf("the refused demo changed the outbox: %d .eml files, then %d", before, emls(outbox))
	}
	if _, err := os.Stat(filepath.Join(second, "outreach.db")); err == nil {
		t.Error("the refused demo created a database")
	}
}

// TestDemoClosesTheLoop: the demo's detractors produce alert emails in the
// outbox and follow-up cases, which lead the owner's digest.
func TestDemoClosesTheLoop(t *testing.T) {
	dir, outbox := t.TempDir(), t.TempDir()
	r := run(t, map[string]string{"OUTREACH_OUTBOX_DIR": outbox}, "demo", "--accounts", "60", "--days", "60", "--seed", "2", "--dir", dir, "--no-serve")
	if r.err != nil {
		t.Fatalf("demo: %v\n%s\n%s", r.err, r.stdout, r.stderr)
	}
	m := regexp.MustCompile(`alerts: (\d+) alert emails? to owners \(rule "detractor": NPS 0-6\), follow-up cases: (\d+) open, (\d+) overdue`).FindStringSubmatch(r.stdout)
	if m == nil || m[1] == "0" || m[2] == "0" {
		t.Fatalf("no alerts or cases in:\n%s", r.stdout)
	}
	file := regexp.MustCompile(`\n  (\S+/alert-\S+\.eml)\n`).FindStringSubmatch(r.stdout)
	if file == nil {
		t.Fatalf("no alert email named in:\n%s", r.stdout)
	}
	b, err := os.ReadFile(file[1])
	if err != nil || !strings.Contains(string(b), "X-Outreach-Campaign: alert") || !strings.Contains(string(b), "/c/") {
		t.Fatalf("alert email %s: %v\n%s", file[1], err, b)
	}
	if !strings.Contains(r.stdout, "its case: #") || !strings.Contains(r.stdout, "FOLLOW-UP CASES\n===============\n  - #") {
		t.Errorf("the case and its digest section are missing:\n%s", r.stdout)
	}
	alerts, _ := filepath.Glob(filepath.Join(outbox, "alert-*.eml"))
	if n, _ := strconv.Atoi(m[1]); n != len(alerts) {
		t.Errorf("printed %d alert emails, outbox has %d", n, len(alerts))
	}
}
