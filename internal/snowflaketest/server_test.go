package snowflaketest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/snowflakedb/gosnowflake"
)

// recorder captures Errorf calls so a test can assert the server fails a
// test loudly without failing this one.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}

func TestLoginAndQueryRoundTrip(t *testing.T) {
	ctx := context.Background()
	srv := New(t)
	created := time.Date(2025, 3, 4, 5, 6, 7, 123000000, time.UTC)
	srv.Handle("SELECT name, n, created, note FROM things WHERE kind = ?", func(q Query) (*Result, error) {
		kind, ok := q.Bind(0)
		if !ok || kind != "o'brien" {
			return nil, &Error{Code: "002049", SQLState: "22000", Message: "unexpected bind " + kind}
		}
		return &Result{
			Columns: []Column{
				{Name: "NAME", Type: "text"},
				{Name: "N", Type: "fixed", Precision: 38},
				{Name: "CREATED", Type: "timestamp_ltz", Scale: 3},
				{Name: "NOTE", Type: "text", Nullable: true},
			},
			Rows: [][]any{
				{"a", 1, created, "x"},
				{"b", 2, created.Add(time.Hour), nil},
			},
		}, nil
	})
	cfg := srv.Config()
	cfg.Role = "ANALYST"
	cfg.Warehouse = "WH"
	db := srv.OpenDB(cfg)

	rows, err := db.QueryContext(ctx, "SELECT name, n, created, note\n  FROM things WHERE kind = ?;", "o'brien")
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	type row struct {
		Name    string
		N       int
		Created time.Time
		Note    sql.NullString
	}
	var got []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.Name, &r.N, &r.Created, &r.Note); err != nil {
			t.Fatalf("scan: %v", err)
		}
		r.Created = r.Created.UTC()
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("rows: %v", err)
	}
	if err := rows.Close(); err != nil {
		t.Fatalf("close rows: %v", err)
	}
	want := []row{
		{"a", 1, created, sql.NullString{String: "x", Valid: true}},
		{"b", 2, created.Add(time.Hour), sql.NullString{}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}

	logins := srv.Logins()
	if len(logins) != 1 || !logins[0].OK || logins[0].User != DefaultUser || logins[0].Role != "ANALYST" ||
		logins[0].Warehouse != "WH" || logins[0].Authenticator != "SNOWFLAKE" || logins[0].Account != DefaultAccount {
		t.Errorf("logins = %+v", logins)
	}
	qs := srv.Queries()
	if len(qs) != 1 {
		t.Fatalf("queries = %+v", qs)
	}
	if qs[0].Normalized != "SELECT name, n, created, note FROM things WHERE kind = ?" ||
		len(qs[0].Bindings) != 1 || qs[0].Bindings[0].Type != "TEXT" || qs[0].Role != "ANALYST" {
		t.Errorf("recorded query = %+v", qs[0])
	}
	if srv.GzipResponses() == 0 {
		t.Errorf("no response was gzip-compressed although Go's transport asks for gzip")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if got := srv.SessionsClosed(); got != 1 {
		t.Errorf("sessions closed = %d, want 1", got)
	}
	if p := srv.Problems(); len(p) != 0 {
		t.Errorf("problems: %v", p)
	}
}

func TestSnowflakeErrorReachesDriver(t *testing.T) {
	srv := New(t)
	srv.Handle("SELECT * FROM secret", func(Query) (*Result, error) {
		return nil, ErrInsufficientPrivileges("table", "SECRET")
	})
	db := srv.OpenDB(srv.Config())
	_, err := db.QueryContext(context.Background(), "SELECT * FROM secret")
	var se *gosnowflake.SnowflakeError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *gosnowflake.SnowflakeError", err, err)
	}
	if se.Number != 3001 || se.SQLState != "42501" || se.QueryID == "" || !strings.Contains(se.Message, "Insufficient privileges") {
		t.Errorf("snowflake error = %+v", se)
	}
}

func TestUnknownQueryFailsLoudly(t *testing.T) {
	rec := &recorder{TB: t}
	srv := New(rec)
	db := srv.OpenDB(srv.Config())
	_, err := db.QueryContext(context.Background(), "SELECT nothing FROM nowhere")
	var se *gosnowflake.SnowflakeError
	if !errors.As(err, &se) || se.Number != 99999 {
		t.Fatalf("error = %v, want Snowflake error %s", err, CodeUnknownQuery)
	}
	if u := srv.Unhandled(); len(u) != 1 || u[0].Normalized != "SELECT nothing FROM nowhere" {
		t.Errorf("unhandled = %+v", u)
	}
	errs := rec.errors()
	if len(errs) != 1 || !strings.Contains(errs[0], "unknown query") {
		t.Errorf("test was not failed loudly; Errorf calls: %q", errs)
	}
}

func TestWrongPasswordIsRejected(t *testing.T) {
	srv := New(t)
	cfg := srv.Config()
	cfg.Password = "wrong"
	db := srv.OpenDB(cfg)
	err := db.PingContext(context.Background())
	var se *gosnowflake.SnowflakeError
	if !errors.As(err, &se) || se.Number != 390100 {
		t.Fatalf("ping error = %v, want 390100", err)
	}
	if l := srv.Logins(); len(l) == 0 || l[0].OK || l[0].Code != "390100" {
		t.Errorf("logins = %+v", l)
	}
	if srv.QueryCount() != 0 {
		t.Errorf("a query reached the server without a session")
	}
}

func TestExpiredSessionIsRenewed(t *testing.T) {
	srv := New(t)
	db := srv.OpenDB(srv.Config())
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	if err := db.PingContext(ctx); err != nil {
		t.Fatal(err)
	}
	srv.ExpireSessions()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("ping after expiry: %v", err)
	}
	if got := srv.Renewals(); got != 1 {
		t.Errorf("renewals = %d, want 1", got)
	}
	if got := srv.QueryCount(); got != 2 {
		t.Errorf("queries = %d, want 2 (the expired attempt is not answered)", got)
	}
}

func TestKeyPairLogin(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	srv := New(t, WithUser(User{Name: "LOADER", PublicKey: &key.PublicKey}))
	cfg := srv.Config()
	cfg.User = "loader"
	cfg.Password = ""
	cfg.Authenticator = gosnowflake.AuthTypeJwt

	t.Run("registered key", func(t *testing.T) {
		c := cfg
		c.PrivateKey = key
		if err := srv.OpenDB(c).PingContext(context.Background()); err != nil {
			t.Fatalf("ping: %v", err)
		}
	})
	t.Run("other key", func(t *testing.T) {
		c := cfg
		c.PrivateKey = other
		err := srv.OpenDB(c).PingContext(context.Background())
		var se *gosnowflake.SnowflakeError
		if !errors.As(err, &se) || se.Number != 390144 {
			t.Fatalf("ping error = %v, want 390144", err)
		}
	})
	var results []bool
	for _, l := range srv.Logins() {
		if l.Authenticator != "SNOWFLAKE_JWT" {
			t.Errorf("authenticator = %q", l.Authenticator)
		}
		results = append(results, l.OK)
	}
	if d := cmp.Diff([]bool{true, false}, results); d != "" {
		t.Errorf("login results (-want +got):\n%s", d)
	}
}

func TestTokenLogins(t *testing.T) {
	srv := New(t, WithUser(User{Name: "SVC", OAuthToken: "oauth-abc", PAT: "pat-xyz"}))
	for _, tc := range []struct {
		name  string
		auth  gosnowflake.AuthType
		token string
		code  int
	}{
		{"oauth", gosnowflake.AuthTypeOAuth, "oauth-abc", 0},
		{"oauth wrong", gosnowflake.AuthTypeOAuth, "nope", 390303},
		{"pat", gosnowflake.AuthTypePat, "pat-xyz", 0},
		{"pat wrong", gosnowflake.AuthTypePat, "oauth-abc", 394400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := srv.Config()
			cfg.User = "SVC"
			cfg.Password = ""
			cfg.Authenticator = tc.auth
			cfg.Token = tc.token
			err := srv.OpenDB(cfg).PingContext(context.Background())
			if tc.code == 0 {
				if err != nil {
					t.Fatalf("ping: %v", err)
				}
				return
			}
			var se *gosnowflake.SnowflakeError
			if !errors.As(err, &se) || se.Number != tc.code {
				t.Fatalf("ping error = %v, want %d", err, tc.code)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"  SELECT 1 ;; ":           "SELECT 1",
		"SELECT\n\ta,\n  b FROM t": "SELECT a, b FROM t",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLargeResultsArriveInChunks(t *testing.T) {
	srv := New(t, WithChunkRows(3))
	const n = 10
	srv.Handle("SELECT n FROM numbers", func(Query) (*Result, error) {
		res := &Result{Columns: []Column{{Name: "N", Type: "fixed", Precision: 38}}}
		for i := range n {
			res.Rows = append(res.Rows, []any{i})
		}
		return res, nil
	})
	rows, err := srv.OpenDB(srv.Config()).QueryContext(context.Background(), "SELECT n FROM numbers")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, got); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}
	if got := srv.ChunkDownloads(); got != 3 {
		t.Errorf("chunk downloads = %d, want 3 (rows 3-5, 6-8, 9)", got)
	}
}

func TestHeartbeatAndCloseOverRawHTTP(t *testing.T) {
	rec := &recorder{TB: t}
	srv := New(rec)
	post := func(path, token, body string) map[string]any {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, srv.URL()+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", `Snowflake Token="`+token+`"`)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatalf("%s: decode: %v", path, err)
		}
		return out
	}
	login := post("/session/v1/login-request?requestId=1&warehouse=WH",
		"", `{"data":{"ACCOUNT_NAME":"testacct","LOGIN_NAME":"tester","PASSWORD":"secret"}}`)
	data, _ := login["data"].(map[string]any)
	token, _ := data["token"].(string)
	info, _ := data["sessionInfo"].(map[string]any)
	if login["success"] != true || token == "" || info["warehouseName"] != "WH" {
		t.Fatalf("login response = %v", login)
	}
	if hb := post("/session/heartbeat?requestId=2", token, ""); hb["success"] != true {
		t.Errorf("heartbeat = %v", hb)
	}
	if cl := post("/session?delete=true&requestId=3", token, ""); cl["success"] != true {
		t.Errorf("close = %v", cl)
	}
	q := post("/queries/v1/query-request?requestId=4", token, `{"sqlText":"SELECT 1"}`)
	if q["success"] != false || q["code"] != "390104" {
		t.Errorf("query on a closed session = %v", q)
	}
	if errs := rec.errors(); len(errs) != 1 || !strings.Contains(errs[0], "closed session") {
		t.Errorf("Errorf calls = %q", errs)
	}
	if srv.SessionsClosed() != 1 || srv.QueryCount() != 0 {
		t.Errorf("closed = %d, queries = %d", srv.SessionsClosed(), srv.QueryCount())
	}
}

func TestDSN(t *testing.T) {
	srv := New(t)
	dsn := srv.DSN()
	if !strings.Contains(dsn, "protocol=http") || !strings.Contains(dsn, "127.0.0.1") || !strings.Contains(dsn, "account=testacct") {
		t.Errorf("DSN = %s", dsn)
	}
	db, err := sql.Open("snowflake", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	var one int
	if err := db.QueryRowContext(context.Background(), "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 = %d, %v", one, err)
	}
}
