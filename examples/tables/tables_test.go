package tables

import (
	"os"
	"regexp"
	"testing"
)

// TestMakefileLoadsTheDemoInOrder: make demo-load ingests these inputs in the order FS's
// comment gives, with the retention Retention names, so the query history's lineage is there.
func TestMakefileLoadsTheDemoInOrder(t *testing.T) {
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`DEMO_ENV = .*TRIBUTARY_QUERY_LINEAGE_RETENTION=` + regexp.QuoteMeta(Retention) + `\b`).Match(mk) {
		t.Errorf("Makefile: DEMO_ENV does not set TRIBUTARY_QUERY_LINEAGE_RETENTION=%s", Retention)
	}
	order := regexp.MustCompile(`(?s)demo-load:.*--source dbt:examples/tables/` + regexp.QuoteMeta(DBTManifest) +
		`.*--source querylog:examples/tables/` + regexp.QuoteMeta(QueryHistory) +
		`.*--source dir:examples/warehouse .*--source dir:examples/tables/` + regexp.QuoteMeta(Views) + ` `)
	if !order.Match(mk) {
		t.Error("Makefile: demo-load does not ingest the dbt manifest, the query history, examples/warehouse and the views in this order")
	}
	for _, p := range []string{DBTManifest, "dbt/target/catalog.json", QueryHistory, Views + "/rpt_daily_net_revenue.sql"} {
		if _, err := FS.Open(p); err != nil {
			t.Errorf("FS: %v", err)
		}
	}
}
