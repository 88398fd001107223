package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// These tests run `tributary serve` (real Neo4j, Redis, lineage engine and job queue) and talk
// to it over HTTP.

func apiServe(t *testing.T) *serving {
	t.Helper()
	return startServe(t, map[string]string{
		"TRIBUTARY_AUTH":            "off",
		"TRIBUTARY_RATE_LIMIT_ANON": "off",
	})
}

func postJSON(t *testing.T, rawURL, body string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(rawURL, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
		t.Fatalf("POST %s: body is not JSON: %v", rawURL, err)
	}
	return resp.StatusCode, b
}

// uniqueDB returns a database name no other test uses and deletes everything under it from
// Neo4j when t ends (through a driver of its own: the data may be written by a serve or
// ingest command the test runs).
func uniqueDB(t *testing.T) string {
	t.Helper()
	return graphtest.Database(t, graph.NewStore(graphtest.Driver(t), graphtest.Neo4jDatabase()), "TC_")
}

// TestAnalyzeDiffEndToEnd writes a two-layer warehouse through analyze?persist=true, then
// proposes a mid-layer view without one of its columns: the diff lists the downstream column
// that loses its source, and nothing is written.
func TestAnalyzeDiffEndToEnd(t *testing.T) {
	s := apiServe(t)
	db := uniqueDB(t)
	analyze := s.base + "/api/v1/lineage/analyze"
	setup := map[string]any{
		"sql": "CREATE VIEW " + db + ".STG.ORDERS AS SELECT id, amount, status FROM " + db + ".RAW.ORDERS;\n" +
			"CREATE VIEW " + db + ".MART.TOTALS AS SELECT status, SUM(amount) AS total FROM " + db + ".STG.ORDERS GROUP BY status;\n" +
			"CREATE VIEW " + db + ".MART.STATUSES AS SELECT DISTINCT status FROM " + db + ".STG.ORDERS",
		"persist": true,
	}
	body, _ := json.Marshal(setup)
	code, out := postJSON(t, analyze, string(body))
	if code != 200 || !strings.Contains(string(out), `"persisted":true`) {
		t.Fatalf("persist: %d %s", code, out)
	}

	// The written lineage is readable: TOTAL derives from RAW.ORDERS.AMOUNT through STG.
	var lin struct {
		Paths []struct{ Columns []string } `json:"paths"`
	}
	code, raw := getBody(t, s.base+"/api/v1/lineage/columns?"+url.Values{"column": {db + ".MART.TOTALS.TOTAL"}, "direction": {"upstream"}}.Encode())
	if code != 200 {
		t.Fatalf("lineage: %d %s", code, raw)
	}
	if err := json.Unmarshal(raw, &lin); err != nil {
		t.Fatal(err)
	}
	want := []string{db + ".MART.TOTALS.TOTAL", db + ".STG.ORDERS.AMOUNT", db + ".RAW.ORDERS.AMOUNT"}
	if !slices.ContainsFunc(lin.Paths, func(p struct{ Columns []string }) bool { return slices.Equal(p.Columns, want) }) {
		t.Errorf("paths %v lack %v", lin.Paths, want)
	}

	proposal, _ := json.Marshal(map[string]any{
		"sql": "CREATE OR REPLACE VIEW " + db + ".STG.ORDERS AS SELECT id, status FROM " + db + ".RAW.ORDERS",
	})
	code, out = postJSON(t, analyze, string(proposal))
	if code != 200 {
		t.Fatalf("diff: %d %s", code, out)
	}
	var res struct {
		Persisted  bool `json:"persisted"`
		Statements []struct {
			Kind string `json:"kind"`
			Diff *struct {
				ColumnsRemoved []string `json:"columns_removed"`
				EdgesRemoved   []struct {
					From, To string
				} `json:"edges_removed"`
				Broken []struct {
					Column      string   `json:"column"`
					View        string   `json:"view"`
					LostSources []string `json:"lost_sources"`
				} `json:"broken"`
			} `json:"diff"`
		} `json:"statements"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	if res.Persisted || len(res.Statements) != 1 || res.Statements[0].Diff == nil {
		t.Fatalf("diff answer %s", out)
	}
	d := res.Statements[0].Diff
	if !slices.Equal(d.ColumnsRemoved, []string{"AMOUNT"}) {
		t.Errorf("columns removed %v", d.ColumnsRemoved)
	}
	if len(d.Broken) != 1 || d.Broken[0].Column != db+".MART.TOTALS.TOTAL" || d.Broken[0].View != db+".MART.TOTALS" ||
		!slices.Equal(d.Broken[0].LostSources, []string{db + ".STG.ORDERS.AMOUNT"}) {
		t.Errorf("broken = %+v, want MART.TOTALS.TOTAL losing STG.ORDERS.AMOUNT", d.Broken)
	}
	// persist=false wrote nothing: the stored STG.ORDERS still has AMOUNT.
	code, raw = getBody(t, s.base+"/api/v1/lineage/views/"+db+".STG.ORDERS")
	if code != 200 || !strings.Contains(string(raw), `"name":"AMOUNT"`) {
		t.Errorf("stored view after persist=false: %d %s", code, raw)
	}
}

// TestAnalyzeDefaultDatabase: a view relying on the default database gets the server's
// TRIBUTARY_DEFAULT_DATABASE, a request's default_database overrides it, and a view the graph
// does not hold says so (diff.new_view) instead of answering no diff.
func TestAnalyzeDefaultDatabase(t *testing.T) {
	db, other := uniqueDB(t), uniqueDB(t)
	s := startServe(t, map[string]string{
		"TRIBUTARY_AUTH": "off", "TRIBUTARY_RATE_LIMIT_ANON": "off", envDefaultDatabase: db,
	})
	analyze := s.base + "/api/v1/lineage/analyze"
	type result struct {
		Statements []struct {
			Target string `json:"target"`
			Diff   *struct {
				Exists       bool     `json:"exists"`
				NewView      bool     `json:"new_view"`
				ColumnsAdded []string `json:"columns_added"`
			} `json:"diff"`
		} `json:"statements"`
	}
	post := func(body string) result {
		t.Helper()
		code, out := postJSON(t, analyze, body)
		if code != http.StatusOK {
			t.Fatalf("analyze %s: status %d %s", body, code, out)
		}
		var r result
		if err := json.Unmarshal(out, &r); err != nil || len(r.Statements) != 1 {
			t.Fatalf("analyze %s: %s", body, out)
		}
		return r
	}
	r := post(`{"sql": "CREATE VIEW STAGING.X AS SELECT 1 AS A"}`)
	st := r.Statements[0]
	if st.Target != db+".STAGING.X" || st.Diff == nil || !st.Diff.NewView || st.Diff.Exists ||
		!slices.Equal(st.Diff.ColumnsAdded, []string{"A"}) {
		t.Errorf("with the server default: %+v (diff %+v), want target %s.STAGING.X and diff.new_view", st, st.Diff, db)
	}
	r = post(`{"sql": "CREATE VIEW STAGING.X AS SELECT 1 AS A", "default_database": "` + other + `", "persist": true}`)
	if st := r.Statements[0]; st.Target != other+".STAGING.X" || st.Diff == nil || !st.Diff.NewView {
		t.Errorf("with default_database: %+v", st)
	}
	// Now stored: the same view is no longer new.
	r = post(`{"sql": "CREATE VIEW STAGING.X AS SELECT 1 AS A, 2 AS B", "default_database": "` + other + `"}`)
	if st := r.Statements[0]; st.Diff == nil || st.Diff.NewView || !st.Diff.Exists || !slices.Equal(st.Diff.ColumnsAdded, []string{"B"}) {
		t.Errorf("redefining the stored view: %+v", st.Diff)
	}
}

func TestAnalyzeMalformedSQLIs422WithPosition(t *testing.T) {
	s := apiServe(t)
	code, out := postJSON(t, s.base+"/api/v1/lineage/analyze", `{"sql":"SELECT a\nFROM t;\nSELECT b,\n  FROM ( t"}`)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d %s", code, out)
	}
	var p struct {
		Detail string `json:"detail"`
		Line   int    `json:"line"`
		Col    int    `json:"col"`
		Errors []struct {
			Statement, Line, Col int
		} `json:"errors"`
	}
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	if p.Line < 3 || p.Col < 1 || len(p.Errors) != 1 || p.Errors[0].Statement != 1 ||
		!strings.Contains(p.Detail, "statement 2, line ") {
		t.Errorf("problem = %s", out)
	}
}

func TestRefreshAndJobsEndpoints(t *testing.T) {
	s := apiServe(t)
	code, out := postJSON(t, s.base+"/api/v1/data/refresh", `{"source":"snowflake"}`)
	if code != http.StatusAccepted {
		t.Fatalf("refresh: %d %s", code, out)
	}
	var acc struct {
		JobID string `json:"job_id"`
		Href  string `json:"href"`
	}
	if err := json.Unmarshal(out, &acc); err != nil || acc.JobID == "" {
		t.Fatalf("refresh body %s: %v", out, err)
	}
	// No worker serves this test: take the task off the queue again.
	rdb := redis.NewClient(&redis.Options{Addr: envOr("TRIBUTARY_REDIS_ADDR", "127.0.0.1:6379"), Password: envOr("TRIBUTARY_REDIS_PASSWORD", "")})
	t.Cleanup(func() { rdb.Close() })
	insp := asynq.NewInspectorFromRedisClient(rdb)
	t.Cleanup(func() {
		if err := insp.DeleteTask(ingest.DefaultQueue, "refresh:"+acc.JobID); err != nil && !strings.Contains(err.Error(), "not found") {
			t.Errorf("delete task: %v", err)
		}
	})
	code, raw := getBody(t, s.base+acc.Href)
	var job struct {
		ID, State, Source string
		Final             bool
	}
	if err := json.Unmarshal(raw, &job); err != nil || code != 200 {
		t.Fatalf("job: %d %s", code, raw)
	}
	if job.ID != acc.JobID || job.Source != "snowflake" || job.Final || (job.State != ingest.JobQueued && job.State != ingest.JobPlanning) {
		t.Errorf("job = %+v", job)
	}
	// The account's query history is refreshed the same way; a query-history file is not (it
	// would let a caller make the server read a local path).
	code, out = postJSON(t, s.base+"/api/v1/data/refresh", `{"source":"snowflake-queries"}`)
	var accQ struct {
		JobID string `json:"job_id"`
	}
	if code != http.StatusAccepted || json.Unmarshal(out, &accQ) != nil || accQ.JobID == "" {
		t.Fatalf("refresh of snowflake-queries: %d %s", code, out)
	}
	t.Cleanup(func() {
		if err := insp.DeleteTask(ingest.DefaultQueue, "refresh:"+accQ.JobID); err != nil && !strings.Contains(err.Error(), "not found") {
			t.Errorf("delete task: %v", err)
		}
	})
	for _, body := range []string{`{"source":"dir:/etc"}`, `{"source":"querylog:/etc/passwd"}`, `{"source":"dbt:/etc/manifest.json"}`, `{"source":"ftp:x"}`, `{}`, `{"source":"snowflake","x":1}`} {
		if code, out := postJSON(t, s.base+"/api/v1/data/refresh", body); code != 400 {
			t.Errorf("%s: %d %s", body, code, out)
		}
	}
	if code, raw := getBody(t, s.base+"/api/v1/jobs/no-such-job"); code != 404 {
		t.Errorf("unknown job: %d %s", code, raw)
	}
	code, raw = getBody(t, s.base+"/metrics")
	if code != 200 || !strings.Contains(string(raw), "tributary_jobs_scrape_ok 1") || !strings.Contains(string(raw), `tributary_jobs{state="pending"}`) {
		var lines []string
		for _, l := range strings.Split(string(raw), "\n") {
			if strings.HasPrefix(l, "tributary_jobs") {
				lines = append(lines, l)
			}
		}
		t.Errorf("metrics lack job counts: %d %q\n%.600s", code, lines, raw)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
