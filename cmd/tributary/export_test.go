package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/tributary-lineage/tributary/export"
	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// exportGraph writes one table and one view under a fresh database name and removes them after.
func exportGraph(t *testing.T) string {
	t.Helper()
	s := graphtest.Store(t, graph.NewStore)
	ctx := context.Background()
	db := graphtest.Database(t, s, "CLIEXP_")
	tbl := graph.ObjectID{Database: db, Schema: "RAW", Name: "ORDERS"}
	view := graph.ObjectID{Database: db, Schema: "MART", Name: "TOTALS"}
	if err := s.UpsertTables(ctx, []graph.Table{{ID: tbl, Columns: []graph.Column{{Name: "AMOUNT", Ordinal: 1}}}}); err != nil {
		t.Fatal(err)
	}
	err := s.ReplaceViewLineage(ctx, graph.View{ID: view, Status: graph.StatusOK, Columns: []graph.Column{{Name: "TOTAL", Ordinal: 1}},
		Edges: []graph.Edge{{From: view.Column("TOTAL"), To: tbl.Column("AMOUNT"), Type: graph.EdgeDirect, Subtype: graph.SubtypeAggregation}}})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestExportCommand(t *testing.T) {
	db := exportGraph(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "lineage.json")
	code, stdout, stderr := runCmd(t, testEnv(nil), "export", "--scope", "database:"+strings.ToLower(db), "--out", out)
	if code != exitOK || !strings.Contains(stdout, "1 tables, 1 views, 2 columns, 1 edges") {
		t.Fatalf("export: %d\n%s\n%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("exported file mode %v (%v), want 0644", fi.Mode().Perm(), err)
	}
	var doc struct {
		Format   string            `json:"format"`
		Datasets []json.RawMessage `json:"datasets"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.Format != export.DocumentFormat || len(doc.Datasets) != 2 {
		t.Errorf("json file: %v %s", err, b)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".lineage.json.*")); len(left) != 0 {
		t.Errorf("temporary files left: %q", left)
	}

	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"export", "--out", out}, exitUsage, "--scope and --out are required"},
		{[]string{"export", "--scope", "sideways", "--out", out}, exitUsage, "want all, database"},
		{[]string{"export", "--scope", "all", "--format", "pdf", "--out", out}, exitUsage, `format "pdf"`},
		{[]string{"export", "--scope", "downstream:" + db + ".RAW.ORDERS.NOPE", "--out", filepath.Join(dir, "x.xlsx")}, exitUsage, "not found"},
	} {
		code, _, stderr := runCmd(t, testEnv(nil), tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.err) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, tc.code, tc.err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.xlsx")); err == nil {
		t.Error("a failed export left its file")
	}
}

func TestExportCommandToS3(t *testing.T) {
	db := exportGraph(t)
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "eu-west-1")
	ctx := context.Background()
	store, err := export.NewS3Store(ctx, export.S3Config{Bucket: "out", Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("out")}); err != nil {
		t.Fatal(err)
	}
	env := testEnv(map[string]string{export.EnvS3Endpoint: srv.URL, export.EnvS3PresignExpiry: "5m"})
	code, stdout, stderr := runCmd(t, env, "export", "--scope", "views:"+db+".MART.TOTALS", "--out", "s3://out/lineage/totals.xlsx")
	if code != exitOK || !strings.HasPrefix(stdout, "s3://out/lineage/totals.xlsx\n") || !strings.Contains(stdout, "X-Amz-Expires=300") {
		t.Fatalf("export to s3: %d\n%s\n%s", code, stdout, stderr)
	}
	url := strings.TrimSpace(stdout[strings.Index(stdout, "http"):strings.Index(stdout, "\nexported")])
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "PK") {
		t.Errorf("download: %s, %d bytes", resp.Status, len(body))
	}
}
