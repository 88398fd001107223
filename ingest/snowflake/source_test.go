package snowflake_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/snowflakedb/gosnowflake"

	"github.com/tributary-lineage/tributary/ingest/snowflake"
	"github.com/tributary-lineage/tributary/internal/snowflaketest"
)

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func at(days int) time.Time { return t0.Add(time.Duration(days) * 24 * time.Hour) }

func cols(names ...string) []snowflaketest.ColumnDef {
	out := make([]snowflaketest.ColumnDef, len(names))
	for i, n := range names {
		out[i] = snowflaketest.ColumnDef{Name: n, Type: "TEXT", Nullable: i > 0}
	}
	return out
}

// fixture is a small warehouse: a layered ANALYTICS database with a hidden
// and a visible secure view, a database whose names need quoting, a scratch
// database and one the role cannot see.
func fixture() *snowflaketest.Warehouse {
	w := &snowflaketest.Warehouse{}
	w.PutTable("ANALYTICS", "RAW", snowflaketest.Table{Name: "ORDERS", Columns: cols("ID", "CUSTOMER_ID", "AMOUNT")})
	w.PutTable("ANALYTICS", "RAW", snowflaketest.Table{Name: "CUSTOMERS", Columns: cols("ID", "NAME")})
	w.PutView("ANALYTICS", "STAGING", snowflaketest.View{Name: "STG_ORDERS",
		Text:    "CREATE VIEW STG_ORDERS AS SELECT id, customer_id, amount FROM raw.orders",
		Created: at(1), LastAltered: at(2), Columns: cols("ID", "CUSTOMER_ID", "AMOUNT")})
	w.PutView("ANALYTICS", "STAGING", snowflaketest.View{Name: "STG_CUSTOMERS",
		Text:    "CREATE VIEW STG_CUSTOMERS AS SELECT * FROM raw.customers",
		Created: at(1), LastAltered: at(1), Columns: cols("ID", "NAME")})
	w.PutView("ANALYTICS", "MARTS", snowflaketest.View{Name: "FCT_SALES",
		Text:    "CREATE VIEW FCT_SALES AS SELECT o.id, c.name, o.amount FROM staging.stg_orders o JOIN staging.stg_customers c ON c.id = o.customer_id",
		Created: at(3), LastAltered: at(4), Comment: "sales facts", Columns: cols("ID", "NAME", "AMOUNT")})
	w.PutView("ANALYTICS", "MARTS", snowflaketest.View{Name: "REVENUE_SECURE",
		Text:   "CREATE SECURE VIEW REVENUE_SECURE AS SELECT SUM(amount) AS total FROM staging.stg_orders",
		Secure: true, Hidden: true, Created: at(5), LastAltered: at(5), Columns: cols("TOTAL")})
	w.PutView("ANALYTICS", "MARTS", snowflaketest.View{Name: "OWNED_SECURE",
		Text:   "CREATE SECURE VIEW OWNED_SECURE AS SELECT id FROM staging.stg_orders",
		Secure: true, Created: at(6), LastAltered: at(7), Columns: cols("ID")})
	w.PutView("Mixed Case", `we"ird`, snowflaketest.View{Name: `it's`,
		Text: `CREATE VIEW "it's" AS SELECT 1 AS x`, Created: at(8), LastAltered: at(8), Columns: cols("X")})
	w.PutView("SCRATCH", "TMP", snowflaketest.View{Name: "V", Text: "CREATE VIEW V AS SELECT 1 AS x", Created: at(9), LastAltered: at(9)})
	w.AddDatabase("HR").Unauthorized = true
	w.PutView("HR", "PRIVATE", snowflaketest.View{Name: "SALARIES", Text: "CREATE VIEW SALARIES AS SELECT 1 AS x"})
	return w
}

func analyticsViews() []snowflake.View {
	return []snowflake.View{
		{Database: "ANALYTICS", Schema: "MARTS", Name: "FCT_SALES",
			Text:    "CREATE VIEW FCT_SALES AS SELECT o.id, c.name, o.amount FROM staging.stg_orders o JOIN staging.stg_customers c ON c.id = o.customer_id",
			Created: at(3), LastAltered: at(4), Comment: "sales facts"},
		{Database: "ANALYTICS", Schema: "MARTS", Name: "OWNED_SECURE",
			Text:   "CREATE SECURE VIEW OWNED_SECURE AS SELECT id FROM staging.stg_orders",
			Secure: true, Created: at(6), LastAltered: at(7)},
		{Database: "ANALYTICS", Schema: "MARTS", Name: "REVENUE_SECURE", Secure: true, Hidden: true,
			Created: at(5), LastAltered: at(5)},
		{Database: "ANALYTICS", Schema: "STAGING", Name: "STG_CUSTOMERS",
			Text:    "CREATE VIEW STG_CUSTOMERS AS SELECT * FROM raw.customers",
			Created: at(1), LastAltered: at(1)},
		{Database: "ANALYTICS", Schema: "STAGING", Name: "STG_ORDERS",
			Text:    "CREATE VIEW STG_ORDERS AS SELECT id, customer_id, amount FROM raw.orders",
			Created: at(1), LastAltered: at(2)},
	}
}

func newSource(t testing.TB, srv *snowflaketest.Server, cfg snowflake.Config) *snowflake.Source {
	t.Helper()
	src, err := snowflake.OpenConfig(srv.Config(), cfg, slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatalf("open source: %v", err)
	}
	t.Cleanup(func() {
		if err := src.Close(); err != nil {
			t.Errorf("close source: %v", err)
		}
	})
	return src
}

func queryTexts(srv *snowflaketest.Server) []string {
	var out []string
	for _, q := range srv.Queries() {
		s := q.Normalized
		for _, b := range q.Bindings {
			s += " [" + string(b.Raw) + "]"
		}
		out = append(out, s)
	}
	return out
}

const (
	qAnalyticsViews          = `SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION, IS_SECURE, CREATED, LAST_ALTERED, COMMENT FROM "ANALYTICS".INFORMATION_SCHEMA.VIEWS WHERE TABLE_SCHEMA <> 'INFORMATION_SCHEMA' ORDER BY TABLE_SCHEMA, TABLE_NAME`
	qAnalyticsViewsPerSchema = `SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION, IS_SECURE, CREATED, LAST_ALTERED, COMMENT FROM "ANALYTICS".INFORMATION_SCHEMA.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`
)

func TestListDatabasesAndSchemas(t *testing.T) {
	ctx := context.Background()
	srv := snowflaketest.New(t, snowflaketest.WithWarehouse(fixture()))
	src := newSource(t, srv, snowflake.Config{})

	dbs, err := src.ListDatabases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"ANALYTICS", "Mixed Case", "SCRATCH"}, dbs); d != "" {
		t.Errorf("databases (-want +got):\n%s", d)
	}
	schemas, err := src.ListSchemas(ctx, "ANALYTICS")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"MARTS", "RAW", "STAGING"}, schemas); d != "" {
		t.Errorf("schemas (-want +got):\n%s", d)
	}
	want := []string{
		"SHOW TERSE DATABASES LIMIT 10000",
		`SHOW TERSE SCHEMAS IN DATABASE "ANALYTICS" LIMIT 10000`,
	}
	if d := cmp.Diff(want, queryTexts(srv)); d != "" {
		t.Errorf("queries (-want +got):\n%s", d)
	}
}

func TestListViewsFromInformationSchema(t *testing.T) {
	ctx := context.Background()
	srv := snowflaketest.New(t, snowflaketest.WithWarehouse(fixture()))
	src := newSource(t, srv, snowflake.Config{})

	views, err := src.ListViews(ctx, "ANALYTICS")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(analyticsViews(), views); d != "" {
		t.Errorf("views (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{qAnalyticsViews}, queryTexts(srv)); d != "" {
		t.Errorf("one query per database expected (-want +got):\n%s", d)
	}
}

func TestQuotedNames(t *testing.T) {
	ctx := context.Background()
	for _, method := range []snowflake.ListMethod{snowflake.ListInformationSchema, snowflake.ListShow} {
		t.Run(string(method), func(t *testing.T) {
			srv := snowflaketest.New(t, snowflaketest.WithWarehouse(fixture()))
			src := newSource(t, srv, snowflake.Config{ListMethod: method})
			views, err := src.ListViews(ctx, "Mixed Case")
			if err != nil {
				t.Fatal(err)
			}
			want := []snowflake.View{{Database: "Mixed Case", Schema: `we"ird`, Name: `it's`,
				Text: `CREATE VIEW "it's" AS SELECT 1 AS x`, Created: at(8), LastAltered: at(8)}}
			if d := cmp.Diff(want, views); d != "" {
				t.Errorf("views (-want +got):\n%s", d)
			}
		})
	}
	if got, want := snowflake.QuoteIdent(`a"b`), `"a""b"`; got != want {
		t.Errorf("QuoteIdent = %s, want %s", got, want)
	}
}

func TestTooMuchDataFallsBackPerSchemaThenShow(t *testing.T) {
	ctx := context.Background()
	w := fixture()
	// The whole database (system views included) exceeds 4 rows; STAGING
	// (2 views) fits; MARTS (3 views) does not and is paged with SHOW VIEWS.
	w.InfoSchemaRowLimit = 2
	srv := snowflaketest.New(t, snowflaketest.WithWarehouse(w))
	src := newSource(t, srv, snowflake.Config{PageSize: 2})

	views, err := src.ListViews(ctx, "ANALYTICS")
	if err != nil {
		t.Fatal(err)
	}
	want := analyticsViews()
	for i := range want {
		if want[i].Schema == "MARTS" { // listed by SHOW VIEWS: no LAST_ALTERED
			want[i].LastAltered = want[i].Created
		}
	}
	if d := cmp.Diff(want, views); d != "" {
		t.Errorf("views (-want +got):\n%s", d)
	}
	wantQueries := []string{
		qAnalyticsViews,
		`SHOW TERSE SCHEMAS IN DATABASE "ANALYTICS" LIMIT 2`,
		`SHOW TERSE SCHEMAS IN DATABASE "ANALYTICS" LIMIT 2 FROM 'MARTS'`,
		`SHOW TERSE SCHEMAS IN DATABASE "ANALYTICS" LIMIT 2 FROM 'STAGING'`,
		qAnalyticsViewsPerSchema + ` ["MARTS"]`,
		`SHOW VIEWS IN SCHEMA "ANALYTICS"."MARTS" LIMIT 2`,
		`SHOW VIEWS IN SCHEMA "ANALYTICS"."MARTS" LIMIT 2 FROM 'OWNED_SECURE'`,
		qAnalyticsViewsPerSchema + ` ["RAW"]`,
		qAnalyticsViewsPerSchema + ` ["STAGING"]`,
	}
	if d := cmp.Diff(wantQueries, queryTexts(srv)); d != "" {
		t.Errorf("queries (-want +got):\n%s", d)
	}
}

func TestShowViewsPaging(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{0, 1, 6, 8} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			w := &snowflaketest.Warehouse{}
			w.AddDatabase("DB").AddSchema("S")
			var wantNames []string
			for i := n; i >= 1; i-- { // inserted out of order on purpose
				name := fmt.Sprintf("V%02d", i)
				w.PutView("DB", "S", snowflaketest.View{Name: name, Text: "CREATE VIEW " + name + " AS SELECT 1 AS x", Created: at(i)})
			}
			for i := 1; i <= n; i++ {
				wantNames = append(wantNames, fmt.Sprintf("V%02d", i))
			}
			srv := snowflaketest.New(t, snowflaketest.WithWarehouse(w))
			src := newSource(t, srv, snowflake.Config{ListMethod: snowflake.ListShow, PageSize: 3})
			views, err := src.ListViews(ctx, "DB")
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, v := range views {
				names = append(names, v.Name)
			}
			if d := cmp.Diff(wantNames, names); d != "" {
				t.Errorf("view names (-want +got):\n%s", d)
			}
			pages := srv.CountQueries(func(q snowflaketest.Query) bool {
				return strings.HasPrefix(q.Normalized, `SHOW VIEWS IN SCHEMA "DB"."S" LIMIT 3`)
			})
			if want := n/3 + 1; pages != want {
				t.Errorf("SHOW VIEWS pages = %d, want %d", pages, want)
			}
		})
	}
}

func TestColumns(t *testing.T) {
	ctx := context.Background()
	for _, limit := range []int{0, 6} { // 6: database too large, every schema fits
		t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
			w := fixture()
			w.InfoSchemaRowLimit = limit
			srv := snowflaketest.New(t, snowflaketest.WithWarehouse(w))
			src := newSource(t, srv, snowflake.Config{ExcludeSchemas: []string{"staging"}})
			got, err := src.Columns(ctx, "ANALYTICS")
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range got {
				names = append(names, fmt.Sprintf("%s.%s.%s:%d:%s", c.Schema, c.Table, c.Name, c.Ordinal, c.DataType))
			}
			want := []string{
				"MARTS.FCT_SALES.ID:1:TEXT", "MARTS.FCT_SALES.NAME:2:TEXT", "MARTS.FCT_SALES.AMOUNT:3:TEXT",
				"MARTS.OWNED_SECURE.ID:1:TEXT",
				"MARTS.REVENUE_SECURE.TOTAL:1:TEXT",
				"RAW.CUSTOMERS.ID:1:TEXT", "RAW.CUSTOMERS.NAME:2:TEXT",
				"RAW.ORDERS.ID:1:TEXT", "RAW.ORDERS.CUSTOMER_ID:2:TEXT", "RAW.ORDERS.AMOUNT:3:TEXT",
			}
			if d := cmp.Diff(want, names); d != "" {
				t.Errorf("columns (-want +got):\n%s", d)
			}
			if got[0].Nullable || !got[1].Nullable || got[0].Database != "ANALYTICS" {
				t.Errorf("first columns = %+v", got[:2])
			}
			perSchema := srv.CountQueries(func(q snowflaketest.Query) bool { return len(q.Bindings) == 1 })
			if limit == 0 && perSchema != 0 || limit > 0 && perSchema != 2 { // MARTS and RAW; STAGING excluded
				t.Errorf("per-schema column queries = %d with limit %d", perSchema, limit)
			}
		})
	}
}

func TestSnowflakeErrorsAreWrappedWithCode(t *testing.T) {
	ctx := context.Background()
	srv := snowflaketest.New(t, snowflaketest.WithWarehouse(fixture()))
	srv.Handle(qAnalyticsViews, func(snowflaketest.Query) (*snowflaketest.Result, error) {
		return nil, snowflaketest.ErrInsufficientPrivileges("database", "ANALYTICS")
	})
	src := newSource(t, srv, snowflake.Config{})

	_, err := src.ListViews(ctx, "ANALYTICS")
	if err == nil {
		t.Fatal("no error")
	}
	var se *gosnowflake.SnowflakeError
	if !errors.As(err, &se) || se.Number != snowflake.CodeInsufficientPrivileges || se.SQLState != "42501" {
		t.Fatalf("error %v does not wrap Snowflake error 003001", err)
	}
	if !strings.HasPrefix(err.Error(), `list views in "ANALYTICS": `) {
		t.Errorf("error lacks context: %v", err)
	}

	_, err = src.ListViews(ctx, "HR")
	if code, ok := snowflake.ErrorCode(err); !ok || code != snowflake.CodeDoesNotExist {
		t.Errorf("unauthorized database: error %v, want code %d", err, snowflake.CodeDoesNotExist)
	}
}

func TestScopePatterns(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		cfg     snowflake.Config
		views   []string
		schemas []string // schemas with columns
	}{
		{"everything", snowflake.Config{}, []string{
			"ANALYTICS.MARTS.FCT_SALES", "ANALYTICS.MARTS.OWNED_SECURE", "ANALYTICS.MARTS.REVENUE_SECURE",
			"ANALYTICS.STAGING.STG_CUSTOMERS", "ANALYTICS.STAGING.STG_ORDERS", `Mixed Case.we"ird.it's`, "SCRATCH.TMP.V"},
			[]string{"ANALYTICS.MARTS", "ANALYTICS.RAW", "ANALYTICS.STAGING", `Mixed Case.we"ird`}},
		{"include databases case-insensitively", snowflake.Config{IncludeDatabases: []string{"analytics", "mixed*"}}, []string{
			"ANALYTICS.MARTS.FCT_SALES", "ANALYTICS.MARTS.OWNED_SECURE", "ANALYTICS.MARTS.REVENUE_SECURE",
			"ANALYTICS.STAGING.STG_CUSTOMERS", "ANALYTICS.STAGING.STG_ORDERS", `Mixed Case.we"ird.it's`},
			[]string{"ANALYTICS.MARTS", "ANALYTICS.RAW", "ANALYTICS.STAGING", `Mixed Case.we"ird`}},
		{"exclude database", snowflake.Config{ExcludeDatabases: []string{"SCR?TCH", "Mixed*"}}, []string{
			"ANALYTICS.MARTS.FCT_SALES", "ANALYTICS.MARTS.OWNED_SECURE", "ANALYTICS.MARTS.REVENUE_SECURE",
			"ANALYTICS.STAGING.STG_CUSTOMERS", "ANALYTICS.STAGING.STG_ORDERS"},
			[]string{"ANALYTICS.MARTS", "ANALYTICS.RAW", "ANALYTICS.STAGING"}},
		{"schema include and qualified exclude", snowflake.Config{
			IncludeSchemas: []string{"*A*"}, ExcludeSchemas: []string{"analytics.marts"}}, []string{
			"ANALYTICS.STAGING.STG_CUSTOMERS", "ANALYTICS.STAGING.STG_ORDERS"},
			[]string{"ANALYTICS.RAW", "ANALYTICS.STAGING"}},
		{"qualified include", snowflake.Config{IncludeSchemas: []string{"scratch.*", "*.MARTS"}}, []string{
			"ANALYTICS.MARTS.FCT_SALES", "ANALYTICS.MARTS.OWNED_SECURE", "ANALYTICS.MARTS.REVENUE_SECURE", "SCRATCH.TMP.V"},
			[]string{"ANALYTICS.MARTS"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := snowflaketest.New(t, snowflaketest.WithWarehouse(fixture()))
			src := newSource(t, srv, tc.cfg)
			snap, err := src.Snapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range snap.Views {
				got = append(got, v.Database+"."+v.Schema+"."+v.Name)
			}
			if d := cmp.Diff(tc.views, got); d != "" {
				t.Errorf("views in scope (-want +got):\n%s", d)
			}
			var schemas []string
			for _, c := range snap.Columns {
				if s := c.Database + "." + c.Schema; len(schemas) == 0 || schemas[len(schemas)-1] != s {
					schemas = append(schemas, s)
				}
			}
			if d := cmp.Diff(tc.schemas, schemas); d != "" {
				t.Errorf("schemas of columns in scope (-want +got):\n%s", d)
			}
		})
	}
}

func TestRefreshSeesFixtureChanges(t *testing.T) {
	ctx := context.Background()
	srv := snowflaketest.New(t, snowflaketest.WithWarehouse(fixture()))
	src := newSource(t, srv, snowflake.Config{IncludeSchemas: []string{"STAGING"}})
	before, err := src.ListViews(ctx, "ANALYTICS")
	if err != nil {
		t.Fatal(err)
	}
	srv.Update(func(w *snowflaketest.Warehouse) {
		s := w.Database("ANALYTICS").Schema("STAGING")
		s.PutView(snowflaketest.View{Name: "STG_ORDERS", Text: "CREATE VIEW STG_ORDERS AS SELECT id FROM raw.orders",
			Created: at(1), LastAltered: at(20)})
		if !s.DropView("STG_CUSTOMERS") {
			t.Fatal("STG_CUSTOMERS missing from fixture")
		}
		s.PutView(snowflaketest.View{Name: "STG_NEW", Text: "CREATE VIEW STG_NEW AS SELECT 1 AS x", Created: at(21), LastAltered: at(21)})
	})
	after, err := src.ListViews(ctx, "ANALYTICS")
	if err != nil {
		t.Fatal(err)
	}
	if len(before) != 2 {
		t.Fatalf("before = %+v", before)
	}
	want := []snowflake.View{
		{Database: "ANALYTICS", Schema: "STAGING", Name: "STG_NEW", Text: "CREATE VIEW STG_NEW AS SELECT 1 AS x", Created: at(21), LastAltered: at(21)},
		{Database: "ANALYTICS", Schema: "STAGING", Name: "STG_ORDERS", Text: "CREATE VIEW STG_ORDERS AS SELECT id FROM raw.orders", Created: at(1), LastAltered: at(20)},
	}
	if d := cmp.Diff(want, after); d != "" {
		t.Errorf("views after change (-want +got):\n%s", d)
	}
}

func pemKey(t *testing.T, key *rsa.PrivateKey, pkcs1 bool) string {
	t.Helper()
	if pkcs1 {
		return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func TestAuthentication(t *testing.T) {
	ctx := context.Background()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "rsa_key.p8")
	if err := os.WriteFile(keyFile, []byte(pemKey(t, key, false)), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := snowflaketest.New(t, snowflaketest.WithUser(snowflaketest.User{
		Name: "INGEST", Password: "pw", PublicKey: &key.PublicKey, OAuthToken: "oauth-1", PAT: "pat-1",
	}))
	base := snowflake.Config{Account: srv.Account(), User: "ingest", Role: "LINEAGE_READER", Warehouse: "META_WH",
		Host: "127.0.0.1", Port: srv.Port(), Protocol: "http", LoginTimeout: 5 * time.Second}

	for _, tc := range []struct {
		name     string
		mod      func(*snowflake.Config)
		auth     string
		failCode int
	}{
		{"password", func(c *snowflake.Config) { c.Password = "pw" }, "SNOWFLAKE", 0},
		{"wrong password", func(c *snowflake.Config) { c.Password = "nope" }, "SNOWFLAKE", 390100},
		{"key pair file", func(c *snowflake.Config) { c.PrivateKeyPath = keyFile }, "SNOWFLAKE_JWT", 0},
		{"key pair PEM (PKCS#1)", func(c *snowflake.Config) { c.PrivateKeyPEM = pemKey(t, key, true) }, "SNOWFLAKE_JWT", 0},
		{"key pair wrong key", func(c *snowflake.Config) { c.PrivateKeyPEM = pemKey(t, other, false) }, "SNOWFLAKE_JWT", 390144},
		{"oauth", func(c *snowflake.Config) { c.Auth = snowflake.AuthOAuth; c.Token = "oauth-1" }, "OAUTH", 0},
		{"programmatic access token", func(c *snowflake.Config) { c.Auth = snowflake.AuthPAT; c.Token = "pat-1" }, "PROGRAMMATIC_ACCESS_TOKEN", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			tc.mod(&cfg)
			src, err := snowflake.Open(cfg, nil)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			t.Cleanup(func() {
				if err := src.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			})
			n := len(srv.Logins())
			err = src.Ping(ctx)
			logins := srv.Logins()[n:]
			if len(logins) == 0 {
				t.Fatalf("no login reached the server (ping: %v)", err)
			}
			l := logins[0]
			if l.Authenticator != tc.auth || l.Role != "LINEAGE_READER" || l.Warehouse != "META_WH" {
				t.Errorf("login = %+v", l)
			}
			if tc.failCode == 0 {
				if err != nil || !l.OK {
					t.Fatalf("ping: %v (login %+v)", err, l)
				}
				return
			}
			if code, _ := snowflake.ErrorCode(err); code != tc.failCode || l.OK {
				t.Fatalf("ping error = %v, want code %d", err, tc.failCode)
			}
		})
	}
}

func TestShowPagingThatDoesNotAdvanceFails(t *testing.T) {
	srv := snowflaketest.New(t)
	srv.HandleFunc(func(q snowflaketest.Query) bool {
		return strings.HasPrefix(q.Normalized, "SHOW TERSE DATABASES LIMIT 2")
	}, func(snowflaketest.Query) (*snowflaketest.Result, error) {
		return &snowflaketest.Result{
			Columns: []snowflaketest.Column{{Name: "name", Type: "text"}},
			Rows:    [][]any{{"A"}, {"B"}},
		}, nil
	})
	src := newSource(t, srv, snowflake.Config{PageSize: 2})
	_, err := src.ListDatabases(context.Background())
	if err == nil || !strings.Contains(err.Error(), `paging did not advance past "B"`) {
		t.Fatalf("err = %v", err)
	}
	if got := srv.QueryCount(); got != 2 {
		t.Errorf("queries = %d, want 2", got)
	}
}

// TestDynamicTablesAndMaterializedViews lists dynamic tables and materialized views with SHOW,
// paged per schema, with a dynamic table's options; a materialized view that SHOW VIEWS also
// lists appears once, as a materialized view.
func TestDynamicTablesAndMaterializedViews(t *testing.T) {
	ctx := context.Background()
	w := &snowflaketest.Warehouse{}
	w.PutTable("DB", "RAW", snowflaketest.Table{Name: "T", Columns: cols("A", "B")})
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("DT%d", i)
		w.PutDynamicTable("DB", "MARTS", snowflaketest.DynamicTable{Name: name, Created: at(i), TargetLag: "DOWNSTREAM",
			Warehouse: "WH", RefreshMode: "FULL", Text: "create dynamic table " + name + " target_lag = downstream warehouse = wh as select a from raw.t"})
	}
	w.PutMaterializedView("DB", "MARTS", snowflaketest.MaterializedView{Name: "MV", Created: at(4), Secure: true,
		Text: "create secure materialized view mv as select a from raw.t"})
	w.PutView("DB", "MARTS", snowflaketest.View{Name: "V", Created: at(5), LastAltered: at(5), Text: "create view v as select b from raw.t"})
	want := []snowflake.View{
		{Database: "DB", Schema: "MARTS", Name: "DT1", Kind: snowflake.KindDynamicTable, Created: at(1), LastAltered: at(1),
			Text: "create dynamic table DT1 target_lag = downstream warehouse = wh as select a from raw.t", TargetLag: "DOWNSTREAM", Warehouse: "WH", RefreshMode: "FULL"},
		{Database: "DB", Schema: "MARTS", Name: "DT2", Kind: snowflake.KindDynamicTable, Created: at(2), LastAltered: at(2),
			Text: "create dynamic table DT2 target_lag = downstream warehouse = wh as select a from raw.t", TargetLag: "DOWNSTREAM", Warehouse: "WH", RefreshMode: "FULL"},
		{Database: "DB", Schema: "MARTS", Name: "DT3", Kind: snowflake.KindDynamicTable, Created: at(3), LastAltered: at(3),
			Text: "create dynamic table DT3 target_lag = downstream warehouse = wh as select a from raw.t", TargetLag: "DOWNSTREAM", Warehouse: "WH", RefreshMode: "FULL"},
		{Database: "DB", Schema: "MARTS", Name: "MV", Kind: snowflake.KindMaterializedView, Created: at(4), LastAltered: at(4), Secure: true,
			Text: "create secure materialized view mv as select a from raw.t"},
		{Database: "DB", Schema: "MARTS", Name: "V", Created: at(5), LastAltered: at(5), Text: "create view v as select b from raw.t", Secure: false},
	}
	for _, method := range []snowflake.ListMethod{snowflake.ListInformationSchema, snowflake.ListShow} {
		t.Run(string(method), func(t *testing.T) {
			srv := snowflaketest.New(t, snowflaketest.WithWarehouse(w))
			src := newSource(t, srv, snowflake.Config{ListMethod: method, PageSize: 2})
			snap, err := src.Snapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, snap.Views); d != "" {
				t.Errorf("views (-want +got):\n%s", d)
			}
			pages := srv.CountQueries(func(q snowflaketest.Query) bool {
				return strings.HasPrefix(q.Normalized, `SHOW DYNAMIC TABLES IN SCHEMA "DB"."MARTS" LIMIT 2`)
			})
			if pages != 2 {
				t.Errorf("SHOW DYNAMIC TABLES pages = %d, want 2", pages)
			}
		})
	}
}
