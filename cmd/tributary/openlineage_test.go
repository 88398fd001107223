package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// olServer is a serve with auth on and two API keys: an editor's (the producers') and a
// viewer's; plus the names the test writes under, all removed when it ends.
type olServer struct {
	*serving
	editor, viewer string
	db, pg, jobs   string // Snowflake database, external (Postgres) namespace, job namespace
}

func startOpenLineageServe(t *testing.T) *olServer {
	t.Helper()
	prefix := "tributary-test:cmd:" + rand.Text() + ":"
	env := testEnv(map[string]string{envAuthRedisPrefix: prefix})
	key := func(role string) string {
		code, out, errOut := runCmd(t, env, "apikey", "create", "--name", "openlineage "+role, "--role", role)
		if code != 0 || !apiKeyLine.MatchString(out) {
			t.Fatalf("apikey create %s: exit %d %q %q", role, code, out, errOut)
		}
		return strings.TrimSpace(out)
	}
	o := &olServer{editor: key("editor"), viewer: key("viewer"), db: uniqueDB(t)}
	store := graph.NewStore(graphtest.Driver(t), graphtest.Neo4jDatabase())
	o.pg = "postgres://" + graphtest.Name(t, "TC_PG_") + ":5432"
	graphtest.Cleanup(t, store, o.pg)
	o.jobs = graphtest.Name(t, "TC_JOBS_")
	graphtest.CleanupJobs(t, store, o.jobs)
	o.serving = startServe(t, map[string]string{envAuthRedisPrefix: prefix})
	return o
}

// post sends body to POST /api/v1/lineage with the key as a bearer token; a body whose length
// the client cannot know (not a bytes.Reader) goes without Content-Length, chunked.
func (o *olServer) post(t *testing.T, key string, body io.Reader) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, o.base+"/api/v1/lineage", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("POST /api/v1/lineage: %d %q is not JSON", resp.StatusCode, b)
	}
	return resp.StatusCode, out
}

func (o *olServer) get(t *testing.T, path string, q url.Values, v any) int {
	t.Helper()
	code, body := authGetBody(t, o.base+path+"?"+q.Encode(), map[string]string{"Authorization": "Bearer " + o.viewer})
	if code == http.StatusOK {
		if err := json.Unmarshal([]byte(body), v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	return code
}

// olEdge is an edge as the lineage API answers it: typed, with its provenance (origin, the
// job as statement, the run).
type olEdge struct {
	From, To, Type, Subtype, Expression string
	Masking                             bool
	Origin, Statement, Run              string
}

// upstream is the edges into column (one hop), typed, as the lineage API answers them.
func (o *olServer) upstream(t *testing.T, column string) []olEdge {
	t.Helper()
	var cl struct {
		Edges []struct {
			From, To, Type, Subtype, Expression string
			Masking                             bool
			Origin, Statement, Run              string
		}
	}
	if code := o.get(t, "/api/v1/lineage/columns", url.Values{"column": {column}, "direction": {"upstream"}, "depth": {"1"}}, &cl); code != http.StatusOK {
		t.Fatalf("upstream of %s: %d", column, code)
	}
	var out []olEdge
	for _, e := range cl.Edges {
		out = append(out, olEdge(e))
	}
	return out
}

func (o *olServer) runs(t *testing.T, job string) (int, map[string]any) {
	t.Helper()
	var out map[string]any
	code := o.get(t, "/api/v1/lineage/runs", url.Values{"namespace": {o.jobs}, "name": {job}}, &out)
	return code, out
}

// TestOpenLineageOfficialClient: the official openlineage-python client (pinned, in a venv
// made by e2e/openlineage/venv.sh), configured as Airflow configures it (OPENLINEAGE_URL,
// OPENLINEAGE_API_KEY), sends three jobs to a real serve: one typed by a column-lineage facet,
// one with only an SQL job facet (analysed by the engine), one reading a Postgres table. The
// lineage API then shows all three, typed, and the runs API their completed runs.
func TestOpenLineageOfficialClient(t *testing.T) {
	o := startOpenLineageServe(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	venv := exec.CommandContext(ctx, filepath.Join(root, "e2e/openlineage/venv.sh"))
	var venvErr bytes.Buffer
	venv.Stderr = &venvErr
	py, err := venv.Output()
	if err != nil {
		t.Fatalf("e2e/openlineage/venv.sh: %v\n%s", err, venvErr.String())
	}
	emit := exec.CommandContext(ctx, strings.TrimSpace(string(py)), filepath.Join(root, "e2e/openlineage/emit.py"),
		"--database", o.db, "--external-namespace", o.pg, "--job-namespace", o.jobs)
	emit.Env = append(os.Environ(), "OPENLINEAGE_URL="+o.base, "OPENLINEAGE_API_KEY="+o.editor, "OPENLINEAGE_DISABLED=false")
	var emitErr bytes.Buffer
	emit.Stderr = &emitErr
	out, err := emit.Output()
	if err != nil {
		t.Fatalf("emit.py: %v\n%s\nserve: %s", err, emitErr.String(), o.logs())
	}
	var runs map[string]string
	if err := json.Unmarshal(out, &runs); err != nil || len(runs) != 3 {
		t.Fatalf("emit.py printed %q (%v)", out, err)
	}

	db := o.db
	pgCol := func(c string) string {
		return graph.ObjectID{Database: o.pg, Schema: "EXTERNAL", Name: "shop.public.customers"}.Column(c).String()
	}
	totals, paidJob, customers := o.jobs+"/shop.load_totals", o.jobs+"/shop.load_paid", o.jobs+"/shop.copy_customers"
	ol := "openlineage"
	for _, c := range []struct {
		column string
		want   []olEdge
	}{
		{db + ".MART.TOTALS.TOTAL", []olEdge{{db + ".MART.TOTALS.TOTAL", db + ".RAW.ORDERS.AMOUNT", "DIRECT", "AGGREGATION", "SUM(amount)", false, ol, totals, runs["totals"]}}},
		{db + ".MART.TOTALS.CUSTOMER_ID", []olEdge{{db + ".MART.TOTALS.CUSTOMER_ID", db + ".RAW.ORDERS.CUSTOMER_ID", "DIRECT", "IDENTITY", "", false, ol, totals, runs["totals"]}}},
		// The SQL job facet, analysed by the engine.
		{db + ".MART.PAID.ORDER_ID", []olEdge{{db + ".MART.PAID.ORDER_ID", db + ".RAW.ORDERS.ID", "DIRECT", "IDENTITY", "", false, ol, paidJob, runs["paid"]}}},
		{db + ".MART.PAID.AMOUNT_USD", []olEdge{{db + ".MART.PAID.AMOUNT_USD", db + ".RAW.ORDERS.AMOUNT", "DIRECT", "TRANSFORMATION", "", false, ol, paidJob, runs["paid"]}}},
		// A dataset outside Snowflake: namespace and name, field names as sent.
		{db + ".MART.CUSTOMERS.EMAIL_HASH", []olEdge{{db + ".MART.CUSTOMERS.EMAIL_HASH", pgCol("email"), "DIRECT", "TRANSFORMATION", "SHA2(email)", true, ol, customers, runs["customers"]}}},
		{db + ".MART.CUSTOMERS.ID", []olEdge{{db + ".MART.CUSTOMERS.ID", pgCol("id"), "DIRECT", "IDENTITY", "", false, ol, customers, runs["customers"]}}},
	} {
		if d := cmp.Diff(c.want, o.upstream(t, c.column)); d != "" {
			t.Errorf("upstream of %s (-want +got):\n%s", c.column, d)
		}
	}
	// The external dataset is a dataset of its own, shown like the rest.
	var pg struct {
		Kind    string `json:"kind"`
		Columns []struct {
			Name string `json:"name"`
		} `json:"columns"`
	}
	pgID := graph.ObjectID{Database: o.pg, Schema: "EXTERNAL", Name: "shop.public.customers"}
	if code := o.get(t, "/api/v1/lineage/datasets/"+url.PathEscape(pgID.String()), nil, &pg); code != http.StatusOK || pg.Kind != "external" || len(pg.Columns) != 2 {
		t.Errorf("the Postgres table as a dataset: %d %+v", code, pg)
	}
	// The SQL's WHERE, and the facet's dataset-level entries, are the outputs' inputs.
	var paid struct {
		Columns []struct {
			Name     string `json:"name"`
			DataType string `json:"data_type"`
		} `json:"columns"`
	}
	if code := o.get(t, "/api/v1/lineage/datasets/"+url.PathEscape(db+".RAW.ORDERS"), nil, &paid); code != http.StatusOK || len(paid.Columns) != 4 {
		t.Errorf("RAW.ORDERS as the schema facet gave it: %d %+v", code, paid)
	}
	for job, run := range map[string]string{"shop.load_totals": runs["totals"], "shop.load_paid": runs["paid"], "shop.copy_customers": runs["customers"]} {
		code, jr := o.runs(t, job)
		list, _ := jr["runs"].([]any)
		if code != http.StatusOK || len(list) != 1 || jr["lastCompleteRun"] != run {
			t.Errorf("runs of %s: %d %v", job, code, jr)
			continue
		}
		if r := list[0].(map[string]any); r["runId"] != run || r["state"] != "COMPLETE" || r["startedAt"] == nil || r["endedAt"] == nil {
			t.Errorf("run of %s: %v", job, r)
		}
	}
}

// TestOpenLineageRefusals: invalid events are refused with 400 naming the JSON path of the
// first problem (or 413 for a body past the limit, with or without Content-Length), a viewer
// may not write, and nothing of a refused event is stored. The spec's own column-lineage
// example is accepted and typed. Each event that reached authentication is audited.
func TestOpenLineageRefusals(t *testing.T) {
	o := startOpenLineageServe(t)
	example, err := os.ReadFile("../../ingest/openlineage/testdata/spec_column_lineage_example.json")
	if err != nil {
		t.Fatal(err)
	}
	// The example's names, moved into this test's namespaces.
	example = bytes.ReplaceAll(example, []byte(`"namespace": "food_delivery"`), []byte(`"namespace": "`+o.pg+`"`))
	example = bytes.Replace(example, []byte(`"namespace": "`+o.pg+`",
    "name": "top_delivery_times.insert"`), []byte(`"namespace": "`+o.jobs+`",
    "name": "top_delivery_times.insert"`), 1)
	// A run id of its own: runs are identified by their id across all jobs.
	run := uuid.NewString()
	example = bytes.ReplaceAll(example, []byte("3b452093-782c-4ef2-9c0c-aafe2aa6f34d"), []byte(run))
	edit := func(f func(ev map[string]any)) []byte {
		var ev map[string]any
		if err := json.Unmarshal(example, &ev); err != nil {
			t.Fatal(err)
		}
		f(ev)
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	nest := func(levels int) []byte {
		return []byte(`{"eventType":"COMPLETE","run":` + strings.Repeat(`{"a":`, levels) + "1" + strings.Repeat("}", levels) + "}")
	}
	for _, c := range []struct {
		name   string
		key    string
		body   io.Reader
		status int
		path   string
	}{
		{"wrong eventType", o.editor, bytes.NewReader(edit(func(ev map[string]any) { ev["eventType"] = "FINISHED" })), 400, "$.eventType"},
		{"missing run.runId", o.editor, bytes.NewReader(edit(func(ev map[string]any) { delete(ev["run"].(map[string]any), "runId") })), 400, "$.run.runId"},
		{"facet violating its schema", o.editor, bytes.NewReader(edit(func(ev map[string]any) {
			cl := ev["outputs"].([]any)[0].(map[string]any)["facets"].(map[string]any)["columnLineage"].(map[string]any)
			cl["fields"].(map[string]any)["order_id"] = map[string]any{"inputFields": "order_id"}
		})), 400, "$.outputs[0].facets.columnLineage.fields.order_id.inputFields"},
		// Refused by its Content-Length, before credentials are checked.
		{"10 MB of nested JSON", o.editor, bytes.NewReader(nest(2 << 20)), 413, ""},
		// Without a Content-Length: read up to the limit, then refused.
		{"10 MB of nested JSON, chunked", o.editor, io.MultiReader(bytes.NewReader(nest(2 << 20))), 413, ""},
		{"1 MB of nested JSON, under the body limit", o.editor, bytes.NewReader(nest(200 << 10)), 400, "$"},
		{"a viewer writing", o.viewer, bytes.NewReader(example), 403, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, p := o.post(t, c.key, c.body)
			if code != c.status || (c.path != "" && p["path"] != c.path) {
				t.Errorf("status %d path %v (%v), want %d %q", code, p["path"], p["detail"], c.status, c.path)
			}
		})
	}
	// Nothing of the refused events is stored: no job, no run, neither dataset.
	if code, _ := o.runs(t, "top_delivery_times.insert"); code != http.StatusNotFound {
		t.Errorf("runs after refusals: %d, want 404", code)
	}
	target := graph.ObjectID{Database: o.pg, Schema: "EXTERNAL", Name: "public.top_delivery_times"}
	src := graph.ObjectID{Database: o.pg, Schema: "EXTERNAL", Name: "public.delivery_7_days"}
	for _, id := range []graph.ObjectID{target, src} {
		var ds map[string]any
		if code := o.get(t, "/api/v1/lineage/datasets/"+url.PathEscape(id.String()), nil, &ds); code != http.StatusNotFound {
			t.Errorf("dataset %s after refusals: %d, want 404", id, code)
		}
	}

	// The spec's example, accepted and typed: 201 like Marquez, then its edges.
	code, rec := o.post(t, o.editor, bytes.NewReader(example))
	if code != http.StatusCreated || rec["edges"] != float64(5) || rec["outputs"] != float64(1) {
		t.Fatalf("spec example: %d %v", code, rec)
	}
	// Replayed: the same answer, the same graph.
	if code, again := o.post(t, o.editor, bytes.NewReader(example)); code != http.StatusCreated || !cmp.Equal(rec, again) {
		t.Errorf("replay: %d %v, want %v", code, again, rec)
	}
	// Every field of the facet, typed, with the job and run that wrote it.
	job := o.jobs + "/top_delivery_times.insert"
	e := func(to, from, sub string) olEdge {
		return olEdge{target.Column(to).String(), src.Column(from).String(), "DIRECT", sub, "", false, "openlineage", job, run}
	}
	for col, want := range map[string][]olEdge{
		"order_id":            {e("order_id", "order_id", "IDENTITY")},
		"order_placed_on":     {e("order_placed_on", "order_placed_on", "IDENTITY")},
		"order_delivered_on":  {e("order_delivered_on", "order_delivered_on", "IDENTITY")},
		"order_delivery_time": {e("order_delivery_time", "order_delivered_on", "TRANSFORMATION"), e("order_delivery_time", "order_placed_on", "TRANSFORMATION")},
	} {
		if d := cmp.Diff(want, o.upstream(t, target.Column(col).String())); d != "" {
			t.Errorf("%s (-want +got):\n%s", col, d)
		}
	}
	if code, jr := o.runs(t, "top_delivery_times.insert"); code != http.StatusOK || jr["lastCompleteRun"] != run {
		t.Errorf("runs of the spec example's job: %d %v", code, jr)
	}

	// Every event that reached authentication has its audit record, naming the producer's
	// key; the body refused by its Content-Length before authentication has none.
	if code := o.stop(t); code != 0 {
		t.Errorf("serve exit %d", code)
	}
	var audit []string
	for line := range strings.Lines(o.logs()) {
		var rec struct {
			Logger, Action, Outcome string
			PrincipalName           string `json:"principal_name"`
			Status                  int
		}
		dec := json.NewDecoder(strings.NewReader(line))
		if err := dec.Decode(&rec); err != nil || rec.Logger != "audit" || rec.Action != "POST /api/v1/lineage" {
			continue
		}
		audit = append(audit, fmt.Sprintf("%s %d %s", rec.Outcome, rec.Status, rec.PrincipalName))
	}
	slices.Sort(audit)
	wantAudit := []string{"denied 403 openlineage viewer", "failure 400 openlineage editor", "failure 400 openlineage editor",
		"failure 400 openlineage editor", "failure 400 openlineage editor", "failure 413 openlineage editor",
		"success 201 openlineage editor", "success 201 openlineage editor"}
	if d := cmp.Diff(wantAudit, audit); d != "" {
		t.Errorf("audit records of POST /api/v1/lineage (-want +got):\n%s", d)
	}
}
