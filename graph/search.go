package graph

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tributary-lineage/tributary/cypher"
)

// MaxSearchOffset bounds how deep Search pages (offset + limit); it is also how many of the
// best full-text hits Search ranks, which keeps a broad query (a word 40,000 names contain)
// from ranking every hit.
const MaxSearchOffset = 1000

// maxSearchWords bounds the words of one query, after identifiers are split into words.
const maxSearchWords = 16

// fuzzyMinLen is the shortest word that also matches by edit distance; shorter words would
// match too much.
const fuzzyMinLen = 4

// Match tiers of a search hit, best first.
const (
	MatchExact  = "exact"  // the query is the object's id or name
	MatchWords  = "words"  // every query word is a whole word of the name (or a whole path)
	MatchPrefix = "prefix" // every query word is at least a prefix of one
	MatchTypo   = "typo"   // some query word matched only within one edit
)

var matchTiers = []string{MatchExact, MatchWords, MatchPrefix, MatchTypo}

// Search fields: what a hit matched on.
const (
	FieldID   = "id"   // the whole id
	FieldName = "name" // words of the name, or the whole name
	FieldPath = "path" // a dotted path ending at the object (schema.table, table.column, a full id)
)

// SearchQuery is one search: Text as typed; Kind "", KindColumn, KindTable or KindView;
// Databases and Schemas (names, any case; empty: any) restrict the hits to objects in one of
// them; Offset 0..MaxSearchOffset-Limit; Limit 1..MaxSearchLimit.
type SearchQuery struct {
	Text               string
	Kind               string
	Databases, Schemas []string
	Offset, Limit      int
}

// SearchResult is a page of hits, best first, and how many hits of each kind the query has
// in all (with the database and schema filters, whatever the kind filter).
type SearchResult struct {
	Hits   []SearchHit
	Facets map[string]int64
}

// searchWord is one word of a query: a word of a name, or (Path) a dotted path.
type searchWord struct {
	Text string
	Path bool
}

// IdentifierWords splits a name into lower-case words: on every character that is not a letter
// or digit (`_`, `.`, `$`, spaces...), between letters and digits, and at case changes
// (stgShopOrders -> stg shop orders; HTTPServer -> http server).
func IdentifierWords(name string) []string {
	var words []string
	rs := []rune(name)
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			words = append(words, strings.ToLower(string(rs[start:end])))
		}
		start = -1
	}
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush(i)
			continue
		}
		if start < 0 {
			start = i
			continue
		}
		p := rs[i-1]
		switch {
		case unicode.IsDigit(r) != unicode.IsDigit(p):
			flush(i)
		case unicode.IsUpper(r) && unicode.IsLower(p):
			flush(i)
		case unicode.IsUpper(r) && unicode.IsUpper(p) && i+1 < len(rs) && unicode.IsLower(rs[i+1]):
			flush(i) // the last capital of an acronym starts the next word: HTTPServer
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(rs))
	return words
}

// searchToken is a name as one full-text token: lower case, white space as '_' (tokens are
// separated by white space).
func searchToken(name string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return '_'
		}
		return unicode.ToLower(r)
	}, name)
}

// searchProps are the derived properties the full-text index tributary_search reads, for the
// table, view or column at path (database, schema, object[, column]):
//   - searchName: the whole name and its words (IdentifierWords);
//   - searchPath: every dotted path of two or more parts ending at the object (for
//     ANALYTICS.MARTS.FCT_ORDERS: marts.fct_orders and analytics.marts.fct_orders);
//   - searchScope: database=<db> and schema=<schema>, for the search filters.
//
// Written by every statement that creates a column, table or view, and backfilled by migration
// 004_search.
func searchProps(path ...string) map[string]any {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = searchToken(p)
	}
	var paths []string
	for i := len(parts) - 2; i >= 0; i-- {
		paths = append(paths, strings.Join(parts[i:], "."))
	}
	return map[string]any{
		"searchName":  searchNameTokens(path[len(path)-1]),
		"searchPath":  strings.Join(paths, " "),
		"searchScope": "database=" + scopeToken(path[0]) + " schema=" + scopeToken(path[1]),
	}
}

// searchNameTokens is the searchName of name: the whole name and its words.
func searchNameTokens(name string) string {
	toks := []string{searchToken(name)}
	for _, w := range IdentifierWords(name) {
		if !slices.Contains(toks, w) {
			toks = append(toks, w)
		}
	}
	return strings.Join(toks, " ")
}

// scopeToken is a database or schema name as a searchScope token: searchToken without double
// quotes, so a filter matches whether or not it is typed quoted.
func scopeToken(name string) string { return searchToken(strings.ReplaceAll(name, `"`, "")) }

// nameSearchProps are the search properties of a node whose id does not parse: its name only.
func nameSearchProps(name string) map[string]any {
	return map[string]any{"searchName": searchNameTokens(name), "searchPath": "", "searchScope": ""}
}

func objectSearchProps(o ObjectID) map[string]any {
	return searchProps(o.Database, o.Schema, o.Name)
}

func columnSearchProps(c ColumnID) map[string]any {
	return searchProps(c.Database, c.Schema, c.Table, c.Column)
}

// parseSearchQuery splits q into words: a white-space separated word with a '.' is a path
// (double quotes dropped); any other is split into identifier words.
func parseSearchQuery(q string) ([]searchWord, error) {
	if !utf8.ValidString(q) {
		return nil, invalidf("search query is not UTF-8")
	}
	var words []searchWord
	for _, raw := range strings.FieldsFunc(q, unicode.IsSpace) {
		if strings.Contains(raw, ".") {
			p := strings.Trim(strings.ToLower(strings.ReplaceAll(raw, `"`, "")), ".")
			if p != "" {
				words = append(words, searchWord{Text: p, Path: true})
			}
			continue
		}
		for _, w := range IdentifierWords(raw) {
			words = append(words, searchWord{Text: w})
		}
	}
	if len(words) == 0 {
		return nil, invalidf("search query %q has no words (letters or digits)", q)
	}
	if len(words) > maxSearchWords {
		return nil, invalidf("search query has %d words, at most %d", len(words), maxSearchWords)
	}
	return words, nil
}

// searchLucene is the full-text query of words and filters: every word must match its field
// whole, as a prefix, or (4+ characters) within one edit; the object must be in one of the
// databases and one of the schemas (double quotes dropped, any case) when those are given.
func searchLucene(words []searchWord, databases, schemas []string) string {
	clauses := make([]string, 0, len(words)+2)
	for _, w := range words {
		field := "searchName:"
		if w.Path {
			field = "searchPath:"
		}
		e := escapeLucene(w.Text)
		// Boosts rank whole words above prefixes above typos in Lucene's score, which picks
		// the hits ranked when there are more than MaxSearchOffset.
		c := "(" + field + e + "^8 OR " + field + e + "*^2"
		if utf8.RuneCountInString(w.Text) >= fuzzyMinLen {
			c += " OR " + field + e + "~1"
		}
		clauses = append(clauses, c+")")
	}
	for _, f := range []struct {
		key   string
		names []string
	}{{"database=", databases}, {"schema=", schemas}} {
		var alts []string
		for _, n := range f.names {
			if n = scopeToken(strings.TrimSpace(n)); n != "" {
				alts = append(alts, "searchScope:"+escapeLucene(f.key+n))
			}
		}
		if len(alts) > 0 {
			clauses = append(clauses, "("+strings.Join(alts, " OR ")+")")
		}
	}
	return strings.Join(clauses, " AND ")
}

// Search finds columns, tables and views by name or dotted path. Every word of the query must
// match: identifiers are split into words (FCT_ORDERS: fct, orders; stgShopOrders: stg, shop,
// orders), a word may be a prefix or (4+ characters) one edit away, and a word with a dot
// matches the path ending at the object. Hits come best first: the exact id or name, then all
// words whole, then prefixes, then typos (MatchExact..MatchTypo); among equals tables and views
// before columns, shorter names first, then by id.
func (s *Store) Search(ctx context.Context, q SearchQuery) (SearchResult, error) {
	switch q.Kind {
	case "", KindColumn, KindTable, KindView:
	default:
		return SearchResult{}, invalidf("search kind %q, want %q, %q or %q", q.Kind, KindColumn, KindTable, KindView)
	}
	if q.Limit < 1 || q.Limit > MaxSearchLimit {
		return SearchResult{}, invalidf("search limit %d out of range 1..%d", q.Limit, MaxSearchLimit)
	}
	if q.Offset < 0 || q.Offset+q.Limit > MaxSearchOffset {
		return SearchResult{}, invalidf("search offset %d out of range 0..%d", q.Offset, MaxSearchOffset-q.Limit)
	}
	words, err := parseSearchQuery(q.Text)
	if err != nil {
		return SearchResult{}, err
	}
	if len(q.Databases) > maxSearchWords || len(q.Schemas) > maxSearchWords {
		return SearchResult{}, invalidf("search filters: at most %d databases and %d schemas", maxSearchWords, maxSearchWords)
	}
	lq := searchLucene(words, q.Databases, q.Schemas)
	wordRows := make([]any, len(words))
	for i, w := range words {
		wordRows[i] = map[string]any{"text": w.Text, "path": w.Path}
	}
	exact := strings.ToLower(strings.TrimSpace(q.Text))
	res, err := s.read(ctx, cypher.SearchPage, map[string]any{
		"query": lq, "cap": int64(MaxSearchOffset), "words": wordRows, "exact": exact, "kind": q.Kind,
		"skip": int64(q.Offset), "limit": int64(q.Limit)})
	if err != nil {
		return SearchResult{}, fmt.Errorf("search %q: %w", q.Text, err)
	}
	out := SearchResult{Hits: make([]SearchHit, 0, len(res.Records)), Facets: map[string]int64{KindTable: 0, KindView: 0, KindColumn: 0}}
	for _, rec := range res.Records {
		m := rec.AsMap()
		tier := num(m, "tier")
		if tier < 0 || int(tier) >= len(matchTiers) {
			return SearchResult{}, fmt.Errorf("search %q: tier %d out of range", q.Text, tier)
		}
		score, _ := m["score"].(float64)
		h := SearchHit{ID: str(m, "id"), Name: str(m, "name"), Kind: str(m, "kind"), Parent: str(m, "parentId"),
			Score: score, Match: matchTiers[tier]}
		h.Fields = matchedFields(h, words, exact)
		out.Hits = append(out.Hits, h)
	}
	fres, err := s.read(ctx, cypher.SearchFacets, map[string]any{"query": lq})
	if err != nil {
		return SearchResult{}, fmt.Errorf("search %q facets: %w", q.Text, err)
	}
	for _, rec := range fres.Records {
		m := rec.AsMap()
		out.Facets[str(m, "kind")] = num(m, "hits")
	}
	return out, nil
}

// matchedFields says which fields of hit h the query words matched.
func matchedFields(h SearchHit, words []searchWord, exact string) []string {
	var fields []string
	if strings.ToLower(h.ID) == exact {
		fields = append(fields, FieldID)
	}
	name, path := strings.ToLower(h.Name) == exact, false
	for _, w := range words {
		if w.Path {
			path = true
		} else {
			name = true
		}
	}
	if name {
		fields = append(fields, FieldName)
	}
	if path {
		fields = append(fields, FieldPath)
	}
	return fields
}

// luceneSpecial are the characters Lucene's classic query parser gives a meaning to.
const luceneSpecial = `+-&|!(){}[]^"~*?:\/`

func escapeLucene(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(luceneSpecial, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	// AND, OR and NOT are operators only in upper case; words are lower-cased before this.
	return b.String()
}
