package snowflaketest

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/snowflakedb/gosnowflake"
)

const historySelect = `SELECT QUERY_ID, QUERY_TEXT, QUERY_TYPE, DATABASE_NAME, SCHEMA_NAME, EXECUTION_STATUS, START_TIME
FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY
WHERE START_TIME > ? AND START_TIME <= ?
ORDER BY START_TIME, QUERY_ID
LIMIT 2`

func historyFixture(now *time.Time) *Warehouse {
	base := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)
	q := func(id string, minutes int, typ, status string) HistoryQuery {
		start := base.Add(time.Duration(minutes) * time.Minute)
		return HistoryQuery{
			QueryID: id, QueryText: "insert into t select * from s -- " + id, QueryType: typ,
			DatabaseName: "ANALYTICS", SchemaName: "PUBLIC", ExecutionStatus: status,
			StartTime: start, EndTime: start.Add(time.Minute), UserName: "ETL",
		}
	}
	w := &Warehouse{}
	w.QueryHistory = QueryHistory{
		Queries: []HistoryQuery{
			q("q5", 50, "INSERT", "SUCCESS"),
			q("q1", 10, "INSERT", "SUCCESS"),
			q("q3", 30, "SELECT", "SUCCESS"),
			q("q2", 20, "MERGE", "FAIL"),
			q("q4", 40, "CREATE_TABLE_AS_SELECT", "SUCCESS"),
			q("q6", 90, "INSERT", "SUCCESS"), // ends 29 minutes before the first read: not in the view yet
		},
		Latency: 45 * time.Minute,
		Now:     func() time.Time { return *now },
	}
	return w
}

type historyRow struct {
	ID, Type, Database, Status string
	Start                      time.Time
}

// readHistory pages through QUERY_HISTORY as an incremental reader does:
// START_TIME > watermark, up to now, ordered, LIMIT 2 a page.
func readHistory(t *testing.T, db *sql.DB, watermark, upTo time.Time) ([]historyRow, int) {
	t.Helper()
	var out []historyRow
	pages := 0
	for {
		rows, err := db.QueryContext(context.Background(), historySelect, watermark, upTo)
		if err != nil {
			t.Fatalf("query history: %v", err)
		}
		pages++
		n := 0
		for rows.Next() {
			var r historyRow
			var text string
			var schema sql.NullString
			if err := rows.Scan(&r.ID, &text, &r.Type, &r.Database, &schema, &r.Status, &r.Start); err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(text, r.ID) || schema.String != "PUBLIC" {
				t.Errorf("row %s: text %q schema %v", r.ID, text, schema)
			}
			out = append(out, r)
			watermark = r.Start
			n++
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if n < 2 {
			return out, pages
		}
	}
}

func TestQueryHistoryPagesAfterWatermark(t *testing.T) {
	now := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	srv := New(t, WithWarehouse(historyFixture(&now)))
	db := srv.OpenDB(srv.Config())

	got, pages := readHistory(t, db, time.Date(2024, 5, 1, 8, 15, 0, 0, time.UTC), now)
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID+" "+r.Type+" "+r.Status)
	}
	// q1 is before the watermark; q6 ended less than 45 minutes ago.
	want := []string{"q2 MERGE FAIL", "q3 SELECT SUCCESS", "q4 CREATE_TABLE_AS_SELECT SUCCESS", "q5 INSERT SUCCESS"}
	if d := cmp.Diff(want, ids); d != "" {
		t.Errorf("history (-want +got):\n%s", d)
	}
	if pages != 3 {
		t.Errorf("pages = %d, want 3 (2 + 2 + an empty one)", pages)
	}
	if !got[0].Start.Equal(time.Date(2024, 5, 1, 8, 20, 0, 0, time.UTC)) {
		t.Errorf("START_TIME = %v", got[0].Start)
	}

	// The latency passes: q6 appears after the watermark the reader kept.
	now = now.Add(45 * time.Minute)
	late, _ := readHistory(t, db, got[len(got)-1].Start, now)
	if len(late) != 1 || late[0].ID != "q6" {
		t.Errorf("after the latency: %+v", late)
	}
}

func TestQueryHistoryStatusFilterAndDenied(t *testing.T) {
	now := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	w := historyFixture(&now)
	srv := New(t, WithWarehouse(w))
	db := srv.OpenDB(srv.Config())
	rows, err := db.QueryContext(context.Background(),
		"SELECT QUERY_ID FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY WHERE EXECUTION_STATUS = 'SUCCESS' AND START_TIME >= ? ORDER BY START_TIME",
		time.Date(2024, 5, 1, 8, 30, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if d := cmp.Diff([]string{"q3", "q4", "q5"}, ids); d != "" {
		t.Errorf("successful queries (-want +got):\n%s", d)
	}

	srv.Update(func(w *Warehouse) { w.QueryHistory.Denied = true })
	_, err = db.QueryContext(context.Background(), historySelect, now.Add(-time.Hour), now)
	var se *gosnowflake.SnowflakeError
	if !errors.As(err, &se) || se.Number != 2003 || !strings.Contains(se.Message, "SNOWFLAKE.ACCOUNT_USAGE") {
		t.Fatalf("without IMPORTED PRIVILEGES: %v", err)
	}
}

func TestQueryHistoryUnknownShapeFailsLoudly(t *testing.T) {
	rec := &recorder{TB: t}
	now := time.Now()
	srv := New(rec, WithWarehouse(historyFixture(&now)))
	db := srv.OpenDB(srv.Config())
	for _, q := range []string{
		"SELECT QUERY_ID, BYTES_SCANNED FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY",
		"SELECT QUERY_ID FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY WHERE USER_NAME = 'ETL'",
	} {
		if _, err := db.QueryContext(context.Background(), q); err == nil {
			t.Errorf("%s: no error", q)
		}
	}
	if errs := rec.errors(); len(errs) != 2 || !strings.Contains(errs[0], "unknown query") {
		t.Errorf("server errors %v", errs)
	}
}

func TestShowDynamicTablesAndMaterializedViews(t *testing.T) {
	w := &Warehouse{}
	created := time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC)
	w.PutDynamicTable("ANALYTICS", "MARTS", DynamicTable{
		Name: "REVENUE", TargetLag: "1 hour", Warehouse: "REPORTING_WH", RefreshMode: "INCREMENTAL", Created: created,
		Columns: []ColumnDef{{Name: "REGION", Type: "TEXT"}, {Name: "V", Type: "NUMBER"}},
		Text:    "create or replace dynamic table revenue target_lag = '1 hour' warehouse = reporting_wh as select region, sum(v) v from raw.sales group by region",
	})
	w.PutDynamicTable("ANALYTICS", "MARTS", DynamicTable{Name: "DAILY", TargetLag: "DOWNSTREAM", Warehouse: "WH", RefreshMode: "FULL",
		Text: "create dynamic table daily target_lag = downstream warehouse = wh refresh_mode = full initialize = on_schedule as select 1 x"})
	w.PutMaterializedView("ANALYTICS", "MARTS", MaterializedView{Name: "MV", SourceTable: "RAW.PUBLIC.SALES", Created: created,
		Columns: []ColumnDef{{Name: "REGION", Type: "TEXT"}},
		Text:    "create materialized view mv as select region from raw.public.sales"})
	srv := New(t, WithWarehouse(w))
	db := srv.OpenDB(srv.Config())

	rows, err := db.QueryContext(context.Background(), `SHOW DYNAMIC TABLES IN SCHEMA "ANALYTICS"."MARTS" LIMIT 1 FROM 'DAILY'`)
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := rows.Columns()
	for _, c := range []string{"name", "database_name", "schema_name", "text", "target_lag", "warehouse", "refresh_mode", "scheduling_state"} {
		if !slices.Contains(cols, c) {
			t.Errorf("SHOW DYNAMIC TABLES has no %s column: %v", c, cols)
		}
	}
	got := scanStrings(t, rows)
	if len(got) != 1 || got[0]["name"] != "REVENUE" || got[0]["target_lag"] != "1 hour" || got[0]["warehouse"] != "REPORTING_WH" ||
		got[0]["refresh_mode"] != "INCREMENTAL" || !strings.HasPrefix(got[0]["text"], "create or replace dynamic table revenue") ||
		got[0]["scheduling_state"] != "ACTIVE" || got[0]["is_iceberg"] != "N" {
		t.Errorf("page after DAILY: %+v", got)
	}

	// SHOW VIEWS lists materialized views too; INFORMATION_SCHEMA.COLUMNS has the columns of both.
	rows, err = db.QueryContext(context.Background(), `SHOW VIEWS IN SCHEMA "ANALYTICS"."MARTS"`)
	if err != nil {
		t.Fatal(err)
	}
	if vs := scanStrings(t, rows); len(vs) != 1 || vs[0]["name"] != "MV" || vs[0]["is_materialized"] != "true" {
		t.Errorf("SHOW VIEWS: %+v, want MV with is_materialized true", vs)
	}
	rows, err = db.QueryContext(context.Background(),
		`SELECT TABLE_NAME, COLUMN_NAME FROM "ANALYTICS".INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = 'MARTS' ORDER BY TABLE_NAME`)
	if err != nil {
		t.Fatal(err)
	}
	var colNames []string
	for _, r := range scanStrings(t, rows) {
		colNames = append(colNames, r["TABLE_NAME"]+"."+r["COLUMN_NAME"])
	}
	if want := []string{"MV.REGION", "REVENUE.REGION", "REVENUE.V"}; !slices.Equal(colNames, want) {
		t.Errorf("columns %v, want %v", colNames, want)
	}

	rows, err = db.QueryContext(context.Background(), `SHOW MATERIALIZED VIEWS IN SCHEMA "ANALYTICS"."MARTS"`)
	if err != nil {
		t.Fatal(err)
	}
	mvs := scanStrings(t, rows)
	if len(mvs) != 1 || mvs[0]["name"] != "MV" || mvs[0]["source_table_name"] != "SALES" ||
		!strings.HasPrefix(mvs[0]["text"], "create materialized view mv") {
		t.Errorf("materialized views: %+v", mvs)
	}

	_, err = db.QueryContext(context.Background(), `SHOW DYNAMIC TABLES IN SCHEMA "ANALYTICS"."NOPE"`)
	var se *gosnowflake.SnowflakeError
	if !errors.As(err, &se) || se.Number != 2003 {
		t.Errorf("unknown schema: %v", err)
	}
}

// scanStrings reads every row as column name -> value (NULL as "") and
// closes rows.
func scanStrings(t *testing.T, rows *sql.Rows) []map[string]string {
	t.Helper()
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for i, c := range cols {
			m[c] = vals[i].String
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
