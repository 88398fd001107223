package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tributary-lineage/tributary/graph"
)

// Analyzer computes the column lineage of SQL without writing anything. The lineage engine
// (engine/lineage, through an adapter wired in cmd) implements it.
type Analyzer interface {
	Analyze(ctx context.Context, req AnalyzeRequest) (AnalyzeResult, error)
}

// ViewDiffer compares proposed views with the stored ones, all in one read
// (*graph.Store, or the breaker over it).
type ViewDiffer interface {
	DiffViews(ctx context.Context, proposed []graph.View) ([]graph.ViewDiff, error)
}

// ViewWriter persists analysed views (analyze with persist=true): the views with their states
// in one transaction, as an ingestion batch writes them, then the cache invalidated
// (*graph.Writer).
type ViewWriter interface {
	ReplaceViewsLineage(ctx context.Context, views []graph.View, states []graph.ViewState) error
}

// ViewJobs writes analysed views through the ingestion pipeline as a job (analyze with
// persist=true over MaxSyncPersistViews views answers 202 with the job id): the views and
// states are written as they are, in batches, by the workers.
type ViewJobs interface {
	EnqueueViews(ctx context.Context, views []graph.View, states []graph.ViewState) (jobID string, err error)
}

// AnalyzeRequest is the body of POST /api/v1/lineage/analyze.
type AnalyzeRequest struct {
	SQL             string `json:"sql"`
	DefaultDatabase string `json:"default_database,omitempty"`
	DefaultSchema   string `json:"default_schema,omitempty"`
	// Catalog gives column lists of tables the SQL reads ("DB.S.T": ["A", "B"]), for star
	// expansion; tables not listed are looked up in the graph.
	Catalog map[string][]string `json:"catalog,omitempty"`
	Persist bool                `json:"persist,omitempty"`
}

// AnalyzeResult is what an Analyzer returns.
type AnalyzeResult struct {
	Count      int // statements in the request
	Statements []AnalyzedStatement
	Errors     []StatementError   // statements that did not parse
	Skipped    []SkippedStatement // statements that parsed but carry no lineage
}

// StatementLimitError is an Analyzer's refusal of a request with more statements than it
// analyses at once; nothing was analysed (413).
type StatementLimitError struct {
	Count, Limit int
}

func (e *StatementLimitError) Error() string {
	return fmt.Sprintf("%d statements, at most %d per request", e.Count, e.Limit)
}

// SkippedStatement is a statement the analysis left out, and why (DROP, ALTER, an unknown
// command...).
type SkippedStatement struct {
	Statement int    `json:"statement"`
	Line      int    `json:"line"`
	Col       int    `json:"col"`
	Reason    string `json:"reason"`
}

// StatementError is a statement that did not parse, with its position.
type StatementError struct {
	Statement int    `json:"statement"`
	Line      int    `json:"line"`
	Col       int    `json:"col"`
	Message   string `json:"message"`
}

// Warning is something the analysis could not decide, with its position.
type Warning struct {
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Message string `json:"message"`
}

// AnalyzedSource is one typed edge from an output column to an upstream column. Verified is
// nil for a verified edge and false for a column the catalog does not list on a table the SQL
// names unambiguously; Expressions is the chain of expressions from the source, source first.
type AnalyzedSource struct {
	Column      string       `json:"column"`
	Type        string       `json:"type"`
	Subtype     string       `json:"subtype"`
	Masking     bool         `json:"masking,omitempty"`
	Verified    *bool        `json:"verified,omitempty"`
	Expressions []graph.Step `json:"expressions,omitempty"`
}

// AnalyzedColumn is one output column of a statement.
type AnalyzedColumn struct {
	Name    string           `json:"name"`
	Sources []AnalyzedSource `json:"sources"`
}

// AnalyzedIndirect is an upstream column that affects the whole statement (joins, filters).
type AnalyzedIndirect struct {
	Column  string `json:"column"`
	Subtype string `json:"subtype"`
}

// AnalyzedStatement is the lineage of one statement. View is set for CREATE VIEW: the view as
// ingestion would write it, which the diff compares with the stored one.
type AnalyzedStatement struct {
	Index    int                `json:"index"`
	Kind     string             `json:"kind"`
	Target   string             `json:"target,omitempty"`
	Columns  []AnalyzedColumn   `json:"columns"`
	Indirect []AnalyzedIndirect `json:"indirect"`
	Warnings []Warning          `json:"warnings"`
	View     *graph.View        `json:"-"`
	State    *graph.ViewState   `json:"-"` // set with View: what ingestion records with it
}

// DiffJSON is the diff of a CREATE VIEW against the stored view.
type DiffJSON struct {
	View           string             `json:"view"`
	Exists         bool               `json:"exists"`
	NewView        bool               `json:"new_view,omitempty"` // the graph has no view of this id: everything is added
	ColumnsAdded   []string           `json:"columns_added"`
	ColumnsRemoved []string           `json:"columns_removed"`
	TypesChanged   []TypeChangeJSON   `json:"types_changed"`
	EdgesAdded     []EdgeJSON         `json:"edges_added"`
	EdgesRemoved   []EdgeJSON         `json:"edges_removed"`
	Broken         []BrokenColumnJSON `json:"broken"`
	Affected       ImpactJSON         `json:"affected"`
}

// TypeChangeJSON is a column whose data type would change.
type TypeChangeJSON struct {
	Name    string `json:"name"`
	OldType string `json:"old_type"`
	NewType string `json:"new_type"`
}

// BrokenColumnJSON is a downstream column that would lose sources.
type BrokenColumnJSON struct {
	Column      string     `json:"column"`
	View        string     `json:"view"`
	LostSources []string   `json:"lost_sources"`
	Kinds       []KindJSON `json:"kinds"`
}

// AnalyzedStatementJSON is a statement in the analyze response, with its diff when it
// redefines a stored view.
type AnalyzedStatementJSON struct {
	AnalyzedStatement
	Diff *DiffJSON `json:"diff,omitempty"`
}

// AnalyzeJSON is the body of a 200 answer to POST /api/v1/lineage/analyze.
type AnalyzeJSON struct {
	Persisted  bool                    `json:"persisted"`
	Statements []AnalyzedStatementJSON `json:"statements"`
	Skipped    []SkippedStatement      `json:"skipped"`
}

// Problem types of analyze.
const (
	// ProblemTypeSyntax: SQL that does not parse (422).
	ProblemTypeSyntax = "tag:tributary-lineage,2026:problem/sql-syntax"
	// ProblemTypeNothingAnalysed: no statement of the request carries lineage (422).
	ProblemTypeNothingAnalysed = "tag:tributary-lineage,2026:problem/nothing-analysed"
	// ProblemTypeTooManyStatements: more statements than one request may hold (413).
	ProblemTypeTooManyStatements = "tag:tributary-lineage,2026:problem/too-many-statements"
	// ProblemTypeAnswerTooLarge: the analysis is larger than the server sends in one answer (413).
	ProblemTypeAnswerTooLarge = "tag:tributary-lineage,2026:problem/answer-too-large"
)

// MaxSyncPersistViews is the most views analyze with persist=true writes in the request; more
// become an ingestion job (202). MaxPersistViews caps one request either way.
const (
	MaxSyncPersistViews = 20
	MaxPersistViews     = 5000
)

func diffJSON(d graph.ViewDiff) *DiffJSON {
	out := &DiffJSON{View: d.ID.String(), Exists: d.Exists, NewView: !d.Exists, ColumnsAdded: nonNil(d.ColumnsAdded),
		ColumnsRemoved: nonNil(d.ColumnsRemoved), TypesChanged: []TypeChangeJSON{}, EdgesAdded: []EdgeJSON{},
		EdgesRemoved: []EdgeJSON{}, Broken: []BrokenColumnJSON{}, Affected: impactJSON(d.Affected)}
	for _, t := range d.TypesChanged {
		out.TypesChanged = append(out.TypesChanged, TypeChangeJSON{t.Name, t.OldType, t.NewType})
	}
	for _, e := range d.EdgesAdded {
		out.EdgesAdded = append(out.EdgesAdded, edgeJSON(e))
	}
	for _, e := range d.EdgesRemoved {
		out.EdgesRemoved = append(out.EdgesRemoved, edgeJSON(e))
	}
	for _, b := range d.Broken {
		bj := BrokenColumnJSON{Column: b.ID.String(), View: b.View.String(), Kinds: kindsJSON(b.Kinds)}
		for _, s := range b.LostSources {
			bj.LostSources = append(bj.LostSources, s.String())
		}
		out.Broken = append(out.Broken, bj)
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (s *Server) analyze(c echo.Context) error {
	if s.analyzer == nil {
		return unavailable("the lineage engine")
	}
	var req AnalyzeRequest
	if err := decodeJSON(c, &req, "analyze request"); err != nil {
		if errors.Is(err, io.EOF) {
			return badParam("body", "the body must be a JSON object with at least \"sql\"")
		}
		return err
	}
	if strings.TrimSpace(req.SQL) == "" {
		return badParam("sql", "sql is required")
	}
	if p := c.QueryParam("persist"); p != "" {
		switch p {
		case "true":
			req.Persist = true
		case "false":
			req.Persist = false
		default:
			return badParam("persist", "persist %q, want true or false", p)
		}
	}
	ctx := c.Request().Context()
	res, err := s.analyzer.Analyze(ctx, req)
	var lim *StatementLimitError
	if errors.As(err, &lim) {
		return &Problem{Type: ProblemTypeTooManyStatements, Title: "Too many statements", Status: http.StatusRequestEntityTooLarge,
			Detail: fmt.Sprintf("the SQL holds %d statements, at most %d per request; split it, or ingest large sets with POST /api/v1/data/refresh",
				lim.Count, lim.Limit),
			Extensions: map[string]any{"statements": lim.Count, "limit": lim.Limit}}
	}
	if err != nil {
		return lineageError(err, "analyze")
	}
	setCost(c, res.Count)
	if len(res.Errors) > 0 {
		first := res.Errors[0]
		return &Problem{
			Type: ProblemTypeSyntax, Title: "SQL does not parse", Status: http.StatusUnprocessableEntity,
			Detail:     fmt.Sprintf("statement %d, line %d:%d: %s", first.Statement+1, first.Line, first.Col, first.Message),
			Extensions: map[string]any{"errors": res.Errors, "line": first.Line, "col": first.Col},
		}
	}
	if len(res.Statements) == 0 {
		detail := "no statement carries lineage"
		if len(res.Skipped) > 0 {
			first := res.Skipped[0]
			detail = fmt.Sprintf("no statement carries lineage; statement %d, line %d:%d: %s", first.Statement+1, first.Line, first.Col, first.Reason)
		}
		return &Problem{Type: ProblemTypeNothingAnalysed, Title: "Nothing to analyse", Status: http.StatusUnprocessableEntity,
			Detail: detail, Extensions: map[string]any{"skipped": nonNil(res.Skipped)}}
	}
	var views []graph.View
	var states []graph.ViewState
	for _, st := range res.Statements {
		if st.View != nil {
			views = append(views, *st.View)
		}
		if st.State != nil {
			states = append(states, *st.State)
		}
	}
	if req.Persist && len(views) > MaxSyncPersistViews {
		return s.persistAsJob(c, views, states)
	}
	// One diff per view, in the order of views, read together.
	var diffs []graph.ViewDiff
	if s.differ != nil && len(views) > 0 {
		diffs, err = s.differ.DiffViews(ctx, views)
		if err != nil {
			return lineageError(err, "diff of %d views", len(views))
		}
		if len(diffs) != len(views) {
			return fmt.Errorf("diff of %d views: %d diffs", len(views), len(diffs))
		}
	}
	out := AnalyzeJSON{Statements: make([]AnalyzedStatementJSON, 0, len(res.Statements)), Skipped: nonNil(res.Skipped)}
	nView := 0
	for _, st := range res.Statements {
		sj := AnalyzedStatementJSON{AnalyzedStatement: st}
		sj.Columns, sj.Indirect, sj.Warnings = nonNil(st.Columns), nonNil(st.Indirect), nonNil(st.Warnings)
		if st.View != nil {
			if diffs != nil {
				sj.Diff = diffJSON(diffs[nView])
			}
			nView++
		}
		out.Statements = append(out.Statements, sj)
	}
	if req.Persist && s.writer == nil {
		return unavailable("writing analysed views")
	}
	// The answer's size is checked before anything is written: a refused answer writes nothing.
	out.Persisted = req.Persist
	body, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("encode analysis: %w", err)
	}
	if int64(len(body)) > s.cfg.AnalyzeMaxAnswer {
		return &Problem{Type: ProblemTypeAnswerTooLarge, Title: "Answer too large", Status: http.StatusRequestEntityTooLarge,
			Detail: fmt.Sprintf("the analysis of %d statements is %d bytes, more than the %d bytes one answer may hold; send fewer statements",
				res.Count, len(body), s.cfg.AnalyzeMaxAnswer),
			Extensions: map[string]any{"bytes": len(body), "limit": s.cfg.AnalyzeMaxAnswer}}
	}
	if req.Persist && len(views) > 0 {
		if err := s.writer.ReplaceViewsLineage(ctx, views, states); err != nil {
			return lineageError(err, "write %d views", len(views))
		}
	}
	return c.JSONBlob(http.StatusOK, body)
}

// persistAsJob hands a large persist=true input to the ingestion pipeline: 202 with the job.
func (s *Server) persistAsJob(c echo.Context, views []graph.View, states []graph.ViewState) error {
	n := len(views)
	if n > MaxPersistViews {
		return badParam("sql", "%d views to write, at most %d per request; ingest larger sets with POST /api/v1/data/refresh", n, MaxPersistViews)
	}
	if s.viewJobs == nil {
		return badParam("sql", "%d views to write, at most %d per request on this server", n, MaxSyncPersistViews)
	}
	id, err := s.viewJobs.EnqueueViews(c.Request().Context(), views, states)
	if err != nil {
		var he *echo.HTTPError
		var pr *Problem
		if errors.As(err, &he) || errors.As(err, &pr) {
			return err // refused on purpose (403 from the security layer)
		}
		return &Problem{Type: ProblemTypeUnavailable, Title: "Job queue unavailable", Status: http.StatusServiceUnavailable,
			Detail: "the views could not be enqueued; try again later", Err: err}
	}
	href := "/api/v1/jobs/" + id
	c.Response().Header().Set(echo.HeaderLocation, href)
	return c.JSON(http.StatusAccepted, Accepted{JobID: id, Status: "queued", Href: href})
}
