package outreach

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes shared by the whole program. httpapi maps them to HTTP status
// codes in one place.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	ETOOLARGE     = "too_large"
	EINTERNAL     = "internal"
	EUNAVAILABLE  = "unavailable" // a part this server was not configured with
)

// Error is a domain error: a code and a message meant for the user.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string { return fmt.Sprintf("outreach: %s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err when it is (or wraps) an *Error or a
// *BatchError, and EINTERNAL otherwise.
func ErrorCode(err error) string {
	var e *Error
	var b *BatchError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	case errors.As(err, &b):
		return EINVALID
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err; internal errors get a
// generic message so that details stay in the log.
func ErrorMessage(err error) string {
	var e *Error
	var b *BatchError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	case errors.As(err, &b):
		return b.Error()
	}
	return "internal error"
}

// FieldError is one problem with one item of a batch: its 0-based index in
// the batch (or, for CSV files, the line), the field and a message that says
// what to fix.
type FieldError struct {
	Index   int    `json:"index"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// BatchError reports every invalid item of a batch. A batch with a
// BatchError writes nothing.
type BatchError struct {
	Errors []FieldError
}

// Error implements the error interface.
func (b *BatchError) Error() string {
	var sb strings.Builder
	for i, e := range b.Errors {
		if i > 0 {
			sb.WriteString("; ")
		}
		fmt.Fprintf(&sb, "item %d: %s: %s", e.Index, e.Field, e.Message)
	}
	return sb.String()
}

// Add appends an error for item index and field.
func (b *BatchError) Add(index int, field, format string, args ...any) {
	b.Errors = append(b.Errors, FieldError{Index: index, Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns b when it holds errors and nil otherwise.
func (b *BatchError) Err() error {
	if b == nil || len(b.Errors) == 0 {
		return nil
	}
	return b
}
