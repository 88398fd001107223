package export

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/telemetry"
)

// TypeExport is the asynq task type of export jobs.
const TypeExport = "export"

// DefaultQueue is the asynq queue export tasks go to.
const DefaultQueue = "exports"

// TaskPayload asks for one export.
type TaskPayload struct {
	Scope  Scope  `json:"scope"`
	Format Format `json:"format"`
	// Name is the object name under the configured prefix; empty means
	// "<format>/<timestamp>-<scope kind><extension>".
	Name string `json:"name,omitempty"`
}

// TaskResult is what an export job writes as its asynq result (JSON).
type TaskResult struct {
	URI     string    `json:"uri"`     // s3://bucket/key
	URL     string    `json:"url"`     // presigned GET
	Expires time.Time `json:"expires"` // when URL stops working
	Bytes   int64     `json:"bytes"`
	Summary Summary   `json:"summary"`
}

// NewTask returns an export task for p (validated first), carrying ctx's trace context.
func NewTask(ctx context.Context, p TaskPayload, opts ...asynq.Option) (*asynq.Task, error) {
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("export task: %w", err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("export task: %w", err)
	}
	return asynq.NewTaskWithHeaders(TypeExport, b, telemetry.TaskHeaders(ctx), append([]asynq.Option{asynq.Queue(DefaultQueue)}, opts...)...), nil
}

func (p *TaskPayload) validate() error {
	scope, err := p.Scope.Normalize()
	if err != nil {
		return err
	}
	p.Scope = scope
	if _, err := ParseFormat(string(p.Format)); err != nil {
		return err
	}
	if strings.Contains(p.Name, "..") || strings.HasPrefix(p.Name, "/") {
		return fmt.Errorf("%w: object name %q", graph.ErrInvalid, p.Name)
	}
	return nil
}

// ObjectStore is where export files go; *S3Store implements it.
type ObjectStore interface {
	Key(name string) string
	Upload(ctx context.Context, key string, r io.Reader, contentType string) (string, error)
	PresignGet(ctx context.Context, uri string) (string, time.Time, error)
}

// Handler runs export tasks: it streams the export into a multipart upload (no local file)
// and returns the object's URI and a presigned download URL.
type Handler struct {
	reader Reader
	store  ObjectStore
	log    *slog.Logger
	opts   Options
}

// NewHandler returns the export task handler.
func NewHandler(r Reader, store ObjectStore, log *slog.Logger, opts Options) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{reader: r, store: store, log: log, opts: opts}
}

// Register adds the handler to mux.
func (h *Handler) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(TypeExport, h.HandleTask)
}

// HandleTask runs an export task and writes its TaskResult. Bad payloads and unknown roots
// fail without retry (asynq.SkipRetry); other failures are retried.
func (h *Handler) HandleTask(ctx context.Context, t *asynq.Task) error {
	var p TaskPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("export task payload: %w: %w", err, asynq.SkipRetry)
	}
	res, err := h.Export(ctx, p)
	if err != nil {
		if errors.Is(err, graph.ErrInvalid) || errors.Is(err, graph.ErrNotFound) {
			return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
		}
		return err
	}
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	if w := t.ResultWriter(); w != nil {
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("export task result: %w", err)
		}
	}
	h.log.InfoContext(ctx, "export done", "uri", res.URI, "bytes", res.Bytes, "views", res.Summary.Views, "edges", res.Summary.Edges)
	return nil
}

// Export runs one export into the object store (what HandleTask does, callable in process).
func (h *Handler) Export(ctx context.Context, p TaskPayload) (TaskResult, error) {
	if err := p.validate(); err != nil {
		return TaskResult{}, err
	}
	opts := h.opts
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	name := p.Name
	if name == "" {
		name = fmt.Sprintf("%s/%s-%s%s", p.Format, opts.Now.UTC().Format("20060102T150405Z"), p.Scope.Kind, p.Format.Extension())
	}
	key := h.store.Key(name)
	pr, pw := io.Pipe()
	counter := &countingWriter{w: pw}
	type outcome struct {
		sum Summary
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		sum, err := Run(ctx, h.reader, p.Scope, p.Format, counter, opts)
		pw.CloseWithError(err)
		done <- outcome{sum, err}
	}()
	uri, uerr := h.store.Upload(ctx, key, pr, p.Format.ContentType())
	pr.CloseWithError(errors.New("upload ended")) // unblocks the export if the upload stopped early
	out := <-done
	if out.err != nil && (errors.Is(out.err, graph.ErrInvalid) || errors.Is(out.err, graph.ErrNotFound)) {
		return TaskResult{}, out.err // permanent: the scope is wrong
	}
	if uerr != nil { // names the cause whichever side failed: a failed export fails the upload
		return TaskResult{}, uerr
	}
	if out.err != nil {
		return TaskResult{}, out.err
	}
	url, expires, err := h.store.PresignGet(ctx, uri)
	if err != nil {
		return TaskResult{}, err
	}
	return TaskResult{URI: uri, URL: url, Expires: expires, Bytes: counter.n, Summary: out.sum}, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
