package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"
)

// Problem types of refused requests.
const (
	ProblemTypeUnsupportedMedia = "tag:tributary-lineage,2026:problem/unsupported-media-type"
	ProblemTypeURITooLong       = "tag:tributary-lineage,2026:problem/uri-too-long"
	ProblemTypeHeadersTooLarge  = "tag:tributary-lineage,2026:problem/headers-too-large"
	ProblemTypeBusy             = "tag:tributary-lineage,2026:problem/busy"
)

// Request size limits checked before routing. Go's server refuses headers past
// MaxHeaderBytes with a plain-text 431 before any handler runs; it is set well above
// MaxHeaderBytes so that the checks here, which answer problem+json, come first.
const (
	MaxURILength       = 8 << 10
	MaxHeaderBytes     = 32 << 10
	serverHeaderBytes  = 1 << 20
	retryAfterBusySecs = 1
)

// decodeJSON reads the request body as exactly one JSON object into v: the Content-Type must
// be application/json (415 otherwise), unknown fields and anything after the object are
// refused (400). what names the request in messages ("analyze request"). An empty body is
// io.EOF, for the caller to judge.
func decodeJSON(c echo.Context, v any, what string) error {
	req := c.Request()
	mt, _, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEApplicationJSON {
		return &Problem{Type: ProblemTypeUnsupportedMedia, Title: "Unsupported media type", Status: http.StatusUnsupportedMediaType,
			Detail:     fmt.Sprintf("the body must be %s, not %q", echo.MIMEApplicationJSON, req.Header.Get(echo.HeaderContentType)),
			Extensions: map[string]any{"parameter": "Content-Type"}}
	}
	dec := json.NewDecoder(req.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) || errors.Is(err, io.EOF) {
			return err
		}
		return badParam("body", "body is not a valid %s: %v", what, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badParam("body", "body is not a valid %s: data after the JSON object", what)
	}
	return nil
}

// repeatableParams are the query parameters that may be given more than once, by route: the
// OpenAPI document declares each as an array (style form, explode).
var repeatableParams = map[string]map[string]bool{
	"/api/v1/lineage/search": {"database": true, "schema": true},
}

// checkRequestLine refuses, with problem+json, a method the route does not serve (405, before
// authentication), a URL longer than MaxURILength (414), headers larger than MaxHeaderBytes
// (431), and a query parameter given more than once (400: which one would count is a guess, and
// a proxy may guess differently; repeatableParams lists the array parameters) or given empty
// (400: not the same as leaving it out). It runs
// first, after routing.
func checkRequestLine() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			// A method the route does not serve is 405 for everyone, before authentication
			// could answer 401 or 403 (CORS preflights go on to the CORS middleware).
			if allow, ok := c.Get(echo.ContextKeyHeaderAllow).(string); ok && req.Method != http.MethodOptions {
				c.Response().Header().Set(echo.HeaderAllow, allow)
				return echo.ErrMethodNotAllowed
			}
			if n := len(req.RequestURI); n > MaxURILength {
				return &Problem{Type: ProblemTypeURITooLong, Title: "URI too long", Status: http.StatusRequestURITooLong,
					Detail: fmt.Sprintf("the request URI is %d bytes, at most %d allowed", n, MaxURILength)}
			}
			size := 0
			for k, vs := range req.Header {
				for _, v := range vs {
					size += len(k) + len(v) + 4 // ": " and CRLF
				}
			}
			if size > MaxHeaderBytes {
				return &Problem{Type: ProblemTypeHeadersTooLarge, Title: "Request header fields too large",
					Status: http.StatusRequestHeaderFieldsTooLarge,
					Detail: fmt.Sprintf("the request headers are %d bytes, at most %d allowed", size, MaxHeaderBytes)}
			}
			q := req.URL.Query()
			names := make([]string, 0, len(q))
			for k := range q {
				names = append(names, k)
			}
			slices.Sort(names)
			for _, k := range names {
				if n := len(q[k]); n > 1 && !repeatableParams[c.Path()][k] {
					return badParam(k, "query parameter %s is given %d times; give it once", k, n)
				}
				if slices.Contains(q[k], "") {
					return badParam(k, "query parameter %s is empty; give a value or leave it out", k)
				}
			}
			return next(c)
		}
	}
}

// limitConcurrency lets at most n requests run the wrapped handler at once; the others are
// answered 503 with Retry-After at once rather than queued, so expensive work (analyze,
// export, import) cannot pile up past what the server can finish within its deadlines.
func limitConcurrency(n int) echo.MiddlewareFunc {
	slots := make(chan struct{}, n)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			select {
			case slots <- struct{}{}:
			default:
				c.Response().Header().Set(echo.HeaderRetryAfter, strconv.Itoa(retryAfterBusySecs))
				return &Problem{Type: ProblemTypeBusy, Title: "Server busy", Status: http.StatusServiceUnavailable,
					Detail: fmt.Sprintf("%d expensive requests (analyze, export, import) are already running; retry later", n)}
			}
			defer func() { <-slots }()
			return next(c)
		}
	}
}

// costKey is where a handler leaves its request's cost for the rate limiter (RequestCost).
const costKey = "tributary.request_cost"

// setCost records what a request cost in units of the rate limit (analyze: its statements).
func setCost(c echo.Context, n int) { c.Set(costKey, n) }

// RequestCost is what the request cost in units of the rate limit: 1, or more for a handler
// that weighs its work (analyze counts its statements). The security layer charges it.
func RequestCost(c echo.Context) int {
	if n, ok := c.Get(costKey).(int); ok && n > 1 {
		return n
	}
	return 1
}
