package graph

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tributary-lineage/tributary/cypher"
)

// MaxSearchOffset bounds how deep SearchPage pages (offset + limit).
const MaxSearchOffset = 10000

// fuzzyMinLen is the shortest word that also matches by edit distance; shorter words would
// match too much.
const fuzzyMinLen = 4

// SearchPage is Search with paging and typo tolerance: every word of q must match a name word
// exactly (ranked first), as a prefix, or (words of 4+ characters) within edit distance 1.
// offset is 0..MaxSearchOffset-limit; limit 1..MaxSearchLimit.
func (s *Store) SearchPage(ctx context.Context, q string, kind string, offset, limit int) ([]SearchHit, error) {
	switch kind {
	case "", KindColumn, KindTable, KindView:
	default:
		return nil, invalidf("search kind %q, want %q, %q or %q", kind, KindColumn, KindTable, KindView)
	}
	if limit < 1 || limit > MaxSearchLimit {
		return nil, invalidf("search limit %d out of range 1..%d", limit, MaxSearchLimit)
	}
	if offset < 0 || offset+limit > MaxSearchOffset {
		return nil, invalidf("search offset %d out of range 0..%d", offset, MaxSearchOffset-limit)
	}
	lq, err := FuzzyLuceneQuery(q)
	if err != nil {
		return nil, err
	}
	res, err := s.read(ctx, cypher.APISearchNamesPage, map[string]any{
		"query": lq, "kind": kind, "skip": int64(offset), "limit": int64(limit)})
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", q, err)
	}
	hits, err := searchHits(res.Records)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", q, err)
	}
	return hits, nil
}

// FuzzyLuceneQuery is LuceneQuery plus an edit-distance-1 alternative for words of four or
// more characters, boosted below exact matches: "(w^3 OR w*^2 OR w~1)".
func FuzzyLuceneQuery(q string) (string, error) {
	words := strings.FieldsFunc(q, unicode.IsSpace)
	if len(words) == 0 {
		return "", invalidf("empty search query")
	}
	if len(words) > 16 {
		return "", invalidf("search query has %d words, at most 16", len(words))
	}
	clauses := make([]string, 0, len(words))
	for _, w := range words {
		if !utf8.ValidString(w) {
			return "", invalidf("search query is not UTF-8")
		}
		e := escapeLucene(strings.ToLower(w))
		c := "(" + e + "^3 OR " + e + "*^2"
		if utf8.RuneCountInString(w) >= fuzzyMinLen {
			c += " OR " + e + "~1"
		}
		clauses = append(clauses, c+")")
	}
	return strings.Join(clauses, " AND "), nil
}
