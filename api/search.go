package api

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/tributary-lineage/tributary/graph"
)

// SearchHitJSON is one search result.
type SearchHitJSON struct {
	Kind   string  `json:"kind"`
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Parent string  `json:"parent"`
	Score  float64 `json:"score"`
}

// SearchJSON is the body of GET /api/v1/lineage/search. NextCursor is empty on the last page.
type SearchJSON struct {
	Query      string          `json:"query"`
	Type       string          `json:"type,omitempty"`
	Limit      int             `json:"limit"`
	Items      []SearchHitJSON `json:"items"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

// searchCursor is what an opaque cursor holds: the offset of the next page and a fingerprint
// of the query it belongs to, so a cursor cannot be replayed against another query.
type searchCursor struct {
	Offset int    `json:"o"`
	Query  uint64 `json:"q"`
}

func queryFingerprint(q, kind string, limit int) uint64 {
	h := sha256.Sum256([]byte(strings.Join(strings.Fields(strings.ToLower(q)), " ") + "\x00" + kind + "\x00" + strconv.Itoa(limit)))
	return binary.BigEndian.Uint64(h[:8])
}

func encodeCursor(c searchCursor) string {
	b, _ := json.Marshal(c) // two numbers: cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (searchCursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return searchCursor{}, false
	}
	var c searchCursor
	if err := json.Unmarshal(b, &c); err != nil || c.Offset <= 0 {
		return searchCursor{}, false
	}
	return c, true
}

func (s *Server) search(c echo.Context) error {
	if s.lineage == nil {
		return unavailable("the lineage graph")
	}
	q := c.QueryParam("q")
	if strings.TrimSpace(q) == "" {
		return badParam("q", "q is required")
	}
	if n := utf8.RuneCountInString(q); n > 200 {
		return badParam("q", "q is %d characters, at most 200", n)
	}
	kind := c.QueryParam("type")
	switch kind {
	case "", graph.KindColumn, graph.KindTable, graph.KindView:
	default:
		return badParam("type", "type %q, want column, table or view", kind)
	}
	limit, err := intParam(c, "limit", DefaultSearchLimit, 1, MaxSearchLimit)
	if err != nil {
		return err
	}
	fp := queryFingerprint(q, kind, limit)
	offset := 0
	if raw := c.QueryParam("cursor"); raw != "" {
		cur, ok := decodeCursor(raw)
		if !ok {
			return badParam("cursor", "cursor is not one this server issued")
		}
		if cur.Query != fp {
			return badParam("cursor", "cursor belongs to another query (q, type and limit must stay the same)")
		}
		offset = cur.Offset
	}
	if offset+limit+1 > graph.MaxSearchOffset {
		return badParam("cursor", "search pages end after %d results; refine the query", graph.MaxSearchOffset-1)
	}
	return s.cachedJSON(c, "http:search", []any{q, kind, limit, offset}, func(ctx context.Context) (any, error) {
		return s.buildSearch(ctx, q, kind, limit, offset, fp)
	})
}

func (s *Server) buildSearch(ctx context.Context, q, kind string, limit, offset int, fp uint64) (SearchJSON, error) {
	// One more than asked tells whether there is a next page.
	hits, err := s.lineage.SearchPage(ctx, q, kind, offset, limit+1)
	if err != nil {
		return SearchJSON{}, lineageError(err, "search %q", q)
	}
	out := SearchJSON{Query: q, Type: kind, Limit: limit, Items: []SearchHitJSON{}}
	for i, h := range hits {
		if i == limit {
			out.NextCursor = encodeCursor(searchCursor{Offset: offset + limit, Query: fp})
			break
		}
		out.Items = append(out.Items, SearchHitJSON{Kind: h.Kind, ID: h.ID, Name: h.Name, Parent: h.Parent, Score: h.Score})
	}
	return out, nil
}
