package ingest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/ingest/querylog"
	"github.com/tributary-lineage/tributary/ingest/snowflake"
	"github.com/tributary-lineage/tributary/internal/snowflaketest"
)

// histRecord is one QUERY_HISTORY row of a test.
type histRecord struct {
	ID, Text, Type, Status string
	Start                  time.Time
	Database, Schema       string
}

// writeHistory writes records as a JSON Lines export with QUERY_HISTORY's column names.
func writeHistory(t *testing.T, path string, recs []histRecord) {
	t.Helper()
	var b strings.Builder
	for _, r := range recs {
		status := r.Status
		if status == "" {
			status = "SUCCESS"
		}
		line, err := json.Marshal(map[string]any{"QUERY_ID": r.ID, "QUERY_TEXT": r.Text, "QUERY_TYPE": r.Type,
			"DATABASE_NAME": r.Database, "SCHEMA_NAME": r.Schema, "EXECUTION_STATUS": status,
			"START_TIME": r.Start.UTC().Format(time.RFC3339Nano), "END_TIME": r.Start.Add(time.Second).UTC().Format(time.RFC3339Nano)})
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// statementCounting counts the statement writes and touches of a store.
type statementCounting struct {
	*graph.Store
	mu               sync.Mutex
	written, touched int
}

func (c *statementCounting) WriteStatements(ctx context.Context, b []graph.StatementLineage, ev graph.EventsFunc) ([]graph.ViewChange, error) {
	c.mu.Lock()
	c.written += len(b)
	c.mu.Unlock()
	return c.Store.WriteStatements(ctx, b, ev)
}

func (c *statementCounting) TouchStatementsAt(ctx context.Context, seen map[string]time.Time) (int, error) {
	n, err := c.Store.TouchStatementsAt(ctx, seen)
	c.mu.Lock()
	c.touched += n
	c.mu.Unlock()
	return n, err
}

func (c *statementCounting) take() (written, touched int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	written, touched = c.written, c.touched
	c.written, c.touched = 0, 0
	return written, touched
}

// upstreamOf returns the edges out of a column as "origin -> SOURCE TYPE/SUBTYPE" lines, sorted.
func upstreamOf(t *testing.T, s *graph.Store, c graph.ColumnID) []string {
	t.Helper()
	sg, err := s.Upstream(context.Background(), c, 1)
	if err != nil {
		t.Fatalf("upstream %s: %v", c, err)
	}
	var out []string
	for _, e := range sg.Edges {
		if e.From == c {
			out = append(out, fmt.Sprintf("%s -> %s %s/%s", e.Origin, e.To, e.Type, e.Subtype))
		}
	}
	slices.Sort(out)
	return out
}

// expireAfter removes the test's statements from the shared server when it ends.
func expireAfter(t *testing.T, s *graph.Store, source string) {
	t.Cleanup(func() {
		if _, err := s.ExpireStatements(context.Background(), graph.OriginQueryHistory, source, time.Now().Add(24*time.Hour)); err != nil {
			t.Errorf("remove the test's statements: %v", err)
		}
	})
}

func statementKey(text, db, schema string) string {
	return graph.StatementKey(graph.OriginQueryHistory, querylog.Hash(querylog.Normalize(text), db, schema))
}

// A query-history file refreshed through the asynq worker: successful CTAS, INSERT and MERGE
// statements land in dependency order (a statement reading a table written by a later one in
// the file is analysed after it), three statements writing one table accumulate their edges,
// failed queries, SELECTs and COPY write nothing (reported), a statement that does not parse
// is recorded with its position and the rest lands; a re-run with nothing new writes nothing.
func TestQueryLogRefresh(t *testing.T) {
	ctx := context.Background()
	db := unique(t, "TQ_")
	store := newStore(t)
	dropAfter(t, store, db)
	raw := func(table string, cols ...string) graph.Table {
		tb := graph.Table{ID: graph.ObjectID{Database: db, Schema: "RAW", Name: table}}
		for i, c := range cols {
			tb.Columns = append(tb.Columns, graph.Column{Name: c, Ordinal: i + 1, DataType: "NUMBER"})
		}
		return tb
	}
	if err := store.UpsertTables(ctx, []graph.Table{raw("ORDERS", "ID", "AMOUNT", "ORDER_DATE", "STATUS"),
		raw("REFUNDS", "D", "TOTAL"), raw("ADJUSTMENTS", "DAY", "DELTA")}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "history.jsonl")
	base := time.Now().UTC().Add(-20 * time.Hour).Truncate(time.Second)
	at := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }
	rec := func(id string, m int, typ, text string) histRecord {
		return histRecord{ID: id, Text: text, Type: typ, Start: at(m), Database: db, Schema: "ETL"}
	}
	broken := "insert into etl.daily select id,, amount from raw.orders"
	recs := []histRecord{
		rec("q01", 0, "INSERT", "insert into etl.summary select * from etl.orders_clean"),
		rec("q02", 1, "CREATE_TABLE_AS_SELECT", "create or replace table etl.orders_clean as select id, amount from raw.orders where status = 'ok'"),
		rec("q03", 2, "INSERT", "insert into etl.daily (day, total) select order_date, sum(amount) from raw.orders where status = 'ok' group by order_date"),
		rec("q04", 3, "INSERT", "insert into etl.daily select d, total from raw.refunds"),
		rec("q05", 4, "MERGE", "merge into etl.daily t using raw.adjustments a on t.day = a.day when matched then update set total = t.total + a.delta"),
		{ID: "q06", Text: "insert into etl.failed_target select id from raw.orders", Type: "INSERT", Status: "FAIL", Start: at(5), Database: db, Schema: "ETL"},
		rec("q07", 6, "SELECT", "select * from raw.orders"),
		rec("q08", 7, "INSERT", broken),
		rec("q09", 8, "INSERT", "INSERT  INTO etl.daily (day, total)\n select order_date, sum(amount) from raw.orders where status = 'late' group by order_date"),
		rec("q10", 9, "COPY", "copy into etl.daily from @stage/daily.csv"),
	}
	writeHistory(t, path, recs)
	source := "querylog:" + path
	expireAfter(t, store, source)

	g := &statementCounting{Store: store}
	h := newHarness(t, g, ingest.Opener(func(string) string { return "" }, nil, nil))
	h.startWorker(1, 5*time.Second)
	job := h.wait(h.refresh(ingest.RefreshPayload{Source: source}), time.Minute)
	if job.State != ingest.JobDone || job.Total != 6 || job.Done != 5 || job.Failed != 1 || job.Unchanged != 0 {
		t.Fatalf("first refresh: %+v; want done, 6 statements (1 failed)", job)
	}
	if len(job.Errors) != 1 || !strings.Contains(job.Errors[0], "query q08:1:33:") {
		t.Errorf("job errors %q, want the syntax error of q08 at 1:33", job.Errors)
	}
	for _, want := range []string{"records dropped, failed: 1", "records dropped, select: 1", "(query q10): COPY: statement does not carry column lineage, skipped"} {
		if !slices.ContainsFunc(job.Skipped, func(s string) bool { return strings.Contains(s, want) }) {
			t.Errorf("job skipped %q, want %q", job.Skipped, want)
		}
	}
	col := func(schema, table, name string) graph.ColumnID {
		return graph.ColumnID{Database: db, Schema: schema, Table: table, Column: name}
	}
	// Three statements (two INSERTs from two tasks, a MERGE) accumulate their edges in DAILY.TOTAL;
	// q03 and q09 differ in a literal and layout only: one statement, analysed once.
	wantTotal := []string{
		"query_history -> " + col("ETL", "DAILY", "TOTAL").String() + " DIRECT/TRANSFORMATION",
		"query_history -> " + col("RAW", "ADJUSTMENTS", "DELTA").String() + " DIRECT/TRANSFORMATION",
		"query_history -> " + col("RAW", "ORDERS", "AMOUNT").String() + " DIRECT/AGGREGATION",
		"query_history -> " + col("RAW", "REFUNDS", "TOTAL").String() + " DIRECT/IDENTITY",
	}
	if got := upstreamOf(t, store, col("ETL", "DAILY", "TOTAL")); !slices.Equal(got, wantTotal) {
		t.Errorf("DAILY.TOTAL upstream:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantTotal, "\n"))
	}
	// q01 reads ORDERS_CLEAN, which q02 creates a minute later: analysed after it, its star
	// expands to q02's columns.
	if got, want := upstreamOf(t, store, col("ETL", "SUMMARY", "AMOUNT")), []string{"query_history -> " + col("ETL", "ORDERS_CLEAN", "AMOUNT").String() + " DIRECT/IDENTITY"}; !slices.Equal(got, want) {
		t.Errorf("SUMMARY.AMOUNT upstream %v, want %v", got, want)
	}
	d, err := store.DatasetDetail(ctx, graph.ObjectID{Database: db, Schema: "ETL", Name: "SUMMARY"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != graph.KindTable || len(d.Columns) != 2 {
		t.Errorf("SUMMARY: kind %q columns %+v, want a table with ID and AMOUNT", d.Kind, d.Columns)
	}
	if _, err := store.DatasetDetail(ctx, graph.ObjectID{Database: db, Schema: "ETL", Name: "FAILED_TARGET"}); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("the failed query's target: %v, want not found", err)
	}
	seen, err := store.SeenStatements(ctx, []string{statementKey(broken, db, "ETL"), statementKey("select * from raw.orders", db, "ETL")})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := seen[statementKey(broken, db, "ETL")]; !ok || len(seen) != 1 {
		t.Errorf("recorded statements %v: want the one that did not parse, not the SELECT", seen)
	}
	if w, _ := g.take(); w != 6 {
		t.Errorf("%d statements written, want 6", w)
	}

	// Nothing new: the records within the overlap are read again, and nothing is analysed,
	// written or touched.
	job = h.wait(h.refresh(ingest.RefreshPayload{Source: source}), time.Minute)
	if job.State != ingest.JobDone || job.Total != 0 || job.Unchanged != 6 {
		t.Fatalf("re-run: %+v; want done with nothing to analyse, 6 statements seen before", job)
	}
	if w, tc := g.take(); w != 0 || tc != 0 {
		t.Errorf("re-run wrote %d statements and touched %d, want none", w, tc)
	}

	// A new run of a known statement (touched, not analysed) and a new statement, after the
	// watermark; a record older than the watermark less the overlap is not read again.
	recs = append(recs,
		rec("q11", 9*60, "INSERT", "insert into etl.daily (day, total) select order_date, sum(amount) from raw.orders where status = 'x' group by order_date"),
		rec("q12", 9*60+1, "INSERT", "insert into etl.refund_copy select * from raw.refunds"),
		rec("q13", -60, "INSERT", "insert into etl.too_late select * from raw.refunds"),
	)
	writeHistory(t, path, recs)
	job = h.wait(h.refresh(ingest.RefreshPayload{Source: source}), time.Minute)
	if job.State != ingest.JobDone || job.Total != 1 || job.Done != 1 || job.Unchanged != 6 {
		t.Fatalf("incremental run: %+v; want one new statement and one seen again", job)
	}
	if w, tc := g.take(); w != 1 || tc != 1 {
		t.Errorf("incremental run wrote %d statements and touched %d, want 1 and 1", w, tc)
	}
	if _, err := store.DatasetDetail(ctx, graph.ObjectID{Database: db, Schema: "ETL", Name: "TOO_LATE"}); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("a record before the watermark was read: %v", err)
	}
}

// runInline refreshes src in this process with a runner of retention and returns the job.
func runInline(t *testing.T, g ingest.Graph, src ingest.Source, retention time.Duration) ingest.Job {
	t.Helper()
	jobs := ingest.NewJobStore(newRedis(t), unique(t, "tributary:test:job:")+":", time.Hour)
	r := ingest.NewRunner(g, jobs, nil)
	r.Retention = retention
	id := unique(t, "job-")
	if _, err := r.RunInline(context.Background(), src, false, id); err != nil {
		t.Fatalf("refresh %s: %v", src.Name(), err)
	}
	j, err := jobs.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// Snowflake's QUERY_HISTORY, read in pages of 2 in this process: three INSERTs from three tasks
// into one table accumulate their edges; failed queries and SELECTs write nothing; a query not
// yet in ACCOUNT_USAGE (the view's latency) is picked up by the next refresh through the
// overlap.
func TestSnowflakeQueryHistoryRefresh(t *testing.T) {
	ctx := context.Background()
	db := unique(t, "TQS_")
	store := newStore(t)
	dropAfter(t, store, db)
	if err := store.UpsertTables(ctx, []graph.Table{{ID: graph.ObjectID{Database: db, Schema: "RAW", Name: "EVENTS"},
		Columns: []graph.Column{{Name: "ID", Ordinal: 1}, {Name: "V", Ordinal: 2}, {Name: "W", Ordinal: 3}, {Name: "KIND", Ordinal: 4}}}}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	clock := time.Now().UTC()
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	start := clock.Add(-4 * time.Hour)
	q := func(id string, minutes int, typ, status, text string) snowflaketest.HistoryQuery {
		s := start.Add(time.Duration(minutes) * time.Minute)
		return snowflaketest.HistoryQuery{QueryID: id, QueryText: text, QueryType: typ, DatabaseName: db, SchemaName: "ETL",
			ExecutionStatus: status, StartTime: s, EndTime: s.Add(time.Minute), UserName: "TASKS"}
	}
	w := &snowflaketest.Warehouse{}
	w.QueryHistory = snowflaketest.QueryHistory{Latency: 45 * time.Minute, Now: now, Queries: []snowflaketest.HistoryQuery{
		q("t1", 0, "INSERT", "SUCCESS", "insert into etl.loads (id, v) select id, v from raw.events"),
		q("t2", 30, "INSERT", "SUCCESS", "insert into etl.loads (id, v) select id, w * 2 from raw.events"),
		q("t3", 30, "INSERT", "SUCCESS", "insert into etl.loads (id, v) select id, sum(v) from raw.events group by id"),
		q("f1", 30, "INSERT", "FAIL", "insert into etl.broken select id from raw.events"),
		q("s1", 31, "SELECT", "SUCCESS", "select * from etl.loads"),
		// Started 20 minutes ago, ended 19 minutes ago: not in ACCOUNT_USAGE yet.
		q("late", 220, "CREATE_TABLE_AS_SELECT", "SUCCESS", "create table etl.late as select kind from raw.events"),
	}}
	srv := snowflaketest.New(t, snowflaketest.WithWarehouse(w))
	sf, err := snowflake.OpenConfig(srv.Config(), snowflake.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sf.Close()
	src := ingest.NewSnowflakeQuerySource(sf, unique(t, "acct"))
	src.PageSize = 2
	expireAfter(t, store, src.Name())

	job := runInline(t, store, src, 0)
	if job.State != ingest.JobDone || job.Total != 3 || job.Done != 3 || job.Failed != 0 {
		t.Fatalf("first refresh: %+v; want the three INSERTs", job)
	}
	col := func(schema, table, name string) graph.ColumnID {
		return graph.ColumnID{Database: db, Schema: schema, Table: table, Column: name}
	}
	want := []string{
		"query_history -> " + col("RAW", "EVENTS", "V").String() + " DIRECT/AGGREGATION",
		"query_history -> " + col("RAW", "EVENTS", "V").String() + " DIRECT/IDENTITY",
		"query_history -> " + col("RAW", "EVENTS", "W").String() + " DIRECT/TRANSFORMATION",
	}
	if got := upstreamOf(t, store, col("ETL", "LOADS", "V")); !slices.Equal(got, want) {
		t.Errorf("LOADS.V upstream %v, want %v", got, want)
	}
	for _, name := range []string{"BROKEN", "LATE"} {
		if _, err := store.DatasetDetail(ctx, graph.ObjectID{Database: db, Schema: "ETL", Name: name}); !errors.Is(err, graph.ErrNotFound) {
			t.Errorf("%s after the first refresh: %v, want not found", name, err)
		}
	}

	// The latency passes: the late query is in the view, behind the watermark; the overlap
	// reads it.
	mu.Lock()
	clock = clock.Add(46 * time.Minute)
	mu.Unlock()
	job = runInline(t, store, src, 0)
	if job.State != ingest.JobDone || job.Total != 1 || job.Done != 1 {
		t.Fatalf("second refresh: %+v; want the late CTAS", job)
	}
	if got := upstreamOf(t, store, col("ETL", "LATE", "KIND")); len(got) != 1 {
		t.Errorf("LATE.KIND upstream %v, want RAW.EVENTS.KIND", got)
	}
}

// Statements not seen within the retention are removed, with their edges, by the next refresh;
// the others stay.
func TestQueryLineageRetention(t *testing.T) {
	db := unique(t, "TQR_")
	store := newStore(t)
	dropAfter(t, store, db)
	path := filepath.Join(t.TempDir(), "history.csv.jsonl")
	now := time.Now().UTC()
	writeHistory(t, path, []histRecord{
		{ID: "old", Type: "INSERT", Start: now.Add(-40 * 24 * time.Hour), Database: db, Schema: "ETL",
			Text: "insert into etl.t (a) select x from raw.s"},
		{ID: "new", Type: "INSERT", Start: now.Add(-24 * time.Hour), Database: db, Schema: "ETL",
			Text: "insert into etl.t (a) select y from raw.s"},
	})
	src, err := ingest.NewQueryLogSource(path)
	if err != nil {
		t.Fatal(err)
	}
	expireAfter(t, store, src.Name())
	a := graph.ColumnID{Database: db, Schema: "ETL", Table: "T", Column: "A"}
	x := "query_history -> " + graph.ColumnID{Database: db, Schema: "RAW", Table: "S", Column: "X"}.String() + " DIRECT/IDENTITY"
	y := "query_history -> " + graph.ColumnID{Database: db, Schema: "RAW", Table: "S", Column: "Y"}.String() + " DIRECT/IDENTITY"

	if job := runInline(t, store, src, 60*24*time.Hour); job.Total != 2 {
		t.Fatalf("with 60 days of retention: %+v, want both statements", job)
	}
	if got := upstreamOf(t, store, a); !slices.Equal(got, []string{x, y}) {
		t.Fatalf("T.A upstream %v, want both statements' edges", got)
	}
	if job := runInline(t, store, src, 0); job.Total != 0 || job.Unchanged != 1 {
		t.Fatalf("with the default retention: %+v, want nothing analysed, the recent statement seen before", job)
	}
	if got := upstreamOf(t, store, a); !slices.Equal(got, []string{y}) {
		t.Errorf("T.A upstream after 30 days of retention %v, want only the statement seen a day ago", got)
	}
}
