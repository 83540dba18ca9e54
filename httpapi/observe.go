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
	requests    *prometheus.CounterVec
	ingested    *prometheus.CounterVec
	errors      *prometheus.CounterVec
	sends       *prometheus.CounterVec
	failures    *prometheus.CounterVec
	sendLatency prometheus.Histogram
	webhookLag  prometheus.Histogram
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
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "outreach_send_failures_total",
			Help: "Failed sends by reason: render, refused (by the provider), expired (retries past the ttl), outcome_unknown, other.",
		}, []string{"reason"}),
		sendLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "outreach_send_duration_seconds",
			Help:    "How long the mail provider took to answer one send request.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12), // 5 ms to ~10 s
		}),
		webhookLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "outreach_webhook_lag_seconds",
			Help:    "Delay between a provider event (its timestamp) and its arrival on the event webhook.",
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600},
		}),
	}
	s.Registry.MustRegister(m.requests, m.ingested, m.errors, m.sends, m.failures, m.sendLatency, m.webhookLag)
	if s.Ops != nil {
		s.Registry.MustRegister(newOpsCollector(s.Ops, s.Now, func(err error) {
			s.Logger.Warn("metrics: reading the outbox figures failed; serving the previous ones", "err", err.Error())
		}))
	}
	return m
}

// failReasons are the values of outreach_send_failures_total's label: a
// closed set, so that a provider's message never becomes a label.
var failReasons = map[string]bool{outreach.FailRender: true, outreach.FailRefused: true,
	outreach.FailExpired: true, outreach.FailOutcomeUnknown: true}

// CountSend counts one send outcome of the dispatcher: its result
// (outreach.SendSent, SendFailed, SendRetry, SendUnanswered) in
// outreach_sends_total, a failure's reason in outreach_send_failures_total
// (a reason outside the closed set counts as "other") and the provider's
// answer time in outreach_send_duration_seconds. serve passes it as the
// dispatcher's OnSend.
func (s *Server) CountSend(o outreach.SendOutcome) {
	s.Handler() // builds the metrics on first use
	s.metrics.sends.WithLabelValues(o.Result).Inc()
	if o.Result == outreach.SendFailed {
		reason := o.FailReason
		if !failReasons[reason] {
			reason = "other"
		}
		s.metrics.failures.WithLabelValues(reason).Inc()
	}
	if o.Attempted && o.Latency > 0 {
		s.metrics.sendLatency.Observe(o.Latency.Seconds())
	}
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
				s.Logger.ErrorContext(r.Context(), "panic serving request", "method", r.Method, "path", logPath(r), "panic", logPanic(p))
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
			attrs := []any{"method", r.Method, "path", logPath(r), "route", route, "status", sw.status,
				"bytes", sw.bytes, "duration", time.Since(start), "remote", r.RemoteAddr}
			if info.token != "" {
				attrs = append(attrs, "token", info.token)
			}
			s.Logger.InfoContext(r.Context(), "http request", attrs...)
		}()
		next.ServeHTTP(sw, r)
	})
}

// requestToken returns the name of the token that authenticated r, or "".
func requestToken(r *http.Request) string {
	if info, ok := r.Context().Value(infoKey{}).(*requestInfo); ok {
		return info.token
	}
	return ""
}
