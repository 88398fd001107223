package auth

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"
)

// Settings is the security layer's configuration (docs/security.md), as read from the
// environment by the command; values are validated when loaded. Setup builds the layer from them.
type Settings struct {
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

	APIKeys     bool   `json:"api_keys"`
	RedisPrefix string `json:"redis_prefix"`
	RateLimit   Limit  `json:"rate_limit"`
	AnonLimit   Limit  `json:"anon_rate_limit"`

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
func (a Settings) JWTEnabled() bool { return a.Issuer != "" }

// Setup builds the security layer's middleware from the settings; cost is what a request
// costs in units of the rate limit. The JWKS is fetched once now so a wrong URL shows at
// start (a failure is logged, and fetching is retried on use).
func Setup(ctx context.Context, a Settings, rdb redis.UniversalClient, cost func(echo.Context) int, logger *slog.Logger) (*Security, error) {
	cfg := Config{
		Off:        a.Off,
		Limiter:    NewLimiter(rdb, a.RedisPrefix),
		Policy:     DefaultPolicy(PolicyConfig{Health: accessOf(a.HealthAccess), Metrics: accessOf(a.MetricsAccess), Docs: Public}),
		Audit:      NewAuditor(logger),
		Logger:     logger,
		HSTSMaxAge: a.HSTSMaxAge, TrustForwardedProto: a.TrustForwardedProto,
		CORSOrigins: a.CORSOrigins, PrincipalLimit: a.RateLimit, AnonLimit: a.AnonLimit,
		Cost: cost,
	}
	if !a.Off && a.APIKeys {
		cfg.Keys = NewKeyStore(rdb, a.RedisPrefix)
	}
	if !a.Off && a.JWTEnabled() {
		roles, err := ParseRoleMap(a.RoleMap)
		if err != nil {
			return nil, fmt.Errorf("role map: %w", err)
		}
		keys := NewKeySet(KeySetConfig{URL: a.JWKSURL, MinRefresh: a.JWKSRefresh}, logger)
		v, err := NewVerifier(JWTConfig{
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
	sec, err := New(cfg)
	if err != nil {
		return nil, err
	}
	logger.Info("security configured", "auth", map[bool]string{true: "off", false: "on"}[a.Off],
		"jwt", a.JWTEnabled(), "issuer", a.Issuer, "api_keys", a.APIKeys && !a.Off,
		"rate_limit", a.RateLimit.String(), "anon_rate_limit", a.AnonLimit.String(),
		"cors_origins", strings.Join(a.CORSOrigins, ","), "health", a.HealthAccess, "metrics", a.MetricsAccess)
	return sec, nil
}

func accessOf(s string) Access {
	if s == "public" {
		return Public
	}
	r, _ := ParseRole(s) // validated when loaded
	return Need(r)
}

// String prints the settings as key=value pairs (there are no secrets).
func (a Settings) String() string {
	return fmt.Sprintf("auth.off=%t auth.issuer=%s auth.jwks_url=%s auth.client_ids=%s auth.token_use=%s "+
		"auth.skew=%s auth.jwks_min_refresh=%s auth.role_map=%s auth.api_keys=%t auth.redis_prefix=%s "+
		"auth.rate_limit=%s auth.anon_rate_limit=%s auth.cors_origins=%s auth.hsts_max_age=%s "+
		"auth.trust_forwarded_proto=%t auth.trusted_proxies=%s auth.health=%s auth.metrics=%s auth.metrics_addr=%s",
		a.Off, a.Issuer, a.JWKSURL, strings.Join(a.ClientIDs, ","), strings.Join(a.TokenUses, ","),
		a.Skew, a.JWKSRefresh, a.RoleMap, a.APIKeys, a.RedisPrefix,
		a.RateLimit, a.AnonLimit, strings.Join(a.CORSOrigins, ","), a.HSTSMaxAge,
		a.TrustForwardedProto, prefixes(a.TrustedProxies), a.HealthAccess, a.MetricsAccess, a.MetricsAddr)
}

// ParseProxy reads a trusted proxy network: a CIDR, or one address (a /32 or /128).
func ParseProxy(s string) (netip.Prefix, error) {
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
func (a Settings) LogValue() slog.Value {
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
