package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// Config is the whole security layer's configuration.
type Config struct {
	// Off serves every request as an anonymous admin (local use only; the
	// caller checks the listen address is loopback). Audit records are
	// still written for writes.
	Off bool
	// JWT verifies bearer tokens; nil means bearer tokens are refused.
	JWT *Verifier
	// Keys verifies API keys; nil means API keys are refused.
	Keys *KeyStore
	// Limiter enforces PrincipalLimit per authenticated principal and
	// AnonLimit per client IP for requests without valid credentials;
	// nil turns rate limiting off.
	Limiter        *Limiter
	PrincipalLimit Limit
	AnonLimit      Limit
	// Cost, when set, says what a served request cost in units of PrincipalLimit (api.RequestCost:
	// an analyze counts its statements); the units past the first are charged after it ran.
	Cost   func(echo.Context) int
	Policy Policy
	Audit  *Auditor
	Logger *slog.Logger
	// CORSOrigins are the exact origins browsers may call the API from
	// ("https://lineage.example.com"); empty means no CORS headers at all.
	CORSOrigins []string
	// HSTSMaxAge, when positive, sends Strict-Transport-Security on HTTPS
	// requests (TLS here, or X-Forwarded-Proto: https from the proxy in
	// front when TrustForwardedProto is set).
	HSTSMaxAge          time.Duration
	TrustForwardedProto bool
}

// Security is the configured layer; Middleware returns its echo middleware.
type Security struct {
	cfg Config
}

// New checks cfg and returns the layer.
func New(cfg Config) (*Security, error) {
	if cfg.Logger == nil {
		return nil, errors.New("auth: no logger")
	}
	if cfg.Audit == nil {
		cfg.Audit = NewAuditor(cfg.Logger)
	}
	for _, o := range cfg.CORSOrigins {
		if err := ValidateOrigin(o); err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
	}
	if !cfg.Off && cfg.JWT == nil && cfg.Keys == nil {
		return nil, errors.New("auth: on, but neither JWT nor API keys are configured; nothing could authenticate")
	}
	return &Security{cfg: cfg}, nil
}

// ValidateOrigin accepts an exact origin: scheme://host[:port], no path, no wildcard.
func ValidateOrigin(o string) error {
	scheme, rest, ok := strings.Cut(o, "://")
	if !ok || (scheme != "https" && scheme != "http") || rest == "" ||
		strings.ContainsAny(rest, "/*?# ") {
		return fmt.Errorf("CORS origin %q is not scheme://host[:port] (no wildcards, no path)", o)
	}
	return nil
}

// Headers sets the security headers. Install it first, right after the request id, so
// that every response carries them, those the body limit (413) or the request timeout
// (503) write before the rest of the chain runs included.
func (s *Security) Headers() echo.MiddlewareFunc { return s.headers() }

// Middleware is the chain to install after the request id, access log, body limit and
// timeout: CORS (when origins are configured), then authentication, rate limiting,
// authorization and audit. Headers goes before all of them.
func (s *Security) Middleware() []echo.MiddlewareFunc {
	var mw []echo.MiddlewareFunc
	if len(s.cfg.CORSOrigins) > 0 {
		mw = append(mw, middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:  s.cfg.CORSOrigins,
			AllowMethods:  []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
			AllowHeaders:  []string{echo.HeaderAuthorization, HeaderAPIKey, echo.HeaderContentType, echo.HeaderXRequestID},
			ExposeHeaders: []string{echo.HeaderXRequestID, echo.HeaderRetryAfter, echo.HeaderWWWAuthenticate},
			// Credentials travel in headers, never cookies.
			AllowCredentials: false,
			MaxAge:           600,
		}))
	}
	return append(mw, s.authenticate)
}

// headers sets the security headers on every response.
func (s *Security) headers() echo.MiddlewareFunc {
	hsts := ""
	if s.cfg.HSTSMaxAge > 0 {
		hsts = "max-age=" + strconv.Itoa(int(s.cfg.HSTSMaxAge/time.Second)) + "; includeSubDomains"
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set(echo.HeaderXContentTypeOptions, "nosniff")
			h.Set(echo.HeaderXFrameOptions, "DENY")
			h.Set(echo.HeaderContentSecurityPolicy, "frame-ancestors 'none'")
			h.Set(echo.HeaderReferrerPolicy, "no-referrer")
			h.Set("Cross-Origin-Resource-Policy", "same-site")
			if hsts != "" && (c.Request().TLS != nil ||
				(s.cfg.TrustForwardedProto && c.Request().Header.Get(echo.HeaderXForwardedProto) == "https")) {
				h.Set(echo.HeaderStrictTransportSecurity, hsts)
			}
			return next(c)
		}
	}
}

type principalKey struct{}

// Anonymous is the principal of a request without credentials on a Public route with
// Identify: it has no role.
var Anonymous = Principal{ID: "anonymous", Method: "none"}

// PrincipalFrom returns the request's authenticated principal; ok is false
// when the security layer is not installed (tests of other packages).
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Require lets a handler check a role the route policy could not know
// (persist=true read from a JSON body, say): it returns a 403 error when the
// request's principal lacks role. Without the security layer it allows.
func Require(ctx context.Context, role Role) error {
	p, ok := PrincipalFrom(ctx)
	if !ok || p.Role.Includes(role) {
		return nil
	}
	return echo.NewHTTPError(http.StatusForbidden, reasonText[ReasonInsufficientRole]+" (needs "+role.String()+")")
}

// isWrite reports whether a method may change state; those are audited.
func isWrite(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// reqInfo is what audit records take from the request.
type reqInfo struct {
	action, resource, requestID, ip string
}

func infoOf(c echo.Context) reqInfo {
	req := c.Request()
	route := c.Path()
	if route == "" {
		route = req.URL.Path
	}
	return reqInfo{
		action:    req.Method + " " + route,
		resource:  req.URL.Path,
		requestID: c.Response().Header().Get(echo.HeaderXRequestID),
		ip:        c.RealIP(),
	}
}

func (s *Security) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		ctx := req.Context()
		access := s.cfg.Policy.Access(req.Method, c.Path())
		if access.Public && !access.Identify {
			return next(c)
		}
		need := access.Role
		if access.Escalate != nil {
			need = max(need, access.Escalate(req))
		}
		info := infoOf(c)
		if s.cfg.Off {
			return s.serve(c, next, Principal{ID: "anonymous", Name: "auth-off", Role: RoleAdmin, Method: "none"}, info)
		}

		ipKey := "ip:" + info.ip
		p, ferr := s.identify(ctx, req)
		if ferr != nil {
			var f *Failure
			if access.Identify && errors.As(ferr, &f) && f.Reason == ReasonMissingCredentials {
				if d, err := s.hit(ctx, ipKey, s.cfg.AnonLimit); err == nil && !d.Allowed {
					return s.limited(c, Principal{}, info, d)
				}
				return s.serve(c, next, Anonymous, info)
			}
			if !errors.As(ferr, &f) {
				// The credential store did not answer: nothing can be verified.
				s.cfg.Audit.Record(ctx, s.event(Principal{}, info, OutcomeDenied, http.StatusServiceUnavailable, ReasonKeysUnavailable, ferr))
				return echo.NewHTTPError(http.StatusServiceUnavailable, "authentication is unavailable; retry later").SetInternal(ferr)
			}
			if d, err := s.hit(ctx, ipKey, s.cfg.AnonLimit); err == nil && !d.Allowed {
				return s.limited(c, Principal{}, info, d)
			}
			return s.unauthorized(c, info, f)
		}
		if !access.Public && p.Role == RoleNone {
			return s.forbidden(c, p, info, ReasonNoRole, need)
		}
		if !access.Public && !p.Role.Includes(need) {
			return s.forbidden(c, p, info, ReasonInsufficientRole, need)
		}
		// One round trip: the IP must not be over its failure limit (a
		// client that failed too often waits even with valid credentials,
		// so guessing gains nothing), and the principal's request counts.
		if d, err := s.admit(ctx, ipKey, "p:"+p.ID); err == nil && !d.Allowed {
			return s.limited(c, p, info, d)
		}
		// What an authenticated caller gets is private: no shared or browser cache keeps it.
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		return s.serve(c, next, p, info)
	}
}

// identify reads exactly one credential and verifies it.
func (s *Security) identify(ctx context.Context, req *http.Request) (Principal, error) {
	authz := req.Header.Get(echo.HeaderAuthorization)
	apiKey := req.Header.Get(HeaderAPIKey)
	if authz != "" && apiKey != "" {
		return Principal{}, fail(ReasonAmbiguousCredentials, nil)
	}
	if len(req.Header.Values(echo.HeaderAuthorization)) > 1 || len(req.Header.Values(HeaderAPIKey)) > 1 {
		return Principal{}, fail(ReasonAmbiguousCredentials, errors.New("header repeated"))
	}
	if authz == "" && apiKey == "" {
		return Principal{}, fail(ReasonMissingCredentials, nil)
	}
	if authz != "" {
		scheme, token, ok := strings.Cut(authz, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return Principal{}, fail(ReasonMalformedToken, errors.New("authorization scheme is not Bearer"))
		}
		token = strings.TrimSpace(token)
		// An API key may come as a bearer token (Prometheus' bearer_token_file).
		if strings.HasPrefix(token, apiKeyPrefix) {
			apiKey = token
		} else {
			if s.cfg.JWT == nil {
				return Principal{}, fail(ReasonMalformedToken, errors.New("bearer tokens are not configured (no issuer)"))
			}
			return s.cfg.JWT.Verify(ctx, token)
		}
	}
	if s.cfg.Keys == nil {
		return Principal{}, fail(ReasonBadAPIKey, errors.New("api keys are not configured"))
	}
	return s.cfg.Keys.Verify(ctx, strings.TrimSpace(apiKey))
}

// serve runs the handler with the principal in the context and audits writes.
func (s *Security) serve(c echo.Context, next echo.HandlerFunc, p Principal, info reqInfo) (err error) {
	req := c.Request()
	c.SetRequest(req.WithContext(context.WithValue(req.Context(), principalKey{}, p)))
	c.Set("principal", p.ID)
	if !isWrite(req.Method) {
		err := next(c)
		s.charge(c, p)
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			s.cfg.Audit.Record(req.Context(), s.event(p, info, OutcomeFailure, http.StatusInternalServerError, "panic", nil))
			panic(r)
		}
	}()
	if err := next(c); err != nil {
		// Let the error handler write the response now so the record has its status.
		c.Error(err)
	}
	s.charge(c, p)
	status := c.Response().Status
	outcome, reason := OutcomeSuccess, ""
	if status >= 400 {
		outcome = OutcomeFailure
	}
	// A handler that finished after its deadline, or after the client left, answered no one.
	if cerr := c.Request().Context().Err(); cerr != nil && outcome == OutcomeSuccess {
		outcome, reason = OutcomeFailure, ReasonRequestAbandoned
	}
	s.cfg.Audit.Record(req.Context(), s.event(p, info, outcome, status, reason, context.Cause(c.Request().Context())))
	return nil
}

// charge counts what the request cost past its first unit (Config.Cost) against the principal.
// Like the other limits, Redis trouble is logged and lets the request through.
func (s *Security) charge(c echo.Context, p Principal) {
	if s.cfg.Cost == nil || s.cfg.Limiter == nil || s.cfg.PrincipalLimit.N == 0 {
		return
	}
	n := s.cfg.Cost(c) - 1
	if n <= 0 {
		return
	}
	ctx := context.WithoutCancel(c.Request().Context())
	if err := s.cfg.Limiter.Charge(ctx, "p:"+p.ID, n, s.cfg.PrincipalLimit); err != nil {
		s.cfg.Logger.WarnContext(ctx, "rate limiter unavailable; cost not charged", "error", err.Error())
	}
}

func (s *Security) event(p Principal, info reqInfo, outcome string, status int, reason string, cause error) AuditEvent {
	ev := AuditEvent{
		Principal: p.ID, Name: p.Name, Role: p.Role, Method: p.Method,
		Action: info.action, Resource: info.resource, Outcome: outcome, Status: status,
		Reason: reason, RequestID: info.requestID, RemoteIP: info.ip,
	}
	if ev.Method == "" {
		ev.Method = "none"
	}
	if cause != nil {
		ev.Detail = cause.Error()
	}
	return ev
}

func (s *Security) unauthorized(c echo.Context, info reqInfo, f *Failure) error {
	s.cfg.Audit.Record(c.Request().Context(), s.event(Principal{}, info, OutcomeDenied, http.StatusUnauthorized, f.Reason, f.Err))
	challenge := `Bearer realm="tributary"`
	if f.Reason != ReasonMissingCredentials {
		challenge += `, error="invalid_token"`
	}
	c.Response().Header().Set(echo.HeaderWWWAuthenticate, challenge)
	return echo.NewHTTPError(http.StatusUnauthorized, f.Message())
}

func (s *Security) forbidden(c echo.Context, p Principal, info reqInfo, reason string, need Role) error {
	s.cfg.Audit.Record(c.Request().Context(), s.event(p, info, OutcomeDenied, http.StatusForbidden, reason,
		fmt.Errorf("role %s, needs %s", p.Role, need)))
	return echo.NewHTTPError(http.StatusForbidden, reasonText[reason]+" (needs "+need.String()+")")
}

func (s *Security) limited(c echo.Context, p Principal, info reqInfo, d Decision) error {
	s.cfg.Audit.Record(c.Request().Context(), s.event(p, info, OutcomeDenied, http.StatusTooManyRequests, ReasonRateLimited,
		fmt.Errorf("%d requests in the window", d.Count)))
	c.Response().Header().Set(echo.HeaderRetryAfter, strconv.Itoa(d.RetryAfterSeconds()))
	return echo.NewHTTPError(http.StatusTooManyRequests, reasonText[ReasonRateLimited])
}

// hit counts against a limit. Redis trouble fails open (logged): the
// limiter protects capacity, and authentication still applies.
func (s *Security) hit(ctx context.Context, key string, lim Limit) (Decision, error) {
	if s.cfg.Limiter == nil || lim.N == 0 {
		return Decision{Allowed: true}, nil
	}
	d, err := s.cfg.Limiter.Hit(ctx, key, lim)
	if err != nil {
		s.cfg.Logger.WarnContext(ctx, "rate limiter unavailable; allowing", "error", err.Error())
	}
	return d, err
}

func (s *Security) admit(ctx context.Context, ipKey, principalKey string) (Decision, error) {
	if s.cfg.Limiter == nil {
		return Decision{Allowed: true}, nil
	}
	d, err := s.cfg.Limiter.Admit(ctx, ipKey, s.cfg.AnonLimit, principalKey, s.cfg.PrincipalLimit)
	if err != nil {
		s.cfg.Logger.WarnContext(ctx, "rate limiter unavailable; allowing", "error", err.Error())
	}
	return d, err
}
