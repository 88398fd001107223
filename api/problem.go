package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/tributary-lineage/tributary/graph"
)

// ProblemContentType is the media type of every error response (RFC 9457).
const ProblemContentType = "application/problem+json"

// Problem type URIs. RFC 9457 section 3.1.1 allows non-resolvable tag URIs;
// "about:blank" is used when the HTTP status code says everything.
const (
	ProblemTypeBlank       = "about:blank"
	ProblemTypeNotReady    = "tag:tributary-lineage,2026:problem/not-ready"
	ProblemTypeUnhealthy   = "tag:tributary-lineage,2026:problem/unhealthy"
	ProblemTypeTimeout     = "tag:tributary-lineage,2026:problem/timeout"
	ProblemTypeNeo4jDown   = "tag:tributary-lineage,2026:problem/neo4j-unavailable"
	ProblemTypeBodyTooBig  = "tag:tributary-lineage,2026:problem/body-too-large"
	ProblemTypeInternal    = "tag:tributary-lineage,2026:problem/internal"
	problemExtRequestID    = "request_id"
	problemInternalMessage = "internal error; the request id identifies it in the server log"
)

// Problem is an RFC 9457 problem detail. Handlers may return a *Problem as an
// error; the server's error handler writes it as application/problem+json.
// Extensions are added as extra top-level members.
type Problem struct {
	Type       string
	Title      string
	Status     int
	Detail     string
	Instance   string
	Extensions map[string]any

	// Err is the underlying cause; it is logged for 5xx but never sent.
	Err error
}

// NewProblem builds a problem with type about:blank and the status text as title.
func NewProblem(status int, detail string) *Problem {
	return &Problem{Type: ProblemTypeBlank, Title: http.StatusText(status), Status: status, Detail: detail}
}

func (p *Problem) Error() string {
	if p.Err != nil {
		return fmt.Sprintf("%d %s: %s: %v", p.Status, p.Title, p.Detail, p.Err)
	}
	return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail)
}

func (p *Problem) Unwrap() error { return p.Err }

// MarshalJSON writes the standard members first-class and extensions beside them.
// Extensions cannot override the standard members.
func (p *Problem) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, 5+len(p.Extensions))
	maps.Copy(m, p.Extensions)
	typ := p.Type
	if typ == "" {
		typ = ProblemTypeBlank
	}
	m["type"] = typ
	m["title"] = p.Title
	m["status"] = p.Status
	if p.Detail != "" {
		m["detail"] = p.Detail
	}
	if p.Instance != "" {
		m["instance"] = p.Instance
	}
	return json.Marshal(m)
}

// problemFor maps any error a handler or middleware returned to a problem.
func problemFor(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		cp := *p
		cp.Extensions = maps.Clone(p.Extensions)
		if cp.Title == "" {
			cp.Title = http.StatusText(cp.Status)
		}
		return &cp
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		// echo nests an HTTPError in Internal for some wrapped cases.
		var inner *echo.HTTPError
		if he.Internal != nil && errors.As(he.Internal, &inner) {
			he = inner
		}
		detail := ""
		switch m := he.Message.(type) {
		case string:
			detail = m
		case error:
			detail = m.Error()
		case nil:
		default:
			detail = fmt.Sprint(m)
		}
		if detail == http.StatusText(he.Code) {
			detail = ""
		}
		pr := NewProblem(he.Code, detail)
		pr.Err = he.Internal
		if he.Code >= 500 {
			// Messages of 5xx HTTPErrors may carry internals; keep them in the log only.
			pr.Err = err
			if he.Code == http.StatusInternalServerError {
				pr.Detail = problemInternalMessage
			}
		}
		return pr
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &Problem{
			Type:   ProblemTypeBodyTooBig,
			Title:  "Request body too large",
			Status: http.StatusRequestEntityTooLarge,
			Detail: fmt.Sprintf("the request body exceeds the limit of %d bytes", mbe.Limit),
		}
	}
	// Driver errors that reached here without the circuit breaker (graph.Breaker) classify
	// the same way: a deadline inside the driver is a timeout, not an internal error.
	neo4jErr := graph.ClassifyNeo4jError(context.Background(), err)
	if errors.Is(err, graph.ErrUnavailable) || neo4jErr == graph.ErrUnavailable {
		// The cause (a dial error with an address) goes to the log only.
		return &Problem{
			Type:   ProblemTypeNeo4jDown,
			Title:  "Neo4j unavailable",
			Status: http.StatusServiceUnavailable,
			Detail: "neo4j does not answer; the request was not run. Retry in a few seconds (/health/ready reports when it is back)",
			Err:    err,
		}
	}
	if errors.Is(err, context.DeadlineExceeded) || neo4jErr == graph.ErrTimeout {
		return &Problem{
			Type:   ProblemTypeTimeout,
			Title:  "Request timed out",
			Status: http.StatusGatewayTimeout,
			Detail: "the request did not complete within the server's time limit",
			Err:    err,
		}
	}
	return &Problem{
		Type:   ProblemTypeInternal,
		Title:  http.StatusText(http.StatusInternalServerError),
		Status: http.StatusInternalServerError,
		Detail: problemInternalMessage,
		Err:    err,
	}
}

// errorHandler is the server's one echo.HTTPErrorHandler: every error becomes
// application/problem+json, 5xx causes are logged once here with the request id.
func (s *Server) errorHandler(err error, c echo.Context) {
	req := c.Request()
	rid := RequestIDFromContext(req.Context())
	p := problemFor(err)
	if p.Instance == "" {
		p.Instance = req.URL.Path
	}
	if p.Detail == "" {
		switch p.Status {
		case http.StatusNotFound:
			p.Detail = fmt.Sprintf("no route for %s %s", req.Method, req.URL.Path)
		case http.StatusMethodNotAllowed:
			p.Detail = fmt.Sprintf("%s is not allowed on %s", req.Method, req.URL.Path)
		}
	}
	if rid != "" {
		if p.Extensions == nil {
			p.Extensions = map[string]any{}
		}
		p.Extensions[problemExtRequestID] = rid
	}
	// Unexpected failures are logged here, once; problems a handler built on
	// purpose (503 not ready, 4xx) show in the access log only.
	if p.Status >= 500 && p.Err != nil {
		s.logger.LogAttrs(req.Context(), slog.LevelError, "request failed",
			slog.String("request_id", rid),
			slog.String("method", req.Method),
			slog.String("path", req.URL.Path),
			slog.Int("status", p.Status),
			slog.String("error", err.Error()),
		)
	}
	if c.Response().Committed {
		return
	}
	if p.Type == ProblemTypeNeo4jDown {
		c.Response().Header().Set("Retry-After", "1")
	}
	if req.Method == http.MethodHead {
		c.Response().Header().Set(echo.HeaderContentType, ProblemContentType)
		if werr := c.NoContent(p.Status); werr != nil {
			s.logger.Warn("write problem response", "request_id", rid, "error", werr)
		}
		return
	}
	body, merr := json.Marshal(p)
	if merr != nil {
		s.logger.Error("marshal problem", "request_id", rid, "error", merr)
		body = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500}`)
		p.Status = http.StatusInternalServerError
	}
	if werr := c.Blob(p.Status, ProblemContentType, body); werr != nil {
		s.logger.Warn("write problem response", "request_id", rid, "error", werr)
	}
}
