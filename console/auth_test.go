package console_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

func ioCopy(w io.Writer, res *http.Response) (int64, error) { return io.Copy(w, res.Body) }

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func TestSignInByLinkBothDialects(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		c := e.client(t)
		code, body := post(t, c, e.srv.URL+"/console/login", url.Values{"email": {"Ada@Vendor.example"}})
		if code != http.StatusOK || !strings.Contains(body, "a sign-in link is on its way") {
			t.Fatalf("login: %d %s", code, body)
		}
		e.cons.WaitMail()
		msgs := e.mail.all()
		if len(msgs) != 1 || msgs[0].To != "ada@vendor.example" {
			t.Fatalf("mails: %+v", msgs)
		}
		link := regexp.MustCompile(`http://\S+/console/auth/\S+`).FindString(msgs[0].Text)
		if link == "" {
			t.Fatalf("no link in %q", msgs[0].Text)
		}
		// GET changes nothing: the link still works after it.
		if code, body := get(t, c, link); code != 200 || !strings.Contains(body, "<button") {
			t.Fatalf("GET link: %d %s", code, body)
		}
		res, err := c.PostForm(link, nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/" {
			t.Fatalf("POST link: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		ck := res.Cookies()
		if len(ck) != 1 || ck[0].Name != "outreach_console" || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteLaxMode || ck[0].Secure || ck[0].Path != "/console/" {
			t.Fatalf("cookie: %+v", ck)
		}
		code, body = get(t, c, e.srv.URL+"/console/")
		if code != 200 || !strings.Contains(body, "ada@vendor.example") || !strings.Contains(body, `href="/console/audit"`) {
			t.Fatalf("home: %d %s", code, body)
		}
		// Reused link: a clear page, 410.
		if code, body := post(t, e.client(t), link, nil); code != http.StatusGone || !strings.Contains(body, "already used") {
			t.Fatalf("reused: %d %s", code, body)
		}
		// Sign out (with CSRF), then the session is gone.
		_, home := get(t, c, e.srv.URL+"/console/")
		tok := csrfField.FindStringSubmatch(home)[1]
		if code, _ := post(t, c, e.srv.URL+"/console/logout", url.Values{"csrf": {tok}}); code != http.StatusSeeOther {
			t.Fatalf("logout: %d", code)
		}
		if code, _ := get(t, c, e.srv.URL+"/console/"); code != http.StatusSeeOther {
			t.Fatalf("after logout: %d", code)
		}
		entries, err := e.db.AuditEntries(context.Background(), outreach.AuditFilter{Actor: "ada@vendor.example"})
		if err != nil || len(entries) != 2 || entries[0].Action != "console.sign_out" || entries[1].Action != "console.sign_in" {
			t.Fatalf("audit: %+v %v", entries, err)
		}
	})
}

func TestExpiredLinkAndIdleSession(t *testing.T) {
	e := newEnv(t, store.SQLite)
	link := e.link(t, "mo@vendor.example")
	e.clock.Add(15*time.Minute + time.Second)
	if code, body := post(t, e.client(t), link, nil); code != http.StatusGone || !strings.Contains(body, "expired") {
		t.Fatalf("expired: %d %s", code, body)
	}
	c := e.signIn(t, "mo@vendor.example")
	e.clock.Add(11 * time.Hour)
	if code, _ := get(t, c, e.srv.URL+"/console/"); code != 200 {
		t.Fatalf("after 11 h: %d", code)
	}
	e.clock.Add(12*time.Hour + time.Minute)
	if code, _ := get(t, c, e.srv.URL+"/console/"); code != http.StatusSeeOther {
		t.Fatalf("after 12 h idle: %d", code)
	}
}

func TestUnknownAddressSameAnswerNoMail(t *testing.T) {
	e := newEnv(t, store.SQLite)
	_, known := post(t, e.client(t), e.srv.URL+"/console/login", url.Values{"email": {"ada@vendor.example"}})
	for _, addr := range []string{"nobody@vendor.example", "nora@vendor.example"} {
		code, body := post(t, e.client(t), e.srv.URL+"/console/login", url.Values{"email": {addr}})
		if code != 200 || body != known {
			t.Fatalf("%s: %d, page differs from a member's:\n%s\n----\n%s", addr, code, body, known)
		}
	}
	e.cons.WaitMail()
	if n := len(e.mail.all()); n != 1 {
		t.Fatalf("%d mails, want 1 (the member's)", n)
	}
}

func TestSignInRateLimited(t *testing.T) {
	e := newEnv(t, store.SQLite)
	c := e.client(t)
	for i := 0; i < 3; i++ {
		if code, _ := post(t, c, e.srv.URL+"/console/login", url.Values{"email": {"cy@vendor.example"}}); code != 200 {
			t.Fatalf("request %d: %d", i, code)
		}
	}
	if code, _ := post(t, c, e.srv.URL+"/console/login", url.Values{"email": {"CY@vendor.example"}}); code != http.StatusTooManyRequests {
		t.Fatalf("4th request for one address: %d, want 429", code)
	}
	for i := 0; i < 6; i++ {
		post(t, c, e.srv.URL+"/console/login", url.Values{"email": {"x" + string(rune('a'+i)) + "@vendor.example"}})
	}
	if code, _ := post(t, c, e.srv.URL+"/console/login", url.Values{"email": {"other@vendor.example"}}); code != http.StatusTooManyRequests {
		t.Fatalf("11th request from one address: %d, want 429", code)
	}
	e.cons.WaitMail()
	if n := len(e.mail.all()); n != 3 {
		t.Fatalf("%d mails, want 3", n)
	}
}

func TestRolesAndCSRF(t *testing.T) {
	e := newEnv(t, store.SQLite)
	cs := e.signIn(t, "cy@vendor.example")
	if code, body := get(t, cs, e.srv.URL+"/console/audit"); code != http.StatusForbidden || !strings.Contains(body, "does not give access") {
		t.Fatalf("cs on /console/audit: %d", code)
	}
	admin := e.signIn(t, "ada@vendor.example")
	if code, _ := get(t, admin, e.srv.URL+"/console/audit"); code != 200 {
		t.Fatalf("admin on /console/audit: %d", code)
	}
	if code, _ := post(t, admin, e.srv.URL+"/console/logout", nil); code != http.StatusForbidden {
		t.Fatalf("logout without CSRF: %d", code)
	}
	if _, err := consoleIssue(e, "nora@vendor.example"); outreach.ErrorCode(err) != outreach.EFORBIDDEN {
		t.Fatalf("a member without a role: %v, want EFORBIDDEN", err)
	}
}

// TestCrossSitePostRefused: a form posted from another site is refused even
// with the right token (and a login from another site too).
func TestCrossSitePostRefused(t *testing.T) {
	e := newEnv(t, store.SQLite)
	c := e.signIn(t, "ada@vendor.example")
	_, home := get(t, c, e.srv.URL+"/console/")
	tok := csrfField.FindStringSubmatch(home)[1]
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "http://evil.example"},
		{"Origin": "null"}, // without Sec-Fetch-Site: same-origin
	} {
		for _, path := range []string{"/console/logout", "/console/login"} {
			req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(url.Values{"csrf": {tok}, "email": {"ada@vendor.example"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range h {
				req.Header.Set(k, v)
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with %v: %d, want 403", path, h, res.StatusCode)
			}
		}
	}
	if code, _ := get(t, c, e.srv.URL+"/console/"); code != 200 {
		t.Fatalf("the session ended: %d", code)
	}
}

// TestSignInTokenNotLogged: the access log keeps only the start of a
// sign-in token, cut like every signed link (links.Redact).
func TestSignInTokenNotLogged(t *testing.T) {
	e := newEnv(t, store.SQLite)
	var logs strings.Builder
	e.logTo(&logs)
	link := e.link(t, "ada@vendor.example")
	tok := link[strings.LastIndex(link, "/")+1:]
	get(t, e.client(t), link)
	post(t, e.client(t), link, nil)
	if !strings.Contains(logs.String(), "/console/auth/"+tok[:4]+"…") || strings.Contains(logs.String(), tok) {
		t.Fatalf("access log:\n%s", logs.String())
	}
}

// TestSecureCookieOnHTTPS: behind an https public URL the session cookie is
// Secure.
func TestSecureCookieOnHTTPS(t *testing.T) {
	e := newEnv(t, store.SQLite)
	e.cons.PublicURL = "https://outreach.vendor.example"
	link := e.link(t, "ada@vendor.example")
	res, err := e.client(t).PostForm(e.srv.URL+link[strings.Index(link, "/console/"):], nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if ck := res.Cookies(); len(ck) != 1 || !ck[0].Secure || !ck[0].HttpOnly {
		t.Fatalf("cookie %+v, want Secure and HttpOnly", ck)
	}
}

// TestLoginPageLanguage: the pages follow Accept-Language with the public
// pages' fallback rule (pt-BR → pt), English otherwise.
func TestLoginPageLanguage(t *testing.T) {
	e := newEnv(t, store.SQLite)
	for _, c := range []struct{ accept, lang, text string }{
		{"pt-BR,pt;q=0.9", "pt", "Enviar-me um link de acesso"},
		{"ru", "ru", "Прислать ссылку для входа"},
		{"de-DE", "en", "Email me a sign-in link"},
	} {
		req, _ := http.NewRequest("GET", e.srv.URL+"/console/login", nil)
		req.Header.Set("Accept-Language", c.accept)
		res, err := e.client(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(b), `<html lang="`+c.lang+`">`) || !strings.Contains(string(b), c.text) {
			t.Errorf("Accept-Language %s: want lang %s and %q", c.accept, c.lang, c.text)
		}
	}
}

// TestRoleRemovedEndsSession: a member whose role is removed ("none") is
// signed out at the next request.
func TestRoleRemovedEndsSession(t *testing.T) {
	e := newEnv(t, store.SQLite)
	c := e.signIn(t, "mo@vendor.example")
	if _, err := e.db.UpsertTeam(context.Background(), []outreach.TeamMember{{Email: "mo@vendor.example", ConsoleRole: outreach.RoleNone}}); err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, c, e.srv.URL+"/console/"); code != http.StatusSeeOther {
		t.Fatalf("after the role was removed: %d, want a redirect to sign in", code)
	}
}

// TestRoleRemovalEndsSessions: a member whose console role is removed is
// signed out for good. Before, the session was only refused while the
// role was missing (and each refused request kept it fresh), so a
// session on a lost or stolen device came back to life the day the role
// was given back.
func TestRoleRemovalEndsSessions(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			ctx := context.Background()
			cy := e.signIn(t, "cy@vendor.example")
			if code, _ := get(t, cy, e.srv.URL+"/console/suppressions"); code != http.StatusOK {
				t.Fatalf("signed in: %d", code)
			}
			for _, role := range []string{outreach.RoleNone, outreach.RoleCS} {
				if _, err := e.db.UpsertTeam(ctx, []outreach.TeamMember{{Email: "cy@vendor.example", ConsoleRole: role}}); err != nil {
					t.Fatal(err)
				}
				if code, _ := get(t, cy, e.srv.URL+"/console/suppressions"); code != http.StatusSeeOther {
					t.Errorf("role %q: the old session answers %d, want 303 to the sign-in", role, code)
				}
			}
			// An upsert that keeps the role ("") signs nobody out.
			ada := e.signIn(t, "ada@vendor.example")
			if _, err := e.db.UpsertTeam(ctx, []outreach.TeamMember{{Email: "ada@vendor.example", Name: "Ada A."}}); err != nil {
				t.Fatal(err)
			}
			if code, _ := get(t, ada, e.srv.URL+"/console/audit"); code != http.StatusOK {
				t.Errorf("an upsert keeping the role signed ada out: %d", code)
			}
		})
	}
}
