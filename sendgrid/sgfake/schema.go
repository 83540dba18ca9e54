package sgfake

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// SchemaEnv names the environment variable that points at tsg_mail_v3.json
// when it is not found by walking up from the working directory.
const SchemaEnv = "OUTREACH_SENDGRID_SCHEMA"

// schemaRel is where the schema lives relative to a folder beside the repo.
var schemaRel = filepath.Join("shared", "sendgrid", "tsg_mail_v3.json")

// requestSchemaPtr is the JSON pointer of the Mail Send request schema.
const requestSchemaPtr = "/components/requestBodies/PostMailSend/content/application~1json/schema"

// README limits that the schema does not express.
const (
	maxRecipients    = 1000
	maxCustomArgSize = 10000 // bytes, exclusive
	maxSendAhead     = 72 * time.Hour
)

// FindSchema returns the path of SendGrid's tsg_mail_v3.json: $OUTREACH_SENDGRID_SCHEMA,
// else the first shared/sendgrid/tsg_mail_v3.json found walking up from the
// working directory.
func FindSchema() (string, error) {
	if p := os.Getenv(SchemaEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("sgfake: %s=%q: %w", SchemaEnv, p, err)
		}
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("sgfake: working directory: %w", err)
	}
	for {
		p := filepath.Join(dir, schemaRel)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("sgfake: no %s above the working directory; set %s to the path of tsg_mail_v3.json", schemaRel, SchemaEnv)
		}
		dir = parent
	}
}

// Validator checks Mail Send request bodies against the official schema and
// the documented limits.
type Validator struct {
	schema *jsonschema.Schema
}

// NewValidator compiles the request schema of the OpenAPI file at path,
// patching its documented quirk (top-level custom_args typed as a string).
func NewValidator(path string) (*Validator, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sgfake: open schema: %w", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, fmt.Errorf("sgfake: parse %s: %w", path, err)
	}
	if err := patchCustomArgs(doc); err != nil {
		return nil, fmt.Errorf("sgfake: %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sgfake: schema path: %w", err)
	}
	url := "file://" + filepath.ToSlash(abs)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("sgfake: add schema: %w", err)
	}
	sch, err := c.Compile(url + "#" + requestSchemaPtr)
	if err != nil {
		return nil, fmt.Errorf("sgfake: compile request schema: %w", err)
	}
	return &Validator{schema: sch}, nil
}

// patchCustomArgs retypes the top-level custom_args as an object of strings,
// as SendGrid accepts it in practice.
func patchCustomArgs(doc any) error {
	node := doc
	for _, key := range []string{"components", "requestBodies", "PostMailSend", "content", "application/json", "schema", "properties"} {
		m, ok := node.(map[string]any)
		if !ok {
			return fmt.Errorf("no %s in the request schema", key)
		}
		node = m[key]
	}
	props, ok := node.(map[string]any)
	if !ok {
		return errors.New("request schema has no properties")
	}
	props["custom_args"] = map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}}
	return nil
}

// FieldError is one entry of SendGrid's error answer.
type FieldError struct {
	Field   *string `json:"field"`
	Message string  `json:"message"`
	Help    any     `json:"help"`
}

// Validate checks body and returns every problem, empty when it is valid.
// now is the instant send_at is measured from.
func (v *Validator) Validate(body []byte, now time.Time) []FieldError {
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(string(body)))
	if err != nil {
		return []FieldError{{Message: "The request body contains invalid JSON: " + err.Error()}}
	}
	var errs []FieldError
	if err := v.schema.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return []FieldError{{Message: err.Error()}}
		}
		errs = append(errs, leafErrors(ve)...)
		if len(errs) == 0 {
			errs = append(errs, fieldError("", "schema: "+err.Error()))
		}
	}
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		return append(errs, fieldError("", "The request body does not match the Mail Send shape: "+err.Error()))
	}
	return append(errs, req.limits(now)...)
}

// leafErrors flattens a validation error tree into its leaves, the errors
// that say what is wrong where.
func leafErrors(ve *jsonschema.ValidationError) []FieldError {
	if len(ve.Causes) == 0 {
		field := strings.Join(ve.InstanceLocation, ".")
		return []FieldError{fieldError(field, "schema: "+ve.ErrorKind.LocalizedString(englishPrinter))}
	}
	var errs []FieldError
	for _, c := range ve.Causes {
		errs = append(errs, leafErrors(c)...)
	}
	return errs
}

// englishPrinter formats schema errors.
var englishPrinter = message.NewPrinter(language.English)

func fieldError(field, msg string) FieldError {
	if field == "" {
		return FieldError{Message: msg}
	}
	return FieldError{Field: &field, Message: msg}
}

// request is the part of a Mail Send body the limit checks read.
type request struct {
	Personalizations []personalization `json:"personalizations"`
	From             *address          `json:"from"`
	Subject          string            `json:"subject"`
	Content          []content         `json:"content"`
	TemplateID       string            `json:"template_id"`
	Headers          map[string]any    `json:"headers"`
	Categories       []string          `json:"categories"`
	CustomArgs       map[string]any    `json:"custom_args"`
	SendAt           int64             `json:"send_at"`
}

type personalization struct {
	To         []address         `json:"to"`
	CC         []address         `json:"cc"`
	BCC        []address         `json:"bcc"`
	Subject    string            `json:"subject"`
	Headers    map[string]any    `json:"headers"`
	CustomArgs map[string]any    `json:"custom_args"`
	SendAt     int64             `json:"send_at"`
	Subst      map[string]string `json:"substitutions"`
}

type address struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

type content struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// limits applies the README's limits and the rules SendGrid enforces
// beyond the schema, with SendGrid's own wording where it is known.
func (r *request) limits(now time.Time) []FieldError {
	var errs []FieldError
	recipients, subjectMissing := 0, false
	for i, p := range r.Personalizations {
		recipients += len(p.To) + len(p.CC) + len(p.BCC)
		if len(p.To) == 0 {
			errs = append(errs, fieldError(fmt.Sprintf("personalizations.%d.to", i), "The to array is required for all personalization objects, and must have at least one email object with a valid email address."))
		}
		if r.Subject == "" && p.Subject == "" && r.TemplateID == "" && !subjectMissing {
			subjectMissing = true
			errs = append(errs, fieldError("subject", "The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined."))
		}
		merged := map[string]any{}
		for k, v := range r.CustomArgs {
			merged[k] = v
		}
		for k, v := range p.CustomArgs {
			merged[k] = v
		}
		if b, _ := json.Marshal(merged); len(merged) > 0 && len(b) >= maxCustomArgSize {
			errs = append(errs, fieldError(fmt.Sprintf("personalizations.%d.custom_args", i), fmt.Sprintf("The custom arguments may not exceed 10,000 bytes (got %d bytes with the top-level custom_args).", len(b))))
		}
		errs = append(errs, sendAt(fmt.Sprintf("personalizations.%d.send_at", i), p.SendAt, now)...)
		errs = append(errs, stringHeaders(fmt.Sprintf("personalizations.%d.headers", i), p.Headers)...)
	}
	if recipients > maxRecipients {
		errs = append(errs, fieldError("personalizations", fmt.Sprintf("The total number of recipients (to, cc and bcc) must be at most %d (got %d).", maxRecipients, recipients)))
	}
	if len(r.Categories) > 10 {
		errs = append(errs, fieldError("categories", fmt.Sprintf("Too many categories: at most 10 are allowed (got %d).", len(r.Categories))))
	}
	for i, c := range r.Categories {
		if len(c) > 255 {
			errs = append(errs, fieldError(fmt.Sprintf("categories.%d", i), "A category cannot exceed 255 characters."))
		}
	}
	errs = append(errs, sendAt("send_at", r.SendAt, now)...)
	errs = append(errs, stringHeaders("headers", r.Headers)...)
	errs = append(errs, r.contentRules()...)
	return errs
}

// contentRules: some content unless a template is used, and text/plain
// first, then text/html, then anything else.
func (r *request) contentRules() []FieldError {
	if len(r.Content) == 0 {
		if r.TemplateID == "" {
			return []FieldError{fieldError("content", "Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block.")}
		}
		return nil
	}
	rank := func(t string) int {
		switch strings.ToLower(t) {
		case "text/plain":
			return 0
		case "text/html":
			return 1
		}
		return 2
	}
	if !slices.IsSortedFunc(r.Content, func(a, b content) int { return rank(a.Type) - rank(b.Type) }) {
		return []FieldError{fieldError("content", "If present, text/plain content must be first, followed by text/html, followed by any other content.")}
	}
	return nil
}

func sendAt(field string, at int64, now time.Time) []FieldError {
	if at != 0 && time.Unix(at, 0).Sub(now) > maxSendAhead {
		return []FieldError{fieldError(field, "send_at cannot be scheduled more than 72 hours in advance.")}
	}
	return nil
}

func stringHeaders(field string, h map[string]any) []FieldError {
	var errs []FieldError
	for k, v := range h {
		if _, ok := v.(string); !ok {
			errs = append(errs, fieldError(field+"."+k, "Header values must be strings."))
		}
	}
	return errs
}
