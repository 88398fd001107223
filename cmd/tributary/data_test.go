package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestDataEndpointsWired runs `tributary serve` without an S3 bucket: a database's lineage is
// exported inline as a Tributary document, imported again under another database name, and the
// copy's lineage is readable through the (cached) lineage endpoint; export jobs and s3://
// imports are refused with a 400 that says why.
func TestDataEndpointsWired(t *testing.T) {
	s := apiServe(t)
	db, copyDB := uniqueDB(t), uniqueDB(t)
	sql, _ := json.Marshal(map[string]any{
		"sql":     "CREATE VIEW " + db + ".MART.TOTALS AS SELECT status, SUM(amount) AS total FROM " + db + ".RAW.ORDERS GROUP BY status",
		"persist": true,
	})
	if code, out := postJSON(t, s.base+"/api/v1/lineage/analyze", string(sql)); code != 200 {
		t.Fatalf("persist: %d %s", code, out)
	}
	// Read the copy's (absent) lineage first, so a stale cached answer would show below.
	column := url.Values{"column": {copyDB + ".MART.TOTALS.TOTAL"}, "direction": {"upstream"}}.Encode()
	if code, raw := getBody(t, s.base+"/api/v1/lineage/columns?"+column); code != 404 {
		t.Fatalf("copy before import: %d %s", code, raw)
	}

	resp, err := http.Post(s.base+"/api/v1/data/export", "application/json",
		strings.NewReader(`{"scope":{"kind":"database","databases":["`+db+`"]},"format":"json","delivery":"inline"}`))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "tributary-export.json") {
		t.Fatalf("export: %d %v %s", resp.StatusCode, err, doc)
	}
	if !bytes.Contains(doc, []byte(db+".MART.TOTALS")) || !bytes.Contains(doc, []byte(db+".RAW.ORDERS.AMOUNT")) {
		t.Fatalf("export lacks the view or its source column: %s", doc)
	}

	code, out := postJSON(t, s.base+"/api/v1/data/import?rename="+db+"="+copyDB, string(doc))
	if code != 200 {
		t.Fatalf("import: %d %s", code, out)
	}
	var outcome struct {
		Format string
		Result struct{ Views, Edges int }
	}
	if err := json.Unmarshal(out, &outcome); err != nil || outcome.Format != "json" || outcome.Result.Views != 1 || outcome.Result.Edges < 1 {
		t.Fatalf("import outcome %s: %v", out, err)
	}
	code, raw := getBody(t, s.base+"/api/v1/lineage/columns?"+column)
	if code != 200 || !strings.Contains(string(raw), copyDB+".RAW.ORDERS.AMOUNT") {
		t.Fatalf("copy after import (cache not invalidated?): %d %s", code, raw)
	}

	// A zip of .sql files goes through the ingestion pipeline in the request.
	sqlDB := uniqueDB(t)
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	f, err := zw.Create("views/v.sql")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, "CREATE VIEW "+sqlDB+".MART.V AS SELECT o.amount AS amt FROM "+sqlDB+".RAW.ORDERS o;\n")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	resp, err = http.Post(s.base+"/api/v1/data/import", "application/zip", &zb)
	if err != nil {
		t.Fatal(err)
	}
	out, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(out), `"views/v.sql"`) {
		t.Fatalf("archive import: %d %s", resp.StatusCode, out)
	}
	sqlColumn := url.Values{"column": {sqlDB + ".MART.V.AMT"}, "direction": {"upstream"}}.Encode()
	if code, raw := getBody(t, s.base+"/api/v1/lineage/columns?"+sqlColumn); code != 200 || !strings.Contains(string(raw), sqlDB+".RAW.ORDERS.AMOUNT") {
		t.Fatalf("lineage of the archive's view: %d %s", code, raw)
	}

	// No bucket: no export jobs and no s3:// imports, each refused with a reason.
	code, out = postJSON(t, s.base+"/api/v1/data/export", `{"scope":{"kind":"all"},"format":"csv","delivery":"job"}`)
	if code != 400 || !strings.Contains(string(out), "inline") {
		t.Errorf("export job without a bucket: %d %s", code, out)
	}
	if code, raw := getBody(t, s.base+"/api/v1/data/export/export-nosuchjob"); code != 404 {
		t.Errorf("unknown export job: %d %s", code, raw)
	}
	code, out = postJSON(t, s.base+"/api/v1/data/import?uri=s3://b/k.json", ``)
	if code != 400 || !strings.Contains(string(out), "s3://") {
		t.Errorf("s3 import without a bucket: %d %s", code, out)
	}
}

func TestLoadConfigS3(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	cfg, err := loadConfig(env(map[string]string{"TRIBUTARY_S3_BUCKET": "exports", "TRIBUTARY_S3_PREFIX": "t/",
		"TRIBUTARY_S3_ENDPOINT": "http://127.0.0.1:9000", "TRIBUTARY_S3_PRESIGN_EXPIRY": "15m"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.S3.Bucket != "exports" || cfg.S3.Prefix != "t/" || cfg.S3.Endpoint != "http://127.0.0.1:9000" || cfg.S3.PresignExpiry.Minutes() != 15 {
		t.Errorf("s3 = %+v", cfg.S3)
	}
	// Without a bucket the other settings are still checked.
	_, err = loadConfig(env(map[string]string{"TRIBUTARY_S3_PRESIGN_EXPIRY": "30d", "TRIBUTARY_S3_PART_SIZE": "1024"}))
	if err == nil || !strings.Contains(err.Error(), "TRIBUTARY_S3_PRESIGN_EXPIRY") {
		t.Errorf("bad expiry: %v", err)
	}
	_, err = loadConfig(env(map[string]string{"TRIBUTARY_S3_BUCKET": "b", "TRIBUTARY_S3_PART_SIZE": "1024"}))
	if err == nil || !strings.Contains(err.Error(), "part size") {
		t.Errorf("small part size: %v", err)
	}
}

// TestS3EndpointWithCredentialsRefused: an endpoint URL with credentials in it is refused at
// config time without being repeated, and `tributary config` prints the S3 settings.
func TestS3EndpointWithCredentialsRefused(t *testing.T) {
	const secret = "s3-S3cr3t-visible"
	_, err := loadConfig(envMap(map[string]string{"TRIBUTARY_S3_BUCKET": "b", "TRIBUTARY_S3_ENDPOINT": "http://user:" + secret + "@minio:9000"}))
	if err == nil || !strings.Contains(err.Error(), "TRIBUTARY_S3_") || !strings.Contains(err.Error(), "credentials") || strings.Contains(err.Error(), secret) {
		t.Errorf("endpoint with credentials: %v", err)
	}
	code, out, errOut := runCmd(t, envMap(map[string]string{"TRIBUTARY_S3_ENDPOINT": "http://user:" + secret + "@minio:9000"}), "config")
	if code == exitOK || strings.Contains(out+errOut, secret) {
		t.Errorf("config with a credentialed endpoint: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runCmd(t, envMap(map[string]string{"TRIBUTARY_S3_BUCKET": "exports", "TRIBUTARY_S3_PREFIX": "t/",
		"TRIBUTARY_S3_ENDPOINT": "http://127.0.0.1:9000"}), "config")
	if code != exitOK || !strings.Contains(out, "s3.bucket=exports s3.prefix=t/ s3.endpoint=http://127.0.0.1:9000 ") {
		t.Errorf("config: exit %d %q", code, out)
	}
}
