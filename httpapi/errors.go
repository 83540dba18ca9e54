package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/outreach-dev/outreach"
)

// codes maps outreach error codes to HTTP status codes. This map and
// writeError are the only places where errors become HTTP.
var codes = map[string]int{
	outreach.EINVALID:      http.StatusBadRequest,
	outreach.ENOTFOUND:     http.StatusNotFound,
	outreach.ECONFLICT:     http.StatusConflict,
	outreach.EUNAUTHORIZED: http.StatusUnauthorized,
	outreach.EFORBIDDEN:    http.StatusForbidden,
	outreach.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	outreach.EINTERNAL:     http.StatusInternalServerError,
	outreach.EUNAVAILABLE:  http.StatusServiceUnavailable,
}

// errorBody is the JSON body of every error but a batch error.
type errorBody struct {
	Error string `json:"error"`
}

// batchErrorBody is the JSON body of a 422.
type batchErrorBody struct {
	Errors []outreach.FieldError `json:"errors"`
}

// methodError is a request for a path whose routes take other methods.
type methodError struct {
	method, path string
	allow        string // the Allow header: the methods the path takes
}

func (e *methodError) Error() string {
	return fmt.Sprintf("method %s is not allowed on %s: use %s", e.method, e.path, e.allow)
}

// writeError answers the request with err: a *outreach.BatchError is a 422
// listing every invalid item, an *outreach.Error gets the status of its
// code, a body over the limit is a 413, a method the route does not take
// is a 405 with an Allow header, a busy server (the public byte budget
// spent, or the request's deadline passed while it waited, typically for
// a database connection) is a 503 with Retry-After, and anything else is
// logged and answered with a generic 500.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if busy(r, err) {
		s.writeBusy(w, r, err)
		return
	}
	var be *outreach.BatchError
	var mbe *http.MaxBytesError
	var me *methodError
	code := outreach.ErrorCode(err)
	switch {
	case errors.As(err, &be):
		s.metrics.errors.WithLabelValues("validation").Inc()
		mustWriteJSON(w, http.StatusUnprocessableEntity, batchErrorBody{Errors: be.Errors})
		return
	case errors.As(err, &mbe):
		s.metrics.errors.WithLabelValues(outreach.ETOOLARGE).Inc()
		mustWriteJSON(w, http.StatusRequestEntityTooLarge, errorBody{
			Error: fmt.Sprintf("the body is larger than %d bytes: split the batch", mbe.Limit)})
		return
	case errors.As(err, &me):
		s.metrics.errors.WithLabelValues("method_not_allowed").Inc()
		w.Header().Set("Allow", me.allow)
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: me.Error()})
		return
	}
	status, ok := codes[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	s.metrics.errors.WithLabelValues(code).Inc()
	if status == http.StatusInternalServerError {
		s.Logger.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", logPath(r), "error", logError(err))
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="outreach"`)
	}
	mustWriteJSON(w, status, errorBody{Error: outreach.ErrorMessage(err)})
}

// writeJSON writes v as the JSON body of a response with status. v is
// encoded before anything is sent, so that a value that cannot be encoded
// (a time after year 9999, say) is returned as an error, for the handler to
// return and writeError to log and answer with a 500, instead of a status
// sent with an empty or cut body.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode %T response: %w", v, err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // the client went away: nothing more to do
	return nil
}

// mustWriteJSON writes an error body, which always encodes (strings and
// field errors); should it fail all the same, the client still gets the
// status and a fixed JSON body.
func mustWriteJSON(w http.ResponseWriter, status int, v any) {
	if err := writeJSON(w, status, v); err != nil {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"error":"internal error"}`+"\n")
	}
}

// busy reports whether err means the server is too busy to answer now:
// the public byte budget is spent, or the request's deadline passed (a
// query cut off by it fails with the driver's own error, so the request's
// context decides). A client that went away is no concern of the answer.
func busy(r *http.Request, err error) bool {
	return errors.Is(err, errBusy) || errors.Is(err, context.DeadlineExceeded) ||
		outreach.ErrorCode(err) == outreach.EINTERNAL && r.Context().Err() != nil
}

// writeBusy answers 503 with Retry-After: the request may succeed as is
// a moment later.
func (s *Server) writeBusy(w http.ResponseWriter, r *http.Request, err error) {
	s.metrics.errors.WithLabelValues("busy").Inc()
	msg := errBusy.Error()
	if !errors.Is(err, errBusy) {
		// Worth a line: requests waiting this long for the database
		// mean OUTREACH_DB_MAX_CONNS (or the database) is too small for
		// the load. The route, not the path, which may hold a token or
		// an address.
		s.Logger.WarnContext(r.Context(), "request cut off by its deadline", "method", r.Method,
			"route", r.Pattern, "timeout", s.RequestTimeout, "error", logError(err))
		msg = fmt.Sprintf("the server is busy: the request did not finish within %s; retry in a moment", s.RequestTimeout)
	}
	w.Header().Set("Retry-After", strconv.Itoa(budgetRetryAfter))
	mustWriteJSON(w, http.StatusServiceUnavailable, errorBody{Error: msg})
}
