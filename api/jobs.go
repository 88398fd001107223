package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// JobQueue enqueues source refreshes and reports jobs. The ingestion package implements it
// (through an adapter wired in cmd) over asynq and its job store.
type JobQueue interface {
	EnqueueRefresh(ctx context.Context, req RefreshRequest) (jobID string, err error)
	Job(ctx context.Context, id string) (JobStatus, error)
}

// ErrJobNotFound is returned by JobQueue.Job for an unknown or expired job id.
var ErrJobNotFound = errors.New("job not found")

// ErrBadRefresh is wrapped by EnqueueRefresh's error when the request itself is wrong
// (unknown source): the answer is 400.
var ErrBadRefresh = errors.New("invalid refresh request")

// RefreshRequest is the body of POST /api/v1/data/refresh.
type RefreshRequest struct {
	// Source names what to refresh: "snowflake" (views) or "snowflake-queries" (query history).
	Source string `json:"source"`
	// Full re-analyses every view, not only the changed ones.
	Full bool `json:"full,omitempty"`
}

// JobStatus is the body of GET /api/v1/jobs/{id}.
type JobStatus struct {
	ID        string `json:"id"`
	Source    string `json:"source"`
	Full      bool   `json:"full"`
	State     string `json:"state"`
	Final     bool   `json:"final"`
	Total     int    `json:"total"`
	Done      int    `json:"done"`
	Failed    int    `json:"failed"`
	Deleted   int    `json:"deleted"`
	Unchanged int    `json:"unchanged"`
	// ReanalysedEngine counts the views of Total analysed again only because an engine with
	// another lineage version had analysed them.
	ReanalysedEngine int       `json:"reanalysed_engine"`
	Tables           int       `json:"tables"`
	Started          time.Time `json:"started,omitzero"`
	Finished         time.Time `json:"finished,omitzero"`
	Errors           []string  `json:"errors,omitempty"`
	// Attempt counts the refresh's starts; LastError is the error the last retried refresh
	// or analyze batch ended with; Retrying the batches waiting for a retry.
	Attempt   int    `json:"attempt,omitempty"`
	LastError string `json:"last_error,omitempty"`
	Retrying  int    `json:"retrying,omitempty"`
	// Skipped lists the source's files not read ("path: reason").
	Skipped []string `json:"skipped,omitempty"`
	// Joined lists jobs whose analyze tasks wrote some of this job's views (the same work was
	// queued or running when this job planned it).
	Joined []string `json:"joined,omitempty"`
}

// Accepted is the body of a 202 answer.
type Accepted struct {
	JobID  string `json:"job_id"`
	Status string `json:"status"`
	Href   string `json:"href"`
}

func (s *Server) refresh(c echo.Context) error {
	if s.jobs == nil {
		return unavailable("the job queue")
	}
	var req RefreshRequest
	if err := decodeJSON(c, &req, "refresh request"); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if req.Source == "" {
		return badParam("source", "source is required (\"snowflake\" or \"snowflake-queries\")")
	}
	id, err := s.jobs.EnqueueRefresh(c.Request().Context(), req)
	if err != nil {
		if errors.Is(err, ErrBadRefresh) {
			return badParam("source", "%v", err)
		}
		return &Problem{Type: ProblemTypeUnavailable, Title: "Job queue unavailable", Status: http.StatusServiceUnavailable,
			Detail: "the refresh could not be enqueued; try again later", Err: err}
	}
	href := "/api/v1/jobs/" + id
	c.Response().Header().Set(echo.HeaderLocation, href)
	return c.JSON(http.StatusAccepted, Accepted{JobID: id, Status: "queued", Href: href})
}

func (s *Server) job(c echo.Context) error {
	if s.jobs == nil {
		return unavailable("the job queue")
	}
	id, err := pathParam(c, "id")
	if err != nil {
		return err
	}
	if id == "" || utf8.RuneCountInString(id) > 200 {
		return badParam("id", "job id must be 1..200 characters")
	}
	j, err := s.jobs.Job(c.Request().Context(), id)
	if err != nil {
		if errors.Is(err, ErrJobNotFound) {
			return notFound("job %s not found (unknown or expired)", id)
		}
		return &Problem{Type: ProblemTypeUnavailable, Title: "Job store unavailable", Status: http.StatusServiceUnavailable,
			Detail: "the job could not be read; try again later", Err: err}
	}
	return c.JSON(http.StatusOK, j)
}
