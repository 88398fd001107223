package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tributary-lineage/tributary/api"
	"github.com/tributary-lineage/tributary/api/auth"
)

// AuthConfig is the security layer's configuration (docs/security.md), read by loadAuthConfig.
type AuthConfig = auth.Settings

// newSecurity builds the security layer from the configuration, warning loudly when auth is off.
func newSecurity(ctx context.Context, a AuthConfig, rdb redis.UniversalClient, logger *slog.Logger) (*auth.Security, error) {
	if a.Off {
		logger.Warn("AUTHENTICATION IS OFF: every request is served as an anonymous admin; "+
			"allowed only because the API listens on loopback. Never run like this in production.",
			"auth", "off", "addr_env", envHTTPAddr)
	}
	// An analyze of n statements counts as n requests.
	return auth.Setup(ctx, a, rdb, api.RequestCost, logger)
}

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
		if prefix, err := auth.ParseProxy(p); err != nil {
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
