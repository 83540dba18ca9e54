// Package console is the web console at /console/: server-rendered pages
// for marketing, customer success and admins, signed in by one-time link.
//
// The browser is an outside thing, so the console is one package like
// httpapi: it holds interfaces (Store, outreach.Sender, Limiter) that
// cmd/outreach fills, and httpapi mounts Server.Handler at /console/
// (httpapi.Server.Console), so httpapi stays the one place the mux of the
// process is built. SQL lives in store.
//
//	browser ──> httpapi (budget, deadline, access log) ──> console.Handler
//	                                                        │ secureHeaders: CSP, no-referrer, nosniff, DENY
//	                                                        ├ /login, /auth/{token}, /logout   (auth.go)
//	                                                        ├ /static/NAME.HASH.EXT            (render.go)
//	                                                        └ pages: session → role → CSRF → Handle
//
// # Sign-in and sessions
//
// POST /console/login mails a link valid for outreach.SignInTTL to a team
// member with a console_role; the answer is the same page for any address
// and the lookup and mail happen after it (no enumeration by content or
// timing). Requests are limited per client address and per email address
// (Server.LimitIP, LimitAddress). GET /console/auth/{token} shows a button
// (link scanners change nothing); POST consumes the token, stored hashed,
// and starts a session: a random id, stored hashed, in the HttpOnly,
// SameSite=Lax cookie outreach_console (Secure when PublicURL is https),
// ended after outreach.SessionIdle without a request or by sign-out.
// IssueSignIn makes a link for `outreach console-link` and the demo.
//
// # Adding a page
//
// Write the handler in its own file and list it in routes (pages.go):
//
//	{Method: "GET", Path: "/campaigns/{key}", Roles: []string{outreach.RoleMarketing},
//	 Handle: s.handleCampaign}
//
// Path is under /console; Roles are the roles besides admin that may open
// it (admin may open every page; empty Roles means any signed-in member).
// The wrapper (Server.page) has already checked the session, the role (403
// page) and, for every method but GET and HEAD, the CSRF token (form field
// "csrf", or header X-CSRF-Token from <meta name="csrf-token"> for
// scripts) and Origin / Sec-Fetch-Site (403). The handler gets a *Context:
// Member (outreach.TeamMember with ConsoleRole), Session (its CSRF), Lang,
// Now. It renders with
//
//	s.render(w, r, c, http.StatusOK, "campaigns", "campaigns.title", data)
//
// which executes templates/campaigns.html (it defines "content") inside
// templates/layout.html; the template sees a view: {{.T "message.id"}}
// translates, {{.Data}} is data, {{.CSRF}} goes in every form as
// <input type="hidden" name="csrf" value="{{.CSRF}}">, {{static
// "console.css"}} names an embedded static file by its hashed path. A
// handler returns an error for the error page: the code of an
// *outreach.Error picks the status (ENOTFOUND 404, EINVALID 422, EFORBIDDEN
// 403, ECONFLICT 409) and its message is shown; other errors are logged
// and shown as a 500. A section in the navigation adds an entry to nav
// (render.go); its messages go in catalogue (messages.go; English is
// required, a test holds every {{.T}} id of the templates to it).
//
// # Changes and the audit log
//
// Every change writes the audit log in the transaction of the change: the
// store method that changes state takes an outreach.AuditEntry, built with
// c.Audit(action, target, detail), and calls store's writeAudit inside its
// transaction. /console/audit (admins) lists the log with filters.
//
// # Pages are strict
//
// The Content-Security-Policy allows nothing from outside the server and
// no inline script or style: no <script> bodies, no style="" or on*=""
// attributes; behaviour goes in static/console.js, looks in
// static/console.css. Pages read without JavaScript; tables sit in a
// .table-wrap box that scrolls on its own, so nothing overflows at 375 px.
// Every page is tested in Chromium at 375 and 1440 px (internal/browsertest).
//
// # Customer success
//
// For cs members and admins: /console/accounts ranks a book of accounts by
// risk (store.AccountRisks, one set-based statement; thresholds
// outreach.Risk*), each reason in words; a cs member sees the accounts
// whose owner_email is theirs. The list is paged: at most
// outreach.AccountRiskPageMax accounts in external id order, ranked within
// the page, so an admin's view of everyone's reads one page, not the base
// (a book fits one page). /console/accounts/{id} shows its people, NPS by
// month (an SVG drawn on the server with a table), answers, cases, what
// automation did with its newest deliveries, each with its decisions
// (rule and reason, drawn by templates/_decisions.html as on the person's
// timeline), and pause/resume (audited).
// /console/contacts/{email} is the timeline `outreach explain` prints.
// /console/suppressions lifts a suppression with a required reason
// (audited; hard ones only with a confirmation). /console/cases lists the
// follow-up cases by view (open, in progress, overdue, closed; store
// CaseList, a keyset page) and /console/cases/{id} takes, notes, closes and
// reopens one through CaseStore.UpdateCase, the API's path, which checks
// the transition in the domain and writes the audit entry; a refused
// transition is shown on the case page with the text typed. A signed-out
// reader of a console link (the digest's) goes through sign-in with ?next=
// and lands on the page.
//
// # NPS
//
// /console/nps (every member; a cs member's answers are those of the
// accounts they own) shows store.NPS — the report of GET /api/v1/nps —
// as a trend with its 95 % margin of error (chart.Band, with a table), a
// breakdown, CSAT apart (one store.NPS per CSAT campaign), and the
// comment feed (store.Comments: newest first after a cursor, a text
// search that reads a bounded number of comments per page). Its filters
// are the query string of a GET form, parsed once (npsParams) for the page
// and for /console/nps/export.csv, which writes the same rows as CSV.
package console
