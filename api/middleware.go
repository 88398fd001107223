package api

import (
	"compress/gzip"
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// HeaderRequestID carries the request id in requests and responses.
const HeaderRequestID = echo.HeaderXRequestID

const maxRequestIDLen = 128

type requestIDKey struct{}

// RequestIDFromContext returns the request id the server assigned to the
// request whose context this is, or "" outside a request.
func RequestIDFromContext(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// validRequestID accepts a caller's id only when it is short and made of
// characters that are safe to echo back and log verbatim.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("-_.:~+/=", r):
		default:
			return false
		}
	}
	return true
}

// requestID keeps a well-formed incoming X-Request-ID or makes a new one, puts
// it on the response and into the request context.
func requestID() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			id := req.Header.Get(HeaderRequestID)
			if !validRequestID(id) {
				id = rand.Text()
			}
			c.Response().Header().Set(HeaderRequestID, id)
			c.SetRequest(req.WithContext(context.WithValue(req.Context(), requestIDKey{}, id)))
			return next(c)
		}
	}
}

// accessLog writes one slog record per request after the error handler has
// produced the final status. Health probes log at debug level: orchestrators
// call them every few seconds.
func (s *Server) accessLog() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				// Let the error handler write the response now so the log sees its status.
				c.Error(err)
			}
			req := c.Request()
			res := c.Response()
			level := slog.LevelInfo
			if strings.HasPrefix(c.Path(), "/health") && res.Status < 500 {
				level = slog.LevelDebug
			}
			s.logger.LogAttrs(req.Context(), level, "http request",
				slog.String("request_id", RequestIDFromContext(req.Context())),
				slog.String("method", req.Method),
				slog.String("path", req.URL.Path),
				slog.String("route", c.Path()),
				slog.Int("status", res.Status),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
				slog.Int64("bytes_in", req.ContentLength),
				slog.Int64("bytes_out", res.Size),
				slog.String("remote_ip", c.RealIP()),
				slog.String("user_agent", req.UserAgent()),
			)
			return nil
		}
	}
}

// recoverPanics turns a handler panic into a 500 problem and logs the stack once.
func (s *Server) recoverPanics() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				r := recover()
				if r == nil {
					return
				}
				if r == http.ErrAbortHandler {
					panic(r)
				}
				stack := make([]byte, 8<<10)
				stack = stack[:runtime.Stack(stack, false)]
				s.logger.Error("handler panic",
					"request_id", RequestIDFromContext(c.Request().Context()),
					"panic", fmt.Sprint(r),
					"stack", string(stack),
				)
				err = &Problem{
					Type:   ProblemTypeInternal,
					Title:  http.StatusText(http.StatusInternalServerError),
					Status: http.StatusInternalServerError,
					Detail: problemInternalMessage,
					Err:    fmt.Errorf("panic: %v", r),
				}
			}()
			return next(c)
		}
	}
}

// bodyLimit rejects bodies larger than limit bytes: at once when the
// Content-Length says so, otherwise when a handler reads past the limit
// (the read fails with *http.MaxBytesError, which maps to 413).
func bodyLimit(limit int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.ContentLength > limit {
				return &http.MaxBytesError{Limit: limit}
			}
			if req.Body != nil && req.Body != http.NoBody {
				req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
			}
			return next(c)
		}
	}
}

// requestTimeout bounds the context every handler passes to its I/O.
func requestTimeout(d time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx, cancel := context.WithTimeout(c.Request().Context(), d)
			defer cancel()
			c.SetRequest(c.Request().WithContext(ctx))
			return next(c)
		}
	}
}

// gzipResponses compresses responses for clients that accept gzip. Small bodies (most
// problems, health answers) are sent as they are.
func gzipResponses() echo.MiddlewareFunc {
	return middleware.GzipWithConfig(middleware.GzipConfig{Level: gzip.BestSpeed, MinLength: 1024})
}
