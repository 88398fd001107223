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

// SearchHitJSON is one search result: Match is how well it matched (exact, words, prefix,
// typo; best first) and Fields what it matched on (id, name, path), for highlighting.
type SearchHitJSON struct {
	Kind   string   `json:"kind"`
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Parent string   `json:"parent"`
	Match  string   `json:"match"`
	Fields []string `json:"fields"`
	Score  float64  `json:"score"`
}

// SearchFacetsJSON counts the hits of a search per kind (with the database and schema filters,
// whatever the kind filter).
type SearchFacetsJSON struct {
	Table  int64 `json:"table"`
	View   int64 `json:"view"`
	Column int64 `json:"column"`
}

// SearchJSON is the body of GET /api/v1/lineage/search. NextCursor is empty on the last page.
type SearchJSON struct {
	Query      string           `json:"query"`
	Kind       string           `json:"kind,omitempty"`
	Databases  []string         `json:"databases,omitempty"`
	Schemas    []string         `json:"schemas,omitempty"`
	Limit      int              `json:"limit"`
	Facets     SearchFacetsJSON `json:"facets"`
	Items      []SearchHitJSON  `json:"items"`
	NextCursor string           `json:"next_cursor,omitempty"`
}

// searchCursor is what an opaque cursor holds: the offset of the next page and a fingerprint
// of the query it belongs to, so a cursor cannot be replayed against another query.
type searchCursor struct {
	Offset int    `json:"o"`
	Query  uint64 `json:"q"`
}

func queryFingerprint(limit int, parts ...string) uint64 {
	norm := make([]string, len(parts))
	for i, p := range parts {
		norm[i] = strings.Join(strings.Fields(strings.ToLower(p)), " ")
	}
	h := sha256.Sum256([]byte(strings.Join(norm, "\x00") + "\x00" + strconv.Itoa(limit)))
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

// kindParam reads the kind filter of search: kind, or its older name type.
func kindParam(c echo.Context) (string, error) {
	kind, old := c.QueryParam("kind"), c.QueryParam("type")
	param := "kind"
	if kind == "" {
		kind, param = old, "type"
	} else if old != "" && old != kind {
		return "", badParam("kind", "kind %q and type %q differ (type is the older name of kind)", kind, old)
	}
	switch kind {
	case "", graph.KindColumn, graph.KindTable, graph.KindView:
		return kind, nil
	}
	return "", badParam(param, "%s %q, want column, table or view", param, kind)
}

// pageOffset reads the cursor of a paged list: the offset it holds, checked against the
// fingerprint of the query it was issued for.
func pageOffset(c echo.Context, fp uint64) (int, error) {
	raw := c.QueryParam("cursor")
	if raw == "" {
		return 0, nil
	}
	cur, ok := decodeCursor(raw)
	if !ok {
		return 0, badParam("cursor", "cursor is not one this server issued")
	}
	if cur.Query != fp {
		return 0, badParam("cursor", "cursor belongs to another query (the filters and limit must stay the same)")
	}
	return cur.Offset, nil
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
	kind, err := kindParam(c)
	if err != nil {
		return err
	}
	params := c.QueryParams()
	databases, schemas := params["database"], params["schema"]
	for name, vs := range map[string][]string{"database": databases, "schema": schemas} {
		if len(vs) > 16 {
			return badParam(name, "%d %s values, at most 16", len(vs), name)
		}
		for _, v := range vs {
			if len(v) > 255 || strings.TrimSpace(v) == "" {
				return badParam(name, "%s %q: want a name of 1 to 255 bytes", name, v)
			}
		}
	}
	limit, err := intParam(c, "limit", DefaultSearchLimit, 1, MaxSearchLimit)
	if err != nil {
		return err
	}
	fp := queryFingerprint(limit, q, kind, strings.Join(databases, "\x00"), strings.Join(schemas, "\x00"))
	offset, err := pageOffset(c, fp)
	if err != nil {
		return err
	}
	if offset+limit+1 > graph.MaxSearchOffset {
		return badParam("cursor", "search pages end after %d results; refine the query", graph.MaxSearchOffset-1)
	}
	sq := graph.SearchQuery{Text: q, Kind: kind, Databases: databases, Schemas: schemas, Offset: offset, Limit: limit + 1}
	return s.cachedJSON(c, "http:search", []any{q, kind, databases, schemas, limit, offset}, func(ctx context.Context) (any, error) {
		return s.buildSearch(ctx, sq, limit, fp)
	})
}

func (s *Server) buildSearch(ctx context.Context, q graph.SearchQuery, limit int, fp uint64) (SearchJSON, error) {
	// One more than asked (q.Limit) tells whether there is a next page.
	res, err := s.lineage.Search(ctx, q)
	if err != nil {
		return SearchJSON{}, lineageError(err, "search %q", q.Text)
	}
	out := SearchJSON{Query: q.Text, Kind: q.Kind, Databases: q.Databases, Schemas: q.Schemas, Limit: limit,
		Items: []SearchHitJSON{}, Facets: SearchFacetsJSON{
			Table: res.Facets[graph.KindTable], View: res.Facets[graph.KindView], Column: res.Facets[graph.KindColumn]}}
	for i, h := range res.Hits {
		if i == limit {
			out.NextCursor = encodeCursor(searchCursor{Offset: q.Offset + limit, Query: fp})
			break
		}
		fields := h.Fields
		if fields == nil {
			fields = []string{}
		}
		out.Items = append(out.Items, SearchHitJSON{Kind: h.Kind, ID: h.ID, Name: h.Name, Parent: h.Parent,
			Match: h.Match, Fields: fields, Score: h.Score})
	}
	return out, nil
}
