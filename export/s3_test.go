package export

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// fakeS3 is an in-process S3 server (gofakes3, memory backend) that counts multipart uploads.
type fakeS3 struct {
	srv        *httptest.Server
	multiparts atomic.Int64
}

func newFakeS3(t *testing.T) *fakeS3 {
	t.Helper()
	f := &fakeS3{}
	s3h := gofakes3.New(s3mem.New()).Server()
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Query().Has("uploads") {
			f.multiparts.Add(1)
		}
		s3h.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func awsTestConfig() []func(*config.LoadOptions) error {
	return []func(*config.LoadOptions) error{
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")),
		config.WithRegion("eu-west-1"),
	}
}

func newTestS3Store(t *testing.T, f *fakeS3, partSize int64) *S3Store {
	t.Helper()
	ctx := context.Background()
	store, err := NewS3Store(ctx, S3Config{Bucket: "lineage", Prefix: "exports/", Endpoint: f.srv.URL,
		PresignExpiry: 10 * time.Minute, PartSize: partSize}, awsTestConfig()...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("lineage")}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	return store
}

func getObject(t *testing.T, store *S3Store, uri string) []byte {
	t.Helper()
	rc, err := store.Open(context.Background(), uri)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// An export job runs through asynq on the real Redis: the object lands in S3 with the bytes
// an in-process export gives, and the presigned URL downloads it.
func TestExportJobToS3(t *testing.T) {
	s := newStore(t)
	db := testDB(t, s, "EXS_")
	buildShop(t, s, db)
	fake := newFakeS3(t)
	store := newTestS3Store(t, fake, 0)

	redis := asynq.RedisClientOpt{Addr: graphtest.Env("TRIBUTARY_REDIS_ADDR", "127.0.0.1:6379")}
	b := make([]byte, 4)
	rand.Read(b)
	queue := "export-test-" + hex.EncodeToString(b)
	h := NewHandler(s, store, slog.New(slog.DiscardHandler), Options{Now: exportTime})
	mux := asynq.NewServeMux()
	h.Register(mux)
	srv := asynq.NewServer(redis, asynq.Config{Queues: map[string]int{queue: 1}, Concurrency: 1,
		Logger: quietAsynq{}, LogLevel: asynq.ErrorLevel})
	if err := srv.Start(mux); err != nil {
		t.Fatalf("asynq server on %s (run `make up`): %v", redis.Addr, err)
	}
	t.Cleanup(srv.Shutdown)
	client := asynq.NewClient(redis)
	t.Cleanup(func() { client.Close() })
	inspector := asynq.NewInspector(redis)
	t.Cleanup(func() {
		inspector.DeleteQueue(queue, true)
		inspector.Close()
	})

	task, err := NewTask(context.Background(), TaskPayload{Scope: Scope{Kind: ScopeDatabase, Databases: []string{db}}, Format: FormatJSON, Name: "shop.json"},
		asynq.Queue(queue), asynq.Retention(time.Hour), asynq.MaxRetry(0))
	if err != nil {
		t.Fatal(err)
	}
	info, err := client.Enqueue(task)
	if err != nil {
		t.Fatal(err)
	}
	var res TaskResult
	deadline := time.Now().Add(30 * time.Second)
	for {
		ti, err := inspector.GetTaskInfo(queue, info.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ti.State == asynq.TaskStateCompleted {
			if err := json.Unmarshal(ti.Result, &res); err != nil {
				t.Fatalf("task result %q: %v", ti.Result, err)
			}
			break
		}
		if ti.State == asynq.TaskStateArchived || time.Now().After(deadline) {
			t.Fatalf("task %s: state %v, last error %q", info.ID, ti.State, ti.LastErr)
		}
		time.Sleep(50 * time.Millisecond)
	}

	if res.URI != "s3://lineage/exports/shop.json" || res.Summary.Views != 4 || res.Summary.Edges != 8 {
		t.Errorf("result %+v", res)
	}
	if until := time.Until(res.Expires); until < 9*time.Minute || until > 11*time.Minute {
		t.Errorf("URL expires %s, want in about 10 minutes", res.Expires)
	}
	var want bytes.Buffer
	if _, err := Run(context.Background(), s, Scope{Kind: ScopeDatabase, Databases: []string{db}}, FormatJSON, &want, Options{Now: exportTime}); err != nil {
		t.Fatal(err)
	}
	got := getObject(t, store, res.URI)
	if !bytes.Equal(got, want.Bytes()) || int64(len(got)) != res.Bytes {
		t.Errorf("object: %d bytes (result says %d), want the %d bytes of an in-process export", len(got), res.Bytes, want.Len())
	}
	if !strings.Contains(res.URL, "X-Amz-Signature=") || !strings.Contains(res.URL, "X-Amz-Expires=600") {
		t.Errorf("presigned URL %s", res.URL)
	}
	resp, err := http.Get(res.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(body, want.Bytes()) {
		t.Errorf("GET presigned URL: %s, %d bytes, %v", resp.Status, len(body), err)
	}

	// An unknown closure root fails without retry, and nothing is left behind.
	missing, err := NewTask(context.Background(), TaskPayload{Scope: Scope{Kind: ScopeDownstream, Root: db + ".RAW.ORDERS.NOPE"}, Format: FormatXLSX, Name: "missing.xlsx"})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.HandleTask(context.Background(), missing); err == nil || !strings.Contains(err.Error(), "skip retry") || !strings.Contains(err.Error(), "not found") {
		t.Errorf("unknown root: %v", err)
	}
	if _, err := store.Open(context.Background(), "s3://lineage/exports/missing.xlsx"); err == nil {
		t.Error("a failed export left an object")
	}

	// A bad payload fails without retry.
	bad := asynq.NewTask(TypeExport, []byte(`{"scope":{"kind":"sideways"},"format":"json"}`))
	if err := h.HandleTask(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "skip retry") {
		t.Errorf("bad payload: %v", err)
	}
}

type quietAsynq struct{}

func (quietAsynq) Debug(...any) {}
func (quietAsynq) Info(...any)  {}
func (quietAsynq) Warn(...any)  {}
func (quietAsynq) Error(...any) {}
func (quietAsynq) Fatal(...any) {}

// Files larger than a part go up as multipart uploads and come back whole.
func TestMultipartUpload(t *testing.T) {
	fake := newFakeS3(t)
	store := newTestS3Store(t, fake, 5<<20)
	data := make([]byte, 12<<20)
	rand.Read(data)
	uri, err := store.Upload(context.Background(), store.Key("big.bin"), bytes.NewReader(data), "application/octet-stream")
	if err != nil {
		t.Fatal(err)
	}
	if fake.multiparts.Load() != 1 {
		t.Errorf("%d multipart uploads started, want 1", fake.multiparts.Load())
	}
	if got := getObject(t, store, uri); !bytes.Equal(got, data) {
		t.Errorf("object has %d bytes, differs from the %d uploaded", len(got), len(data))
	}
}

func TestImportFromS3(t *testing.T) {
	s := newStore(t)
	src := testDB(t, s, "EXT_")
	dst := testDB(t, s, "EXU_")
	buildShop(t, s, src)
	doc, _ := runExport(t, s, "database:"+src, FormatJSON)
	fake := newFakeS3(t)
	store := newTestS3Store(t, fake, 0)
	uri, err := store.Upload(context.Background(), store.Key("shop.json"), bytes.NewReader(doc), "application/json")
	if err != nil {
		t.Fatal(err)
	}
	svc := &ImportService{Writer: s, S3: store, MaxBytes: 1 << 20}
	out, err := svc.Import(context.Background(), ImportRequest{URI: uri, RenameDatabases: map[string]string{src: dst}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.Format != KindJSON || out.Result == nil || out.Result.Views != 4 {
		t.Errorf("outcome %+v", out)
	}
	if diff := cmp.Diff(dump(t, s, src), dump(t, s, dst)); diff != "" {
		t.Errorf("imported from S3 (-exported +imported):\n%s", diff)
	}
	small := &ImportService{Writer: s, S3: store, MaxBytes: 100}
	if _, err := small.Import(context.Background(), ImportRequest{URI: uri}, nil); err == nil || !strings.Contains(err.Error(), "import limit") {
		t.Errorf("a document over the size limit: %v", err)
	}
	if _, err := svc.Import(context.Background(), ImportRequest{URI: "s3://lineage/exports/missing.json"}, nil); err == nil {
		t.Error("missing object imported")
	}
}
