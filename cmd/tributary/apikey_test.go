package main

import (
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tributary-lineage/tributary/api/auth"
)

var apiKeyLine = regexp.MustCompile(`^trb_([0-9a-f]{16})_[0-9a-f]{64}\n$`)

func authGet(t *testing.T, url string, header map[string]string) int {
	t.Helper()
	code, _ := authGetBody(t, url, header)
	return code
}

// authGetBody GETs url with header and returns the status and body.
func authGetBody(t *testing.T, url string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestAPIKeyLifecycle: create prints a key once; serve (auth on by default)
// accepts it, refuses requests without it, and refuses it after revoke; the
// key never appears in serve's logs. Real Redis and Neo4j.
func TestAPIKeyLifecycle(t *testing.T) {
	prefix := "tributary-test:cmd:" + rand.Text() + ":"
	env := testEnv(map[string]string{envAuthRedisPrefix: prefix})

	code, out, errOut := runCmd(t, env, "apikey", "create", "--name", "ci pipeline", "--role", "editor")
	m := apiKeyLine.FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("create: exit %d stdout %q stderr %q", code, out, errOut)
	}
	key, id := strings.TrimSpace(out), m[1]
	if !strings.Contains(errOut, "shown only now") || strings.Contains(errOut, key) {
		t.Errorf("create stderr %q", errOut)
	}
	if !strings.Contains(errOut, `"logger":"audit"`) || !strings.Contains(errOut, `"action":"apikey.create"`) {
		t.Errorf("no audit record for create: %q", errOut)
	}

	code, out, _ = runCmd(t, env, "apikey", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[1], id+"  ci pipeline  editor  ") || !strings.HasSuffix(lines[1], "  -") {
		t.Fatalf("list: exit %d %q", code, out)
	}
	if strings.Contains(out, key[len(key)-64:]) {
		t.Error("list shows the secret")
	}

	s := startServe(t, map[string]string{envAuthRedisPrefix: prefix})
	route := s.base + "/api/v1/lineage/search?q=orders"
	if got := authGet(t, route, nil); got != 401 {
		t.Errorf("no key: %d, want 401", got)
	}
	if got := authGet(t, route, map[string]string{"X-API-Key": key}); got == 401 || got == 403 {
		t.Errorf("with key: %d", got)
	}
	if got := authGet(t, route, map[string]string{"Authorization": "Bearer " + key}); got == 401 || got == 403 {
		t.Errorf("key as bearer token: %d", got)
	}
	if got := authGet(t, s.base+"/health/live", nil); got != 200 {
		t.Errorf("health: %d", got)
	}

	if code, out, errOut := runCmd(t, env, "apikey", "revoke", id); code != 0 || out != "revoked "+id+"\n" {
		t.Fatalf("revoke: exit %d %q %q", code, out, errOut)
	}
	if got := authGet(t, route, map[string]string{"X-API-Key": key}); got != 401 {
		t.Errorf("revoked key: %d, want 401", got)
	}
	if code, _, errOut := runCmd(t, env, "apikey", "revoke", "0000000000000000"); code != 1 || !strings.Contains(errOut, "no API key") {
		t.Errorf("revoke unknown: %d %q", code, errOut)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("serve exit %d", code)
	}
	logs := s.logs()
	if strings.Contains(logs, key[len(key)-64:]) {
		t.Error("the API key's secret appears in serve's log")
	}
	if !strings.Contains(logs, `"reason":"revoked_api_key"`) || !strings.Contains(logs, `"reason":"missing_credentials"`) {
		t.Errorf("audit records for the refusals missing:\n%s", logs)
	}
}

func TestAPIKeyUsage(t *testing.T) {
	for _, args := range [][]string{
		{"apikey"}, {"apikey", "rotate"}, {"apikey", "create", "--role", "editor"},
		{"apikey", "create", "--name", "x", "--role", "owner"}, {"apikey", "revoke"}, {"apikey", "revoke", "a", "b"},
	} {
		if code, _, _ := runCmd(t, envMap(nil), args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func TestLoadAuthConfig(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		a, problems := loadAuthConfig(envMap(nil), "127.0.0.1:8080")
		if len(problems) != 0 {
			t.Fatal(problems)
		}
		if d := cmp.Diff(defaultAuthConfig(), a); d != "" {
			t.Errorf("(-want +got):\n%s", d)
		}
	})
	t.Run("cognito", func(t *testing.T) {
		a, problems := loadAuthConfig(envMap(map[string]string{
			envCognitoPoolID: "eu-west-1_AbC123", envJWTClientIDs: "c1, c2,c1", envJWTTokenUse: "access,id",
			envRoleMap: "data-eng=editor,*=viewer", envRateLimit: "100/10s", envCORSOrigins: "https://lineage.example.com",
			envMetricsAccess: "public", envTrustedProxies: "10.20.0.0/16, 192.0.2.7,2001:db8::/32",
		}), "0.0.0.0:8080")
		if len(problems) != 0 {
			t.Fatal(problems)
		}
		if a.Issuer != "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123" ||
			a.JWKSURL != a.Issuer+"/.well-known/jwks.json" || !a.JWTEnabled() ||
			!slicesEqual(a.ClientIDs, []string{"c1", "c2"}) || !slicesEqual(a.TokenUses, []string{"access", "id"}) ||
			a.RateLimit != (auth.Limit{N: 100, Window: 10 * time.Second}) || a.MetricsAccess != "public" {
			t.Errorf("%+v", a)
		}
		if got := fmt.Sprint(a.TrustedProxies); got != "[10.20.0.0/16 192.0.2.7/32 2001:db8::/32]" {
			t.Errorf("trusted proxies %s", got)
		}
		if !strings.Contains(a.String(), "auth.trusted_proxies=10.20.0.0/16,192.0.2.7/32,2001:db8::/32 ") {
			t.Errorf("String lacks the trusted proxies: %s", a)
		}
	})
	t.Run("problems", func(t *testing.T) {
		cases := []struct {
			env  map[string]string
			addr string
			want string
		}{
			{map[string]string{envAuth: "off"}, "0.0.0.0:8080", "TRIBUTARY_AUTH: off is allowed only when TRIBUTARY_HTTP_ADDR is a loopback address"},
			{map[string]string{envAuth: "off"}, ":8080", "TRIBUTARY_AUTH: off is allowed only"},
			{map[string]string{envAuth: "maybe"}, "127.0.0.1:8080", `TRIBUTARY_AUTH: "maybe" is not on or off`},
			{map[string]string{envCognitoPoolID: "eu-west-1_AbC123"}, "127.0.0.1:8080", "TRIBUTARY_JWT_CLIENT_IDS: is required"},
			{map[string]string{envCognitoPoolID: "pool", envCognitoRegion: "eu-west-1", envJWTClientIDs: "c"}, "127.0.0.1:8080", "TRIBUTARY_COGNITO_USER_POOL_ID: \"pool\" is not a user pool id"},
			{map[string]string{envJWKSURL: "https://idp.example.com/jwks.json", envJWTClientIDs: "c"}, "127.0.0.1:8080", "both TRIBUTARY_JWKS_URL and TRIBUTARY_JWT_ISSUER are needed"},
			{map[string]string{envJWKSURL: "http://idp.example.com/jwks.json", envJWTIssuer: "x", envJWTClientIDs: "c"}, "127.0.0.1:8080", "must be an https URL"},
			{map[string]string{envJWTSkew: "10m"}, "127.0.0.1:8080", "TRIBUTARY_JWT_SKEW"},
			{map[string]string{envRoleMap: "x=owner"}, "127.0.0.1:8080", "TRIBUTARY_ROLE_MAP"},
			{map[string]string{envRateLimit: "lots"}, "127.0.0.1:8080", "TRIBUTARY_RATE_LIMIT"},
			{map[string]string{envCORSOrigins: "*"}, "127.0.0.1:8080", "TRIBUTARY_CORS_ORIGINS"},
			{map[string]string{envMetricsAccess: "everyone"}, "127.0.0.1:8080", "TRIBUTARY_METRICS_ACCESS"},
			{map[string]string{envTrustedProxies: "10.0.0.1/8"}, "127.0.0.1:8080", "TRIBUTARY_TRUSTED_PROXIES: \"10.0.0.1/8\" has host bits set; the network is 10.0.0.0/8"},
			{map[string]string{envTrustedProxies: "lb.internal"}, "127.0.0.1:8080", "TRIBUTARY_TRUSTED_PROXIES: \"lb.internal\" is neither a CIDR nor an IP address"},
			{map[string]string{envAPIKeys: "off"}, "127.0.0.1:8080", "nothing could authenticate"},
		}
		for _, tc := range cases {
			_, problems := loadAuthConfig(envMap(tc.env), tc.addr)
			if len(problems) != 1 || !strings.Contains(problems[0].Error(), tc.want) {
				t.Errorf("%v on %s: %v, want one problem containing %q", tc.env, tc.addr, problems, tc.want)
			}
		}
		for _, ok := range []string{"127.0.0.1:8080", "[::1]:8080", "localhost:8080", "127.0.0.2:80"} {
			if _, problems := loadAuthConfig(envMap(map[string]string{envAuth: "off"}), ok); len(problems) != 0 {
				t.Errorf("off on %s: %v", ok, problems)
			}
		}
	})
}

func slicesEqual(a, b []string) bool { return cmp.Equal(a, b) }

// TestServeAuthOffWarns: auth off on loopback starts with a WARN record and
// serves without credentials; on a public address the config is refused.
func TestServeAuthOffWarns(t *testing.T) {
	s := startServe(t, map[string]string{envAuth: "off"})
	if got := authGet(t, s.base+"/api/v1/lineage/search?q=orders", nil); got == 401 {
		t.Errorf("auth off still asks for credentials")
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("serve exit %d", code)
	}
	if logs := s.logs(); !strings.Contains(logs, `"level":"WARN","msg":"AUTHENTICATION IS OFF`) {
		t.Errorf("no loud warning:\n%s", logs)
	}
	code, _, errOut := runCmd(t, envMap(map[string]string{envAuth: "off", envHTTPAddr: "0.0.0.0:8080"}), "serve")
	if code != exitUsage || !strings.Contains(errOut, "off is allowed only when TRIBUTARY_HTTP_ADDR is a loopback address") {
		t.Errorf("auth off on 0.0.0.0: exit %d %q", code, errOut)
	}
}
