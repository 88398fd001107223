package api

import (
	"context"
	"fmt"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tributary-lineage/tributary/graph"
)

// Page sizes of the view and table lists.
const (
	DefaultListLimit = 50
	MaxListLimit     = graph.MaxListLimit
)

// PositionErrorJSON is where and why a view failed: Position is "file:line:col" (or
// "line:col" when the view did not come from a file).
type PositionErrorJSON struct {
	Position string `json:"position"`
	File     string `json:"file,omitempty"`
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Message  string `json:"message"`
}

// DatasetItemJSON is one item of GET /api/v1/lineage/views or /tables.
type DatasetItemJSON struct {
	ID          string             `json:"id"`
	Kind        string             `json:"kind"`
	Database    string             `json:"database"`
	Schema      string             `json:"schema"`
	Name        string             `json:"name"`
	Status      string             `json:"status,omitempty"`
	Columns     int                `json:"columns"`
	Placeholder bool               `json:"placeholder,omitempty"`
	Message     string             `json:"message,omitempty"`
	Error       *PositionErrorJSON `json:"error,omitempty"`
	UpdatedAt   string             `json:"updated_at,omitempty"`
}

// DatasetListJSON is the body of GET /api/v1/lineage/views and /tables. NextCursor is empty on
// the last page.
type DatasetListJSON struct {
	Kind       string            `json:"kind"`
	Limit      int               `json:"limit"`
	Items      []DatasetItemJSON `json:"items"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

// identParam reads an optional one-part identifier (a database or schema name), resolved as
// Snowflake does: unquoted upper-cased, quoted kept.
func identParam(c echo.Context, name string) (string, error) {
	raw := c.QueryParam(name)
	if raw == "" {
		return "", nil
	}
	parts, err := graph.ParseIdentifiers(raw)
	if err != nil {
		return "", badParam(name, "%s %q: %v", name, raw, err)
	}
	if len(parts) != 1 {
		return "", badParam(name, "%s %q has %d parts, want one name", name, raw, len(parts))
	}
	return parts[0], nil
}

func (s *Server) listViews(c echo.Context) error  { return s.listDatasets(c, graph.KindView) }
func (s *Server) listTables(c echo.Context) error { return s.listDatasets(c, graph.KindTable) }

func (s *Server) listDatasets(c echo.Context, kind string) error {
	if s.lineage == nil {
		return unavailable("the lineage graph")
	}
	f := graph.DatasetFilter{Kind: kind}
	var err error
	if f.Database, err = identParam(c, "database"); err != nil {
		return err
	}
	if f.Schema, err = identParam(c, "schema"); err != nil {
		return err
	}
	f.Status = c.QueryParam("status")
	switch f.Status {
	case "":
	case graph.StatusOK, graph.StatusFailed, graph.StatusHidden:
		if kind != graph.KindView {
			return badParam("status", "status filters views; tables have none")
		}
	default:
		return badParam("status", "status %q, want ok, failed or hidden", f.Status)
	}
	f.Query = c.QueryParam("q")
	if len(f.Query) > 200 {
		return badParam("q", "q is %d bytes, at most 200", len(f.Query))
	}
	if f.Query != "" && strings.TrimSpace(f.Query) == "" {
		return badParam("q", "q is blank")
	}
	limit, err := intParam(c, "limit", DefaultListLimit, 1, MaxListLimit)
	if err != nil {
		return err
	}
	fp := queryFingerprint(limit, kind, f.Database, f.Schema, f.Status, f.Query)
	if f.Offset, err = pageOffset(c, fp); err != nil {
		return err
	}
	if f.Offset+limit+1 > graph.MaxListOffset {
		return badParam("cursor", "lists end after %d items; filter by database, schema or q", graph.MaxListOffset-1)
	}
	f.Limit = limit + 1 // one more tells whether there is a next page
	return s.cachedJSON(c, "http:list", []any{kind, f.Database, f.Schema, f.Status, f.Query, f.Offset, limit},
		func(ctx context.Context) (any, error) {
			items, err := s.lineage.ListDatasets(ctx, f)
			if err != nil {
				return nil, lineageError(err, "list %ss", kind)
			}
			out := DatasetListJSON{Kind: kind, Limit: limit, Items: []DatasetItemJSON{}}
			for i, d := range items {
				if i == limit {
					out.NextCursor = encodeCursor(searchCursor{Offset: f.Offset + limit, Query: fp})
					break
				}
				out.Items = append(out.Items, toDatasetItemJSON(d))
			}
			return out, nil
		})
}

func toDatasetItemJSON(d graph.DatasetSummary) DatasetItemJSON {
	j := DatasetItemJSON{ID: d.ID.String(), Kind: d.Kind, Database: d.ID.Database, Schema: d.ID.Schema,
		Name: d.ID.Name, Status: d.Status, Columns: d.Columns, Placeholder: d.Placeholder, Message: d.Message}
	if !d.UpdatedAt.IsZero() {
		j.UpdatedAt = d.UpdatedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	}
	if e := d.Error; e != nil {
		pos := fmt.Sprintf("%d:%d", e.Line, e.Col)
		if e.File != "" {
			pos = e.File + ":" + pos
		}
		j.Error = &PositionErrorJSON{Position: pos, File: e.File, Line: e.Line, Col: e.Col, Message: e.Message}
	}
	return j
}
