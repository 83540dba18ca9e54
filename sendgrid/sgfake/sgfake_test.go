package sgfake_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/sendgrid/sgfake"
)

// validBody is a minimal request as the outreach sender builds it.
func validBody() map[string]any {
	return map[string]any{
		"from":    map[string]any{"email": "team@vendor.example", "name": "Vendor"},
		"subject": "How are we doing?",
		"personalizations": []any{map[string]any{
			"to":          []any{map[string]any{"email": "jane@customer.example"}},
			"custom_args": map[string]any{"delivery_id": "d-1"},
		}},
		"content": []any{
			map[string]any{"type": "text/plain", "value": "Hello"},
			map[string]any{"type": "text/html", "value": "<p>Hello</p>"},
		},
		"categories": []any{"nps-onboarding", "survey"},
		"headers":    map[string]any{"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
	}
}

func post(t *testing.T, s *sgfake.Server, key string, body map[string]any) (*http.Response, string) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL+sgfake.MailSendPath, strings.NewReader(string(b)))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	return resp, string(answer)
}

func TestValidBodyAccepted(t *testing.T) {
	s := sgfake.New(t)
	resp, answer := post(t, s, s.Key(), validBody())
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d, want 202: %s", resp.StatusCode, answer)
	}
	if resp.Header.Get("X-Message-Id") == "" {
		t.Error("no X-Message-Id on 202")
	}
	msgs := s.Messages()
	if len(msgs) != 1 {
		t.Fatalf("recorded %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.DeliveryID != "d-1" || m.To[0] != "jane@customer.example" || m.Subject != "How are we doing?" ||
		len(m.Categories) != 2 || m.Contents[0].Type != "text/plain" || m.MessageID != resp.Header.Get("X-Message-Id") {
		t.Errorf("recorded %+v", m)
	}
}

func TestWrongKeyUnauthorized(t *testing.T) {
	s := sgfake.New(t)
	resp, answer := post(t, s, "SG.wrong", validBody())
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(answer, "authorization grant") {
		t.Fatalf("status %d %s, want 401 with SendGrid's message", resp.StatusCode, answer)
	}
	if len(s.Messages()) != 0 {
		t.Error("unauthorized request recorded")
	}
}

func TestInvalidBodiesRejected(t *testing.T) {
	manyPersonalizations := func(n int) []any {
		ps := make([]any, n)
		for i := range ps {
			ps[i] = map[string]any{"to": []any{map[string]any{"email": fmt.Sprintf("p%d@customer.example", i)}}}
		}
		return ps
	}
	elevenCategories := make([]any, 11)
	for i := range elevenCategories {
		elevenCategories[i] = fmt.Sprintf("cat-%d", i)
	}
	tests := []struct {
		name   string
		change func(b map[string]any)
		want   string // in the error message
		field  string
	}{
		{"missing from", func(b map[string]any) { delete(b, "from") }, "missing property 'from'", ""},
		{"11 categories", func(b map[string]any) { b["categories"] = elevenCategories }, "maxItems", "categories"},
		{"2000 personalizations", func(b map[string]any) { b["personalizations"] = manyPersonalizations(2000) }, "maxItems", "personalizations"},
		{"1001 recipients", func(b map[string]any) {
			p := manyPersonalizations(1)[0].(map[string]any)
			var to []any
			for i := range 1001 {
				to = append(to, map[string]any{"email": fmt.Sprintf("r%d@customer.example", i)})
			}
			p["to"] = to
			b["personalizations"] = []any{p}
		}, "total number of recipients", "personalizations"},
		{"html before text", func(b map[string]any) {
			b["content"] = []any{
				map[string]any{"type": "text/html", "value": "<p>Hello</p>"},
				map[string]any{"type": "text/plain", "value": "Hello"},
			}
		}, "text/plain content must be first", "content"},
		{"long category", func(b map[string]any) { b["categories"] = []any{strings.Repeat("x", 256)} }, "maxLength", "categories.0"},
		{"bad email", func(b map[string]any) { b["from"] = map[string]any{"email": "not an address"} }, "email", "from.email"},
		{"huge custom_args", func(b map[string]any) {
			b["personalizations"].([]any)[0].(map[string]any)["custom_args"] = map[string]any{"x": strings.Repeat("a", 10000)}
		}, "10,000 bytes", "personalizations.0.custom_args"},
		{"send_at beyond 72h", func(b map[string]any) { b["send_at"] = time.Now().Add(73 * time.Hour).Unix() }, "72 hours", "send_at"},
		{"no content", func(b map[string]any) { delete(b, "content") }, "content parameter is required", "content"},
		{"no subject", func(b map[string]any) { delete(b, "subject") }, "subject is required", "subject"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sgfake.New(t)
			body := validBody()
			tt.change(body)
			resp, answer := post(t, s, s.Key(), body)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", resp.StatusCode, answer)
			}
			var doc struct {
				Errors []struct {
					Field   *string `json:"field"`
					Message string  `json:"message"`
				} `json:"errors"`
			}
			if err := json.Unmarshal([]byte(answer), &doc); err != nil || len(doc.Errors) == 0 {
				t.Fatalf("answer %s is not SendGrid's error shape (%v)", answer, err)
			}
			found := false
			for _, e := range doc.Errors {
				field := ""
				if e.Field != nil {
					field = *e.Field
				}
				if strings.Contains(e.Message, tt.want) && field == tt.field {
					found = true
				}
			}
			if !found {
				t.Errorf("no error with field %q and message containing %q in %s", tt.field, tt.want, answer)
			}
			if len(s.Messages()) != 0 || len(s.Rejections()) != 1 {
				t.Errorf("messages %d rejections %d, want 0 and 1", len(s.Messages()), len(s.Rejections()))
			}
		})
	}
}

func TestHTMLBeforeTextPassesSchemaButNotFake(t *testing.T) {
	path, err := sgfake.FindSchema()
	if err != nil {
		t.Fatal(err)
	}
	v, err := sgfake.NewValidator(path)
	if err != nil {
		t.Fatal(err)
	}
	body := validBody()
	body["content"] = []any{
		map[string]any{"type": "text/html", "value": "<p>Hi</p>"},
		map[string]any{"type": "text/plain", "value": "Hi"},
	}
	b, _ := json.Marshal(body)
	errs := v.Validate(b, time.Now())
	if len(errs) != 1 {
		t.Fatalf("errors %+v, want exactly the content-order error", errs)
	}
	if strings.HasPrefix(errs[0].Message, "schema:") || !strings.Contains(errs[0].Message, "text/plain content must be first") {
		t.Errorf("error %q: want the order rule, not a schema error (the schema accepts this body)", errs[0].Message)
	}
}

func TestTopLevelCustomArgsObjectAccepted(t *testing.T) {
	s := sgfake.New(t)
	body := validBody()
	body["custom_args"] = map[string]any{"campaign": "nps"}
	if resp, answer := post(t, s, s.Key(), body); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d %s: the schema quirk (custom_args typed string) is not patched", resp.StatusCode, answer)
	}
}

func TestProgrammedFailures(t *testing.T) {
	s := sgfake.New(t)
	reset := time.Unix(1_900_000_000, 0)
	s.FailNext(2, sgfake.RateLimited("7", reset))
	s.FailNext(1, sgfake.ServerError())
	s.FailNext(1, sgfake.BadRequest("from.email", "does not contain a valid address"))
	want := []int{429, 429, 500, 400, 202}
	for i, code := range want {
		resp, answer := post(t, s, s.Key(), validBody())
		if resp.StatusCode != code {
			t.Fatalf("request %d: status %d, want %d (%s)", i, resp.StatusCode, code, answer)
		}
		if code == 429 && (resp.Header.Get("Retry-After") != "7" || resp.Header.Get("X-RateLimit-Reset") != "1900000000" ||
			!strings.Contains(answer, "too many requests")) {
			t.Errorf("429 headers %v body %s", resp.Header, answer)
		}
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("recorded %d messages, want 1 (only the 202)", n)
	}
}

func TestWebhookPostsSignedProcessedEvent(t *testing.T) {
	type hook struct {
		header http.Header
		body   []byte
	}
	got := make(chan hook, 1)
	recv := newReceiver(t, func(h http.Header, b []byte) { got <- hook{h, b} })
	now := time.Unix(1_800_000_000, 0)
	s := sgfake.New(t, sgfake.WithWebhook(recv), sgfake.WithNow(func() time.Time { return now }))
	resp, _ := post(t, s, s.Key(), validBody())
	if errs := s.WaitWebhooks(); len(errs) > 0 {
		t.Fatal(errs)
	}
	h := <-got
	if h.header.Get(sgfake.TimestampHeader) != "1800000000" || h.header.Get(sgfake.SignatureHeader) == "" {
		t.Errorf("headers %v", h.header)
	}
	var events []map[string]any
	if err := json.Unmarshal(h.body, &events); err != nil || len(events) != 1 {
		t.Fatalf("body %s: %v", h.body, err)
	}
	ev := events[0]
	if ev["event"] != "processed" || ev["delivery_id"] != "d-1" || ev["sg_event_id"] == "" ||
		!strings.HasPrefix(ev["sg_message_id"].(string), resp.Header.Get("X-Message-Id")+".") || ev["timestamp"] != float64(1_800_000_000) {
		t.Errorf("event %v", ev)
	}
	if sig := s.Sign(h.body, now); sig.Get(sgfake.TimestampHeader) != h.header.Get(sgfake.TimestampHeader) {
		t.Errorf("Sign timestamp %v", sig)
	}
}
