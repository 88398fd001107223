package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tributary-lineage/tributary/export"
	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
)

// DataExporter runs exports; *export.ExportService implements it.
type DataExporter interface {
	Validate(req export.ExportRequest) (export.ExportRequest, error)
	Stream(ctx context.Context, req export.ExportRequest, w io.Writer) (export.Summary, error)
	Enqueue(ctx context.Context, req export.ExportRequest) (jobID string, err error)
	// Status reports an export job; export.ErrJobNotFound when there is none.
	Status(ctx context.Context, id string) (export.JobStatus, error)
}

// DataImporter runs imports; *export.ImportService implements it.
type DataImporter interface {
	Import(ctx context.Context, req export.ImportRequest, body io.Reader) (export.ImportOutcome, error)
}

// Problem types of the data endpoints.
const (
	ProblemTypeInvalidImport = "tag:tributary-lineage,2026:problem/invalid-import"
)

// dataExport is POST /api/v1/data/export: {"scope": {...}, "format": "xlsx", "delivery": ""}.
// Closures and short view lists stream in the response; larger scopes become an export job
// (202 with the job id) that writes the file to S3.
func (s *Server) dataExport(c echo.Context) error {
	if s.exports == nil {
		return unavailable("exporting")
	}
	var req export.ExportRequest
	if err := decodeJSON(c, &req, "export request"); err != nil {
		if errors.Is(err, io.EOF) {
			return badParam("body", "the body must be a JSON export request with a scope")
		}
		return err
	}
	req, err := s.exports.Validate(req)
	if err != nil {
		return badParam("body", "%v", err)
	}
	ctx := c.Request().Context()
	if req.Delivery == export.DeliveryJob {
		id, err := s.exports.Enqueue(ctx, req)
		if err != nil {
			return &Problem{Type: ProblemTypeUnavailable, Title: "Job queue unavailable", Status: http.StatusServiceUnavailable,
				Detail: "the export could not be enqueued; try again later", Err: err}
		}
		return c.JSON(http.StatusAccepted, Accepted{JobID: id, Status: "queued", Href: "/api/v1/data/export/" + id})
	}
	w := &lazyResponse{c: c, format: req.Format}
	if _, err := s.exports.Stream(ctx, req, w); err != nil {
		if w.started {
			// Part of the file went out: the status cannot change; cut the response short.
			s.logger.ErrorContext(ctx, "export failed after the response started", "error", err.Error())
			panic(http.ErrAbortHandler)
		}
		if errors.Is(err, graph.ErrNotFound) {
			return notFound("%v", err)
		}
		if errors.Is(err, graph.ErrInvalid) {
			return badParam("scope", "%v", err)
		}
		return fmt.Errorf("export %s: %w", req.Scope, err)
	}
	if !w.started {
		w.start()
	}
	return nil
}

// dataExportJob is GET /api/v1/data/export/:id, the href of a 202 export: the job's state and,
// once completed, the s3:// URI and presigned download URL.
func (s *Server) dataExportJob(c echo.Context) error {
	if s.exports == nil {
		return unavailable("exporting")
	}
	id := c.Param("id")
	st, err := s.exports.Status(c.Request().Context(), id)
	if errors.Is(err, export.ErrJobNotFound) {
		return notFound("no export job %q", id)
	}
	if err != nil {
		return fmt.Errorf("export job %s: %w", id, err)
	}
	return c.JSON(http.StatusOK, st)
}

// lazyResponse sends the headers of the export file with its first bytes, so an export that
// fails before writing anything still gets a problem response.
type lazyResponse struct {
	c       echo.Context
	format  export.Format
	started bool
}

func (w *lazyResponse) start() {
	h := w.c.Response().Header()
	h.Set(echo.HeaderContentType, w.format.ContentType())
	h.Set(echo.HeaderContentDisposition, `attachment; filename="tributary-export`+w.format.Extension()+`"`)
	w.c.Response().WriteHeader(http.StatusOK)
	w.started = true
}

func (w *lazyResponse) Write(p []byte) (int, error) {
	if !w.started {
		w.start()
	}
	return w.c.Response().Write(p)
}

// dataImport is POST /api/v1/data/import: the body is a Tributary lineage document,
// OpenLineage events (JSON, array or JSON Lines) or a zip/tar of .sql files; or
// ?uri=s3://bucket/key names the object to import. ?format= (json, openlineage, sql) skips
// detection; ?rename=OLD=NEW[,...] imports databases under other names. Invalid documents
// answer 422 with every problem and its position; nothing is written.
func (s *Server) dataImport(c echo.Context) error {
	if s.imports == nil {
		return unavailable("importing")
	}
	q := c.QueryParams()
	req := export.ImportRequest{Format: q.Get("format"), URI: q.Get("uri")}
	if r := q.Get("rename"); r != "" {
		req.RenameDatabases = map[string]string{}
		for _, pair := range strings.Split(r, ",") {
			from, to, ok := strings.Cut(pair, "=")
			if !ok || from == "" || to == "" {
				return badParam("rename", "rename %q: want OLD=NEW[,OLD=NEW...]", r)
			}
			req.RenameDatabases[from] = to
		}
	}
	out, err := s.imports.Import(c.Request().Context(), req, c.Request().Body)
	if err != nil {
		var verr *export.ValidationError
		var aerr *ingest.ArchiveError
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return err
		case errors.As(err, &verr):
			return &Problem{Type: ProblemTypeInvalidImport, Title: "Invalid import", Status: http.StatusUnprocessableEntity,
				Detail:     fmt.Sprintf("%d problem(s); nothing was written", verr.Total),
				Extensions: map[string]any{"problems": verr.Problems, "total": verr.Total}}
		case errors.As(err, &aerr):
			return &Problem{Type: ProblemTypeInvalidImport, Title: "Invalid archive", Status: http.StatusUnprocessableEntity,
				Detail: aerr.Error(), Extensions: map[string]any{"entry": aerr.Entry}}
		case errors.Is(err, export.ErrOutsideBucket):
			return NewProblem(http.StatusForbidden, fmt.Sprintf("uri %q: imports read only objects of TRIBUTARY_S3_BUCKET under TRIBUTARY_S3_PREFIX", req.URI))
		case errors.Is(err, graph.ErrInvalid):
			return badParam("body", "%v", err)
		}
		return fmt.Errorf("import: %w", err)
	}
	return c.JSON(http.StatusOK, out)
}

// dataRoutes registers the export and import endpoints. Like every other route they are
// always there (so the OpenAPI document and the auth policy describe one route table); without
// their services they answer 503 "not configured".
func (s *Server) dataRoutes(v1 *echo.Group) {
	v1.POST("/data/export", s.dataExport, s.expensive)
	v1.GET("/data/export/:id", s.dataExportJob)
	v1.POST("/data/import", s.dataImport, s.expensive)
}
