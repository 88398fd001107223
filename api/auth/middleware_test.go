package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// site is an echo server with the security layer and a few routes shaped
// like the API's, served on a real loopback listener.
type site struct {
	url  string
	logs *syncBuffer
	sec  *Security
}

type siteOptions struct {
	keys      *KeySet
	jwt       JWTConfig
	keyStore  *KeyStore
	limiter   *Limiter
	principal Limit
	anon      Limit
	off       bool
	cors      []string
}

func defaultJWTConfig(t testing.TB) JWTConfig {
	t.Helper()
	roles, err := ParseRoleMap("data-eng=editor,platform=admin,readers=viewer")
	if err != nil {
		t.Fatal(err)
	}
	return JWTConfig{Issuer: testIssuer, ClientIDs: []string{testClientID}, Skew: 30 * time.Second, Roles: roles}
}

func startSite(t testing.TB, o siteOptions) *site {
	t.Helper()
	logger, logs := testLogger()
	cfg := Config{
		Off: o.off, Keys: o.keyStore, Limiter: o.limiter, PrincipalLimit: o.principal, AnonLimit: o.anon,
		Policy: DefaultPolicy(PolicyConfig{Health: Public, Metrics: Need(RoleViewer), Docs: Public}),
		Logger: logger, CORSOrigins: o.cors,
	}
	if o.keys != nil {
		v, err := NewVerifier(o.jwt, o.keys)
		if err != nil {
			t.Fatal(err)
		}
		cfg.JWT = v
	}
	sec, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		he, ok := err.(*echo.HTTPError)
		if !ok {
			he = echo.NewHTTPError(http.StatusInternalServerError, err.Error())
		}
		if c.Response().Committed {
			return
		}
		_ = c.JSON(he.Code, map[string]any{"status": he.Code, "detail": fmt.Sprint(he.Message)})
	}
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Response().Header().Set(echo.HeaderXRequestID, "req-"+strconv.FormatInt(time.Now().UnixNano(), 36))
			return next(c)
		}
	})
	e.Use(sec.Headers())
	e.Use(sec.Middleware()...)
	who := func(c echo.Context) error {
		p, _ := PrincipalFrom(c.Request().Context())
		return c.JSON(http.StatusOK, map[string]string{"id": p.ID, "name": p.Name, "role": p.Role.String(), "method": p.Method})
	}
	e.GET("/health", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.GET("/api/v1/lineage/columns", who)
	e.POST("/api/v1/lineage/analyze", who)
	e.POST("/api/v1/data/refresh", func(c echo.Context) error { return c.JSON(http.StatusAccepted, map[string]string{"job": "1"}) })
	e.DELETE("/api/v1/apikeys/:id", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: e}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return &site{url: "http://" + l.Addr().String(), logs: logs, sec: sec}
}

type result struct {
	status int
	header http.Header
	body   map[string]any
}

func call(t testing.TB, method, url string, header map[string]string) result {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	r := result{status: resp.StatusCode, header: resp.Header}
	if b := readAll(t, resp.Body); b != "" && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal([]byte(b), &r.body); err != nil {
			t.Fatalf("body %q: %v", b, err)
		}
	}
	return r
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

// lastAudit returns the last audit record, failing when there is none.
func lastAudit(t *testing.T, s *site) map[string]any {
	t.Helper()
	recs := s.logs.records(t, "audit")
	if len(recs) == 0 {
		t.Fatalf("no audit record; log:\n%s", s.logs.String())
	}
	return recs[len(recs)-1]
}

func b64(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestTokenAttacks: a valid token passes; each attack is refused with 401
// and an audit record naming the reason.
func TestTokenAttacks(t *testing.T) {
	k1 := newSigningKey(t, "k1")
	is := newIssuer(t, k1)
	logger, _ := testLogger()
	ks := NewKeySet(KeySetConfig{URL: is.url(), MinRefresh: time.Hour}, logger)
	s := startSite(t, siteOptions{keys: ks, jwt: defaultJWTConfig(t)})
	route := s.url + "/api/v1/lineage/columns"

	valid := k1.sign(t, claims(nil))
	r := call(t, "GET", route, bearer(valid))
	if r.status != 200 || r.body["id"] != "user:7d1c2f00-user" || r.body["role"] != "editor" || r.body["name"] != "alice" {
		t.Fatalf("valid token: %d %v", r.status, r.body)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("authenticated answer: Cache-Control %q, want no-store", cc)
	}

	// alg none: header and claims of a valid token, no signature.
	none := b64(map[string]any{"alg": "none", "kid": "k1", "typ": "JWT"}) + "." + b64(claims(nil)) + "."
	// Algorithm confusion: HS256 keyed with the issuer's public key, which
	// an attacker can download; a verifier that trusts alg would accept it.
	pubDER, err := x509.MarshalPKIXPublicKey(&k1.priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	hsInput := b64(map[string]any{"alg": "HS256", "kid": "k1", "typ": "JWT"}) + "." + b64(claims(nil))
	mac := hmac.New(sha256.New, pubPEM)
	mac.Write([]byte(hsInput))
	hs256 := hsInput + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	// Tampered: a viewer's valid token with the groups raised to platform (admin).
	parts := strings.Split(k1.sign(t, claims(map[string]any{"cognito:groups": []string{"readers"}})), ".")
	tampered := parts[0] + "." + b64(claims(map[string]any{"cognito:groups": []string{"platform"}})) + "." + parts[2]
	// Another pool's key that happens to use the same kid.
	otherPool := newSigningKey(t, "other-pool-k1")
	otherPool.kid = "k1"
	ghost := newSigningKey(t, "ghost")
	now := time.Now()

	cases := []struct {
		name, token, reason string
	}{
		{"alg none", none, ReasonAlgorithmNotAllowed},
		{"HS256 with the public key", hs256, ReasonAlgorithmNotAllowed},
		{"expired", k1.sign(t, claims(map[string]any{"exp": now.Add(-time.Minute).Unix(), "iat": now.Add(-2 * time.Hour).Unix()})), ReasonExpired},
		{"not yet valid", k1.sign(t, claims(map[string]any{"nbf": now.Add(10 * time.Minute).Unix()})), ReasonNotYetValid},
		{"issued in the future", k1.sign(t, claims(map[string]any{"iat": now.Add(10 * time.Minute).Unix()})), ReasonIssuedInFuture},
		{"wrong iss", k1.sign(t, claims(map[string]any{"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"})), ReasonWrongIssuer},
		{"wrong client_id", k1.sign(t, claims(map[string]any{"client_id": "someone-else"})), ReasonClientNotAllowed},
		{"id token when only access allowed", k1.sign(t, claims(map[string]any{"token_use": "id", "client_id": nil, "aud": testClientID})), ReasonWrongTokenUse},
		{"no token_use", k1.sign(t, claims(map[string]any{"token_use": nil})), ReasonMissingClaim},
		{"no exp", k1.sign(t, claims(map[string]any{"exp": nil})), ReasonMissingClaim},
		{"no sub", k1.sign(t, claims(map[string]any{"sub": nil})), ReasonMissingClaim},
		{"empty sub", k1.sign(t, claims(map[string]any{"sub": ""})), ReasonMissingClaim},
		{"blank sub", k1.sign(t, claims(map[string]any{"sub": "  "})), ReasonMissingClaim},
		{"null sub", k1.signRaw(t, strings.Replace(string(mustJSON(t, claims(nil))), `"sub":"7d1c2f00-user"`, `"sub":null`, 1)), ReasonMissingClaim},
		{"unknown kid", ghost.sign(t, claims(nil)), ReasonUnknownKey},
		{"tampered payload", tampered, ReasonBadSignature},
		{"another pool's key", otherPool.sign(t, claims(nil)), ReasonBadSignature},
		{"garbage", "not.a.jwt", ReasonMalformedToken},
		{"two parts", "abc.def", ReasonMalformedToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, "GET", route, bearer(tc.token))
			if r.status != http.StatusUnauthorized {
				t.Fatalf("status %d %v, want 401", r.status, r.body)
			}
			if !strings.Contains(r.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
				t.Errorf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
			}
			a := lastAudit(t, s)
			if a["reason"] != tc.reason || a["outcome"] != OutcomeDenied || a["status"] != float64(401) ||
				a["action"] != "GET /api/v1/lineage/columns" || a["request_id"] != r.header.Get(echo.HeaderXRequestID) {
				t.Errorf("audit record %v, want reason %s", a, tc.reason)
			}
		})
	}

	t.Run("missing token", func(t *testing.T) {
		r := call(t, "GET", route, nil)
		if r.status != 401 || r.header.Get("WWW-Authenticate") != `Bearer realm="tributary"` {
			t.Fatalf("%d %v %q", r.status, r.body, r.header.Get("WWW-Authenticate"))
		}
		if a := lastAudit(t, s); a["reason"] != ReasonMissingCredentials {
			t.Errorf("audit %v", a)
		}
	})
	t.Run("viewer on an editor route", func(t *testing.T) {
		viewer := k1.sign(t, claims(map[string]any{"cognito:groups": []string{"readers"}}))
		if r := call(t, "GET", route, bearer(viewer)); r.status != 200 || r.body["role"] != "viewer" {
			t.Fatalf("viewer read: %d %v", r.status, r.body)
		}
		r := call(t, "POST", s.url+"/api/v1/data/refresh", bearer(viewer))
		if r.status != http.StatusForbidden {
			t.Fatalf("viewer refresh: %d %v, want 403", r.status, r.body)
		}
		a := lastAudit(t, s)
		if a["reason"] != ReasonInsufficientRole || a["principal"] != "user:7d1c2f00-user" || a["role"] != "viewer" || a["status"] != float64(403) {
			t.Errorf("audit %v", a)
		}
		// analyze without persist is a read; with persist=true it needs editor.
		if r := call(t, "POST", s.url+"/api/v1/lineage/analyze", bearer(viewer)); r.status != 200 {
			t.Errorf("viewer analyze: %d %v", r.status, r.body)
		}
		for _, q := range []string{"true", "1", "TRUE", "yes-please"} {
			if r := call(t, "POST", s.url+"/api/v1/lineage/analyze?persist="+q, bearer(viewer)); r.status != 403 {
				t.Errorf("viewer analyze persist=%s: %d %v", q, r.status, r.body)
			}
		}
		editor := k1.sign(t, claims(nil))
		if r := call(t, "POST", s.url+"/api/v1/lineage/analyze?persist=true", bearer(editor)); r.status != 200 {
			t.Errorf("editor analyze persist=true: %d %v", r.status, r.body)
		}
		if r := call(t, "DELETE", s.url+"/api/v1/apikeys/abc", bearer(editor)); r.status != 403 {
			t.Errorf("editor delete: %d %v", r.status, r.body)
		}
		admin := k1.sign(t, claims(map[string]any{"cognito:groups": []string{"readers", "platform"}}))
		if r := call(t, "DELETE", s.url+"/api/v1/apikeys/abc", bearer(admin)); r.status != 204 {
			t.Errorf("admin delete: %d %v", r.status, r.body)
		}
	})
	t.Run("no group maps to a role", func(t *testing.T) {
		nobody := k1.sign(t, claims(map[string]any{"cognito:groups": []string{"marketing"}}))
		if r := call(t, "GET", route, bearer(nobody)); r.status != 403 {
			t.Errorf("%d %v", r.status, r.body)
		}
		if a := lastAudit(t, s); a["reason"] != ReasonNoRole {
			t.Errorf("audit %v", a)
		}
	})
	t.Run("public health", func(t *testing.T) {
		if r := call(t, "GET", s.url+"/health", nil); r.status != 200 {
			t.Errorf("%d", r.status)
		}
	})
	// The token text never reaches the log, whatever happened to it.
	out := s.logs.String()
	for _, tok := range []string{valid, none, hs256, tampered} {
		sig := tok[strings.LastIndex(tok, ".")+1:]
		if sig != "" && strings.Contains(out, sig) {
			t.Errorf("a token signature appears in the log")
		}
		if strings.Contains(out, tok[:strings.Index(tok, ".")+20]) {
			t.Errorf("token text appears in the log")
		}
	}
}

// TestIDTokens: with token_use id allowed, an ID token passes when its aud is
// an allowed client, and fails otherwise.
func TestIDTokens(t *testing.T) {
	k1 := newSigningKey(t, "k1")
	is := newIssuer(t, k1)
	logger, _ := testLogger()
	cfg := defaultJWTConfig(t)
	cfg.TokenUses = []string{TokenUseAccess, TokenUseID}
	s := startSite(t, siteOptions{keys: NewKeySet(KeySetConfig{URL: is.url()}, logger), jwt: cfg})
	route := s.url + "/api/v1/lineage/columns"
	idTok := k1.sign(t, claims(map[string]any{"token_use": "id", "client_id": nil, "username": nil, "cognito:username": "bob", "aud": testClientID}))
	if r := call(t, "GET", route, bearer(idTok)); r.status != 200 || r.body["name"] != "bob" {
		t.Errorf("id token: %d %v", r.status, r.body)
	}
	wrongAud := k1.sign(t, claims(map[string]any{"token_use": "id", "client_id": nil, "aud": "other-client"}))
	if r := call(t, "GET", route, bearer(wrongAud)); r.status != 401 {
		t.Errorf("wrong aud: %d %v", r.status, r.body)
	}
	if a := lastAudit(t, s); a["reason"] != ReasonClientNotAllowed {
		t.Errorf("audit %v", a)
	}
}

// TestKeyRotation: the JWKS gains a new key and drops the old one; new-key
// tokens pass without a restart, old-key tokens fail.
func TestKeyRotation(t *testing.T) {
	oldKey, newKey := newSigningKey(t, "k1"), newSigningKey(t, "k2")
	is := newIssuer(t, oldKey)
	logger, _ := testLogger()
	ks := NewKeySet(KeySetConfig{URL: is.url(), MinRefresh: time.Hour}, logger)
	s := startSite(t, siteOptions{keys: ks, jwt: defaultJWTConfig(t)})
	route := s.url + "/api/v1/lineage/columns"
	oldTok, newTok := oldKey.sign(t, claims(nil)), newKey.sign(t, claims(nil))

	if r := call(t, "GET", route, bearer(oldTok)); r.status != 200 {
		t.Fatalf("old key before rotation: %d %v", r.status, r.body)
	}
	is.setKeys(newKey)
	if r := call(t, "GET", route, bearer(newTok)); r.status != 200 {
		t.Fatalf("new key after rotation: %d %v", r.status, r.body)
	}
	if r := call(t, "GET", route, bearer(oldTok)); r.status != 401 {
		t.Fatalf("old key after rotation: %d %v", r.status, r.body)
	}
	if a := lastAudit(t, s); a["reason"] != ReasonUnknownKey {
		t.Errorf("audit %v", a)
	}
	if n := is.fetches.Load(); n != 2 {
		t.Errorf("JWKS fetched %d times, want 2 (start, rotation)", n)
	}
}

// TestUnknownKidFloodFetchesOnce: many tokens with made-up kids, in parallel,
// cause one JWKS fetch per refresh interval, not one per token.
func TestUnknownKidFloodFetchesOnce(t *testing.T) {
	k1 := newSigningKey(t, "k1")
	is := newIssuer(t, k1)
	logger, _ := testLogger()
	ks := NewKeySet(KeySetConfig{URL: is.url(), MinRefresh: 30 * time.Second}, logger)
	clock := time.Now()
	var clockMu = make(chan struct{}, 1)
	clockMu <- struct{}{}
	now := func() time.Time { <-clockMu; defer func() { clockMu <- struct{}{} }(); return clock }
	ks.now = now
	v, err := NewVerifier(defaultJWTConfig(t), ks)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := v.Verify(ctx, k1.sign(t, claims(nil))); err != nil {
		t.Fatal(err)
	}
	if n := is.fetches.Load(); n != 1 {
		t.Fatalf("fetches after first token: %d", n)
	}
	bogus := k1
	errs := make(chan error, 200)
	for i := range 200 {
		bogus.kid = fmt.Sprintf("bogus-%d", i)
		tok := bogus.sign(t, claims(nil))
		go func() {
			_, err := v.Verify(ctx, tok)
			errs <- err
		}()
	}
	for range 200 {
		err := <-errs
		var f *Failure
		if !asFailure(err, &f) || f.Reason != ReasonUnknownKey {
			t.Fatalf("bogus kid: %v", err)
		}
	}
	// One unknown-kid refresh inside the interval, whatever the number of kids.
	if n := is.fetches.Load(); n != 2 {
		t.Errorf("200 bogus kids: %d fetches in total, want 2 (first token, one refresh)", n)
	}
	<-clockMu
	clock = clock.Add(31 * time.Second)
	clockMu <- struct{}{}
	for i := range 50 {
		bogus.kid = fmt.Sprintf("bogus2-%d", i)
		if _, err := v.Verify(ctx, bogus.sign(t, claims(nil))); err == nil {
			t.Fatal("bogus kid accepted")
		}
	}
	if n := is.fetches.Load(); n != 3 {
		t.Errorf("after the interval: %d fetches, want 3", n)
	}
}

func asFailure(err error, f **Failure) bool {
	ff, ok := err.(*Failure)
	*f = ff
	return ok
}

// TestRateLimitAcrossInstances: two servers share Redis; the principal's
// N+1st request inside the window is refused with 429 and Retry-After,
// whichever server gets it. Anonymous failures count per IP the same way,
// and an IP over its limit is refused before its credentials are checked.
func TestRateLimitAcrossInstances(t *testing.T) {
	k1 := newSigningKey(t, "k1")
	is := newIssuer(t, k1)
	rdb, prefix := testRedis(t)
	logger, _ := testLogger()
	const n = 5
	opts := func() siteOptions {
		return siteOptions{
			keys: NewKeySet(KeySetConfig{URL: is.url()}, logger), jwt: defaultJWTConfig(t),
			limiter: NewLimiter(rdb, prefix), principal: Limit{N: n, Window: time.Minute}, anon: Limit{N: 3, Window: time.Minute},
		}
	}
	a, b := startSite(t, opts()), startSite(t, opts())
	tok := k1.sign(t, claims(nil))
	for i := range n {
		srv := a
		if i%2 == 1 {
			srv = b
		}
		if r := call(t, "GET", srv.url+"/api/v1/lineage/columns", bearer(tok)); r.status != 200 {
			t.Fatalf("request %d: %d %v", i+1, r.status, r.body)
		}
	}
	r := call(t, "GET", b.url+"/api/v1/lineage/columns", bearer(tok))
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("request %d: %d %v, want 429", n+1, r.status, r.body)
	}
	ra, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || ra < 1 || ra > 60 {
		t.Errorf("Retry-After %q, want 1..60 seconds", r.header.Get("Retry-After"))
	}
	if rec := lastAudit(t, b); rec["reason"] != ReasonRateLimited || rec["principal"] != "user:7d1c2f00-user" {
		t.Errorf("audit %v", rec)
	}
	// Another principal has its own budget.
	other := k1.sign(t, claims(map[string]any{"sub": "another-user"}))
	if r := call(t, "GET", a.url+"/api/v1/lineage/columns", bearer(other)); r.status != 200 {
		t.Errorf("other principal: %d", r.status)
	}

	// Anonymous / failed attempts: 3 per minute per IP across both servers.
	for i := range 3 {
		srv := []*site{a, b}[i%2]
		if r := call(t, "GET", srv.url+"/api/v1/lineage/columns", bearer("bad."+strconv.Itoa(i)+".token")); r.status != 401 {
			t.Fatalf("failed attempt %d: %d", i+1, r.status)
		}
	}
	r = call(t, "GET", a.url+"/api/v1/lineage/columns", nil)
	if r.status != 429 || r.header.Get("Retry-After") == "" {
		t.Fatalf("4th failed attempt: %d %q, want 429 with Retry-After", r.status, r.header.Get("Retry-After"))
	}
	// Even a valid token from the blocked IP waits: guessing must not pay off.
	if r := call(t, "GET", b.url+"/api/v1/lineage/columns", bearer(other)); r.status != 429 {
		t.Errorf("valid token from a blocked IP: %d, want 429", r.status)
	}
	// Public routes are not limited.
	if r := call(t, "GET", a.url+"/health", nil); r.status != 200 {
		t.Errorf("health from a blocked IP: %d", r.status)
	}
}

// TestAuthOff: every request is served as an anonymous admin, and writes
// are still audited.
func TestAuthOff(t *testing.T) {
	s := startSite(t, siteOptions{off: true})
	if r := call(t, "GET", s.url+"/api/v1/lineage/columns", nil); r.status != 200 || r.body["role"] != "admin" {
		t.Errorf("%d %v", r.status, r.body)
	}
	if r := call(t, "POST", s.url+"/api/v1/data/refresh", nil); r.status != 202 {
		t.Errorf("%d %v", r.status, r.body)
	}
	if a := lastAudit(t, s); a["outcome"] != OutcomeSuccess || a["principal"] != "anonymous" || a["status"] != float64(202) {
		t.Errorf("audit %v", a)
	}
}

// TestHeadersAndCORS: security headers on every response; CORS only for
// allowed origins, with the auth headers allowed in preflight.
func TestHeadersAndCORS(t *testing.T) {
	s := startSite(t, siteOptions{off: true, cors: []string{"https://lineage.example.com"}})
	r := call(t, "GET", s.url+"/api/v1/lineage/columns", map[string]string{"Origin": "https://lineage.example.com"})
	for h, want := range map[string]string{
		"X-Content-Type-Options":      "nosniff",
		"X-Frame-Options":             "DENY",
		"Content-Security-Policy":     "frame-ancestors 'none'",
		"Referrer-Policy":             "no-referrer",
		"Access-Control-Allow-Origin": "https://lineage.example.com",
	} {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if r.header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent over plain HTTP without configuration")
	}
	r = call(t, "GET", s.url+"/api/v1/lineage/columns", map[string]string{"Origin": "https://evil.example.com"})
	if got := r.header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("evil origin allowed: %q", got)
	}
	r = call(t, "OPTIONS", s.url+"/api/v1/lineage/columns", map[string]string{
		"Origin": "https://lineage.example.com", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization,x-api-key",
	})
	allowed := strings.ToLower(r.header.Get("Access-Control-Allow-Headers"))
	if r.status != 204 || !strings.Contains(allowed, "authorization") || !strings.Contains(allowed, "x-api-key") {
		t.Errorf("preflight: %d allow-headers %q", r.status, allowed)
	}
	if r.header.Get("Access-Control-Allow-Credentials") != "" {
		t.Error("credentials allowed")
	}
	for _, bad := range []string{"*", "https://*.example.com", "lineage.example.com", "https://x.com/path"} {
		if err := ValidateOrigin(bad); err == nil {
			t.Errorf("origin %q accepted", bad)
		}
	}
}
