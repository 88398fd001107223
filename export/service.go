package export

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hibiken/asynq"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
)

// This file is what the HTTP endpoints (POST /api/v1/data/export, POST /api/v1/data/import)
// call: the handlers parse the request and hand it over.

// Export deliveries.
const (
	DeliveryAuto   = ""       // inline for closures and short view lists, a job otherwise
	DeliveryInline = "inline" // stream in the response
	DeliveryJob    = "job"    // an asynq export job writing to S3
)

// DefaultInlineViews is the longest view list ExportService streams inline by default.
const DefaultInlineViews = 100

// ExportRequest is the body of POST /api/v1/data/export.
type ExportRequest struct {
	Scope    Scope  `json:"scope"`
	Format   Format `json:"format"`
	Delivery string `json:"delivery,omitempty"` // "", "inline" or "job"
}

// Enqueuer puts tasks on the queue; *asynq.Client implements it.
type Enqueuer interface {
	EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// TaskInspector reads a task's state and result; *asynq.Inspector implements it.
type TaskInspector interface {
	GetTaskInfo(queue, id string) (*asynq.TaskInfo, error)
}

// ExportService runs exports for the API.
type ExportService struct {
	Reader    Reader
	Queue     Enqueuer      // nil: no jobs (large exports are refused)
	Inspector TaskInspector // nil: no job status
	// InlineViews is the longest view list streamed inline in auto delivery
	// (0: DefaultInlineViews).
	InlineViews int
	Options     Options
}

// Validate normalises the request and reports what is wrong with it (graph.ErrInvalid).
func (s *ExportService) Validate(req ExportRequest) (ExportRequest, error) {
	scope, err := req.Scope.Normalize()
	if err != nil {
		return req, err
	}
	req.Scope = scope
	if req.Format == "" {
		req.Format = FormatJSON
	}
	if req.Format, err = ParseFormat(string(req.Format)); err != nil {
		return req, err
	}
	switch req.Delivery {
	case DeliveryAuto:
		req.Delivery = DeliveryJob
		limit := s.InlineViews
		if limit <= 0 {
			limit = DefaultInlineViews
		}
		if scope.Closure() || (scope.Kind == ScopeViews && len(scope.Views) <= limit) {
			req.Delivery = DeliveryInline
		}
	case DeliveryInline, DeliveryJob:
	default:
		return req, fmt.Errorf("%w: delivery %q, want inline or job", graph.ErrInvalid, req.Delivery)
	}
	if req.Delivery == DeliveryJob && s.Queue == nil {
		return req, fmt.Errorf("%w: export jobs are not configured (no queue or S3 bucket); ask for delivery inline", graph.ErrInvalid)
	}
	return req, nil
}

// Stream writes the export to w (inline delivery).
func (s *ExportService) Stream(ctx context.Context, req ExportRequest, w io.Writer) (Summary, error) {
	return Run(ctx, s.Reader, req.Scope, req.Format, w, s.Options)
}

// Enqueue queues an export job and returns its id (the asynq task id).
func (s *ExportService) Enqueue(ctx context.Context, req ExportRequest) (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	id := "export-" + hex.EncodeToString(b)
	task, err := NewTask(ctx, TaskPayload{Scope: req.Scope, Format: req.Format}, asynq.TaskID(id), asynq.Retention(24*time.Hour))
	if err != nil {
		return "", err
	}
	if _, err := s.Queue.EnqueueContext(ctx, task); err != nil {
		return "", fmt.Errorf("enqueue export: %w", err)
	}
	return id, nil
}

// JobStatus is an export job's state and, once done, its result.
type JobStatus struct {
	ID     string      `json:"id"`
	State  string      `json:"state"` // pending, active, retry, completed, archived (failed)
	Error  string      `json:"error,omitempty"`
	Result *TaskResult `json:"result,omitempty"`
}

// ErrJobNotFound is returned by Status for an unknown or expired export job.
var ErrJobNotFound = errors.New("export job not found")

// Status reports an export job.
func (s *ExportService) Status(_ context.Context, id string) (JobStatus, error) {
	if s.Inspector == nil {
		return JobStatus{}, ErrJobNotFound
	}
	info, err := s.Inspector.GetTaskInfo(DefaultQueue, id)
	if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
		return JobStatus{}, fmt.Errorf("%s: %w", id, ErrJobNotFound)
	}
	if err != nil {
		return JobStatus{}, fmt.Errorf("export job %s: %w", id, err)
	}
	st := JobStatus{ID: id, State: info.State.String(), Error: info.LastErr}
	if info.State == asynq.TaskStateCompleted && len(info.Result) > 0 {
		var r TaskResult
		if err := json.Unmarshal(info.Result, &r); err != nil {
			return JobStatus{}, fmt.Errorf("export job %s result: %w", id, err)
		}
		st.Result = &r
	}
	return st, nil
}

// Import kinds.
const (
	KindJSON        = ImportJSON
	KindOpenLineage = ImportOpenLineage
	KindSQLArchive  = "sql"
)

// ImportRequest says what to import: the request body, or the object at URI.
type ImportRequest struct {
	Format          string            `json:"format,omitempty"` // json, openlineage, sql, or "" to detect
	URI             string            `json:"uri,omitempty"`    // s3://bucket/key instead of the body
	RenameDatabases map[string]string `json:"renameDatabases,omitempty"`
}

// ImportOutcome is the answer of an import.
type ImportOutcome struct {
	Format  string            `json:"format"`
	Result  *ImportResult     `json:"result,omitempty"`  // json and openlineage
	Archive *ingest.Extracted `json:"archive,omitempty"` // sql: what went to the ingestion pipeline
}

// Invalidator drops cached answers; *graph.CachedReader implements it.
type Invalidator interface {
	Invalidate(ctx context.Context) error
}

// ImportService runs imports for the API.
type ImportService struct {
	Writer Writer
	// Cache, when set, is invalidated after each written batch, so cached lineage answers
	// never outlive an import (the writes go to the store underneath the cache).
	Cache     Invalidator
	S3        *S3Store         // nil: no s3:// imports
	IngestDir ingest.RunFolder // nil: no archive imports
	MaxBytes  int64            // largest document or archive; 0 means 1 GiB
	Limits    ingest.ArchiveLimits
}

// Import spools the body (or the s3:// object) to a temporary file, detects its kind and
// imports it. Bad input is a *ValidationError or *ingest.ArchiveError (graph.ErrInvalid); the
// problems of an s3:// object name positions and fields, never its values. A URI outside
// the store's bucket and prefix is ErrOutsideBucket, refused before any request to S3.
func (s *ImportService) Import(ctx context.Context, req ImportRequest, body io.Reader) (ImportOutcome, error) {
	maxBytes := s.MaxBytes
	if maxBytes <= 0 {
		maxBytes = 1 << 30
	}
	var path string
	var err error
	if req.URI != "" {
		if s.S3 == nil {
			return ImportOutcome{}, fmt.Errorf("%w: s3:// imports are not configured", graph.ErrInvalid)
		}
		path, err = s.S3.Spool(ctx, req.URI, maxBytes)
	} else {
		path, err = Spool(body, maxBytes)
	}
	if err != nil {
		return ImportOutcome{}, err
	}
	defer os.Remove(path)
	format := req.Format
	if format == "" {
		if format, err = sniff(path); err != nil {
			return ImportOutcome{}, err
		}
	}
	switch format {
	case KindSQLArchive:
		if s.IngestDir == nil {
			return ImportOutcome{}, fmt.Errorf("%w: archive imports are not configured", graph.ErrInvalid)
		}
		x, err := ingest.ImportSQLArchive(ctx, path, s.Limits, s.IngestDir)
		if err != nil {
			return ImportOutcome{}, err
		}
		return ImportOutcome{Format: format, Archive: &x}, nil
	case KindJSON, KindOpenLineage:
		var w Writer = s.Writer
		if s.Cache != nil {
			w = invalidatingWriter{w: s.Writer, cache: s.Cache}
		}
		res, err := Import(ctx, w, FileOpener(path), ImportOptions{Format: format, RenameDatabases: req.RenameDatabases, Redact: req.URI != ""})
		if err != nil {
			return ImportOutcome{}, err
		}
		return ImportOutcome{Format: format, Result: &res}, nil
	}
	return ImportOutcome{}, fmt.Errorf("%w: import format %q, want json, openlineage or sql", graph.ErrInvalid, format)
}

// sniff tells archives from JSON by their first bytes.
func sniff(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head, _ := bufio.NewReader(f).Peek(512)
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")),
		bytes.HasPrefix(head, []byte{0x1f, 0x8b}), len(head) > 262 && string(head[257:262]) == "ustar":
		return KindSQLArchive, nil
	}
	return detectFormat(FileOpener(path))
}

type invalidatingWriter struct {
	w     Writer
	cache Invalidator
}

func (i invalidatingWriter) ImportDatasets(ctx context.Context, batch []graph.ExportDataset) error {
	if err := i.w.ImportDatasets(ctx, batch); err != nil {
		return err
	}
	if err := i.cache.Invalidate(ctx); err != nil {
		return fmt.Errorf("invalidate the lineage cache after an import: %w", err)
	}
	return nil
}
