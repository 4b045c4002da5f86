package metric

import (
	"net/http"
	"strconv"
)

// Calls returns an http.RoundTripper that sends each request through
// next (nil is http.DefaultTransport) and counts it as the metric name,
// with the dimension Status (see StatusClass), in the Recorder the
// request's context carries.
func Calls(name string, next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &calls{name: name, next: next}
}

type calls struct {
	name string
	next http.RoundTripper
}

func (c *calls) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	code := 0
	if err == nil {
		code = resp.StatusCode
	}
	From(r.Context()).Count(c.name, 1, D("Status", StatusClass(code)))
	return resp, err
}

// StatusClass names an HTTP status for a metric: "429" (rate limited)
// apart, the class ("2xx", "4xx", "5xx"), and "error" for 0, no answer.
// Few values, since each is a metric of its own.
func StatusClass(code int) string {
	switch {
	case code == http.StatusTooManyRequests:
		return "429"
	case code >= 100 && code < 600:
		return strconv.Itoa(code/100) + "xx"
	default:
		return "error"
	}
}
