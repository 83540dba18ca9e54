// Package sgfake is a fake SendGrid v3 Mail Send API for tests of any
// package, on net/http/httptest.
//
// Every request is checked the way SendGrid checks it: the bearer key, the
// body against the official request schema
// (components.requestBodies.PostMailSend in shared/sendgrid/tsg_mail_v3.json,
// JSON Schema 2020-12, with the top-level custom_args quirk patched), and
// the rules the schema leaves out (text/plain content first, at most 1000
// recipients, custom_args under 10,000 bytes, send_at at most 72 hours
// ahead, a subject and some content). Invalid requests get 400 with
// SendGrid's {"errors": [{"field", "message", "help"}]} shape; valid ones
// get 202 with X-Message-Id and are recorded (Messages) unless a programmed
// Failure (FailNext: 429 with Retry-After, 500, 400...) answers instead.
//
// The fake also plays SendGrid's signed Event Webhook: it holds a P-256 key
// pair generated per Server (PublicKey, Sign), can post a signed
// `processed` event carrying delivery_id after each accepted message
// (WithWebhook, WaitWebhooks), and posts any events on demand (PostEvents).
//
// Typical use:
//
//	fake := sgfake.New(t)
//	s, _ := sendgrid.NewSender(sendgrid.Config{APIKey: fake.Key(), APIURL: fake.URL, PostalAddress: "..."})
//	... s.Send(ctx, m) ...
//	got := fake.Messages()
//
// The schema file is found through $OUTREACH_SENDGRID_SCHEMA or by walking
// up from the working directory to a folder holding
// shared/sendgrid/tsg_mail_v3.json.
package sgfake
