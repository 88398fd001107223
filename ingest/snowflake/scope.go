package snowflake

import (
	"strings"
)

// QuoteIdent quotes a Snowflake identifier exactly as stored: wrapped in
// double quotes with embedded double quotes doubled.
func QuoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// quoteLiteral renders s as a single-quoted Snowflake string literal, for
// the few places that take no bind variables (SHOW ... FROM '<name>').
// Backslash is an escape character in Snowflake literals, so it is doubled.
func quoteLiteral(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// scope decides which databases and schemas are read.
type scope struct {
	includeDBs, excludeDBs         []string
	includeSchemas, excludeSchemas []schemaPattern
}

// schemaPattern is "SCHEMA" (any database) or "DB.SCHEMA".
type schemaPattern struct {
	db     string // empty: any database
	schema string
}

func newScope(c Config) scope {
	up := func(ps []string) []string {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = strings.ToUpper(strings.TrimSpace(p))
		}
		return out
	}
	schemas := func(ps []string) []schemaPattern {
		out := make([]schemaPattern, len(ps))
		for i, p := range up(ps) {
			if db, s, ok := strings.Cut(p, "."); ok {
				out[i] = schemaPattern{db: db, schema: s}
			} else {
				out[i] = schemaPattern{schema: p}
			}
		}
		return out
	}
	return scope{
		includeDBs: up(c.IncludeDatabases), excludeDBs: up(c.ExcludeDatabases),
		includeSchemas: schemas(c.IncludeSchemas), excludeSchemas: schemas(c.ExcludeSchemas),
	}
}

func (s scope) database(name string) bool {
	n := strings.ToUpper(name)
	anyMatch := func(ps []string) bool {
		for _, p := range ps {
			if glob(p, n) {
				return true
			}
		}
		return false
	}
	return (len(s.includeDBs) == 0 || anyMatch(s.includeDBs)) && !anyMatch(s.excludeDBs)
}

func (s scope) schema(db, name string) bool {
	if strings.EqualFold(name, "INFORMATION_SCHEMA") {
		return false
	}
	d, n := strings.ToUpper(db), strings.ToUpper(name)
	anyMatch := func(ps []schemaPattern) bool {
		for _, p := range ps {
			if (p.db == "" || glob(p.db, d)) && glob(p.schema, n) {
				return true
			}
		}
		return false
	}
	return (len(s.includeSchemas) == 0 || anyMatch(s.includeSchemas)) && !anyMatch(s.excludeSchemas)
}

// glob reports whether name matches pattern, where * matches any run of
// characters (including none) and ? exactly one. Both are compared as given.
func glob(pattern, name string) bool {
	p, n := []rune(pattern), []rune(name)
	pi, ni := 0, 0
	star, mark := -1, 0
	for ni < len(n) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == n[ni]):
			pi++
			ni++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ni
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ni = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
