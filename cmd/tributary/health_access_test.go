package main

import (
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestHealthDetailedHidesDetailsFromAnonymousCallers runs `tributary serve` with auth on and
// the cache Redis at a closed port: an anonymous /health/detailed names each dependency's
// status only (no dial error with its address, no versions, no uptime) and counts against the
// anonymous rate limit; a caller with a role sees the details.
func TestHealthDetailedHidesDetailsFromAnonymousCallers(t *testing.T) {
	prefix := "tributary-test:cmd:" + rand.Text() + ":"
	env := testEnv(map[string]string{envAuthRedisPrefix: prefix})
	code, out, errOut := runCmd(t, env, "apikey", "create", "--name", "health reader", "--role", "viewer")
	if code != 0 {
		t.Fatalf("create key: %d %s %s", code, out, errOut)
	}
	key := strings.TrimSpace(out)
	deadRedis := freeAddr(t) // nothing listens there
	s := startServe(t, map[string]string{envAuthRedisPrefix: prefix, envCacheRedisAddr: deadRedis, "TRIBUTARY_RATE_LIMIT_ANON": "3/1m"})

	get := func(header map[string]string) (int, string) {
		t.Helper()
		return authGetBody(t, s.base+"/health/detailed", header)
	}

	code, body := get(nil)
	var pub struct {
		Status       string              `json:"status"`
		Dependencies []map[string]string `json:"dependencies"`
	}
	if code != http.StatusOK || json.Unmarshal([]byte(body), &pub) != nil || pub.Status != "degraded" || len(pub.Dependencies) == 0 {
		t.Fatalf("anonymous: %d %s", code, body)
	}
	for _, d := range pub.Dependencies {
		if len(d) != 2 || d["name"] == "" || d["status"] == "" {
			t.Errorf("anonymous dependency entry %v, want name and status only", d)
		}
	}
	for _, leak := range []string{deadRedis, "version", "uptime", "build", "latency"} {
		if strings.Contains(body, leak) {
			t.Errorf("anonymous answer shows %q: %s", leak, body)
		}
	}

	code, body = get(map[string]string{"X-API-Key": key})
	if code != http.StatusOK || !strings.Contains(body, deadRedis) || !strings.Contains(body, `"uptime_s"`) {
		t.Errorf("viewer: %d %s", code, body)
	}

	// The anonymous limit is 3 a minute: one used above, two more pass, the next is refused.
	for i := range 3 {
		code, body = get(nil)
		if want := map[bool]int{true: http.StatusTooManyRequests, false: http.StatusOK}[i == 2]; code != want {
			t.Errorf("anonymous request %d: %d %s, want %d", i+2, code, body, want)
		}
	}
}
