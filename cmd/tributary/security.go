package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"

	"github.com/tributary-lineage/tributary/api"
	"github.com/tributary-lineage/tributary/api/auth"
)

// AuthConfig is the security layer's configuration (docs/security.md).
// Values are validated when loaded; newSecurity builds the layer from them.
type AuthConfig struct {
	Off bool `json:"off"`
	// JWT: enabled when a Cognito pool or a JWKS URL is set.
	CognitoRegion string        `json:"cognito_region"`
	CognitoPoolID string        `json:"cognito_user_pool_id"`
	JWKSURL       string        `json:"jwks_url"`
	Issuer        string        `json:"issuer"`
	ClientIDs     []string      `json:"client_ids"`
	TokenUses     []string      `json:"token_uses"`
	Skew          time.Duration `json:"skew"`
	JWKSRefresh   time.Duration `json:"jwks_min_refresh"`
	RoleMap       string        `json:"role_map"`

	APIKeys     bool       `json:"api_keys"`
	RedisPrefix string     `json:"redis_prefix"`
	RateLimit   auth.Limit `json:"rate_limit"`
	AnonLimit   auth.Limit `json:"anon_rate_limit"`

	CORSOrigins         []string      `json:"cors_origins"`
	HSTSMaxAge          time.Duration `json:"hsts_max_age"`
	TrustForwardedProto bool          `json:"trust_forwarded_proto"`
	// TrustedProxies: networks whose X-Forwarded-For names the client (see api.Config).
	TrustedProxies []netip.Prefix `json:"trusted_proxies"`
	HealthAccess   string         `json:"health_access"`
	MetricsAccess  string         `json:"metrics_access"`
	// MetricsAddr, when set, also serves /metrics on a separate listener
	// without authentication (for scrapers on an internal network).
	MetricsAddr string `json:"metrics_addr"`
}

// JWTEnabled reports whether bearer tokens are verified.
func (a AuthConfig) JWTEnabled() bool { return a.Issuer != "" }

const (
	envAuth                = "TRIBUTARY_AUTH"
	envCognitoRegion       = "TRIBUTARY_COGNITO_REGION"
	envCognitoPoolID       = "TRIBUTARY_COGNITO_USER_POOL_ID"
	envJWKSURL             = "TRIBUTARY_JWKS_URL"
	envJWTIssuer           = "TRIBUTARY_JWT_ISSUER"
	envJWTClientIDs        = "TRIBUTARY_JWT_CLIENT_IDS"
	envJWTTokenUse         = "TRIBUTARY_JWT_TOKEN_USE"
	envJWTSkew             = "TRIBUTARY_JWT_SKEW"
	envJWKSMinRefresh      = "TRIBUTARY_JWKS_MIN_REFRESH"
	envRoleMap             = "TRIBUTARY_ROLE_MAP"
	envAPIKeys             = "TRIBUTARY_API_KEYS"
	envAuthRedisPrefix     = "TRIBUTARY_AUTH_REDIS_PREFIX"
	envRateLimit           = "TRIBUTARY_RATE_LIMIT"
	envRateLimitAnon       = "TRIBUTARY_RATE_LIMIT_ANON"
	envCORSOrigins         = "TRIBUTARY_CORS_ORIGINS"
	envHSTSMaxAge          = "TRIBUTARY_HSTS_MAX_AGE"
	envTrustForwardedProto = "TRIBUTARY_TRUST_FORWARDED_PROTO"
	envTrustedProxies      = "TRIBUTARY_TRUSTED_PROXIES"
	envHealthAccess        = "TRIBUTARY_HEALTH_ACCESS"
	envMetricsAccess       = "TRIBUTARY_METRICS_ACCESS"
	envMetricsAddr         = "TRIBUTARY_METRICS_ADDR"
)

// authEnvDefaults documents the security variables; `tributary help` lists
// them after the others.
var authEnvDefaults = []struct{ name, def, doc string }{
	{envAuth, "on", "on, or off for local use (only with a loopback TRIBUTARY_HTTP_ADDR)"},
	{envCognitoRegion, "", "AWS region of the Cognito user pool (e.g. eu-west-1)"},
	{envCognitoPoolID, "", "Cognito user pool id; enables bearer tokens (e.g. eu-west-1_AbC123)"},
	{envJWKSURL, "", "JWKS URL (default: the pool's /.well-known/jwks.json)"},
	{envJWTIssuer, "", "expected iss (default: https://cognito-idp.<region>.amazonaws.com/<pool>)"},
	{envJWTClientIDs, "", "comma-separated app client ids accepted (client_id / aud); required with JWT"},
	{envJWTTokenUse, "access", "accepted token_use values: access, id, or access,id"},
	{envJWTSkew, "30s", "clock skew allowed on exp/nbf/iat (at most 5m)"},
	{envJWKSMinRefresh, "30s", "least time between two JWKS refetches caused by unknown kids"},
	{envRoleMap, "", "Cognito group (or scope:NAME) to role, e.g. data-eng=editor,platform=admin,*=viewer"},
	{envAPIKeys, "on", "accept API keys (X-API-Key) stored in Redis: on or off"},
	{envAuthRedisPrefix, "tributary:auth:", "Redis key prefix for API keys and rate-limit counters"},
	{envRateLimit, "600/1m", "requests per authenticated principal per window, or off"},
	{envRateLimitAnon, "30/1m", "requests without valid credentials per client IP per window, or off"},
	{envCORSOrigins, "", "comma-separated exact origins allowed by CORS (none: no CORS)"},
	{envHSTSMaxAge, "0s", "Strict-Transport-Security max-age on HTTPS requests (0s: off), e.g. 8760h"},
	{envTrustForwardedProto, "false", "trust X-Forwarded-Proto: https from the proxy in front (for HSTS)"},
	{envTrustedProxies, "", "comma-separated CIDRs of the proxies in front, whose X-Forwarded-For names the client for rate limits and logs (none: the peer address)"},
	{envHealthAccess, "public", "who may call /health*: public, viewer, editor or admin"},
	{envMetricsAccess, "viewer", "who may call /metrics on the API address: public, viewer, editor or admin"},
	{envMetricsAddr, "", "host:port of a separate, unauthenticated /metrics listener (internal network only)"},
}

// defaultAuthConfig is what an empty environment yields.
func defaultAuthConfig() AuthConfig {
	return AuthConfig{
		TokenUses:     []string{auth.TokenUseAccess},
		Skew:          30 * time.Second,
		JWKSRefresh:   30 * time.Second,
		APIKeys:       true,
		RedisPrefix:   "tributary:auth:",
		RateLimit:     auth.Limit{N: 600, Window: time.Minute},
		AnonLimit:     auth.Limit{N: 30, Window: time.Minute},
		HealthAccess:  "public",
		MetricsAccess: "viewer",
	}
}

var (
	awsRegion     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)
	cognitoPoolID = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d_[0-9A-Za-z]+$`)
)

// loadAuthConfig reads the security variables; httpAddr is the validated
// (or not) API listen address, checked to be loopback when auth is off.
func loadAuthConfig(getenv func(string) string, httpAddr string) (AuthConfig, []error) {
	get := func(name string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return defaultOf(name)
	}
	var problems []error
	bad := func(name, format string, args ...any) {
		problems = append(problems, fmt.Errorf("%s: "+format, append([]any{name}, args...)...))
	}
	onOff := func(name string) bool {
		switch strings.ToLower(get(name)) {
		case "on", "true", "1", "yes":
			return true
		case "off", "false", "0", "no":
			return false
		}
		bad(name, "%q is not on or off", get(name))
		return true
	}
	list := func(name string) []string {
		var out []string
		for v := range strings.SplitSeq(get(name), ",") {
			if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
		return out
	}
	duration := func(name string, lo, hi time.Duration) time.Duration {
		d, err := time.ParseDuration(get(name))
		if err != nil || d < lo || d > hi {
			bad(name, "%q is not a duration from %s to %s", get(name), lo, hi)
		}
		return d
	}
	access := func(name string) string {
		v := strings.ToLower(get(name))
		if v != "public" {
			if _, err := auth.ParseRole(v); err != nil {
				bad(name, "%q is not public, viewer, editor or admin", get(name))
			}
		}
		return v
	}

	var a AuthConfig
	a.Off = !onOff(envAuth)
	if a.Off && !isLoopback(httpAddr) {
		bad(envAuth, "off is allowed only when %s is a loopback address (127.0.0.1, ::1, localhost), not %q", envHTTPAddr, httpAddr)
	}
	a.CognitoRegion, a.CognitoPoolID = get(envCognitoRegion), get(envCognitoPoolID)
	a.JWKSURL, a.Issuer = get(envJWKSURL), get(envJWTIssuer)
	switch {
	case a.CognitoPoolID != "":
		if a.CognitoRegion == "" {
			// A pool id starts with its region: eu-west-1_AbC123.
			a.CognitoRegion, _, _ = strings.Cut(a.CognitoPoolID, "_")
		}
		if !cognitoPoolID.MatchString(a.CognitoPoolID) {
			bad(envCognitoPoolID, "%q is not a user pool id (region_id, e.g. eu-west-1_AbC123)", a.CognitoPoolID)
		}
		if !awsRegion.MatchString(a.CognitoRegion) {
			bad(envCognitoRegion, "%q is not an AWS region", a.CognitoRegion)
		}
		if a.Issuer == "" {
			a.Issuer = auth.CognitoIssuer(a.CognitoRegion, a.CognitoPoolID)
		}
		if a.JWKSURL == "" {
			a.JWKSURL = auth.CognitoJWKSURL(a.CognitoRegion, a.CognitoPoolID)
		}
	case a.JWKSURL != "" || a.Issuer != "":
		if a.JWKSURL == "" || a.Issuer == "" {
			bad(envJWKSURL, "without %s, both %s and %s are needed", envCognitoPoolID, envJWKSURL, envJWTIssuer)
		}
	}
	if a.JWKSURL != "" {
		if u, err := url.Parse(a.JWKSURL); err != nil || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Host))) || u.Host == "" {
			bad(envJWKSURL, "%q must be an https URL (http only on loopback)", a.JWKSURL)
		}
	}
	a.ClientIDs = list(envJWTClientIDs)
	if a.JWTEnabled() && len(a.ClientIDs) == 0 {
		bad(envJWTClientIDs, "is required when bearer tokens are enabled (the app client ids to accept)")
	}
	a.TokenUses = list(envJWTTokenUse)
	for _, u := range a.TokenUses {
		if u != auth.TokenUseAccess && u != auth.TokenUseID {
			bad(envJWTTokenUse, "%q is not access or id", u)
		}
	}
	a.Skew = duration(envJWTSkew, 0, auth.MaxSkew)
	a.JWKSRefresh = duration(envJWKSMinRefresh, time.Second, time.Hour)
	a.RoleMap = get(envRoleMap)
	if _, err := auth.ParseRoleMap(a.RoleMap); err != nil {
		bad(envRoleMap, "%v", err)
	}
	a.APIKeys = onOff(envAPIKeys)
	a.RedisPrefix = get(envAuthRedisPrefix)
	var err error
	if a.RateLimit, err = auth.ParseLimit(get(envRateLimit)); err != nil {
		bad(envRateLimit, "%v", err)
	}
	if a.AnonLimit, err = auth.ParseLimit(get(envRateLimitAnon)); err != nil {
		bad(envRateLimitAnon, "%v", err)
	}
	a.CORSOrigins = list(envCORSOrigins)
	for _, o := range a.CORSOrigins {
		if err := auth.ValidateOrigin(o); err != nil {
			bad(envCORSOrigins, "%v", err)
		}
	}
	a.HSTSMaxAge = duration(envHSTSMaxAge, 0, 2*365*24*time.Hour)
	a.TrustForwardedProto = onOff(envTrustForwardedProto)
	for _, p := range list(envTrustedProxies) {
		if prefix, err := parseProxy(p); err != nil {
			bad(envTrustedProxies, "%v", err)
		} else {
			a.TrustedProxies = append(a.TrustedProxies, prefix)
		}
	}
	a.HealthAccess = access(envHealthAccess)
	a.MetricsAccess = access(envMetricsAccess)
	if a.MetricsAddr = get(envMetricsAddr); a.MetricsAddr != "" {
		if err := validateHostPort(a.MetricsAddr); err != nil {
			bad(envMetricsAddr, "%v", err)
		} else if a.MetricsAddr == httpAddr {
			bad(envMetricsAddr, "%q is also %s; the metrics listener needs its own address", a.MetricsAddr, envHTTPAddr)
		}
	}
	if !a.Off && !a.JWTEnabled() && !a.APIKeys {
		bad(envAuth, "on, but neither bearer tokens (%s) nor API keys (%s) are enabled: nothing could authenticate", envCognitoPoolID, envAPIKeys)
	}
	return a, problems
}

// isLoopback reports whether host[:port] names only the loopback interface.
// An empty host (":8080") listens everywhere and is not loopback.
func isLoopback(addr string) bool {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func accessOf(s string) auth.Access {
	if s == "public" {
		return auth.Public
	}
	r, _ := auth.ParseRole(s) // validated when loaded
	return auth.Need(r)
}

// newSecurity builds the security layer's middleware from the configuration.
// Auth off is logged loudly; the JWKS is fetched once now so a wrong URL
// shows at start (a failure is logged, and fetching is retried on use).
func newSecurity(ctx context.Context, a AuthConfig, rdb redis.UniversalClient, logger *slog.Logger) (*auth.Security, error) {
	cfg := auth.Config{
		Off:        a.Off,
		Limiter:    auth.NewLimiter(rdb, a.RedisPrefix),
		Policy:     auth.DefaultPolicy(auth.PolicyConfig{Health: accessOf(a.HealthAccess), Metrics: accessOf(a.MetricsAccess), Docs: auth.Public}),
		Audit:      auth.NewAuditor(logger),
		Logger:     logger,
		HSTSMaxAge: a.HSTSMaxAge, TrustForwardedProto: a.TrustForwardedProto,
		CORSOrigins: a.CORSOrigins, PrincipalLimit: a.RateLimit, AnonLimit: a.AnonLimit,
		// An analyze of n statements counts as n requests.
		Cost: api.RequestCost,
	}
	if a.Off {
		logger.Warn("AUTHENTICATION IS OFF: every request is served as an anonymous admin; "+
			"allowed only because the API listens on loopback. Never run like this in production.",
			"auth", "off", "addr_env", envHTTPAddr)
	}
	if !a.Off && a.APIKeys {
		cfg.Keys = auth.NewKeyStore(rdb, a.RedisPrefix)
	}
	if !a.Off && a.JWTEnabled() {
		roles, err := auth.ParseRoleMap(a.RoleMap)
		if err != nil {
			return nil, fmt.Errorf("role map: %w", err)
		}
		keys := auth.NewKeySet(auth.KeySetConfig{URL: a.JWKSURL, MinRefresh: a.JWKSRefresh}, logger)
		v, err := auth.NewVerifier(auth.JWTConfig{
			Issuer: a.Issuer, ClientIDs: a.ClientIDs, TokenUses: a.TokenUses, Skew: a.Skew, Roles: roles,
		}, keys)
		if err != nil {
			return nil, err
		}
		cfg.JWT = v
		if err := keys.Refresh(ctx); err != nil {
			logger.Warn("jwks not reachable at start; bearer tokens fail until it is", "url", a.JWKSURL, "error", err.Error())
		}
	}
	sec, err := auth.New(cfg)
	if err != nil {
		return nil, err
	}
	logger.Info("security configured", "auth", map[bool]string{true: "off", false: "on"}[a.Off],
		"jwt", a.JWTEnabled(), "issuer", a.Issuer, "api_keys", a.APIKeys && !a.Off,
		"rate_limit", a.RateLimit.String(), "anon_rate_limit", a.AnonLimit.String(),
		"cors_origins", strings.Join(a.CORSOrigins, ","), "health", a.HealthAccess, "metrics", a.MetricsAccess)
	return sec, nil
}

// String prints the settings as key=value pairs (there are no secrets).
func (a AuthConfig) String() string {
	return fmt.Sprintf("auth.off=%t auth.issuer=%s auth.jwks_url=%s auth.client_ids=%s auth.token_use=%s "+
		"auth.skew=%s auth.jwks_min_refresh=%s auth.role_map=%s auth.api_keys=%t auth.redis_prefix=%s "+
		"auth.rate_limit=%s auth.anon_rate_limit=%s auth.cors_origins=%s auth.hsts_max_age=%s "+
		"auth.trust_forwarded_proto=%t auth.trusted_proxies=%s auth.health=%s auth.metrics=%s auth.metrics_addr=%s",
		a.Off, a.Issuer, a.JWKSURL, strings.Join(a.ClientIDs, ","), strings.Join(a.TokenUses, ","),
		a.Skew, a.JWKSRefresh, a.RoleMap, a.APIKeys, a.RedisPrefix,
		a.RateLimit, a.AnonLimit, strings.Join(a.CORSOrigins, ","), a.HSTSMaxAge,
		a.TrustForwardedProto, prefixes(a.TrustedProxies), a.HealthAccess, a.MetricsAccess, a.MetricsAddr)
}

// parseProxy reads a trusted proxy network: a CIDR, or one address (a /32 or /128).
func parseProxy(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		if p != p.Masked() {
			return netip.Prefix{}, fmt.Errorf("%q has host bits set; the network is %s", s, p.Masked())
		}
		return p, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is neither a CIDR nor an IP address", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func prefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

// LogValue implements slog.LogValuer.
func (a AuthConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Bool("off", a.Off),
		slog.String("issuer", a.Issuer),
		slog.String("jwks_url", a.JWKSURL),
		slog.String("client_ids", strings.Join(a.ClientIDs, ",")),
		slog.String("token_use", strings.Join(a.TokenUses, ",")),
		slog.String("skew", a.Skew.String()),
		slog.String("role_map", a.RoleMap),
		slog.Bool("api_keys", a.APIKeys),
		slog.String("rate_limit", a.RateLimit.String()),
		slog.String("anon_rate_limit", a.AnonLimit.String()),
		slog.String("cors_origins", strings.Join(a.CORSOrigins, ",")),
		slog.String("trusted_proxies", prefixes(a.TrustedProxies)),
		slog.String("health", a.HealthAccess),
		slog.String("metrics", a.MetricsAccess),
		slog.String("metrics_addr", a.MetricsAddr),
	)
}

// listenMetrics serves the registry's metrics at /metrics on addr (nothing
// when addr is empty) until the returned stop is called. The listener has
// no authentication: bind it to an address only scrapers can reach.
func listenMetrics(addr string, reg *prometheus.Registry, logger *slog.Logger) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listener on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	logger.Info("metrics listening", "addr", l.Addr().String(), "path", "/metrics", "auth", "none")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			logger.Warn("metrics listener shutdown", "error", err.Error())
		}
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Warn("metrics listener", "error", err.Error())
		}
	}, nil
}
