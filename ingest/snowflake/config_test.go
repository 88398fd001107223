package snowflake

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/snowflakedb/gosnowflake"
)

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"*", "", true},
		{"*", "ANY THING", true},
		{"ANALYTICS", "ANALYTICS", true},
		{"ANALYTICS", "ANALYTICS2", false},
		{"ANA*", "ANALYTICS", true},
		{"*TICS", "ANALYTICS", true},
		{"A*L*S", "ANALYTICS", true},
		{"A*X*S", "ANALYTICS", false},
		{"?", "A", true},
		{"?", "", false},
		{"DB_?", "DB_1", true},
		{"DB_?", "DB_12", false},
		{"**A", "BA", true},
		{"A/*", "A/B", true},
		{"É*", "ÉTÉ", true},
	} {
		if got := glob(tc.pattern, tc.name); got != tc.want {
			t.Errorf("glob(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
}

func TestScope(t *testing.T) {
	s := newScope(Config{
		IncludeDatabases: []string{"prod_*", "Shared"},
		ExcludeDatabases: []string{"*_OLD"},
		IncludeSchemas:   []string{"marts", "prod_sales.raw*"},
		ExcludeSchemas:   []string{"*.MARTS_TMP", "prod_hr.*"},
	})
	for _, tc := range []struct {
		db, schema string
		dbIn, in   bool
	}{
		{"PROD_SALES", "MARTS", true, true},
		{"prod_sales", "marts", true, true},
		{"PROD_SALES", "RAW_EVENTS", true, true},
		{"PROD_FIN", "RAW_EVENTS", true, false},
		{"PROD_HR", "MARTS", true, false},
		{"PROD_SALES_OLD", "MARTS", false, true},
		{"SHARED", "MARTS", true, true},
		{"DEV", "MARTS", false, true},
		{"PROD_SALES", "INFORMATION_SCHEMA", true, false},
	} {
		if got := s.database(tc.db); got != tc.dbIn {
			t.Errorf("database(%s) = %v, want %v", tc.db, got, tc.dbIn)
		}
		if got := s.schema(tc.db, tc.schema); got != tc.in {
			t.Errorf("schema(%s, %s) = %v, want %v", tc.db, tc.schema, got, tc.in)
		}
	}
	all := newScope(Config{})
	if !all.database("X") || !all.schema("X", "Y") || all.schema("X", "information_schema") {
		t.Errorf("empty scope must include everything but INFORMATION_SCHEMA")
	}
}

func TestQuoteLiteral(t *testing.T) {
	for in, want := range map[string]string{
		"V1":      "'V1'",
		"it's":    "'it''s'",
		`back\sl`: `'back\\sl'`,
	} {
		if got := quoteLiteral(in); got != want {
			t.Errorf("quoteLiteral(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := Config{Account: "a", User: "u", Password: "p"}
	for _, tc := range []struct {
		name string
		mod  func(*Config)
		want []string // substrings of the error; none means valid
	}{
		{"password", func(*Config) {}, nil},
		{"missing account and user", func(c *Config) { c.Account, c.User = "", "" }, []string{"account is required", "user is required"}},
		{"missing password", func(c *Config) { c.Password = "" }, []string{"password is required"}},
		{"keypair needs exactly one key", func(c *Config) { c.Auth = AuthKeyPair }, []string{"exactly one of private key path and private key PEM"}},
		{"keypair two keys", func(c *Config) { c.PrivateKeyPath, c.PrivateKeyPEM = "/k", "pem" }, []string{"exactly one"}},
		{"oauth token", func(c *Config) { c.Auth = AuthOAuth }, []string{"oauth auth: token is required"}},
		{"pat token", func(c *Config) { c.Auth = AuthPAT; c.Token = "t" }, nil},
		{"unknown auth", func(c *Config) { c.Auth = "kerberos" }, []string{`auth "kerberos"`}},
		{"list method", func(c *Config) { c.ListMethod = "magic" }, []string{`list method "magic"`}},
		{"page size", func(c *Config) { c.PageSize = 20000 }, []string{"page size 20000"}},
		{"empty pattern", func(c *Config) { c.ExcludeSchemas = []string{" "} }, []string{"empty scope pattern"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.mod(&c)
			err := c.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate accepted an invalid config")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		EnvAccount: "org-acct", EnvUser: "LOADER", EnvRole: "R", EnvWarehouse: "WH",
		EnvPrivateKey: "-----BEGIN PRIVATE KEY-----", EnvPort: "8080", EnvProtocol: "http", EnvHost: "localhost",
		EnvIncludeDatabases: "PROD_*, SHARED ,", EnvExcludeSchemas: "*.TMP", EnvListMethod: "SHOW",
	}
	c, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Account: "org-acct", User: "LOADER", Role: "R", Warehouse: "WH",
		PrivateKeyPEM: "-----BEGIN PRIVATE KEY-----", Host: "localhost", Port: 8080, Protocol: "http",
		IncludeDatabases: []string{"PROD_*", "SHARED"}, ExcludeSchemas: []string{"*.TMP"}, ListMethod: ListShow}
	if d := cmp.Diff(want, c); d != "" {
		t.Errorf("config (-want +got):\n%s", d)
	}
	if c.auth() != AuthKeyPair {
		t.Errorf("auth inferred = %s, want keypair", c.auth())
	}

	env[EnvPort] = "eighty"
	if _, err := ConfigFromEnv(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), EnvPort) {
		t.Errorf("bad port: err = %v", err)
	}
	if _, err := ConfigFromEnv(func(string) string { return "" }); err == nil {
		t.Error("empty environment accepted")
	}
}

func TestStringMasksSecrets(t *testing.T) {
	c := Config{Account: "a", User: "u", Password: "hunter2", Token: "tok-123", PrivateKeyPEM: "-----BEGIN"}
	s := c.String()
	for _, secret := range []string{"hunter2", "tok-123", "BEGIN"} {
		if strings.Contains(s, secret) {
			t.Errorf("String() leaks %q: %s", secret, s)
		}
	}
	if !strings.Contains(s, "password=***") || !strings.Contains(s, "account=a") {
		t.Errorf("String() = %s", s)
	}
}

func TestParsePrivateKeyErrors(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		pem  string
		want string
	}{
		"not PEM":   {"hello", "no PEM block"},
		"encrypted": {string(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}})), "encrypted keys are not supported"},
		"EC key":    {string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), "not an RSA key"},
		"cert":      {string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}})), `unexpected PEM block "CERTIFICATE"`},
	} {
		if _, err := ParsePrivateKey([]byte(tc.pem)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		}
	}
	c := Config{Account: "a", User: "u", PrivateKeyPath: "/nonexistent/key.p8"}
	if _, err := c.DriverConfig(); err == nil || !strings.Contains(err.Error(), "read private key") {
		t.Errorf("missing key file: err = %v", err)
	}
}

func TestTransient(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{context.Canceled, false},
		{fmt.Errorf("list views: %w", context.DeadlineExceeded), true},
		{errors.New("timeout after 30s and 2 attempts. HTTP Status: 503. Hanging?"), true},
		{&gosnowflake.SnowflakeError{Number: CodeInsufficientPrivileges, SQLState: "42501"}, false},
		{fmt.Errorf("x: %w", &gosnowflake.SnowflakeError{Number: CodeTooMuchData, SQLState: "22000"}), false},
		{&gosnowflake.SnowflakeError{Number: 390100, SQLState: "08004"}, false},
		{&gosnowflake.SnowflakeError{Number: gosnowflake.ErrFailedToPostQuery, SQLState: "08006"}, true},
		{&gosnowflake.SnowflakeError{Number: gosnowflake.ErrCodeServiceUnavailable, SQLState: "08001"}, true},
	} {
		if got := Transient(tc.err); got != tc.want {
			t.Errorf("Transient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// TestUnreachableServiceIsTransient drives the real driver against an
// endpoint that answers 503, as Snowflake does during an outage.
func TestUnreachableServiceIsTransient(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	u, err := url.Parse(down.URL)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	src, err := OpenConfig(gosnowflake.Config{
		Account: "testacct", User: "u", Password: "p", Host: "127.0.0.1", Port: p, Protocol: "http",
		LoginTimeout: 2 * time.Second, MaxRetryCount: 1, DisableTelemetry: true,
	}, Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	err = src.Ping(context.Background())
	if err == nil {
		t.Fatal("ping succeeded against a 503 endpoint")
	}
	t.Logf("ping error: %v", err)
	if !Transient(err) {
		t.Errorf("Transient(%v) = false", err)
	}
}

func TestWithSecret(t *testing.T) {
	base := Config{Account: "env-acct", User: "ENV_USER", Role: "R", Password: "env-pw", IncludeDatabases: []string{"PROD"}}
	got, err := base.WithSecret([]byte(`{"user":"SECRET_USER","private_key":"-----BEGIN PRIVATE KEY-----\n..."}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Account: "env-acct", User: "SECRET_USER", Role: "R",
		PrivateKeyPEM: "-----BEGIN PRIVATE KEY-----\n...", IncludeDatabases: []string{"PROD"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("config (-want +got):\n%s", d)
	}
	if got.auth() != AuthKeyPair {
		t.Errorf("auth = %s, want keypair", got.auth())
	}
	got, err = base.WithSecret([]byte(`{"auth":"PAT","token":"t-1"}`))
	if err != nil || got.auth() != AuthPAT || got.Token != "t-1" || got.Password != "" {
		t.Errorf("PAT secret: %+v, %v", got, err)
	}
	if _, err := base.WithSecret([]byte(`{"auth":"oauth"}`)); err == nil {
		t.Error("oauth without token accepted")
	}
	if _, err := base.WithSecret([]byte(`not json`)); err == nil || !strings.Contains(err.Error(), "snowflake secret") {
		t.Errorf("bad JSON: err = %v", err)
	}
}
