package main

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/hibiken/asynq"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/redis/go-redis/v9"

	"github.com/tributary-lineage/tributary/export"
)

// startFakeS3 serves an in-process S3 server (gofakes3, memory backend) that counts the
// requests it gets, sets the AWS variables the configuration chain reads, adds the server's
// endpoint to env, and returns a store for env's settings with its bucket created.
func startFakeS3(t *testing.T, env map[string]string) (*export.S3Store, *atomic.Int64) {
	t.Helper()
	requests := &atomic.Int64{}
	s3h := gofakes3.New(s3mem.New()).Server()
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		s3h.ServeHTTP(w, r)
	}))
	t.Cleanup(fake.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "eu-west-1")
	env[export.EnvS3Endpoint] = fake.URL
	ctx := context.Background()
	s3cfg, err := export.S3ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	store, err := export.NewS3Store(ctx, s3cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(env[export.EnvS3Bucket])}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	return store, requests
}

// TestExportJobEndToEnd runs `tributary serve` and `tributary worker` against an in-process
// S3 server: POST /api/v1/data/export with delivery job answers 202, the worker writes the file
// under the configured bucket and prefix, and the job result's presigned URL downloads it.
func TestExportJobEndToEnd(t *testing.T) {
	s3env := map[string]string{export.EnvS3Bucket: "lineage", export.EnvS3Prefix: "exports/", export.EnvS3PresignExpiry: "10m"}
	startFakeS3(t, s3env)

	serveEnv := map[string]string{"TRIBUTARY_AUTH": "off", "TRIBUTARY_RATE_LIMIT_ANON": "off"}
	workerEnv := map[string]string{envShutdownTimeout: "5s", envRefreshCron: ""}
	for k, v := range s3env {
		serveEnv[k], workerEnv[k] = v, v
	}
	s := startServe(t, serveEnv)
	queue := uniqueName(t, "tributary-cmd-test-")
	rdb := redis.NewClient(&redis.Options{Addr: envOr("TRIBUTARY_REDIS_ADDR", "127.0.0.1:6379"), Password: envOr("TRIBUTARY_REDIS_PASSWORD", "")})
	insp := asynq.NewInspectorFromRedisClient(rdb)
	t.Cleanup(func() {
		insp.DeleteQueue(queue, true)
		rdb.Close()
	})
	w := startWorker(t, testEnv(workerEnv), queue)

	db := uniqueDB(t)
	sql, _ := json.Marshal(map[string]any{
		"sql":     "CREATE VIEW " + db + ".MART.TOTALS AS SELECT status, SUM(amount) AS total FROM " + db + ".RAW.ORDERS GROUP BY status",
		"persist": true,
	})
	if code, out := postJSON(t, s.base+"/api/v1/lineage/analyze", string(sql)); code != 200 {
		t.Fatalf("persist: %d %s", code, out)
	}
	code, out := postJSON(t, s.base+"/api/v1/data/export", `{"scope":{"kind":"database","databases":["`+db+`"]},"format":"json","delivery":"job"}`)
	var acc struct {
		JobID string `json:"job_id"`
		Href  string `json:"href"`
	}
	if code != http.StatusAccepted || json.Unmarshal(out, &acc) != nil || acc.JobID == "" {
		t.Fatalf("export job: %d %s", code, out)
	}
	t.Cleanup(func() { insp.DeleteTask(export.DefaultQueue, acc.JobID) })

	// The 202's href reports the job; once completed it carries the file's URI and URL.
	var st export.JobStatus
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		code, raw := getBody(t, s.base+acc.Href)
		if code != 200 || json.Unmarshal(raw, &st) != nil {
			t.Fatalf("GET %s: %d %s", acc.Href, code, raw)
		}
		if st.State == "completed" || st.State == "archived" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("export job not done within 60s: %+v\nworker: %s", st, w.logs())
		}
	}
	if st.ID != acc.JobID || st.State != "completed" || st.Result == nil {
		t.Fatalf("export job: %+v\nworker: %s", st, w.logs())
	}
	res := *st.Result
	if !strings.HasPrefix(res.URI, "s3://lineage/exports/") || !strings.HasSuffix(res.URI, ".json") {
		t.Errorf("uri = %q", res.URI)
	}
	if d := time.Until(res.Expires); d <= 0 || d > 10*time.Minute+time.Minute {
		t.Errorf("url expires %s, want in about 10 minutes", res.Expires)
	}
	resp, err := http.Get(res.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("presigned GET: %d %v %s", resp.StatusCode, err, body)
	}
	if !strings.Contains(string(body), db+".MART.TOTALS") || !strings.Contains(string(body), db+".RAW.ORDERS.AMOUNT") {
		t.Errorf("downloaded export lacks the view or its source: %s", body)
	}

	w.stop(t)
}

// TestS3ImportStaysInsideBucket: `tributary serve` reads s3:// imports only from
// TRIBUTARY_S3_BUCKET under TRIBUTARY_S3_PREFIX; any other bucket, key or a ".." segment is
// refused with 403 before a request reaches S3, and a rejected object's problems name fields
// and positions, never its values.
func TestS3ImportStaysInsideBucket(t *testing.T) {
	s3env := map[string]string{export.EnvS3Bucket: "lineage", export.EnvS3Prefix: "imports/"}
	store, requests := startFakeS3(t, s3env)
	ctx := context.Background()
	for _, key := range []string{"elsewhere/doc.json", "imports/bad.json"} {
		if _, err := store.Client().PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("lineage"), Key: aws.String(key),
			Body: strings.NewReader(`{"format":"tributary-lineage","version":1,"datasets":[{"id":"A.B.V","kind":"view","status":"AKIA-SECRET-VALUE","columns":[{"name":"X"}]}]}`)}); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"TRIBUTARY_AUTH": "off", "TRIBUTARY_RATE_LIMIT_ANON": "off"}
	maps.Copy(env, s3env)
	s := startServe(t, env)

	requests.Store(0)
	for _, uri := range []string{
		"s3://other-bucket/imports/doc.json",
		"s3://169.254.169.254/latest/meta-data",
		"s3://lineage/elsewhere/doc.json",
		"s3://lineage/imports/../elsewhere/doc.json",
	} {
		code, out := postJSON(t, s.base+"/api/v1/data/import?"+url.Values{"uri": {uri}}.Encode(), ``)
		if code != http.StatusForbidden || !strings.Contains(string(out), "TRIBUTARY_S3_BUCKET") {
			t.Errorf("import %s: %d %s, want 403", uri, code, out)
		}
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("S3 received %d requests for refused imports, want none", n)
	}

	code, out := postJSON(t, s.base+"/api/v1/data/import?uri=s3://lineage/imports/bad.json", ``)
	var p struct {
		Problems []export.Problem `json:"problems"`
	}
	if code != http.StatusUnprocessableEntity || json.Unmarshal(out, &p) != nil || len(p.Problems) != 1 {
		t.Fatalf("invalid object: %d %s", code, out)
	}
	if strings.Contains(string(out), "AKIA") || strings.Contains(string(out), "A.B.V") {
		t.Errorf("the answer quotes the object's content: %s", out)
	}
	if got := p.Problems[0]; got.Field != "status" || !strings.HasPrefix(got.Position, "datasets[0]") {
		t.Errorf("problem %+v, want field status at datasets[0]", got)
	}
}
