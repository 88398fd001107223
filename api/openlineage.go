package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest/openlineage"
)

// LineageIntake receives OpenLineage events; *openlineage.Intake implements it.
type LineageIntake interface {
	// Receive stores one event; an invalid one is an *openlineage.Error and writes nothing.
	Receive(ctx context.Context, body []byte) (openlineage.Receipt, error)
	// Runs reads a job's most recent runs; graph.ErrNotFound for a job no event named.
	Runs(ctx context.Context, namespace, name string, limit int) (graph.JobRuns, error)
}

// ProblemTypeInvalidEvent is the problem type of an OpenLineage event that breaks the spec.
const ProblemTypeInvalidEvent = "tag:tributary-lineage,2026:problem/invalid-openlineage-event"

// Limits of GET /api/v1/lineage/runs.
const (
	DefaultRunLimit = 20
	MaxRunLimit     = 100
)

// receiveLineage is POST /api/v1/lineage, the OpenLineage HTTP transport's endpoint (as
// Marquez serves it): one RunEvent, DatasetEvent or JobEvent as JSON, 201 when stored, 400
// naming the JSON path of the first problem when it breaks the spec (nothing is written).
func (s *Server) receiveLineage(c echo.Context) error {
	if s.intake == nil {
		return unavailable("openlineage intake")
	}
	req := c.Request()
	mt, _, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEApplicationJSON {
		return &Problem{Type: ProblemTypeUnsupportedMedia, Title: "Unsupported media type", Status: http.StatusUnsupportedMediaType,
			Detail:     fmt.Sprintf("an OpenLineage event is %s, not %q", echo.MIMEApplicationJSON, req.Header.Get(echo.HeaderContentType)),
			Extensions: map[string]any{"parameter": "Content-Type"}}
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badParam("body", "read the event: %v", err)
	}
	rec, err := s.intake.Receive(req.Context(), body)
	if err != nil {
		var ev *openlineage.Error
		switch {
		case errors.As(err, &ev):
			return &Problem{Type: ProblemTypeInvalidEvent, Title: "Invalid OpenLineage event", Status: http.StatusBadRequest,
				Detail: ev.Error() + "; nothing was written", Extensions: map[string]any{"path": ev.Path}}
		case errors.Is(err, graph.ErrInvalid):
			return badParam("body", "%v", err)
		}
		return fmt.Errorf("receive openlineage event: %w", err)
	}
	return c.JSON(http.StatusCreated, rec)
}

// Runs is the answer of GET /api/v1/lineage/runs.
type Runs struct {
	Namespace        string     `json:"namespace"`
	Name             string     `json:"name"`
	LastCompleteRun  string     `json:"lastCompleteRun,omitempty"`
	LastCompleteTime *time.Time `json:"lastCompleteTime,omitempty"`
	Runs             []Run      `json:"runs"`
}

// Run is one run of an OpenLineage job.
type Run struct {
	RunID     string     `json:"runId"`
	State     string     `json:"state"`
	EventTime *time.Time `json:"eventTime,omitempty"`
	StartedAt *time.Time `json:"startedAt,omitempty"`
	EndedAt   *time.Time `json:"endedAt,omitempty"`
	Error     string     `json:"error,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// jobRuns is GET /api/v1/lineage/runs?namespace=&name=[&limit=]: the most recent runs of an
// OpenLineage job with their state, newest first, and the run whose lineage the graph holds.
func (s *Server) jobRuns(c echo.Context) error {
	if s.intake == nil {
		return unavailable("openlineage intake")
	}
	ns, name := c.QueryParam("namespace"), c.QueryParam("name")
	if ns == "" {
		return badParam("namespace", "namespace is required (the job's OpenLineage namespace)")
	}
	if name == "" {
		return badParam("name", "name is required (the job's OpenLineage name)")
	}
	limit, err := intParam(c, "limit", DefaultRunLimit, 1, MaxRunLimit)
	if err != nil {
		return err
	}
	jr, err := s.intake.Runs(c.Request().Context(), ns, name, limit)
	if errors.Is(err, graph.ErrNotFound) {
		return notFound("no OpenLineage job %q in namespace %q", name, ns)
	}
	if err != nil {
		return fmt.Errorf("runs of job %s/%s: %w", ns, name, err)
	}
	out := Runs{Namespace: jr.Namespace, Name: jr.Name, LastCompleteRun: jr.LastCompleteRun,
		LastCompleteTime: timePtr(jr.LastCompleteTime), Runs: []Run{}}
	for _, r := range jr.Runs {
		out.Runs = append(out.Runs, Run{RunID: r.RunID, State: r.State, EventTime: timePtr(r.EventTime),
			StartedAt: timePtr(r.StartedAt), EndedAt: timePtr(r.EndedAt), Error: r.Error})
	}
	return c.JSON(http.StatusOK, out)
}
