package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the Prometheus metrics of the server.
type metrics struct {
	requests *prometheus.CounterVec
	ingested *prometheus.CounterVec
	errors   *prometheus.CounterVec
	sends    *prometheus.CounterVec
}

func newMetrics(s *Server) *metrics {
	if s.Registry == nil {
		s.Registry = prometheus.NewRegistry()
		s.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "outreach_http_requests_total",
			Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "status"}),
		ingested: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "outreach_ingested_items_total",
			Help: "Items received by the data API, by kind and result (created, updated, duplicate, invalid).",
		}, []string{"kind", "result"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "outreach_errors_total",
			Help: "Error responses by kind (an outreach error code, or validation for a 422).",
		}, []string{"kind"}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "outreach_sends_total",
			Help: "Send results recorded by this process's dispatcher: sent, failed, retry, unanswered.",
		}, []string{"result"}),
	}
	s.Registry.MustRegister(m.requests, m.ingested, m.errors, m.sends)
	return m
}

// CountSend adds one send result of the dispatcher (outreach.SendSent,
// SendFailed, SendRetry, SendUnanswered) to outreach_sends_total; serve
// passes it as the dispatcher's OnSend.
func (s *Server) CountSend(result string) {
	s.Handler() // builds the metrics on first use
	s.metrics.sends.WithLabelValues(result).Inc()
}

// countIngested adds a batch's result to the ingested items metric.
func (m *metrics) countIngested(kind string, res outreach.BatchResult) {
	m.ingested.WithLabelValues(kind, "created").Add(float64(res.Created))
	m.ingested.WithLabelValues(kind, "updated").Add(float64(res.Updated))
	m.ingested.WithLabelValues(kind, "duplicate").Add(float64(res.Duplicates))
}

// requestInfo carries what inner layers learn about a request (the token
// used) out to the access log.
type requestInfo struct {
	token string
}

type infoKey struct{}

func setTokenName(r *http.Request, name string) {
	if info, ok := r.Context().Value(infoKey{}).(*requestInfo); ok {
		info.token = name
	}
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe wraps the mux with panic recovery, the access log and the
// request metrics labelled by route pattern.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{}
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.Logger.ErrorContext(r.Context(), "panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p)
				s.metrics.errors.WithLabelValues("panic").Inc()
				if sw.status == 0 {
					mustWriteJSON(sw, http.StatusInternalServerError, errorBody{Error: "internal error"})
				}
			}
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			s.metrics.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
			attrs := []any{"method", r.Method, "path", logPath(r.URL.Path), "route", route, "status", sw.status,
				"bytes", sw.bytes, "duration", time.Since(start), "remote", r.RemoteAddr}
			if info.token != "" {
				attrs = append(attrs, "token", info.token)
			}
			s.Logger.InfoContext(r.Context(), "http request", attrs...)
		}()
		next.ServeHTTP(sw, r)
	})
}
