package sql

// ---------------------------------------------------------------------------
// queries

// parseQuery parses [WITH ...] body [ORDER BY ...] [LIMIT ...].
func (p *parser) parseQuery() *Query {
	if !p.enter() {
		return nil
	}
	defer p.leave()
	q := &Query{Pos: p.tok().pos()}
	if p.isKw("WITH") {
		q.With = p.parseWith()
	}
	p.parseQueryRest(q)
	return q
}

// parseQueryRest parses the body, ORDER BY and LIMIT of q.
func (p *parser) parseQueryRest(q *Query) {
	start := p.tok().pos()
	q.Body = p.parseSetRest(p.parseQueryPrimary(), 1, start)
	p.parseOrderLimit(q)
}

func (p *parser) parseWith() *With {
	w := &With{Pos: p.tok().pos()}
	p.next() // WITH
	if p.isKw("RECURSIVE") && !p.isKwAt(1, "AS") && !p.isPunctAt(1, "(") {
		p.next()
		w.Recursive = true
	}
	for p.err == nil {
		c := &CTE{Pos: p.tok().pos(), Name: p.parseIdent()}
		if p.isPunct("(") {
			c.Columns = p.parseIdentList()
		}
		p.expectKw("AS")
		p.expect("(")
		c.Query = p.parseQuery()
		p.expect(")")
		w.CTEs = append(w.CTEs, c)
		if !p.accept(",") {
			break
		}
	}
	return w
}

// setOp returns the set operator at the current token and its precedence
// (INTERSECT binds tighter), or "" when there is none.
func (p *parser) setOp() (string, int) {
	t := p.tok()
	if t.kind != tWord {
		return "", 0
	}
	switch t.kw() {
	case "UNION", "EXCEPT", "MINUS":
		return t.kw(), 1
	case "INTERSECT":
		return t.kw(), 2
	}
	return "", 0
}

// parseSetRest continues a set-operation chain whose first operand is left,
// consuming operators of precedence >= minPrec.
func (p *parser) parseSetRest(left QueryBody, minPrec int, start Pos) QueryBody {
	for p.err == nil {
		op, prec := p.setOp()
		if op == "" || prec < minPrec {
			return left
		}
		p.next()
		s := &SetOp{Pos: start, Op: op, Left: left}
		if p.acceptKw("ALL") {
			s.All = true
		} else {
			p.acceptKw("DISTINCT")
		}
		if p.isKw("BY") && p.isKwAt(1, "NAME") {
			p.next()
			p.next()
			s.ByName = true
		}
		rstart := p.tok().pos()
		right := p.parseQueryPrimary()
		for p.err == nil {
			_, prec2 := p.setOp()
			if prec2 <= prec {
				break
			}
			right = p.parseSetRest(right, prec2, rstart)
		}
		s.Right = right
		left = s
	}
	return left
}

func (p *parser) parseQueryPrimary() QueryBody {
	switch {
	case p.isKw("SELECT"):
		return p.parseSelect()
	case p.isKw("VALUES"):
		return p.parseValues()
	case p.isPunct("("):
		pq := &ParenQuery{Pos: p.tok().pos()}
		p.next()
		pq.Query = p.parseQuery()
		p.expect(")")
		return pq
	}
	p.fail("SELECT")
	return nil
}

func (p *parser) parseValues() *Values {
	v := &Values{Pos: p.tok().pos()}
	p.next() // VALUES
	for p.err == nil {
		v.Rows = append(v.Rows, p.parseValuesRow())
		if !p.accept(",") {
			break
		}
	}
	return v
}

func (p *parser) parseOrderLimit(q *Query) {
	if p.isKw("ORDER") && p.isKwAt(1, "BY") {
		p.next()
		p.next()
		q.OrderBy = p.parseOrderItems()
	}
	switch {
	case p.isKw("LIMIT"):
		l := &Limit{Pos: p.tok().pos()}
		p.next()
		l.Count = p.parseExpr()
		if p.acceptKw("OFFSET") {
			l.Offset = p.parseExpr()
		}
		q.Limit = l
	case p.isKw("OFFSET") || p.isKw("FETCH"):
		l := &Limit{Pos: p.tok().pos()}
		if p.acceptKw("OFFSET") {
			l.Offset = p.parseExpr()
			if !p.acceptKw("ROWS") {
				p.acceptKw("ROW")
			}
		}
		if p.acceptKw("FETCH") {
			l.Fetch = true
			if !p.acceptKw("FIRST") {
				p.acceptKw("NEXT")
			}
			l.Count = p.parseExpr()
			if !p.acceptKw("ROWS") {
				p.acceptKw("ROW")
			}
			p.acceptKw("ONLY")
		}
		q.Limit = l
	}
}

func (p *parser) parseOrderItems() []*OrderItem {
	var out []*OrderItem
	for p.err == nil {
		o := &OrderItem{Pos: p.tok().pos()}
		if p.isKw("ALL") && !p.isPunctAt(1, "(") {
			o.Expr = &KeywordExpr{Pos: o.Pos, Name: "ALL"} // ORDER BY ALL
			p.next()
		} else {
			o.Expr = p.parseExpr()
		}
		if p.acceptKw("DESC") {
			o.Desc = true
		} else {
			p.acceptKw("ASC")
		}
		if p.isKw("NULLS") && (p.isKwAt(1, "FIRST") || p.isKwAt(1, "LAST")) {
			p.next()
			o.Nulls = p.tok().kw()
			p.next()
		}
		out = append(out, o)
		if !p.accept(",") {
			break
		}
	}
	return out
}

// endsSelectList reports whether the current token ends a select list, which
// allows a trailing comma before it.
func (p *parser) endsSelectList() bool {
	t := p.tok()
	if p.atEnd() || t.kind == tPunct && t.text == ")" {
		return true
	}
	if t.kind != tWord {
		return false
	}
	switch t.kw() {
	case "FROM", "WHERE", "GROUP", "HAVING", "QUALIFY", "ORDER", "LIMIT", "UNION", "EXCEPT", "MINUS", "INTERSECT":
		return true
	}
	return false
}

func (p *parser) parseSelect() *Select {
	s := &Select{Pos: p.tok().pos()}
	p.next() // SELECT
	if p.acceptKw("DISTINCT") {
		s.Distinct = true
	} else {
		p.acceptKw("ALL")
	}
	if p.isKw("TOP") && p.peek(1).kind == tNumber {
		p.next()
		s.Top = p.parsePrimary()
	}
	for p.err == nil {
		s.Items = append(s.Items, p.parseSelectItem())
		if !p.accept(",") || p.endsSelectList() {
			break
		}
	}
	if p.acceptKw("FROM") {
		for p.err == nil {
			s.From = append(s.From, p.parseJoinedTable())
			if !p.accept(",") {
				break
			}
		}
	}
	if p.acceptKw("WHERE") {
		s.Where = p.parseExpr()
	}
	for p.err == nil {
		if p.isKw("START") && p.isKwAt(1, "WITH") {
			p.next()
			p.next()
			s.StartWith = p.parseExpr()
			continue
		}
		if p.isKw("CONNECT") && p.isKwAt(1, "BY") {
			p.next()
			p.next()
			p.acceptKw("NOCYCLE")
			s.ConnectBy = p.parseExpr()
			continue
		}
		break
	}
	if p.isKw("GROUP") && p.isKwAt(1, "BY") {
		s.GroupBy = p.parseGroupBy()
	}
	if p.acceptKw("HAVING") {
		s.Having = p.parseExpr()
	}
	if p.acceptKw("QUALIFY") {
		s.Qualify = p.parseExpr()
	}
	return s
}

func (p *parser) parseGroupBy() *GroupBy {
	g := &GroupBy{Pos: p.tok().pos()}
	p.next()
	p.next() // GROUP BY
	if p.isKw("ALL") {
		p.next()
		g.All = true
		return g
	}
	for p.err == nil {
		var item Expr
		switch {
		case (p.isKw("CUBE") || p.isKw("ROLLUP")) && p.isPunctAt(1, "("):
			gs := &GroupingSets{Pos: p.tok().pos(), Kind: p.tok().kw()}
			p.next()
			gs.Items = p.parseParenExprList()
			item = gs
		case p.isKw("GROUPING") && p.isKwAt(1, "SETS"):
			gs := &GroupingSets{Pos: p.tok().pos(), Kind: "GROUPING SETS"}
			p.next()
			p.next()
			gs.Items = p.parseParenExprList()
			item = gs
		default:
			item = p.parseExpr()
		}
		g.Items = append(g.Items, item)
		if !p.accept(",") {
			break
		}
	}
	return g
}

// clauseAhead reports whether the current non-reserved word starts a clause
// (LIMIT n, OFFSET n, FETCH FIRST, EXCEPT) rather than being an implicit alias.
func (p *parser) clauseAhead() bool {
	switch p.tok().kw() {
	case "LIMIT", "OFFSET":
		return p.operandAt(1)
	case "FETCH":
		return p.isKwAt(1, "FIRST") || p.isKwAt(1, "NEXT")
	case "EXCEPT":
		return true
	}
	return false
}

func (p *parser) parseSelectItem() *SelectItem {
	it := &SelectItem{Pos: p.tok().pos()}
	if p.isPunct("*") || p.qualifiedStarAhead() {
		it.Expr = p.parseStar()
		return it
	}
	it.Expr = p.parseExpr()
	it.Alias = p.parseOptAlias()
	return it
}

// parseOptAlias parses [AS] alias after a select item or measure.
func (p *parser) parseOptAlias() *Ident {
	if p.acceptKw("AS") {
		id := p.parseAnyIdent()
		return &id
	}
	if p.isIdent() && !p.clauseAhead() && !(p.noAlias && p.measuresEndAhead()) {
		id := p.parseIdent()
		return &id
	}
	return nil
}

// measuresEndAhead reports whether the current word starts the clause after
// MATCH_RECOGNIZE's MEASURES list.
func (p *parser) measuresEndAhead() bool {
	switch p.tok().kw() {
	case "ONE", "AFTER", "PATTERN", "DEFINE":
		return true
	}
	return false
}

// qualifiedStarAhead reports whether the tokens ahead are name(.name)*.*
func (p *parser) qualifiedStarAhead() bool {
	n := 0
	for {
		t := p.peek(n)
		if t.kind != tWord && t.kind != tQIdent {
			return false
		}
		if !p.isPunctAt(n+1, ".") {
			return false
		}
		if p.isPunctAt(n+2, "*") {
			return true
		}
		n += 2
		if n > 8 {
			return false
		}
	}
}

// parseStar parses [qualifier.]* and its ILIKE/EXCLUDE/REPLACE/RENAME modifiers.
func (p *parser) parseStar() *Star {
	s := &Star{Pos: p.tok().pos()}
	for !p.isPunct("*") && p.err == nil {
		s.Qualifier = append(s.Qualifier, p.parseAnyIdent())
		p.expect(".")
	}
	p.expect("*")
	for p.err == nil {
		switch {
		case p.isKw("ILIKE") && (p.peek(1).kind == tString || p.peek(1).kind == tDollarStr):
			p.next()
			v := p.parseStringValue()
			s.ILike = &v
		case p.isKw("EXCLUDE"):
			p.next()
			if p.accept("(") {
				for p.err == nil {
					s.Exclude = append(s.Exclude, p.parseStarColumn())
					if !p.accept(",") {
						break
					}
				}
				p.expect(")")
			} else {
				s.Exclude = append(s.Exclude, p.parseStarColumn())
			}
		case p.isKw("REPLACE") && p.isPunctAt(1, "("):
			p.next()
			p.next()
			for p.err == nil {
				r := &StarReplace{Pos: p.tok().pos(), Expr: p.parseExpr()}
				p.expectKw("AS")
				r.Name = p.parseAnyIdent()
				s.Replace = append(s.Replace, r)
				if !p.accept(",") {
					break
				}
			}
			p.expect(")")
		case p.isKw("RENAME"):
			p.next()
			paren := p.accept("(")
			for p.err == nil {
				r := &StarRename{Pos: p.tok().pos(), From: p.parseStarColumn()}
				p.expectKw("AS")
				r.To = p.parseAnyIdent()
				s.Rename = append(s.Rename, r)
				if !paren || !p.accept(",") {
					break
				}
			}
			if paren {
				p.expect(")")
			}
		default:
			return s
		}
	}
	return s
}

// parseStarColumn parses a column name in EXCLUDE/RENAME; a qualified name
// keeps its last part.
func (p *parser) parseStarColumn() Ident {
	id := p.parseAnyIdent()
	for p.isPunct(".") && p.peek(1).kind != tPunct {
		p.next()
		id = p.parseAnyIdent()
	}
	return id
}

// ---------------------------------------------------------------------------
// FROM

// parseJoinedTable parses a FROM item with its chain of joins.
func (p *parser) parseJoinedTable() TableExpr {
	start := p.tok().pos()
	left := p.parseTableFactor()
	for p.err == nil {
		kind, natural, ok := p.parseJoinOp()
		if !ok {
			return left
		}
		j := &Join{Pos: start, Kind: kind, Natural: natural, Left: left}
		j.Right = p.parseTableFactor()
		if kind == "ASOF" {
			p.expectKw("MATCH_CONDITION")
			p.expect("(")
			j.MatchCondition = p.parseExpr()
			p.expect(")")
		}
		if p.acceptKw("ON") {
			j.On = p.parseExpr()
		} else if p.isKw("USING") {
			p.next()
			j.Using = p.parseIdentList()
		}
		left = j
	}
	return left
}

// parseJoinOp consumes [NATURAL] [INNER|LEFT|RIGHT|FULL [OUTER]|CROSS|ASOF] JOIN.
func (p *parser) parseJoinOp() (kind string, natural, ok bool) {
	save := p.i
	natural = p.acceptKw("NATURAL")
	kind = "INNER"
	switch {
	case p.isKw("INNER"):
		p.next()
	case p.isKw("LEFT"), p.isKw("RIGHT"), p.isKw("FULL"):
		kind = p.tok().kw()
		p.next()
		p.acceptKw("OUTER")
	case p.isKw("CROSS"):
		kind = "CROSS"
		p.next()
	case p.isKw("ASOF") && p.isKwAt(1, "JOIN"):
		kind = "ASOF"
		p.next()
	}
	p.acceptKw("DIRECTED")
	if p.acceptKw("JOIN") {
		return kind, natural, true
	}
	if p.i != save {
		p.fail("JOIN")
	}
	return "", false, false
}

// tableAliasStop lists non-reserved words that cannot be an implicit table
// alias because they continue the FROM clause.
func (p *parser) tableAliasStop() bool {
	t := p.tok()
	switch t.kw() {
	case "LIMIT", "OFFSET", "FETCH", "EXCEPT":
		return p.clauseAhead()
	case "PIVOT", "MATCH_RECOGNIZE", "MATCH_CONDITION":
		return p.isPunctAt(1, "(")
	case "UNPIVOT":
		return p.isPunctAt(1, "(") || p.isKwAt(1, "INCLUDE") || p.isKwAt(1, "EXCLUDE")
	case "ASOF", "OUTER":
		return p.isKwAt(1, "JOIN")
	case "AT", "BEFORE", "CHANGES":
		return p.isPunctAt(1, "(")
	}
	return false
}

func (p *parser) parseTableAlias() *TableAlias {
	pos := p.tok().pos()
	if p.acceptKw("AS") {
		a := &TableAlias{Pos: pos, Name: p.parseIdent()}
		if p.isPunct("(") {
			a.Columns = p.parseIdentList()
		}
		return a
	}
	if p.isTableIdent() && !p.tableAliasStop() {
		a := &TableAlias{Pos: pos, Name: p.parseIdent()}
		if p.isPunct("(") {
			a.Columns = p.parseIdentList()
		}
		return a
	}
	return nil
}

func (p *parser) parseTableFactor() TableExpr {
	if !p.enter() {
		return nil
	}
	defer p.leave()
	pos := p.tok().pos()
	var te TableExpr
	switch t := p.tok(); {
	case t.kind == tPunct && t.text == "(":
		te = p.parseParenTable()
	case p.isKw("LATERAL"):
		p.next()
		if p.isPunct("(") {
			p.next()
			dt := &DerivedTable{Pos: pos, Lateral: true, Query: p.parseQuery()}
			p.expect(")")
			dt.Alias = p.parseTableAlias()
			te = dt
		} else {
			tf := &TableFunc{Pos: pos, Lateral: true, Func: p.parseTableFuncCall()}
			tf.Alias = p.parseTableAlias()
			te = tf
		}
	case p.isKw("TABLE") && p.isPunctAt(1, "("):
		p.next()
		p.next()
		arg := p.parseExpr()
		p.expect(")")
		te = p.tableFromArg(pos, arg, true)
	case p.isKw("IDENTIFIER") && p.isPunctAt(1, "("):
		p.next()
		p.next()
		arg := p.parseExpr()
		p.expect(")")
		tn := &TableName{Pos: pos, Identifier: arg}
		tn.Name = nameFromLiteral(arg)
		p.parseTableNameRest(tn)
		te = tn
	case t.kind == tStage:
		s := &StageRef{Pos: pos, Location: t.text}
		p.next()
		if p.isPunct("(") {
			p.next()
			s.Options = []*NamedArg{}
			for p.err == nil {
				na := &NamedArg{Pos: p.tok().pos(), Name: p.parseAnyIdent()}
				p.expect("=>")
				na.Value = p.parseExpr()
				s.Options = append(s.Options, na)
				if !p.accept(",") {
					break
				}
			}
			p.expect(")")
		}
		s.Alias = p.parseTableAlias()
		te = s
	case p.isKw("VALUES"):
		dt := &DerivedTable{Pos: pos, Query: &Query{Pos: pos, Body: p.parseValues()}}
		dt.Alias = p.parseTableAlias()
		te = dt
	case p.isTableIdent():
		name := p.parseObjectName()
		if p.isPunct("(") {
			tf := &TableFunc{Pos: pos, Func: p.parseCallArgs(&FuncCall{Pos: pos, Name: name})}
			tf.Alias = p.parseTableAlias()
			tf.Sample = p.parseSample()
			te = tf
		} else {
			tn := &TableName{Pos: pos, Name: name}
			p.parseTableNameRest(tn)
			te = tn
		}
	default:
		p.fail("table name")
		return nil
	}
	return p.parseTablePostfix(pos, te)
}

// parseTableFuncCall parses the function call after LATERAL.
func (p *parser) parseTableFuncCall() *FuncCall {
	pos := p.tok().pos()
	name := p.parseObjectName()
	if !p.isPunct("(") {
		p.fail("'('")
		return nil
	}
	return p.parseCallArgs(&FuncCall{Pos: pos, Name: name})
}

// tableFromArg builds the FROM item for TABLE(arg).
func (p *parser) tableFromArg(pos Pos, arg Expr, wrapped bool) TableExpr {
	switch a := arg.(type) {
	case *FuncCall:
		if a.FuncName() == "IDENTIFIER" && len(a.Args) == 1 && len(a.Name.Parts) == 1 {
			tn := &TableName{Pos: pos, Identifier: a.Args[0], Name: nameFromLiteral(a.Args[0])}
			p.parseTableNameRest(tn)
			return tn
		}
		tf := &TableFunc{Pos: pos, Wrapped: wrapped, Func: a}
		tf.Alias = p.parseTableAlias()
		tf.Sample = p.parseSample()
		return tf
	case *Literal, *Variable:
		tn := &TableName{Pos: pos, Identifier: arg, Name: nameFromLiteral(arg)}
		p.parseTableNameRest(tn)
		return tn
	}
	if p.err == nil {
		p.err = &SyntaxError{Line: pos.Line, Col: pos.Col, Offset: pos.Offset,
			Msg: "TABLE(...) needs a table function call, a string or a variable"}
		p.i = p.end
	}
	return nil
}

// nameFromLiteral parses the object name inside a string literal given to
// IDENTIFIER or TABLE; it returns an empty name for anything else.
func nameFromLiteral(e Expr) ObjectName {
	lit, ok := e.(*Literal)
	if !ok || lit.Kind != LitString {
		return ObjectName{}
	}
	toks := lex(lit.Value)
	var n ObjectName
	n.Pos = lit.Pos
	expectPart := true
	for _, t := range toks {
		switch {
		case t.kind == tEOF:
			if expectPart || len(n.Parts) > 3 {
				return ObjectName{}
			}
			return n
		case expectPart && (t.kind == tWord || t.kind == tQIdent):
			id := Ident{Pos: lit.Pos, Name: t.text}
			if t.kind == tQIdent {
				id.Name = unquoteIdent(t.text)
				id.Quoted = true
			}
			n.Parts = append(n.Parts, id)
			expectPart = false
		case !expectPart && t.kind == tPunct && t.text == ".":
			expectPart = true
		case expectPart && t.kind == tPunct && t.text == "." && len(n.Parts) == 1:
			n.Parts = append(n.Parts, Ident{Pos: lit.Pos})
		default:
			return ObjectName{}
		}
	}
	return ObjectName{}
}

// parseTableNameRest parses time travel, CHANGES, alias and SAMPLE after a
// table name.
func (p *parser) parseTableNameRest(tn *TableName) {
	for p.err == nil {
		switch {
		case (p.isKw("AT") || p.isKw("BEFORE")) && p.isPunctAt(1, "("):
			tn.TimeTravel = p.parseTimeTravel()
			continue
		case p.isKw("CHANGES") && p.isPunctAt(1, "("):
			tn.Changes = p.parseChanges()
			continue
		case tn.Alias == nil && (p.isKw("AS") || p.isTableIdent() && !p.tableAliasStop()):
			tn.Alias = p.parseTableAlias()
			continue
		case tn.Sample == nil && (p.isKw("SAMPLE") || p.isKw("TABLESAMPLE")):
			tn.Sample = p.parseSample()
			continue
		}
		return
	}
}

func (p *parser) parseTimeTravel() *TimeTravel {
	tt := &TimeTravel{Pos: p.tok().pos(), Kind: p.tok().kw()}
	if tt.Kind == "" {
		tt.Kind = "END"
	}
	p.next()
	p.expect("(")
	if !p.isAnyWord() {
		p.fail("TIMESTAMP, OFFSET, STATEMENT or STREAM")
		return tt
	}
	tt.Param = p.identFrom(p.tok()).Normalized()
	p.next()
	p.expect("=>")
	tt.Value = p.parseExpr()
	p.expect(")")
	return tt
}

func (p *parser) parseChanges() *Changes {
	c := &Changes{Pos: p.tok().pos()}
	p.next() // CHANGES
	p.expect("(")
	p.expectKw("INFORMATION")
	p.expect("=>")
	if !p.isAnyWord() {
		p.fail("DEFAULT or APPEND_ONLY")
		return c
	}
	c.Information = p.identFrom(p.tok()).Normalized()
	p.next()
	p.expect(")")
	if (p.isKw("AT") || p.isKw("BEFORE")) && p.isPunctAt(1, "(") {
		c.At = p.parseTimeTravel()
	}
	if p.isKw("END") && p.isPunctAt(1, "(") {
		c.End = p.parseTimeTravel()
	}
	return c
}

func (p *parser) parseSample() *Sample {
	if !p.isKw("SAMPLE") && !p.isKw("TABLESAMPLE") {
		return nil
	}
	s := &Sample{Pos: p.tok().pos()}
	p.next()
	switch {
	case p.isKw("BERNOULLI"), p.isKw("ROW"), p.isKw("SYSTEM"), p.isKw("BLOCK"):
		s.Method = p.tok().kw()
		p.next()
	}
	p.expect("(")
	s.Size = p.parseExpr()
	s.Rows = p.acceptKw("ROWS")
	p.expect(")")
	if (p.isKw("REPEATABLE") || p.isKw("SEED")) && p.isPunctAt(1, "(") {
		p.next()
		p.next()
		s.Seed = p.parseExpr()
		p.expect(")")
	}
	return s
}

// parseParenTable parses a FROM item starting with '(': a derived table, a
// parenthesised join, or a parenthesised query with set operations.
func (p *parser) parseParenTable() TableExpr {
	pos := p.tok().pos()
	p.next() // (
	if p.startsQueryAt(0) {
		dt := &DerivedTable{Pos: pos, Query: p.parseQuery()}
		p.expect(")")
		dt.Alias = p.parseTableAlias()
		dt.Sample = p.parseSample()
		return dt
	}
	innerPos := p.tok().pos()
	inner := p.parseJoinedTable()
	if dt, ok := inner.(*DerivedTable); ok && dt.Alias == nil && !dt.Lateral && dt.Sample == nil {
		op, _ := p.setOp()
		if op != "" || p.isKw("ORDER") || p.isKw("LIMIT") || p.isKw("OFFSET") || p.isKw("FETCH") {
			// ((SELECT ...) UNION (SELECT ...)): a parenthesised query.
			q := &Query{Pos: innerPos}
			q.Body = p.parseSetRest(&ParenQuery{Pos: innerPos, Query: dt.Query}, 1, innerPos)
			p.parseOrderLimit(q)
			dt = &DerivedTable{Pos: pos, Query: q}
		}
		p.expect(")")
		// ((SELECT ...)) alias: the extra parentheses add nothing.
		dt.Pos = pos
		dt.Alias = p.parseTableAlias()
		dt.Sample = p.parseSample()
		return dt
	}
	p.expect(")")
	pt := &ParenTable{Pos: pos, Inner: inner}
	pt.Alias = p.parseTableAlias()
	return pt
}

// parseTablePostfix applies PIVOT, UNPIVOT and MATCH_RECOGNIZE to te.
func (p *parser) parseTablePostfix(pos Pos, te TableExpr) TableExpr {
	for p.err == nil {
		switch {
		case p.isKw("PIVOT") && p.isPunctAt(1, "("):
			te = p.parsePivot(pos, te)
		case p.isKw("UNPIVOT") && (p.isPunctAt(1, "(") || p.isKwAt(1, "INCLUDE") || p.isKwAt(1, "EXCLUDE")):
			te = p.parseUnpivot(pos, te)
		case p.isKw("MATCH_RECOGNIZE") && p.isPunctAt(1, "("):
			te = p.parseMatchRecognize(pos, te)
		default:
			return te
		}
	}
	return te
}

func (p *parser) parsePivot(pos Pos, src TableExpr) TableExpr {
	pv := &Pivot{Pos: pos, Source: src}
	p.next() // PIVOT
	p.expect("(")
	pv.Aggregate = p.parseUnary()
	if p.acceptKw("AS") {
		id := p.parseAnyIdent()
		pv.AggregateAlias = &id
	} else if p.isIdent() {
		id := p.parseIdent()
		pv.AggregateAlias = &id
	}
	p.expectKw("FOR")
	pv.For = p.parseColumnRef()
	p.expectKw("IN")
	p.expect("(")
	switch {
	case p.isKw("ANY"):
		p.next()
		pv.InAny = true
		if p.isKw("ORDER") && p.isKwAt(1, "BY") {
			p.next()
			p.next()
			pv.InAnyOrderBy = p.parseOrderItems()
		}
	case p.startsQueryAt(0):
		pv.InQuery = p.parseQuery()
	default:
		for p.err == nil {
			v := &PivotValue{Pos: p.tok().pos(), Value: p.parseExpr()}
			if p.acceptKw("AS") {
				id := p.parseAnyIdent()
				v.Alias = &id
			} else if p.isIdent() {
				id := p.parseIdent()
				v.Alias = &id
			}
			pv.In = append(pv.In, v)
			if !p.accept(",") {
				break
			}
		}
	}
	p.expect(")")
	if p.isKw("DEFAULT") && p.isKwAt(1, "ON") {
		p.next()
		p.next()
		p.expectKw("NULL")
		p.expect("(")
		pv.Default = p.parseExpr()
		p.expect(")")
	}
	p.expect(")")
	pv.Alias = p.parseTableAlias()
	return pv
}

// parseColumnRef parses a plain (possibly qualified) column name.
func (p *parser) parseColumnRef() Expr {
	c := &ColumnRef{Pos: p.tok().pos()}
	c.Parts = append(c.Parts, p.parseIdent())
	for p.isPunct(".") && len(c.Parts) < 4 {
		p.next()
		c.Parts = append(c.Parts, p.parseAnyIdent())
	}
	return c
}

func (p *parser) parseUnpivot(pos Pos, src TableExpr) TableExpr {
	u := &Unpivot{Pos: pos, Source: src}
	p.next() // UNPIVOT
	if p.isKw("INCLUDE") || p.isKw("EXCLUDE") {
		u.IncludeNulls = p.isKw("INCLUDE")
		p.next()
		p.expectKw("NULLS")
	}
	p.expect("(")
	u.ValueColumn = p.parseIdent()
	p.expectKw("FOR")
	u.NameColumn = p.parseIdent()
	p.expectKw("IN")
	p.expect("(")
	for p.err == nil {
		c := &UnpivotColumn{Pos: p.tok().pos(), Column: p.parseIdent()}
		if p.acceptKw("AS") {
			var label string
			if t := p.tok(); t.kind == tString || t.kind == tDollarStr {
				label = p.parseStringValue()
			} else {
				label = p.parseAnyIdent().Name
			}
			c.Label = &label
		}
		u.Columns = append(u.Columns, c)
		if !p.accept(",") {
			break
		}
	}
	p.expect(")")
	p.expect(")")
	u.Alias = p.parseTableAlias()
	return u
}

func (p *parser) parseMatchRecognize(pos Pos, src TableExpr) TableExpr {
	m := &MatchRecognize{Pos: pos, Source: src}
	p.next() // MATCH_RECOGNIZE
	p.expect("(")
	if p.isKw("PARTITION") && p.isKwAt(1, "BY") {
		p.next()
		p.next()
		for p.err == nil {
			m.PartitionBy = append(m.PartitionBy, p.parseExpr())
			if !p.accept(",") {
				break
			}
		}
	}
	if p.isKw("ORDER") && p.isKwAt(1, "BY") {
		p.next()
		p.next()
		m.OrderBy = p.parseOrderItems()
	}
	if p.acceptKw("MEASURES") {
		saved := p.noAlias
		p.noAlias = true
		for p.err == nil {
			it := &SelectItem{Pos: p.tok().pos(), Expr: p.parseExpr()}
			it.Alias = p.parseOptAlias()
			m.Measures = append(m.Measures, it)
			if !p.accept(",") {
				break
			}
		}
		p.noAlias = saved
	}
	switch {
	case p.isKw("ONE"):
		m.RowsPerMatch = p.wordsUntil("MATCH")
	case p.isKw("ALL") && p.isKwAt(1, "ROWS"):
		m.RowsPerMatch = p.wordsUntil("MATCH")
		switch {
		case p.isKw("SHOW"), p.isKw("OMIT"):
			m.RowsPerMatch += " " + p.wordsUntil("MATCHES")
		case p.isKw("WITH") && p.isKwAt(1, "UNMATCHED"):
			m.RowsPerMatch += " " + p.wordsUntil("ROWS")
		}
	}
	if p.isKw("AFTER") && p.isKwAt(1, "MATCH") {
		p.next()
		p.next()
		p.expectKw("SKIP")
		switch {
		case p.isKw("PAST"):
			m.AfterMatch = p.wordsUntil("ROW")
		case p.isKw("TO") && p.isKwAt(1, "NEXT"):
			m.AfterMatch = p.wordsUntil("ROW")
		case p.acceptKw("TO"):
			m.AfterMatch = "TO"
			if p.isKw("FIRST") || p.isKw("LAST") {
				m.AfterMatch += " " + p.tok().kw()
				p.next()
			}
			m.AfterMatch += " " + identSQL(p.parseAnyIdent())
		default:
			p.fail("PAST LAST ROW or TO ...")
		}
	}
	p.expectKw("PATTERN")
	if p.expect("(") {
		start := p.tok().pos().Offset
		depth := 1
		for p.err == nil && !p.atEnd() {
			if p.isPunct("(") {
				depth++
			} else if p.isPunct(")") {
				depth--
				if depth == 0 {
					break
				}
			}
			p.next()
		}
		m.Pattern = p.src[start:p.tok().pos().Offset]
		for len(m.Pattern) > 0 && (m.Pattern[len(m.Pattern)-1] == ' ' || m.Pattern[len(m.Pattern)-1] == '\n' || m.Pattern[len(m.Pattern)-1] == '\t' || m.Pattern[len(m.Pattern)-1] == '\r') {
			m.Pattern = m.Pattern[:len(m.Pattern)-1]
		}
		p.expect(")")
	}
	p.expectKw("DEFINE")
	for p.err == nil {
		d := &MatchDefine{Pos: p.tok().pos(), Name: p.parseIdent()}
		p.expectKw("AS")
		d.Cond = p.parseExpr()
		m.Define = append(m.Define, d)
		if !p.accept(",") {
			break
		}
	}
	p.expect(")")
	m.Alias = p.parseTableAlias()
	return m
}

// wordsUntil consumes words up to and including the keyword last and returns
// them upper-cased and joined by spaces.
func (p *parser) wordsUntil(last string) string {
	s := ""
	for p.err == nil && p.tok().kind == tWord {
		w := p.tok().kw()
		if w == "" {
			w = p.identFrom(p.tok()).Normalized()
		}
		if s != "" {
			s += " "
		}
		s += w
		p.next()
		if w == last {
			return s
		}
		if len(s) > 60 {
			break
		}
	}
	p.fail(last)
	return s
}
