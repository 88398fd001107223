package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/tributary-lineage/tributary/ingest/openlineage"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// olComplete is a COMPLETE run of job ns/load at eventTime at, writing the fixture's
// MART.OL_TOTALS.TOTAL from RAW.ORDERS.<source> (subtype sub), typed by a column-lineage facet.
func (f *fixture) olComplete(ns, run, at, source, sub string) string {
	sf := "snowflake://acme-analytics"
	return fmt.Sprintf(`{"eventType":"COMPLETE","eventTime":%q,"producer":"https://example.com/test",
	"schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
	"run":{"runId":%q},"job":{"namespace":%q,"name":"load"},
	"inputs":[{"namespace":%q,"name":%q}],
	"outputs":[{"namespace":%q,"name":%q,"facets":{"columnLineage":{"_producer":"https://example.com/test",
	  "_schemaURL":"https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
	  "fields":{"TOTAL":{"inputFields":[{"namespace":%q,"name":%q,"field":%q,"transformations":[{"type":"DIRECT","subtype":%q}]}]}}}}}]}`,
		at, run, ns, sf, f.obj("RAW", "ORDERS").String(), sf, f.obj("MART", "OL_TOTALS").String(),
		sf, f.obj("RAW", "ORDERS").String(), source, sub)
}

// TestOpenLineageEventInvalidatesCache: an answer cached before an event is not served after
// it. A job's first run is read twice (the second answer comes from the cache); its next run
// replaces the edge, and the same read then shows the new edge and run, computed afresh.
func TestOpenLineageEventInvalidatesCache(t *testing.T) {
	f := newFixture(t)
	ns := graphtest.Name(t, "TA_JOBS_")
	graphtest.CleanupJobs(t, f.store, ns)
	intake, err := openlineage.NewIntake(f.writer, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	ts := f.serve(t, Config{}, Deps{Intake: intake})
	post := func(body string) {
		t.Helper()
		if r := do(t, http.MethodPost, ts.url+"/api/v1/lineage", strings.NewReader(body), jsonHeader); r.status != http.StatusCreated {
			t.Fatalf("POST /api/v1/lineage: %d %s", r.status, r.body)
		}
	}
	type edge struct{ To, Subtype, Run string }
	total := f.obj("MART", "OL_TOTALS").Column("TOTAL").String()
	upstream := func() []edge {
		t.Helper()
		var cl ColumnLineage
		getJSON(t, ts.url+"/api/v1/lineage/columns?"+q("column", total, "direction", "upstream", "depth", "1"), http.StatusOK, &cl)
		var out []edge
		for _, e := range cl.Edges {
			out = append(out, edge{e.To, e.Subtype, e.Run})
		}
		return out
	}
	cacheCount := func(kind string) string {
		t.Helper()
		for line := range strings.Lines(string(get(t, ts.url+"/metrics").body)) {
			if strings.HasPrefix(line, `tributary_cache_`+kind+`_total{op="http:columns"} `) {
				return strings.TrimSpace(line[strings.LastIndex(line, " ")+1:])
			}
		}
		return "0"
	}

	run1, run2 := uuid.NewString(), uuid.NewString()
	post(f.olComplete(ns, run1, "2026-01-02T03:00:00Z", "AMOUNT", "AGGREGATION"))
	first := []edge{{f.col("RAW", "ORDERS", "AMOUNT").String(), "AGGREGATION", run1}}
	for range 2 {
		if d := cmp.Diff(first, upstream()); d != "" {
			t.Fatalf("after run 1 (-want +got):\n%s", d)
		}
	}
	if hits := cacheCount("hits"); hits != "1" {
		t.Fatalf("the second read was not served from the cache (%s hits): the test shows nothing", hits)
	}

	post(f.olComplete(ns, run2, "2026-01-02T04:00:00Z", "ID", "TRANSFORMATION"))
	want := []edge{{f.col("RAW", "ORDERS", "ID").String(), "TRANSFORMATION", run2}}
	if d := cmp.Diff(want, upstream()); d != "" {
		t.Errorf("after run 2, the cached answer of run 1 was served (-want +got):\n%s", d)
	}
	if misses := cacheCount("misses"); misses != "2" {
		t.Errorf("cache misses %s, want 2 (the first read, and the read after the event)", misses)
	}
}
