package telemetry

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// TraceIDHeader is the response header naming the request's trace.
const TraceIDHeader = "X-Trace-Id"

// EchoMiddleware starts a server span per request, named "METHOD /route/template" (the route,
// not the raw path, so ids do not make every name unique), continuing a trace whose traceparent
// the caller sent. The request's context carries the span, so Neo4j and Redis calls made with
// c.Request().Context() become its children. 5xx answers mark the span failed. The response
// carries the trace id in X-Trace-Id so a caller can find the trace.
//
// With tracing off (no endpoint) it passes requests through untouched.
func EchoMiddleware(p *Provider) echo.MiddlewareFunc {
	if !p.Enabled() {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	tracer := p.Tracer.Tracer(ScopeName)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			ctx := p.Propagator.Extract(req.Context(), propagation.HeaderCarrier(req.Header))
			route := c.Path()
			name := req.Method + " " + route
			if route == "" {
				name = req.Method
			}
			ctx, span := tracer.Start(ctx, name,
				trace.WithSpanKind(trace.SpanKindServer),
				trace.WithAttributes(
					attribute.String("http.request.method", req.Method),
					attribute.String("url.path", req.URL.Path),
					attribute.String("http.route", route),
					attribute.String("url.scheme", scheme(req)),
					attribute.String("client.address", c.RealIP()),
					attribute.String("user_agent.original", req.UserAgent()),
				))
			defer span.End()
			c.SetRequest(req.WithContext(ctx))
			if sc := span.SpanContext(); sc.IsValid() {
				c.Response().Header().Set(TraceIDHeader, sc.TraceID().String())
			}

			err := next(c)
			status := c.Response().Status
			if err != nil {
				// The error has not been turned into a response yet: take the status it will get.
				status = http.StatusInternalServerError
				var he *echo.HTTPError
				if errors.As(err, &he) {
					status = he.Code
				}
			}
			span.SetAttributes(attribute.Int("http.response.status_code", status))
			if status >= 500 {
				if err != nil {
					span.RecordError(err)
				}
				span.SetStatus(codes.Error, strconv.Itoa(status))
			}
			return err
		}
	}
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}
