package api

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/xuri/excelize/v2"

	"github.com/tributary-lineage/tributary/export"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

func TestDataExportAndImportEndpoints(t *testing.T) {
	f := newFixture(t)
	copyDB := "TC_" + f.sfx
	graphtest.Cleanup(t, f.store, copyDB)
	redisOpt := asynq.RedisClientOpt{Addr: envOr("TRIBUTARY_REDIS_ADDR", "127.0.0.1:6379")}
	client := asynq.NewClient(redisOpt)
	defer client.Close()
	inspector := asynq.NewInspector(redisOpt)
	defer inspector.Close()
	ts := f.serve(t, Config{}, Deps{
		Exports: &export.ExportService{Reader: f.store, Queue: client},
		Imports: &export.ImportService{Writer: f.writer, IngestDir: func(context.Context, string) error {
			t.Error("a rejected archive reached ingestion")
			return nil
		}},
	})
	post := func(path, contentType string, body []byte) response {
		return do(t, http.MethodPost, ts.url+path, bytes.NewReader(body), map[string]string{"Content-Type": contentType})
	}

	// A closure streams in the response as an xlsx with an Impact sheet.
	r := post("/api/v1/data/export", "application/json",
		[]byte(`{"scope":{"kind":"downstream","root":"`+f.db+`.RAW.ORDERS.AMOUNT"},"format":"xlsx"}`))
	if r.status != http.StatusOK || r.header.Get("Content-Type") != export.FormatXLSX.ContentType() ||
		!strings.Contains(r.header.Get("Content-Disposition"), "tributary-export.xlsx") {
		t.Fatalf("inline export: %d %v %s", r.status, r.header, r.body)
	}
	x, err := excelize.OpenReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	impact, err := x.GetRows(export.SheetImpact)
	x.Close()
	// AMOUNT, STG.ORDERS.AMOUNT, FACTS.AMOUNT, REVENUE.TOTAL.
	if err != nil || len(impact) != 5 {
		t.Errorf("impact sheet: %q, %v", impact, err)
	}

	// A database goes to the export queue.
	r = post("/api/v1/data/export", "application/json", []byte(`{"scope":{"kind":"database","databases":["`+f.db+`"]},"format":"csv"}`))
	var acc Accepted
	if r.status != http.StatusAccepted || json.Unmarshal(r.body, &acc) != nil || !strings.HasPrefix(acc.JobID, "export-") {
		t.Fatalf("job export: %d %s", r.status, r.body)
	}
	info, err := inspector.GetTaskInfo(export.DefaultQueue, acc.JobID)
	if err != nil || info.Type != export.TypeExport {
		t.Errorf("queued task: %+v, %v", info, err)
	}
	inspector.DeleteTask(export.DefaultQueue, acc.JobID)

	for _, body := range []string{`{"scope":{"kind":"sideways"}}`, `{"scope":{"kind":"all"},"format":"pdf"}`, `not json`} {
		if r := post("/api/v1/data/export", "application/json", []byte(body)); r.status != http.StatusBadRequest {
			t.Errorf("export %s: %d %s", body, r.status, r.body)
		}
	}

	// Export the fixture as JSON inline and import it under another database name.
	r = post("/api/v1/data/export", "application/json", []byte(`{"scope":{"kind":"database","databases":["`+f.db+`"]},"format":"json","delivery":"inline"}`))
	if r.status != http.StatusOK {
		t.Fatalf("json export: %d %s", r.status, r.body)
	}
	doc := r.body
	r = post("/api/v1/data/import?rename="+f.db+"="+copyDB, "application/json", doc)
	var out export.ImportOutcome
	if r.status != http.StatusOK || json.Unmarshal(r.body, &out) != nil || out.Result == nil || out.Result.Views != 7 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}

	// A bad document: 422 listing each problem with its position; nothing written.
	bad := strings.Replace(string(doc), `"status":"ok"`, `"status":"okay"`, 2)
	r = post("/api/v1/data/import", "application/json", []byte(bad))
	var p struct {
		Status   int              `json:"status"`
		Total    int              `json:"total"`
		Problems []export.Problem `json:"problems"`
	}
	if r.status != http.StatusUnprocessableEntity || json.Unmarshal(r.body, &p) != nil || p.Total != 2 ||
		!strings.HasPrefix(p.Problems[0].Position, "datasets[") || !strings.Contains(p.Problems[0].Message, `status "okay"`) {
		t.Errorf("bad document: %d %s", r.status, r.body)
	}

	// A zip with a path-traversal name: 422 naming the entry.
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("../../evil.sql")
	w.Write([]byte("select 1"))
	zw.Close()
	r = post("/api/v1/data/import", "application/zip", zb.Bytes())
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), `"entry":"../../evil.sql"`) {
		t.Errorf("traversal zip: %d %s", r.status, r.body)
	}
}
