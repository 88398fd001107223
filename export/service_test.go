package export

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hibiken/asynq"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/internal/graphtest"
	"github.com/tributary-lineage/tributary/internal/warehousetest"
)

func TestExportServiceDelivery(t *testing.T) {
	client := asynq.NewClient(asynq.RedisClientOpt{Addr: graphtest.Env("TRIBUTARY_REDIS_ADDR", "127.0.0.1:6379")})
	defer client.Close()
	withQueue := &ExportService{Queue: client, InlineViews: 2}
	noQueue := &ExportService{}
	for _, tc := range []struct {
		name string
		s    *ExportService
		req  ExportRequest
		want string // delivery, or "error"
	}{
		{"closure streams", withQueue, ExportRequest{Scope: Scope{Kind: ScopeDownstream, Root: "a.b.c.d"}}, DeliveryInline},
		{"short view list streams", withQueue, ExportRequest{Scope: Scope{Kind: ScopeViews, Views: []string{"a.b.c", "a.b.d"}}}, DeliveryInline},
		{"long view list is a job", withQueue, ExportRequest{Scope: Scope{Kind: ScopeViews, Views: []string{"a.b.c", "a.b.d", "a.b.e"}}}, DeliveryJob},
		{"a database is a job", withQueue, ExportRequest{Scope: Scope{Kind: ScopeDatabase, Databases: []string{"A"}}, Format: "xlsx"}, DeliveryJob},
		{"asked inline", withQueue, ExportRequest{Scope: Scope{Kind: ScopeAll}, Delivery: DeliveryInline}, DeliveryInline},
		{"no queue for a job", noQueue, ExportRequest{Scope: Scope{Kind: ScopeAll}}, "error"},
		{"bad delivery", withQueue, ExportRequest{Scope: Scope{Kind: ScopeAll}, Delivery: "pigeon"}, "error"},
		{"bad format", withQueue, ExportRequest{Scope: Scope{Kind: ScopeAll}, Format: "pdf"}, "error"},
		{"bad scope", withQueue, ExportRequest{Scope: Scope{Kind: ScopeSchema, Schemas: []string{"a"}}}, "error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.s.Validate(tc.req)
			if tc.want == "error" {
				if !errors.Is(err, graph.ErrInvalid) {
					t.Errorf("err = %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil || got.Delivery != tc.want {
				t.Errorf("delivery %q, %v; want %q", got.Delivery, err, tc.want)
			}
		})
	}
}

func TestImportServiceDetectsKinds(t *testing.T) {
	s := newStore(t)
	src := testDB(t, s, "EXV_")
	dst := testDB(t, s, "EXW_")
	buildShop(t, s, src)
	doc, _ := runExport(t, s, "database:"+src, FormatJSON)
	var ingested []string
	svc := &ImportService{Writer: s, IngestDir: func(_ context.Context, dir string) error {
		return filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				rel, _ := filepath.Rel(dir, p)
				ingested = append(ingested, rel)
			}
			return err
		})
	}}
	cache := &countingCache{}
	svc.Cache = cache
	out, err := svc.Import(context.Background(), ImportRequest{RenameDatabases: map[string]string{src: dst}}, bytes.NewReader(doc))
	if err != nil || out.Format != KindJSON || out.Result == nil || out.Result.Views != 4 {
		t.Fatalf("json body: %+v, %v", out, err)
	}
	if cache.n != out.Result.Batches || cache.n == 0 {
		t.Errorf("cache invalidated %d times for %d batches", cache.n, out.Result.Batches)
	}
	zipPath := warehousetest.Zip(t, warehousetest.File{Name: "models/a.sql", Data: "CREATE VIEW A.B.C AS SELECT 1 AS X"}, warehousetest.File{Name: "catalog.json", Data: "{}"})
	zipBytes, _ := os.ReadFile(zipPath)
	out, err = svc.Import(context.Background(), ImportRequest{}, bytes.NewReader(zipBytes))
	if err != nil || out.Format != KindSQLArchive || strings.Join(ingested, ",") != "catalog.json,models/a.sql" {
		t.Fatalf("zip body: %+v, %v, ingested %q", out, err, ingested)
	}
	_, err = svc.Import(context.Background(), ImportRequest{}, strings.NewReader("%PDF-1.7"))
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Errorf("garbage body: %v", err)
	}
	if _, err := svc.Import(context.Background(), ImportRequest{URI: "s3://b/k"}, nil); !errors.Is(err, graph.ErrInvalid) {
		t.Errorf("s3 import without S3: %v", err)
	}
}

type countingCache struct{ n int }

func (c *countingCache) Invalidate(context.Context) error { c.n++; return nil }
