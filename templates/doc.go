// Package templates loads, validates and renders the email templates of a
// campaign pack.
//
// # File layout
//
// A pack keeps its templates in one folder (templates/ next to
// campaigns.yaml). Each template is a sub-folder named after it, holding one
// pair of files per locale, the locale being a canonical BCP 47 tag:
//
//	templates/
//	  nps/
//	    en.txt      front matter with the subject, then the text part
//	    en.html     the HTML part (a body fragment)
//	    pt.txt  pt.html
//	    pt-BR.txt  pt-BR.html   regional override of pt
//	  csat/
//	    en.txt  en.html  ...
//
// The .txt file starts with a small front matter holding the subject, which
// is itself a template:
//
//	---
//	subject: Quick question, {{.Contact.FirstName}}
//	---
//	{{greeting}}
//	...
//
// Every template must have an en pair: en is the last step of the locale
// fallback (pt-BR -> pt -> any pt-* -> en). A .txt without its .html (or the
// reverse), an unknown file name or locale, or a missing subject is a load
// error. Files whose name starts with a dot are ignored (editor and OS
// litter). Load reports every problem at once as PATH:LINE:COL: message,
// with the positions of the files on disk (the subject is on line 2 of the
// .txt file, the body lines count from after the front matter).
//
// # Rendering
//
// A Set is the dispatcher's outreach.Renderer: RenderMessage turns the
// domain's outreach.MessageData (contact, account, campaign, links) into
// this package's Data and renders it, so dispatch never imports this
// package.
//
// The subject and the text part are text/template; the HTML part is
// html/template, so contact and event data are escaped. A missing value is
// an error naming it (missingkey=error; event properties set to null count
// as absent): a template prints an optional event property inside
// {{with index .Event "ticket_id"}}...{{end}}. The account's dates
// (.Account.RenewalDate, .Account.StartedAt) are optional too: nil when
// unset, so {{with .Account.RenewalDate}}{{date .}}{{end}} skips them, while
// {{date .Account.RenewalDate}} on an account without one is an error naming
// the field, and printing one that is unset ("<nil>") is an error as well.
// Validation renders with SampleData and with BareSampleData, which has
// none of the optional values.
//
// Whole-number event properties are int64, so {{if eq .Event.replies 3}}
// works and 48213 prints as 48213, not 4.8213e+04; a whole number beyond
// int64 (a 20-digit ticket id), when the caller decoded it exactly as a
// json.Number, prints exactly as written. Other numbers are float64.
//
// The renderer, not the template, adds what every email must carry: an HTML
// fragment is wrapped in a simple table layout (inline styles, no scripts,
// no external assets) and both parts end with the postal address footer and,
// for every category but transactional, the unsubscribe link. A .html file
// that is a whole document (it contains <html>) keeps its own layout and gets
// the footer inserted before </body>.
//
// Functions available in every template:
//
//	greeting         "Hi Ana," / "Olá, Ana!" / "Здравствуйте, Анна!" (localised, name-aware)
//	firstName        the contact's given name, titles skipped ("Dr. Maria da
//	                 Silva" -> Maria), or a localised default ("there")
//	npsScale         HTML: 11 links 0..10 with localised end labels, one row
//	                 on a desktop, 0-5 over 6-10 on a phone (fits 320 px);
//	                 text: a legend line and "0: URL" lines. Optional two
//	                 arguments replace the end labels (e.g. for CSAT).
//	date             a date in the contact's locale and zone ("31 de dezembro de 2026");
//	                 takes a time.Time, an optional *time.Time or "2026-12-31"
//	plural N FORMS   the form of FORMS for N under the locale's plural rules
//	anniversaryYears the years since Account.StartedAt at this occurrence
//	unsubscribeURL   the contact's signed unsubscribe link
//	question         the survey question of the front matter (below)
//	milestone        the event's milestone for people: its milestone_label
//	                 property, else its milestone id made readable
//	                 ("1000-invoices" -> "1000 invoices"), else ""
//
// # Survey labels
//
// A survey template's .txt front matter may hold, besides the subject, the
// survey's question and the labels of the two ends of its 0-10 scale:
//
//	---
//	subject: One quick question
//	question: How likely are you to recommend us to a friend or colleague?
//	low: Not at all likely
//	high: Extremely likely
//	---
//
// {{question}} prints the question in both parts and {{npsScale}} uses low
// and high (else the language's NPS labels). The survey page asks the same
// question with the same labels (Set.SurveyText), in the locale the email
// was written in, so the email and the page never say different things.
//
// The package is pure: it reads an fs.FS and imports no database, HTTP or
// mail package.
package templates
