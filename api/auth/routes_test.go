package auth_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"github.com/tributary-lineage/tributary/api"
	"github.com/tributary-lineage/tributary/api/auth"
	"github.com/tributary-lineage/tributary/internal/logtest"
)

var pathParam = regexp.MustCompile(`:[A-Za-z_]+|\*`)

// TestEveryRouteRequiresAuth walks every route the API server registers and
// checks that, without credentials, each non-public one answers 401 — and
// that each has an explicit entry in the route policy, so a route added
// later without a decision about who may call it fails this test.
func TestEveryRouteRequiresAuth(t *testing.T) {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	policy := auth.DefaultPolicy(auth.PolicyConfig{Health: auth.Public, Metrics: auth.Need(auth.RoleViewer), Docs: auth.Public})
	sec, err := auth.New(auth.Config{Policy: policy, Logger: logger, Keys: auth.NewKeyStore(deadRedis(t), "unused:")})
	if err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.Config{}, api.Deps{Headers: sec.Headers(), Security: sec.Middleware()}, logger)
	e, ok := srv.Handler().(*echo.Echo)
	if !ok {
		t.Fatalf("api.Server.Handler is %T, not *echo.Echo", srv.Handler())
	}
	routes := policy.Describe(e.Routes())
	if len(routes) < 10 {
		t.Fatalf("only %d routes registered; is the route table empty?", len(routes))
	}
	public := 0
	for _, r := range routes {
		path := pathParam.ReplaceAllString(r.Path, "x")
		if !r.Explicit {
			t.Errorf("%s %s has no explicit entry in auth.DefaultPolicy (it gets the fallback: %s)", r.Method, r.Path, describe(r.Access))
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(r.Method, path, strings.NewReader("{}")))
		if r.Access.Public {
			public++
			if rec.Code == http.StatusUnauthorized || rec.Code == http.StatusForbidden {
				t.Errorf("public %s %s answered %d", r.Method, r.Path, rec.Code)
			}
			continue
		}
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("%s %s without credentials: %d, want 401 (needs %s)", r.Method, r.Path, rec.Code, describe(r.Access))
		}
		if !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer ") {
			t.Errorf("%s %s: no WWW-Authenticate challenge", r.Method, r.Path)
		}
		if ct := rec.Header().Get("Content-Type"); ct != api.ProblemContentType {
			t.Errorf("%s %s: content type %q", r.Method, r.Path, ct)
		}
	}
	// Unrouted paths are not a way around authentication either.
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/not-a-route", nil))
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("unrouted path: %d, want 401", rec.Code)
	}
	if public == 0 || public == len(routes) {
		t.Errorf("%d of %d routes public", public, len(routes))
	}
	for _, r := range routes {
		t.Logf("%-7s %-40s %s", r.Method, r.Path, describe(r.Access))
	}
}

func describe(a auth.Access) string {
	if a.Public {
		return "public"
	}
	s := a.Role.String()
	if a.Escalate != nil {
		s += " (more by request)"
	}
	return s
}

// TestCredentialsNeverLogged: the API server's access log and the audit
// log never contain a presented token or API key, accepted or not.
func TestCredentialsNeverLogged(t *testing.T) {
	var logs logtest.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	policy := auth.DefaultPolicy(auth.PolicyConfig{Health: auth.Public, Metrics: auth.Need(auth.RoleViewer), Docs: auth.Public})
	sec, err := auth.New(auth.Config{Policy: policy, Logger: logger, Keys: auth.NewKeyStore(deadRedis(t), "unused:")})
	if err != nil {
		t.Fatal(err)
	}
	e := api.New(api.Config{}, api.Deps{Headers: sec.Headers(), Security: sec.Middleware()}, logger).Handler()
	const (
		jwtSig = "c2lnbmF0dXJlLXRoYXQtbXVzdC1uZXZlci1iZS1sb2dnZWQ"
		jwt    = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJzZWNyZXQtc3ViamVjdCJ9." + jwtSig
		key    = "trb_0123456789abcdef_" + "5ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2"
	)
	for _, h := range []map[string]string{
		{"Authorization": "Bearer " + jwt},
		{"Authorization": "Bearer not-a-jwt-" + jwtSig},
		{"Authorization": "Basic " + jwtSig},
		{"X-API-Key": key},
		{"X-API-Key": "garbage-" + jwtSig},
	} {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/lineage/search?q=x", nil)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized && rec.Code != http.StatusServiceUnavailable {
			t.Errorf("%v: %d", h, rec.Code)
		}
	}
	out := logs.String()
	if !strings.Contains(out, `"msg":"http request"`) || !strings.Contains(out, `"logger":"audit"`) {
		t.Fatalf("expected access and audit records:\n%s", out)
	}
	for _, secret := range []string{jwtSig, key[len(key)-64:], "eyJzdWIiOiJzZWNyZXQtc3ViamVjdCJ9"} {
		if strings.Contains(out, secret) {
			t.Errorf("credential %q in the log:\n%s", secret, out)
		}
	}
}

// deadRedis is a client for a port nothing listens on: API key lookups fail
// fast (503), which is all these tests need.
func deadRedis(t *testing.T) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { c.Close() })
	return c
}
