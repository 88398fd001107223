package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/redis/go-redis/v9"

	"github.com/tributary-lineage/tributary/api/auth"
)

// hostileServer serves the production wiring (auth on) with a viewer and an
// editor API key under a fresh Redis prefix.
func hostileServer(t *testing.T) (s *serving, viewer, editor string) {
	t.Helper()
	prefix := "tributary-test:cmd:" + rand.Text() + ":"
	rdb := redis.NewClient(&redis.Options{Addr: envOrDefault(envRedisAddr)})
	t.Cleanup(func() { rdb.Close() })
	ks := auth.NewKeyStore(rdb, prefix)
	ctx := context.Background()
	var err error
	if _, viewer, err = ks.Create(ctx, "hostile viewer", auth.RoleViewer); err != nil {
		t.Fatalf("create key (is Redis up? run `make up`): %v", err)
	}
	if _, editor, err = ks.Create(ctx, "hostile editor", auth.RoleEditor); err != nil {
		t.Fatal(err)
	}
	// Generous limits: this test is about input, not rate.
	s = startServe(t, map[string]string{envAuthRedisPrefix: prefix, envRateLimit: "100000/1m", envRateLimitAnon: "100000/1m"})
	return s, viewer, editor
}

func envOrDefault(name string) string {
	if v := testEnv(nil)(name); v != "" {
		return v
	}
	return defaultOf(name)
}

func send(t *testing.T, method, u, key string, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-API-Key", key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(b)
}

// nodesMentioning counts graph nodes whose id or name contains tok.
func nodesMentioning(t *testing.T, tok string) int64 {
	t.Helper()
	cfg, err := loadConfig(testEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	d, err := newNeo4jDriver(cfg.Neo4j)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := neo4j.ExecuteQuery(ctx, d,
		`MATCH (n) WHERE n.id CONTAINS $tok OR n.name CONTAINS $tok OR n.definition CONTAINS $tok RETURN count(n) AS n`,
		map[string]any{"tok": tok}, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(cfg.Neo4j.Database))
	if err != nil {
		t.Fatalf("count nodes (is Neo4j up? run `make up`): %v", err)
	}
	n, _, err := neo4j.GetRecordValue[int64](res.Records[0], "n")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestHostileInput sends names with quotes, backticks, braces and unicode,
// a 10 MB body and 10,000-deep parentheses through the real server: every
// answer is 4xx or 2xx, never 5xx, and nothing reaches the graph except
// through an editor's deliberate write.
func TestHostileInput(t *testing.T) {
	s, viewer, editor := hostileServer(t)
	tok := "HOSTILE" + strings.ToUpper(rand.Text()[:10])
	names := []string{
		`DB.S.T."` + tok + `"`,
		`DB.S.T.` + tok + `' OR 1=1 //`,
		`DB.S.T.` + tok + `"}) DETACH DELETE n //`,
		"DB.S.T.`" + tok + "` MATCH (n) DETACH DELETE n",
		`DB.S.T.` + tok + `{x:1}}`,
		`ＤＢ.Ｓ.Ｔ.` + tok + `💥`,
		`DB.S.T.` + tok + "\u0000\u202e",
		`"a""b".S.T.` + tok + `\`,
		strings.Repeat(`"x".`, 500) + tok,
		tok + `$param`,
	}
	statuses := map[int]int{}
	check := func(what string, code int, body string) {
		t.Helper()
		statuses[code]++
		if code >= 500 {
			t.Errorf("%s: %d %s", what, code, body)
		}
	}
	for _, n := range names {
		q := url.QueryEscape(n)
		for _, path := range []string{
			"/api/v1/lineage/columns?column=" + q,
			"/api/v1/lineage/columns?direction=both&depth=3&column=" + q,
			"/api/v1/lineage/impact?column=" + q,
			"/api/v1/lineage/impact?view=" + q,
			"/api/v1/lineage/search?q=" + q,
			"/api/v1/lineage/search?type=view&q=" + q,
			"/api/v1/lineage/views/" + url.PathEscape(n),
			"/api/v1/jobs/" + url.PathEscape(n),
		} {
			code, body := send(t, http.MethodGet, s.base+path, viewer, nil)
			check("GET "+path, code, body)
		}
		sql := fmt.Sprintf(`CREATE VIEW DB.S.%s AS SELECT 1 AS "%s"`, "`"+tok+"`", strings.ReplaceAll(n, `"`, `""`))
		body, _ := json.Marshal(map[string]any{"sql": sql})
		code, resp := send(t, http.MethodPost, s.base+"/api/v1/lineage/analyze", viewer, bytes.NewReader(body))
		check("analyze "+n, code, resp)
	}

	// A viewer cannot write, neither with ?persist=true nor with "persist": true in the body.
	// Writes would go to a database of this test's own, deleted at the end.
	db := uniqueDB(t)
	sql := fmt.Sprintf(`CREATE VIEW %s.S.V_%s AS SELECT 1 AS C`, db, tok)
	body, _ := json.Marshal(map[string]any{"sql": sql})
	if code, resp := send(t, http.MethodPost, s.base+"/api/v1/lineage/analyze?persist=true", viewer, bytes.NewReader(body)); code != 403 {
		t.Errorf("viewer persist=true: %d %s", code, resp)
	}
	body, _ = json.Marshal(map[string]any{"sql": sql, "persist": true})
	if code, resp := send(t, http.MethodPost, s.base+"/api/v1/lineage/analyze", viewer, bytes.NewReader(body)); code != 403 {
		t.Errorf("viewer with persist in the body: %d %s", code, resp)
	}

	// 10 MB body: refused by the body limit before anything reads it, with the security
	// headers all the same.
	big := bytes.Repeat([]byte("x"), 10<<20)
	req, err := http.NewRequest(http.MethodPost, s.base+"/api/v1/lineage/analyze", bytes.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-API-Key", editor)
	req.Header.Set("Content-Type", "application/json")
	if r, err := http.DefaultClient.Do(req); err != nil {
		t.Errorf("10 MB body: %v", err)
	} else {
		r.Body.Close()
		if r.StatusCode != http.StatusRequestEntityTooLarge || r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("10 MB body: %d with headers %v, want 413 with the security headers", r.StatusCode, r.Header)
		}
	}
	// 10,000-deep parentheses: a parse error (4xx) or an answer, never a crash.
	deep := `SELECT ` + strings.Repeat("(", 10000) + "1" + strings.Repeat(")", 10000) + " AS " + tok
	body, _ = json.Marshal(map[string]any{"sql": deep})
	code, resp := send(t, http.MethodPost, s.base+"/api/v1/lineage/analyze", editor, bytes.NewReader(body))
	check("deep parentheses", code, resp)
	if code != 200 && (code < 400 || code >= 500) {
		t.Errorf("deep parentheses: %d %s", code, resp)
	}
	deepView := fmt.Sprintf(`CREATE VIEW %s.S.D_%s AS SELECT %s1%s AS C`, db, tok, strings.Repeat("(", 10000), strings.Repeat(")", 10000))
	body, _ = json.Marshal(map[string]any{"sql": deepView, "persist": true})
	code, resp = send(t, http.MethodPost, s.base+"/api/v1/lineage/analyze", editor, bytes.NewReader(body))
	check("deep parentheses persisted", code, resp)

	t.Logf("statuses: %v; deep parentheses persisted: %d %.200s", statuses, code, resp)
	// The server still serves.
	if code, _ := send(t, http.MethodGet, s.base+"/health/live", "", nil); code != 200 {
		t.Errorf("health after the hostile requests: %d", code)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("serve exit %d", code)
	}
	persisted := code == http.StatusOK
	n := nodesMentioning(t, tok)
	if !persisted && n != 0 {
		t.Errorf("%d graph nodes mention %s, though no write was accepted", n, tok)
	}
	if persisted {
		// Only the editor's deliberately persisted deep view may be there.
		if m := nodesMentioning(t, "D_"+tok); m != n {
			t.Errorf("%d nodes mention %s, only %d of them the editor's view: hostile requests changed the graph", n, tok, m)
		}
	}
}

// TestMetricsAccess: /metrics on the API address needs a role by default;
// TRIBUTARY_METRICS_ADDR serves it without credentials on its own listener.
func TestMetricsAccess(t *testing.T) {
	maddr := freeAddr(t)
	s := startServe(t, map[string]string{envMetricsAddr: maddr})
	if got := authGet(t, s.base+"/metrics", nil); got != 401 {
		t.Errorf("/metrics on the API address without credentials: %d, want 401", got)
	}
	resp, err := http.Get("http://" + maddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "go_goroutines") {
		t.Errorf("separate metrics listener: %d %.200s", resp.StatusCode, b)
	}
	if got := authGet(t, "http://"+maddr+"/api/v1/lineage/search?q=x", nil); got != 404 {
		t.Errorf("the metrics listener serves more than /metrics: %d", got)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("serve exit %d", code)
	}
	if _, err := http.Get("http://" + maddr + "/metrics"); err == nil {
		t.Error("metrics listener still up after serve returned")
	}
	pub := startServe(t, map[string]string{envMetricsAccess: "public"})
	if got := authGet(t, pub.base+"/metrics", nil); got != 200 {
		t.Errorf("public /metrics: %d", got)
	}
	pub.stop(t)
}

// TestServeWithCognitoTokens: the production wiring verifies bearer tokens
// against a JWKS served by the test (standing in for the user pool) and maps
// groups to roles from TRIBUTARY_ROLE_MAP.
func TestServeWithCognitoTokens(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := jwk.FromRaw(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	_ = pub.Set(jwk.KeyIDKey, "pool-key")
	_ = pub.Set(jwk.AlgorithmKey, jwa.RS256)
	set := jwk.NewSet()
	if err := set.AddKey(pub); err != nil {
		t.Fatal(err)
	}
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	}))
	defer jwks.Close()
	const issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool"
	sign := func(groups ...string) string {
		tok := jwt.New()
		now := time.Now()
		for k, v := range map[string]any{
			"iss": issuer, "sub": "u-1", "username": "alice", "client_id": "web", "token_use": "access",
			"cognito:groups": groups, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		} {
			_ = tok.Set(k, v)
		}
		key, err := jwk.FromRaw(priv)
		if err != nil {
			t.Fatal(err)
		}
		_ = key.Set(jwk.KeyIDKey, "pool-key")
		b, err := jwt.Sign(tok, jwt.WithKey(jwa.RS256, key))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	s := startServe(t, map[string]string{
		envJWKSURL: jwks.URL, envJWTIssuer: issuer, envJWTClientIDs: "web",
		envRoleMap: "data-eng=editor,*=viewer", envAuthRedisPrefix: "tributary-test:cmd:" + rand.Text() + ":",
	})
	viewer, editor := sign("marketing"), sign("data-eng")
	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	if got := authGet(t, s.base+"/api/v1/lineage/search?q=orders", bearer(viewer)); got == 401 || got == 403 {
		t.Errorf("viewer read: %d", got)
	}
	post := func(tok string) int {
		req, _ := http.NewRequest(http.MethodPost, s.base+"/api/v1/data/refresh", strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post(viewer); got != 403 {
		t.Errorf("viewer refresh: %d, want 403", got)
	}
	if got := post(editor); got == 401 || got == 403 {
		t.Errorf("editor refresh: %d", got)
	}
	if got := authGet(t, s.base+"/api/v1/lineage/search?q=orders", bearer(editor[:len(editor)-4]+"AAAA")); got != 401 {
		t.Errorf("bad signature: %d", got)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("serve exit %d", code)
	}
	logs := s.logs()
	if !strings.Contains(logs, `"msg":"jwks fetched"`) || !strings.Contains(logs, `"reason":"insufficient_role"`) || !strings.Contains(logs, `"reason":"bad_signature"`) {
		t.Errorf("missing jwks or audit records:\n%s", logs)
	}
	if strings.Contains(logs, editor[strings.LastIndex(editor, ".")+1:]) {
		t.Error("a token signature appears in the log")
	}
}
