package sql

import (
	"context"
	"fmt"
	"strings"
)

// MaxDepth bounds the nesting of expressions, queries and FROM items. Deeper
// input gives a *SyntaxError instead of unbounded recursion.
const MaxDepth = 1000

// SyntaxError describes why a statement did not parse. Line and Col (1-based,
// Col in bytes) point at the offending token; Offset is its 0-based byte
// offset. Found describes that token ("end of input" at the end); Expected
// says what the parser wanted; Msg, when set, replaces the
// "unexpected ..., expected ..." wording (lexical errors, nesting limit).
type SyntaxError struct {
	Line     int
	Col      int
	Offset   int
	Found    string
	Expected string
	Msg      string
}

// Error returns "line:col: unexpected X, expected Y" (or "line:col: Msg").
func (e *SyntaxError) Error() string {
	if e.Msg != "" {
		return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("%d:%d: unexpected %s, expected %s", e.Line, e.Col, e.Found, e.Expected)
}

// StatementResult is the outcome of parsing one statement of a script.
// Exactly one of Stmt and Err is non-nil.
type StatementResult struct {
	Index int          // 0-based index among the script's non-empty statements
	Pos   Pos          // position of the statement's first token
	Text  string       // the statement's source text, without the terminating ';'
	Stmt  Stmt         // the parsed statement
	Err   *SyntaxError // why it did not parse
}

// ParseScript splits src into statements at top-level semicolons (semicolons
// inside strings, quoted identifiers, comments and Snowflake Scripting blocks
// do not count) and parses each one independently, so a bad statement does
// not hide the others.
// Empty statements are skipped. It never fails as a whole.
func ParseScript(src string) []StatementResult {
	toks := lex(src)
	spans := splitStatements(toks)
	out := make([]StatementResult, 0, len(spans))
	for i, sp := range spans {
		out = append(out, parseRange(src, toks, sp[0], sp[1], i))
	}
	return out
}

// TooManyStatementsError is ParseScriptContext's refusal of a script with more statements than
// its limit; nothing was parsed.
type TooManyStatementsError struct {
	Count, Limit int
}

func (e *TooManyStatementsError) Error() string {
	return fmt.Sprintf("%d statements, at most %d allowed", e.Count, e.Limit)
}

// ParseScriptContext is ParseScript for input from outside: it counts the statements first and
// refuses more than limit (0: no limit) with a *TooManyStatementsError before parsing any, and
// it stops between statements once ctx ends, returning ctx's error.
func ParseScriptContext(ctx context.Context, src string, limit int) ([]StatementResult, error) {
	toks := lex(src)
	spans := splitStatements(toks)
	if limit > 0 && len(spans) > limit {
		return nil, &TooManyStatementsError{Count: len(spans), Limit: limit}
	}
	out := make([]StatementResult, 0, len(spans))
	for i, sp := range spans {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("parse statement %d of %d: %w", i+1, len(spans), err)
		}
		out = append(out, parseRange(src, toks, sp[0], sp[1], i))
	}
	return out, nil
}

// splitStatements returns the [start, end) token ranges of the script's non-empty statements.
func splitStatements(toks []token) [][2]int {
	var spans [][2]int
	for start := 0; start < len(toks); {
		end := statementEnd(toks, start)
		if end > start {
			spans = append(spans, [2]int{start, end})
		}
		start = end + 1
	}
	return spans
}

func isTerminator(t *token) bool {
	return t.kind == tEOF || t.kind == tPunct && t.text == ";"
}

func isWord(t *token, w string) bool {
	return t.kind == tWord && strings.EqualFold(t.text, w)
}

// statementEnd returns the index of the ';' or EOF token that ends the
// statement starting at toks[start]. A Snowflake Scripting block (BEGIN ...
// END, DECLARE ... BEGIN ... END, or the unquoted body of CREATE PROCEDURE
// ... AS BEGIN ... END) is one statement despite its inner semicolons.
func statementEnd(toks []token, start int) int {
	if e := scriptBlockEnd(toks, start); e >= 0 {
		return e
	}
	routine := false
	for j := start; ; j++ {
		t := &toks[j]
		if isTerminator(t) {
			return j
		}
		if j == start || !isWord(&toks[start], "CREATE") {
			continue
		}
		switch {
		case isWord(t, "PROCEDURE"), isWord(t, "FUNCTION"):
			routine = true
		case routine && isWord(t, "AS"):
			if e := scriptBlockEnd(toks, j+1); e >= 0 {
				return e
			}
		}
	}
}

// scriptBlockEnd returns the index of the ';' or EOF after the END that
// closes the Snowflake Scripting block starting at toks[i], or -1 when
// toks[i] does not start a block. BEGIN and CASE open a level that END
// closes; END IF, END LOOP, END FOR, END WHILE and END REPEAT close
// statements whose start is not counted.
func scriptBlockEnd(toks []token, i int) int {
	if i >= len(toks) {
		return -1
	}
	first := &toks[i]
	switch {
	case isWord(first, "DECLARE"):
	case isWord(first, "BEGIN"):
		if i+1 < len(toks) {
			if n := &toks[i+1]; isTerminator(n) || isWord(n, "TRANSACTION") || isWord(n, "WORK") || isWord(n, "NAME") {
				return -1 // BEGIN [TRANSACTION]: a transaction, not a block
			}
		}
	default:
		return -1
	}
	depth, opened := 0, false
	for j := i; j < len(toks); j++ {
		t := &toks[j]
		switch {
		case t.kind == tEOF:
			return j
		case isWord(t, "BEGIN"):
			depth++
			opened = true
		case isWord(t, "CASE"):
			depth++
		case isWord(t, "END"):
			if n := &toks[j+1]; isWord(n, "IF") || isWord(n, "LOOP") || isWord(n, "FOR") || isWord(n, "WHILE") || isWord(n, "REPEAT") {
				j++
				continue
			}
			if isWord(&toks[j+1], "CASE") {
				j++
			}
			depth--
			if opened && depth <= 0 {
				for k := j + 1; ; k++ {
					if isTerminator(&toks[k]) {
						return k
					}
				}
			}
		}
	}
	return len(toks) - 1
}

// Parse parses every statement of src. It returns the first syntax error
// (a *SyntaxError) if any statement fails; use ParseScript to keep the
// statements that did parse.
func Parse(src string) (*Script, error) {
	res := ParseScript(src)
	s := &Script{Pos: Pos{Line: 1, Col: 1}}
	for _, r := range res {
		if r.Err != nil {
			return nil, r.Err
		}
		s.Stmts = append(s.Stmts, r.Stmt)
	}
	return s, nil
}

// ParseExpr parses a single scalar expression.
func ParseExpr(src string) (Expr, error) {
	toks := lex(src)
	p := &parser{src: src, toks: toks, end: len(toks) - 1}
	e := p.parseExpr()
	p.expectEnd("end of input")
	if p.err != nil {
		return nil, p.err
	}
	return e, nil
}

// statementText returns the position of the first token of the statement toks[start:end] and
// its source text without the terminator: what StatementResult and ScannedStatement hold.
func statementText(src string, toks []token, start, end int) (Pos, string) {
	first := &toks[start]
	return first.pos(), src[first.pos().Offset:toks[end-1].end()]
}

func parseRange(src string, toks []token, start, end, index int) StatementResult {
	p := &parser{src: src, toks: toks[start : end+1], end: end - start}
	r := StatementResult{Index: index}
	r.Pos, r.Text = statementText(src, toks, start, end)
	st := p.parseStatement()
	p.expectEnd("end of statement")
	if p.err != nil {
		r.Err = p.err
		return r
	}
	r.Stmt = st
	return r
}

// parser parses the tokens of one statement. toks[end] is the statement's
// terminator (';' or EOF). Errors are sticky: the first one is kept and the
// parser jumps to the terminator, which matches nothing, so every loop ends.
type parser struct {
	src   string
	toks  []token
	end   int
	i     int
	depth int
	err   *SyntaxError
	// noAlias is set inside MATCH_RECOGNIZE MEASURES, where the words that
	// start the next clause are not implicit aliases.
	noAlias bool
}

func (p *parser) tok() *token { return &p.toks[p.i] }

// peek returns the token n positions ahead, clamped to the terminator.
func (p *parser) peek(n int) *token {
	j := p.i + n
	if j > p.end {
		j = p.end
	}
	return &p.toks[j]
}

func (p *parser) next() {
	if p.i < p.end {
		p.i++
	}
}

func (p *parser) atEnd() bool { return p.i >= p.end }

func (p *parser) isKw(kw string) bool {
	t := &p.toks[p.i]
	return t.kind == tWord && t.kw() == kw
}

func (p *parser) isKwAt(n int, kw string) bool {
	t := p.peek(n)
	return t.kind == tWord && t.kw() == kw
}

func (p *parser) acceptKw(kw string) bool {
	if p.isKw(kw) {
		p.next()
		return true
	}
	return false
}

func (p *parser) expectKw(kw string) bool {
	if p.acceptKw(kw) {
		return true
	}
	p.fail(kw)
	return false
}

func (p *parser) isPunct(s string) bool {
	t := &p.toks[p.i]
	return t.kind == tPunct && t.text == s
}

func (p *parser) isPunctAt(n int, s string) bool {
	t := p.peek(n)
	return t.kind == tPunct && t.text == s
}

func (p *parser) accept(s string) bool {
	if p.isPunct(s) {
		p.next()
		return true
	}
	return false
}

func (p *parser) expect(s string) bool {
	if p.accept(s) {
		return true
	}
	p.fail("'" + s + "'")
	return false
}

func (p *parser) expectEnd(what string) {
	if p.err == nil && !p.atEnd() {
		p.fail(what)
	}
}

// fail records a syntax error at the current token (unless one is already
// recorded) and jumps to the terminator.
func (p *parser) fail(expected string) {
	if p.err != nil {
		return
	}
	t := p.tok()
	e := &SyntaxError{Line: t.pos().Line, Col: t.pos().Col, Offset: t.pos().Offset, Found: describe(t), Expected: expected}
	if t.kind == tError {
		e.Msg = t.message()
	}
	p.err = e
	p.i = p.end
}

// failMsg records an error with a custom message at token t.
func (p *parser) failMsg(t *token, msg string) {
	if p.err != nil {
		return
	}
	p.err = &SyntaxError{Line: t.pos().Line, Col: t.pos().Col, Offset: t.pos().Offset, Found: describe(t), Msg: msg}
	p.i = p.end
}

func describe(t *token) string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tError:
		return "invalid token"
	}
	s := t.text
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// enter counts one level of nesting; it fails when MaxDepth is exceeded.
func (p *parser) enter() bool {
	p.depth++
	if p.depth > MaxDepth {
		p.failMsg(p.tok(), fmt.Sprintf("nesting deeper than %d levels", MaxDepth))
		return false
	}
	return true
}

func (p *parser) leave() { p.depth-- }

// ---------------------------------------------------------------------------
// identifiers and names

// isIdent reports whether the current token can be an identifier: a quoted
// identifier or a word that Snowflake does not reserve.
func (p *parser) isIdent() bool {
	t := p.tok()
	return t.kind == tQIdent || t.kind == tWord && !t.reserved()
}

// isTableIdent is isIdent for table names and aliases in FROM, where words
// such as LEFT and JOIN are also excluded.
func (p *parser) isTableIdent() bool {
	t := p.tok()
	return t.kind == tQIdent || t.kind == tWord && t.class == classNone
}

// isAnyWord reports whether the current token is a word or quoted identifier,
// reserved or not (names after a dot, named arguments, path keys).
func (p *parser) isAnyWord() bool {
	t := p.tok()
	return t.kind == tQIdent || t.kind == tWord
}

func (p *parser) identFrom(t *token) Ident {
	if t.kind == tQIdent {
		return Ident{Pos: t.pos(), Name: unquoteIdent(t.text), Quoted: true}
	}
	return Ident{Pos: t.pos(), Name: t.text}
}

// parseIdent parses a non-reserved identifier.
func (p *parser) parseIdent() Ident {
	if !p.isIdent() {
		p.fail("identifier")
		return Ident{}
	}
	id := p.identFrom(p.tok())
	p.next()
	return id
}

// parseAnyIdent parses an identifier, accepting reserved words too.
func (p *parser) parseAnyIdent() Ident {
	if !p.isAnyWord() {
		p.fail("identifier")
		return Ident{}
	}
	id := p.identFrom(p.tok())
	p.next()
	return id
}

// parseObjectName parses [db.][schema.]name, including db..name.
func (p *parser) parseObjectName() ObjectName {
	n := ObjectName{Pos: p.tok().pos()}
	n.Parts = append(n.Parts, p.parseIdent())
	for p.isPunct(".") && len(n.Parts) < 3 {
		p.next()
		if p.isPunct(".") && len(n.Parts) == 1 { // db..name
			n.Parts = append(n.Parts, Ident{Pos: p.tok().pos()})
			p.next()
		}
		n.Parts = append(n.Parts, p.parseAnyIdent())
	}
	return n
}

// parseIdentList parses '(' ident, ... ')'.
func (p *parser) parseIdentList() []Ident {
	if !p.expect("(") {
		return nil
	}
	var out []Ident
	for {
		out = append(out, p.parseIdent())
		if !p.accept(",") {
			break
		}
	}
	p.expect(")")
	return out
}

func unquoteIdent(raw string) string {
	s := raw[1 : len(raw)-1]
	if strings.Contains(s, `""`) {
		s = strings.ReplaceAll(s, `""`, `"`)
	}
	return s
}

// ---------------------------------------------------------------------------
// statements

func (p *parser) parseStatement() Stmt {
	switch {
	case p.isKw("CREATE"):
		return p.parseCreate()
	case p.isKw("INSERT"):
		return p.parseInsert(nil)
	case p.isKw("MERGE"):
		return p.parseMerge()
	case p.isKw("WITH"):
		start := p.tok().pos()
		w := p.parseWith()
		if p.isKw("INSERT") {
			return p.parseInsert(w)
		}
		q := &Query{Pos: start, With: w}
		p.parseQueryRest(q)
		return &QueryStmt{Pos: start, Query: q}
	case p.isKw("SELECT"), p.isKw("VALUES"), p.isPunct("("):
		start := p.tok().pos()
		return &QueryStmt{Pos: start, Query: p.parseQuery()}
	}
	return p.unsupported(0, "statement does not carry column lineage")
}

// objectTypeWords end the leading keywords of an unsupported statement.
var objectTypeWords = map[string]bool{
	"TABLE": true, "VIEW": true, "SCHEMA": true, "DATABASE": true, "PROCEDURE": true, "FUNCTION": true,
	"STAGE": true, "SEQUENCE": true, "STREAM": true, "TASK": true, "PIPE": true, "WAREHOUSE": true,
	"ROLE": true, "USER": true, "FORMAT": true, "POLICY": true, "TAG": true, "ALERT": true, "INTEGRATION": true,
	"SECRET": true, "RULE": true, "SHARE": true, "INDEX": true, "ALL": true, "FIRST": true,
}

// unsupported skips the statement from token index start to its end and
// returns it as *Unsupported.
func (p *parser) unsupported(start int, note string) Stmt {
	first := &p.toks[start]
	var words []string
	for j := start; j < p.end && len(words) < 5; j++ {
		t := &p.toks[j]
		if t.kind != tWord {
			break
		}
		w := strings.ToUpper(t.text)
		if w == "IF" {
			break
		}
		if w == "OR" && j+1 < p.end && strings.EqualFold(p.toks[j+1].text, "REPLACE") {
			j++
			continue
		}
		words = append(words, w)
		if len(words) > 1 && objectTypeWords[w] {
			break
		}
	}
	if len(words) > 1 && !objectTypeWords[words[len(words)-1]] {
		words = words[:1]
	}
	kw := strings.Join(words, " ")
	if kw == "" {
		kw = describe(first)
	}
	u := &Unsupported{
		Pos:     first.pos(),
		Keyword: kw,
		Note:    note,
	}
	last := p.end - 1
	if last < start {
		last = start
	}
	u.Text = p.src[first.pos().Offset:p.toks[last].end()]
	p.i = p.end
	return u
}

func (p *parser) parseCreate() Stmt {
	start := p.i
	pos := p.tok().pos()
	p.next() // CREATE
	orReplace := false
	if p.isKw("OR") && p.isKwAt(1, "REPLACE") {
		p.next()
		p.next()
		orReplace = true
	}
	m := p.parseCreateModifiers()
	switch {
	case p.isKw("VIEW") && m.view():
		p.next()
		v := &CreateView{Pos: pos, OrReplace: orReplace, Secure: m.secure, Temporary: m.temp,
			Recursive: m.recursive, Materialized: m.materialized}
		p.parseCreateViewRest(v)
		return v
	case p.isKw("TABLE") && !m.secure && !m.recursive && !m.materialized:
		p.next()
		kind := m.temp
		if m.transient {
			kind = "TRANSIENT"
		}
		if m.dynamic {
			kind = "DYNAMIC"
		}
		return p.parseCreateTable(start, &CreateTableAs{Pos: pos, OrReplace: orReplace, Kind: kind, Iceberg: m.iceberg})
	}
	return p.unsupported(start, "statement does not carry column lineage")
}

// createModifiers are the words between CREATE [OR REPLACE] and the object type.
type createModifiers struct {
	secure, recursive, materialized, transient, dynamic, iceberg bool
	temp                                                         string
}

// view reports whether the modifiers allow a VIEW after them.
func (m createModifiers) view() bool { return !m.dynamic && !m.transient && !m.iceberg }

// parseCreateModifiers reads the modifiers after CREATE [OR REPLACE].
func (p *parser) parseCreateModifiers() createModifiers {
	var m createModifiers
	for {
		switch {
		case isWord(p.tok(), "ICEBERG") && p.isKwAt(1, "TABLE"):
			m.iceberg = true
		case p.isKw("SECURE"):
			m.secure = true
		case p.isKw("RECURSIVE"):
			m.recursive = true
		case p.isKw("MATERIALIZED"):
			m.materialized = true
		case p.isKw("TRANSIENT"):
			m.transient = true
		case p.isKw("DYNAMIC"):
			m.dynamic = true
		case p.isKw("VOLATILE"):
			m.temp = "VOLATILE"
		case p.isKw("TEMP"), p.isKw("TEMPORARY"):
			if m.temp == "" {
				m.temp = "TEMPORARY"
			} else {
				m.temp += " TEMPORARY"
			}
		case p.isKw("LOCAL"), p.isKw("GLOBAL"):
			m.temp = p.tok().kw()
		default:
			return m
		}
		p.next()
	}
}

func (p *parser) parseIfNotExists() bool {
	if p.isKw("IF") && p.isKwAt(1, "NOT") && p.isKwAt(2, "EXISTS") {
		p.next()
		p.next()
		p.next()
		return true
	}
	return false
}

func (p *parser) parseStringValue() string {
	t := p.tok()
	if t.kind != tString && t.kind != tDollarStr {
		p.fail("string literal")
		return ""
	}
	p.next()
	return stringValue(t)
}

func (p *parser) parseCreateViewRest(v *CreateView) {
	v.IfNotExists = p.parseIfNotExists()
	v.Name = p.parseObjectName()
	if p.isPunct("(") {
		p.next()
		v.Columns = []*ViewColumn{}
		for {
			v.Columns = append(v.Columns, p.parseViewColumn())
			if !p.accept(",") {
				break
			}
		}
		p.expect(")")
	}
	for p.err == nil && !p.isKw("AS") {
		switch {
		case p.isKw("COPY") && p.isKwAt(1, "GRANTS"):
			p.next()
			p.next()
			v.CopyGrants = true
		case p.isKw("COMMENT"):
			p.next()
			p.accept("=")
			s := p.parseStringValue()
			v.Comment = &s
		case p.isKw("CHANGE_TRACKING"):
			p.next()
			p.accept("=")
			b := p.isKw("TRUE")
			if !b && !p.isKw("FALSE") {
				p.fail("TRUE or FALSE")
				return
			}
			p.next()
			v.ChangeTracking = &b
		case p.isKw("WITH") && (p.isKwAt(1, "ROW") || p.isKwAt(1, "TAG")), p.isKw("ROW") && p.isKwAt(1, "ACCESS"), p.isKw("TAG"):
			p.acceptKw("WITH")
			if p.acceptKw("TAG") {
				v.Tags = append(v.Tags, p.parseTagList()...)
				continue
			}
			rap := &RowAccessPolicy{Pos: p.tok().pos()}
			p.expectKw("ROW")
			p.expectKw("ACCESS")
			p.expectKw("POLICY")
			rap.Name = p.parseObjectName()
			p.expectKw("ON")
			rap.On = p.parseIdentList()
			v.RowAccessPolicy = rap
		case p.isKw("CLUSTER") && p.isKwAt(1, "BY"):
			p.next()
			p.next()
			v.ClusterBy = p.parseParenExprList()
		default:
			p.fail("AS")
			return
		}
	}
	p.expectKw("AS")
	v.Query = p.parseQuery()
}

func (p *parser) parseViewColumn() *ViewColumn {
	c := &ViewColumn{Pos: p.tok().pos(), Name: p.parseIdent()}
	for p.err == nil {
		switch {
		case p.isKw("COMMENT"):
			p.next()
			s := p.parseStringValue()
			c.Comment = &s
		case p.isKw("WITH") && (p.isKwAt(1, "MASKING") || p.isKwAt(1, "TAG")), p.isKw("MASKING"), p.isKw("TAG"):
			p.acceptKw("WITH")
			if p.acceptKw("TAG") {
				c.Tags = append(c.Tags, p.parseTagList()...)
				continue
			}
			p.expectKw("MASKING")
			p.expectKw("POLICY")
			name := p.parseObjectName()
			c.MaskingPolicy = &name
			if p.acceptKw("USING") {
				c.MaskingUsing = p.parseIdentList()
			}
		default:
			return c
		}
	}
	return c
}

func (p *parser) parseTagList() []*TagAssignment {
	p.expect("(")
	var out []*TagAssignment
	for p.err == nil {
		t := &TagAssignment{Pos: p.tok().pos(), Name: p.parseObjectName()}
		p.expect("=")
		t.Value = p.parseStringValue()
		out = append(out, t)
		if !p.accept(",") {
			break
		}
	}
	p.expect(")")
	return out
}

func (p *parser) parseParenExprList() []Expr {
	if !p.expect("(") {
		return nil
	}
	var out []Expr
	for {
		out = append(out, p.parseExpr())
		if !p.accept(",") {
			break
		}
	}
	p.expect(")")
	return out
}

// parseValuesRow parses '(' expr, ... ')' of a VALUES list, where a bare
// DEFAULT is a *KeywordExpr.
func (p *parser) parseValuesRow() []Expr {
	if !p.expect("(") {
		return nil
	}
	var out []Expr
	for p.err == nil {
		if p.isKw("DEFAULT") && (p.isPunctAt(1, ",") || p.isPunctAt(1, ")")) {
			out = append(out, &KeywordExpr{Pos: p.tok().pos(), Name: "DEFAULT"})
			p.next()
		} else {
			out = append(out, p.parseExpr())
		}
		if !p.accept(",") {
			break
		}
	}
	p.expect(")")
	return out
}

// startsQuery reports whether the token n ahead can start a query.
func (p *parser) startsQueryAt(n int) bool {
	return p.isKwAt(n, "SELECT") || p.isKwAt(n, "WITH") || p.isKwAt(n, "VALUES")
}

func (p *parser) parseCreateTable(start int, c *CreateTableAs) Stmt {
	c.IfNotExists = p.parseIfNotExists()
	c.Name = p.parseObjectName()
	if p.err != nil {
		return nil
	}
	if p.isPunct("(") && !p.startsQueryAt(1) && !p.isPunctAt(1, "(") {
		p.next()
		c.Columns = []*ColumnDef{}
		for p.err == nil {
			cd := &ColumnDef{Pos: p.tok().pos(), Name: p.parseIdent()}
			if p.isAnyWord() && !p.isKw("NOT") && !p.isKw("NULL") && !p.isKw("DEFAULT") &&
				!p.isKw("COMMENT") && !p.isKw("CONSTRAINT") && !p.isKw("PRIMARY") && !p.isKw("AS") {
				cd.Type = p.parseDataType()
			}
			p.skipUntilCommaOrClose()
			c.Columns = append(c.Columns, cd)
			if !p.accept(",") {
				break
			}
		}
		p.expect(")")
	}
	// Table options are read (NAME = value) or skipped up to AS followed by a
	// query.
	depth := 0
	for p.err == nil && !p.atEnd() {
		switch {
		case p.isPunct("("):
			depth++
		case p.isPunct(")"):
			depth--
		case depth == 0 && p.isKw("COPY") && p.isKwAt(1, "GRANTS"):
			c.CopyGrants = true
		case depth == 0 && p.isKw("AS") && (p.startsQueryAt(1) || p.isPunctAt(1, "(")):
			p.next()
			c.Query = p.parseQuery()
			return c
		case depth == 0 && p.tok().kind == tWord && p.isPunctAt(1, "="):
			if o, ok := p.tableOption(); ok {
				c.Options = append(c.Options, o)
				continue
			}
		}
		p.next()
	}
	if p.err != nil {
		return nil
	}
	return p.unsupported(start, "CREATE TABLE without AS query carries no column lineage")
}

// tableOption reads NAME = value at the current token when value is a
// string, a number or a word; otherwise it consumes nothing.
func (p *parser) tableOption() (*TableOption, bool) {
	name, v := p.tok(), p.peek(2)
	o := &TableOption{Pos: name.pos(), Name: strings.ToUpper(name.text)}
	switch v.kind {
	case tString, tDollarStr:
		o.Value = stringValue(v)
	case tNumber:
		o.Value = v.text
	case tQIdent:
		o.Value = unquoteIdent(v.text)
	case tWord:
		if p.isKwAt(2, "AS") {
			return nil, false
		}
		o.Value = strings.ToUpper(v.text)
	default:
		return nil, false
	}
	p.next()
	p.next()
	p.next()
	return o, true
}

// skipUntilCommaOrClose skips column-definition details (constraints,
// defaults, comments) up to the next ',' or ')' at the same depth.
func (p *parser) skipUntilCommaOrClose() {
	depth := 0
	for p.err == nil && !p.atEnd() {
		if depth == 0 && (p.isPunct(",") || p.isPunct(")")) {
			return
		}
		if p.isPunct("(") {
			depth++
		} else if p.isPunct(")") {
			depth--
		}
		p.next()
	}
}

func (p *parser) parseInsert(with *With) Stmt {
	start := p.i
	pos := p.tok().pos()
	p.next() // INSERT
	multi := func(n int) bool { return p.isKwAt(n, "ALL") || p.isKwAt(n, "FIRST") }
	if multi(0) || p.isKw("OVERWRITE") && multi(1) {
		if with != nil {
			start = 0
		}
		return p.unsupported(start, "multi-table INSERT is not analysed")
	}
	ins := &Insert{Pos: pos}
	ins.Overwrite = p.acceptKw("OVERWRITE")
	p.expectKw("INTO")
	ins.Table = p.parseObjectName()
	if p.isPunct("(") && !p.startsQueryAt(1) && !p.isPunctAt(1, "(") {
		ins.Columns = p.parseIdentList()
	}
	ins.Query = p.parseQuery()
	if with != nil && ins.Query != nil {
		if ins.Query.With == nil {
			ins.Query.With = with
		} else {
			ins.Query.With.CTEs = append(append([]*CTE{}, with.CTEs...), ins.Query.With.CTEs...)
			ins.Query.With.Recursive = ins.Query.With.Recursive || with.Recursive
		}
	}
	return ins
}

func (p *parser) parseMerge() Stmt {
	m := &Merge{Pos: p.tok().pos()}
	p.next() // MERGE
	p.expectKw("INTO")
	m.Target = p.parseObjectName()
	if p.acceptKw("AS") {
		id := p.parseIdent()
		m.TargetAlias = &id
	} else if p.isTableIdent() {
		id := p.parseIdent()
		m.TargetAlias = &id
	}
	p.expectKw("USING")
	m.Source = p.parseTableFactor()
	p.expectKw("ON")
	m.On = p.parseExpr()
	for p.err == nil && p.isKw("WHEN") {
		c := &MergeClause{Pos: p.tok().pos()}
		p.next()
		c.Matched = true
		if p.acceptKw("NOT") {
			c.Matched = false
		}
		p.expectKw("MATCHED")
		if p.acceptKw("BY") { // BY TARGET / BY SOURCE
			p.parseIdent()
		}
		if p.acceptKw("AND") {
			c.Cond = p.parseExpr()
		}
		p.expectKw("THEN")
		switch {
		case p.acceptKw("UPDATE"):
			c.Action = "UPDATE"
			p.expectKw("SET")
			for p.err == nil {
				s := &MergeSet{Pos: p.tok().pos()}
				s.Column = append(s.Column, p.parseIdent())
				for p.accept(".") {
					s.Column = append(s.Column, p.parseAnyIdent())
				}
				p.expect("=")
				s.Value = p.parseExpr()
				c.Set = append(c.Set, s)
				if !p.accept(",") {
					break
				}
			}
		case p.acceptKw("DELETE"):
			c.Action = "DELETE"
		case p.acceptKw("INSERT"):
			c.Action = "INSERT"
			if p.isPunct("(") {
				c.Columns = p.parseIdentList()
			}
			p.expectKw("VALUES")
			c.Values = p.parseValuesRow()
		default:
			p.fail("UPDATE, DELETE or INSERT")
		}
		m.Clauses = append(m.Clauses, c)
	}
	if len(m.Clauses) == 0 {
		p.fail("WHEN")
	}
	return m
}
