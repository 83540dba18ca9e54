// Package httpapi serves outreach over HTTP: the JSON API for data and
// people (/api/v1/...), the health and metrics endpoints, and — added by
// their own files — the public survey and unsubscribe pages and the
// SendGrid event webhook. It is the only place where errors become HTTP.
//
// A request goes through two layers:
//
//	observe (access log, metrics by route and status, panic recovery)
//	  └─ mux (Go 1.22 patterns, one line per route in routes.go)
//	       └─ route (auth by scope, then the handler; a returned error is
//	                 turned into a status and a JSON body by writeError)
//
// To add an area (say the NPS API), write its handlers as methods of
// Server returning error in a file of their own, add the stores they need
// as fields of Server, and register them in routes with the scope they
// require.
package httpapi
