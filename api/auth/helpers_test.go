package auth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
	"github.com/redis/go-redis/v9"

	"github.com/tributary-lineage/tributary/internal/logtest"
)

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct{ logtest.Buffer }

// records decodes the JSON log lines; with logger set, only those whose
// "logger" attribute equals it.
func (s *syncBuffer) records(t *testing.T, logger string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, m := range s.Records(t) {
		if logger == "" || m["logger"] == logger {
			out = append(out, m)
		}
	}
	return out
}

func testLogger() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// signingKey is an RSA key pair the tests generate, with its kid.
type signingKey struct {
	kid  string
	priv *rsa.PrivateKey
}

var (
	keyCacheMu sync.Mutex
	keyCache   = map[string]signingKey{}
)

// newSigningKey returns a 2048-bit key for kid, generated once per test binary.
func newSigningKey(t testing.TB, kid string) signingKey {
	t.Helper()
	keyCacheMu.Lock()
	defer keyCacheMu.Unlock()
	if k, ok := keyCache[kid]; ok {
		return k
	}
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate rsa key: %v", err)
	}
	k := signingKey{kid: kid, priv: priv}
	keyCache[kid] = k
	return k
}

func (k signingKey) publicJWK(t testing.TB) jwk.Key {
	t.Helper()
	pub, err := jwk.FromRaw(&k.priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]any{jwk.KeyIDKey: k.kid, jwk.AlgorithmKey: jwa.RS256, jwk.KeyUsageKey: "sig"} {
		if err := pub.Set(name, v); err != nil {
			t.Fatal(err)
		}
	}
	return pub
}

// sign makes an RS256 JWT with the claims, kid in the header.
func (k signingKey) sign(t testing.TB, claims map[string]any) string {
	t.Helper()
	tok := jwt.New()
	for name, v := range claims {
		if err := tok.Set(name, v); err != nil {
			t.Fatalf("set claim %s: %v", name, err)
		}
	}
	priv, err := jwk.FromRaw(k.priv)
	if err != nil {
		t.Fatal(err)
	}
	if err := priv.Set(jwk.KeyIDKey, k.kid); err != nil {
		t.Fatal(err)
	}
	out, err := jwt.Sign(tok, jwt.WithKey(jwa.RS256, priv))
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return string(out)
}

// signRaw signs a payload given as JSON text (claims jwt.Token cannot hold, such as null).
func (k signingKey) signRaw(t testing.TB, payload string) string {
	t.Helper()
	priv, err := jwk.FromRaw(k.priv)
	if err != nil {
		t.Fatal(err)
	}
	hdr := jws.NewHeaders()
	if err := hdr.Set(jws.KeyIDKey, k.kid); err != nil {
		t.Fatal(err)
	}
	out, err := jws.Sign([]byte(payload), jws.WithKey(jwa.RS256, priv, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return string(out)
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// issuer serves a JWKS over HTTP and counts how often it is fetched.
type issuer struct {
	srv     *httptest.Server
	mu      sync.Mutex
	keys    []signingKey
	fetches atomic.Int64
}

func newIssuer(t testing.TB, keys ...signingKey) *issuer {
	t.Helper()
	is := &issuer{keys: keys}
	is.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		is.fetches.Add(1)
		set := jwk.NewSet()
		is.mu.Lock()
		for _, k := range is.keys {
			if err := set.AddKey(k.publicJWK(t)); err != nil {
				t.Error(err)
			}
		}
		is.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(set); err != nil {
			t.Error(err)
		}
	}))
	t.Cleanup(is.srv.Close)
	return is
}

func (is *issuer) url() string { return is.srv.URL + "/.well-known/jwks.json" }

// setKeys replaces the published keys (rotation).
func (is *issuer) setKeys(keys ...signingKey) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.keys = keys
}

const (
	testIssuer   = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool"
	testClientID = "app-client-1"
)

// claims are valid access-token claims for the test pool; over overrides
// (a nil value deletes the claim).
func claims(over map[string]any) map[string]any {
	now := time.Now()
	c := map[string]any{
		"iss":            testIssuer,
		"sub":            "7d1c2f00-user",
		"client_id":      testClientID,
		"token_use":      "access",
		"username":       "alice",
		"cognito:groups": []string{"data-eng"},
		"scope":          "openid",
		"iat":            now.Add(-time.Minute).Unix(),
		"exp":            now.Add(time.Hour).Unix(),
		"auth_time":      now.Add(-time.Minute).Unix(),
	}
	for k, v := range over {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// testRedis connects to the shared Redis and returns a key prefix unique to
// the test; the test fails when Redis does not answer. Keys under the
// prefix are deleted at the end.
func testRedis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	addr := envOr("TRIBUTARY_REDIS_ADDR", "127.0.0.1:6379")
	rdb := redis.NewClient(&redis.Options{Addr: addr, Password: os.Getenv("TRIBUTARY_REDIS_PASSWORD"), DialTimeout: 2 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("Redis at %s does not answer (run `make up`): %v", addr, err)
	}
	prefix := "tributary-test:auth:" + rand.Text() + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		if err := rdb.Close(); err != nil {
			t.Errorf("close redis: %v", err)
		}
	})
	return rdb, prefix
}

func readAll(t testing.TB, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
