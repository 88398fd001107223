package sql

import (
	"strconv"
	"strings"
)

// Binding powers, loosest first.
const (
	precOr = iota + 1
	precAnd
	precNot
	precCmp // comparisons, IS, IN, LIKE, BETWEEN
	precConcat
	precAdd
	precMul
)

func (p *parser) parseExpr() Expr { return p.parseBinary(precOr) }

// parseBinary parses an expression whose binary operators bind at least as
// tightly as minPrec (precedence climbing; all operators associate left).
func (p *parser) parseBinary(minPrec int) Expr {
	if !p.enter() {
		return nil
	}
	defer p.leave()
	start := p.tok().pos()
	var left Expr
	if p.isKw("NOT") && minPrec <= precNot {
		p.next()
		left = &UnaryExpr{Pos: start, Op: "NOT", X: p.parseBinary(precNot)}
	} else {
		left = p.parseUnary()
	}
	for p.err == nil {
		t := p.tok()
		switch t.kind {
		case tPunct:
			op, prec := binaryOp(t.text)
			if prec == 0 || prec < minPrec {
				return left
			}
			p.next()
			if prec == precCmp && (p.isKw("ANY") || p.isKw("ALL") || p.isKw("SOME")) &&
				p.isPunctAt(1, "(") && p.startsQueryAt(2) {
				kind := p.tok().kw()
				if kind == "SOME" {
					kind = "ANY"
				}
				sq := &SubqueryExpr{Pos: p.tok().pos(), Kind: kind}
				p.next()
				p.next()
				sq.Query = p.parseQuery()
				p.expect(")")
				left = &BinaryExpr{Pos: start, Op: op, L: left, R: sq}
				continue
			}
			if prec == precCmp && (p.isKw("ANY") || p.isKw("ALL") || p.isKw("SOME")) &&
				p.isPunctAt(1, "(") && !p.isPunctAt(2, "(") {
				// Snowflake's quantified comparison takes only a subquery:
				// x = ANY (1, 2) is rejected there, so it is here too.
				p.failMsg(p.tok(), p.tok().kw()+" (...) after a comparison takes a subquery, not a list of values (for a list, use [NOT] IN (...))")
				return left
			}
			left = &BinaryExpr{Pos: start, Op: op, L: left, R: p.parseBinary(prec + 1)}
		case tWord:
			switch t.kw() {
			case "OR":
				if precOr < minPrec {
					return left
				}
				p.next()
				left = &BinaryExpr{Pos: start, Op: "OR", L: left, R: p.parseBinary(precOr + 1)}
			case "AND":
				if precAnd < minPrec {
					return left
				}
				p.next()
				left = &BinaryExpr{Pos: start, Op: "AND", L: left, R: p.parseBinary(precAnd + 1)}
			case "IS", "IN", "LIKE", "ILIKE", "RLIKE", "REGEXP", "BETWEEN", "NOT":
				if precCmp < minPrec {
					return left
				}
				if t.kw() == "NOT" {
					switch nt := p.peek(1); nt.kw() {
					case "IN", "LIKE", "ILIKE", "RLIKE", "REGEXP", "BETWEEN":
					default:
						return left
					}
				}
				left = p.parsePredicate(start, left)
			default:
				return left
			}
		default:
			return left
		}
	}
	return left
}

// binaryOp maps a punctuation token to its operator and binding power.
func binaryOp(s string) (string, int) {
	switch s {
	case "=", "<", "<=", ">", ">=", "!=":
		return s, precCmp
	case "==":
		return "=", precCmp
	case "<>":
		return "!=", precCmp
	case "||":
		return s, precConcat
	case "+", "-":
		return s, precAdd
	case "*", "/", "%":
		return s, precMul
	}
	return "", 0
}

// parsePredicate parses IS ..., [NOT] IN, [NOT] LIKE..., [NOT] BETWEEN after x.
func (p *parser) parsePredicate(start Pos, x Expr) Expr {
	not := p.acceptKw("NOT")
	t := p.tok()
	switch t.kw() {
	case "IS":
		p.next()
		n := p.acceptKw("NOT")
		if p.acceptKw("NULL") {
			return &IsNullExpr{Pos: start, X: x, Not: n}
		}
		if p.acceptKw("DISTINCT") {
			p.expectKw("FROM")
			return &IsDistinctExpr{Pos: start, X: x, Y: p.parseBinary(precCmp + 1), Not: n}
		}
		p.fail("NULL or DISTINCT FROM")
		return x
	case "IN":
		p.next()
		in := &InExpr{Pos: start, X: x, Not: not}
		p.expect("(")
		if p.startsQueryAt(0) {
			in.Query = p.parseQuery()
		} else {
			in.List = []Expr{}
			for p.err == nil {
				in.List = append(in.List, p.parseExpr())
				if !p.accept(",") {
					break
				}
			}
		}
		p.expect(")")
		return in
	case "BETWEEN":
		p.next()
		b := &BetweenExpr{Pos: start, X: x, Not: not}
		b.Lo = p.parseBinary(precCmp + 1)
		p.expectKw("AND")
		b.Hi = p.parseBinary(precCmp + 1)
		return b
	case "LIKE", "ILIKE", "RLIKE", "REGEXP":
		p.next()
		l := &LikeExpr{Pos: start, X: x, Not: not, Op: t.kw()}
		if (p.isKw("ANY") || p.isKw("ALL") || p.isKw("SOME")) && p.isPunctAt(1, "(") {
			l.Quantifier = p.tok().kw()
			if l.Quantifier == "SOME" {
				l.Quantifier = "ANY"
			}
			p.next()
			l.Patterns = p.parseParenExprList()
		} else {
			l.Patterns = []Expr{p.parseBinary(precCmp + 1)}
		}
		if p.acceptKw("ESCAPE") {
			l.Escape = p.parseBinary(precCmp + 1)
		}
		return l
	}
	p.fail("IN, LIKE, ILIKE, RLIKE, REGEXP or BETWEEN")
	return x
}

// parseUnary parses prefix operators and then a postfix expression.
func (p *parser) parseUnary() Expr {
	t := p.tok()
	pos := t.pos()
	op := ""
	switch {
	case t.kind == tPunct && (t.text == "-" || t.text == "+" || t.text == "~"):
		op = t.text
	case t.kind == tWord && (t.kw() == "PRIOR" || t.kw() == "CONNECT_BY_ROOT") && p.operandAt(1):
		op = t.kw()
	}
	if op != "" {
		if !p.enter() {
			return nil
		}
		defer p.leave()
		p.next()
		return &UnaryExpr{Pos: pos, Op: op, X: p.parseUnary()}
	}
	return p.parsePostfix(p.parsePrimary())
}

// operandAt reports whether the token n ahead can start an operand (used to
// tell the PRIOR operator from a column named prior).
func (p *parser) operandAt(n int) bool {
	t := p.peek(n)
	switch t.kind {
	case tWord:
		return !t.reserved() || t.kw() == "CASE" || t.kw() == "CAST" || t.kw() == "TRY_CAST" || t.kw() == "NULL" || t.kw() == "TRUE" || t.kw() == "FALSE"
	case tQIdent, tNumber, tString, tDollarStr, tPositional, tVar:
		return true
	case tPunct:
		return t.text == "("
	}
	return false
}

// parsePostfix parses ::type, [index], :path, .field (inside a path) and COLLATE.
func (p *parser) parsePostfix(x Expr) Expr {
	for p.err == nil {
		t := p.tok()
		switch {
		case t.kind == tPunct && t.text == "::":
			p.next()
			x = &CastExpr{Pos: exprPos(x, t.pos()), X: x, Type: p.parseDataType(), Colons: true}
		case t.kind == tPunct && t.text == "[":
			p.next()
			step := &PathStep{Pos: t.pos(), Index: p.parseExpr()}
			p.expect("]")
			x = appendPath(x, step, t.pos())
		case t.kind == tPunct && t.text == ":" && p.pathKeyAt(1):
			p.next()
			step := &PathStep{Pos: p.tok().pos(), Field: p.identFrom(p.tok())}
			p.next()
			x = appendPath(x, step, t.pos())
		case t.kind == tPunct && t.text == "." && p.pathKeyAt(1):
			if _, ok := x.(*PathExpr); !ok {
				return x
			}
			p.next()
			step := &PathStep{Pos: p.tok().pos(), Field: p.identFrom(p.tok())}
			p.next()
			x = appendPath(x, step, t.pos())
		case t.kind == tWord && t.kw() == "COLLATE":
			p.next()
			c := &CollateExpr{Pos: exprPos(x, t.pos()), X: x}
			c.Collation = p.parseStringValue()
			x = c
		default:
			return x
		}
	}
	return x
}

// pathKeyAt reports whether the token n ahead can be a path key.
func (p *parser) pathKeyAt(n int) bool {
	k := p.peek(n).kind
	return k == tWord || k == tQIdent
}

// exprPos returns x's position, or def when x is nil.
func exprPos(x Expr, def Pos) Pos {
	if x == nil {
		return def
	}
	return x.Position()
}

func appendPath(x Expr, step *PathStep, pos Pos) Expr {
	if pe, ok := x.(*PathExpr); ok {
		pe.Steps = append(pe.Steps, step)
		return pe
	}
	return &PathExpr{Pos: exprPos(x, pos), X: x, Steps: []*PathStep{step}}
}

// reservedFuncNames are reserved words that still name functions when
// followed by '('.
func reservedFuncName(kw string) bool {
	switch kw {
	case "INSERT", "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "CURRENT_USER",
		"LOCALTIME", "LOCALTIMESTAMP", "LIKE", "ILIKE", "RLIKE", "REGEXP":
		return true
	}
	return false
}

func (p *parser) parsePrimary() Expr {
	t := p.tok()
	pos := t.pos()
	switch t.kind {
	case tNumber:
		p.next()
		return &Literal{Pos: pos, Kind: LitNumber, Value: t.text, Raw: t.text}
	case tString, tDollarStr:
		p.next()
		return &Literal{Pos: pos, Kind: LitString, Value: stringValue(t), Raw: t.text}
	case tHexStr:
		p.next()
		return &Literal{Pos: pos, Kind: LitBinary, Value: t.text[2 : len(t.text)-1], Raw: t.text}
	case tPositional:
		p.next()
		n, err := strconv.Atoi(t.text[1:])
		if err != nil || n < 1 {
			p.failMsg(t, "invalid positional column reference "+t.text)
			return nil
		}
		return &PositionalRef{Pos: pos, Index: n}
	case tVar:
		p.next()
		return &Variable{Pos: pos, Kind: '$', Name: t.text[1:]}
	case tQIdent:
		return p.parseNameExpr()
	case tWord:
		switch t.kw() {
		case "NULL":
			p.next()
			return &Literal{Pos: pos, Kind: LitNull, Value: "NULL", Raw: t.text}
		case "TRUE", "FALSE":
			p.next()
			return &Literal{Pos: pos, Kind: LitBool, Value: t.kw(), Raw: t.text}
		case "CASE":
			return p.parseCase()
		case "CAST", "TRY_CAST":
			if p.isPunctAt(1, "(") {
				return p.parseCast()
			}
		case "EXISTS":
			if p.isPunctAt(1, "(") {
				p.next()
				p.next()
				sq := &SubqueryExpr{Pos: pos, Kind: "EXISTS", Query: p.parseQuery()}
				p.expect(")")
				return sq
			}
		case "DATE", "TIME", "TIMESTAMP", "TIMESTAMP_LTZ", "TIMESTAMP_NTZ", "TIMESTAMP_TZ", "INTERVAL":
			if nt := p.peek(1); nt.kind == tString || nt.kind == tDollarStr {
				p.next()
				p.next()
				lit := &TypedLiteral{Pos: pos, Type: t.kw(), Value: stringValue(nt)}
				if lit.Type == "INTERVAL" {
					lit.Qualifier = p.parseIntervalQualifier()
				}
				return lit
			}
		case "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "CURRENT_USER", "LOCALTIME", "LOCALTIMESTAMP":
			if !p.isPunctAt(1, "(") {
				p.next()
				return &FuncCall{Pos: pos, Name: ObjectName{Pos: pos, Parts: []Ident{{Pos: pos, Name: t.text}}}, NoParens: true}
			}
		case "EXTRACT":
			if p.isPunctAt(1, "(") {
				return p.parseExtract()
			}
		}
		if t.reserved() && !(reservedFuncName(t.kw()) && p.isPunctAt(1, "(")) {
			break
		}
		return p.parseNameExpr()
	case tPunct:
		switch t.text {
		case "(":
			return p.parseParenExpr()
		case "[":
			p.next()
			a := &ArrayLit{Pos: pos, Elems: []Expr{}}
			if !p.isPunct("]") {
				for p.err == nil {
					a.Elems = append(a.Elems, p.parseExpr())
					if !p.accept(",") {
						break
					}
				}
			}
			p.expect("]")
			return a
		case "{":
			return p.parseObjectLit()
		case "?":
			p.next()
			return &Variable{Pos: pos, Kind: '?'}
		case ":":
			if nt := p.peek(1); (nt.kind == tWord || nt.kind == tQIdent) && nt.pos().Offset == t.end() {
				p.next()
				p.next()
				return &Variable{Pos: pos, Kind: ':', Name: p.identFrom(nt).Name}
			}
		}
	}
	p.fail("expression")
	return nil
}

func (p *parser) parseObjectLit() Expr {
	o := &ObjectLit{Pos: p.tok().pos(), Fields: []*ObjectField{}}
	p.next() // {
	if !p.isPunct("}") {
		for p.err == nil {
			f := &ObjectField{Pos: p.tok().pos()}
			if p.isPunct("*") {
				f.Key = &Star{Pos: p.tok().pos()}
				p.next()
				o.Fields = append(o.Fields, f)
			} else {
				f.Key = p.parsePrimary()
				p.expect(":")
				f.Value = p.parseExpr()
				o.Fields = append(o.Fields, f)
			}
			if !p.accept(",") {
				break
			}
		}
	}
	p.expect("}")
	return o
}

// parseParenExpr parses '(' after which comes a subquery, a lambda parameter
// list, a parenthesised expression or a tuple.
func (p *parser) parseParenExpr() Expr {
	pos := p.tok().pos()
	if p.lambdaAhead() {
		return p.parseLambda()
	}
	p.next() // (
	if p.startsQueryAt(0) {
		sq := &SubqueryExpr{Pos: pos, Kind: "SCALAR", Query: p.parseQuery()}
		p.expect(")")
		return sq
	}
	if p.isPunct(")") {
		p.next()
		return &TupleExpr{Pos: pos, Elems: []Expr{}}
	}
	first := p.parseExpr()
	if sq, ok := first.(*SubqueryExpr); ok && sq.Kind == "SCALAR" {
		// ((SELECT ...) UNION (SELECT ...)) used as an expression.
		if op, _ := p.setOp(); op != "" || p.isKw("ORDER") || p.isKw("LIMIT") {
			q := &Query{Pos: sq.Pos}
			q.Body = p.parseSetRest(&ParenQuery{Pos: sq.Pos, Query: sq.Query}, 1, sq.Pos)
			p.parseOrderLimit(q)
			p.expect(")")
			return &SubqueryExpr{Pos: pos, Kind: "SCALAR", Query: q}
		}
	}
	if !p.isPunct(",") {
		p.expect(")")
		return first
	}
	tu := &TupleExpr{Pos: pos, Elems: []Expr{first}}
	for p.accept(",") {
		tu.Elems = append(tu.Elems, p.parseExpr())
	}
	p.expect(")")
	return tu
}

// parseNameExpr parses a column reference, qualified star, qualified
// positional reference, lambda or function call starting with a name.
func (p *parser) parseNameExpr() Expr {
	pos := p.tok().pos()
	if p.isPunctAt(1, "->") {
		return p.parseLambda()
	}
	parts := make([]Ident, 1, 2)
	parts[0] = p.identFrom(p.tok())
	p.next()
	for p.isPunct(".") && p.err == nil {
		nt := p.peek(1)
		switch {
		case nt.kind == tWord || nt.kind == tQIdent:
			p.next()
			parts = append(parts, p.identFrom(nt))
			p.next()
			continue
		case nt.kind == tPunct && nt.text == "*":
			p.next()
			p.next()
			return &Star{Pos: pos, Qualifier: parts}
		case nt.kind == tPositional:
			p.next()
			p.next()
			n, err := strconv.Atoi(nt.text[1:])
			if err != nil || n < 1 {
				p.failMsg(nt, "invalid positional column reference "+nt.text)
				return nil
			}
			return &PositionalRef{Pos: pos, Qualifier: parts, Index: n}
		}
		break
	}
	if p.isPunct("(") && len(parts) <= 3 {
		return p.parseFuncCall(&FuncCall{Pos: pos, Name: ObjectName{Pos: pos, Parts: parts}})
	}
	if len(parts) > 4 {
		p.failMsg(p.tok(), "column reference has more than 4 parts")
		return nil
	}
	return &ColumnRef{Pos: pos, Parts: parts}
}

// parseFuncCall parses the arguments and trailing clauses of a call.
func (p *parser) parseFuncCall(f *FuncCall) Expr {
	name := ""
	if len(f.Name.Parts) == 1 && !f.Name.Parts[0].Quoted {
		name = strings.ToUpper(f.Name.Parts[0].Name)
	}
	switch name {
	case "POSITION":
		if !p.positionInAhead() {
			break
		}
		p.next() // (
		a := p.parseBinary(precCmp + 1)
		p.expectKw("IN")
		b := p.parseExpr()
		p.expect(")")
		f.Args = []Expr{a, b}
		return p.parseCallSuffix(f)
	case "SUBSTRING", "SUBSTR":
		if !p.substringFromAhead() {
			break
		}
		p.next() // (
		f.Args = []Expr{p.parseExpr()}
		if p.acceptKw("FROM") {
			f.Args = append(f.Args, p.parseExpr())
		}
		if p.acceptKw("FOR") {
			f.Args = append(f.Args, p.parseExpr())
		}
		p.expect(")")
		return p.parseCallSuffix(f)
	}
	p.parseCallArgs(f)
	if idx, ok := datePartArg[name]; ok && idx < len(f.Args) {
		if c, ok := f.Args[idx].(*ColumnRef); ok && len(c.Parts) == 1 && !c.Parts[0].Quoted &&
			datePartNames[strings.ToUpper(c.Parts[0].Name)] {
			f.Args[idx] = &DatePart{Pos: c.Pos, Name: c.Parts[0].Name}
		}
	}
	return p.parseCallSuffix(f)
}

// positionInAhead reports whether POSITION( ... ) uses the a IN b form: an IN
// at parenthesis depth 1 before the closing parenthesis.
func (p *parser) positionInAhead() bool { return p.keywordAtDepth1("IN") }

func (p *parser) substringFromAhead() bool { return p.keywordAtDepth1("FROM") }

// keywordAtDepth1 scans the call starting at the current '(' for kw directly
// inside it. The scan is bounded to keep parsing linear.
func (p *parser) keywordAtDepth1(kw string) bool {
	depth := 0
	for n := 0; n < 64; n++ {
		t := p.peek(n)
		switch {
		case t.kind == tEOF || t.kind == tPunct && t.text == ";":
			return false
		case t.kind == tPunct && (t.text == "(" || t.text == "[" || t.text == "{"):
			depth++
		case t.kind == tPunct && (t.text == ")" || t.text == "]" || t.text == "}"):
			depth--
			if depth == 0 {
				return false
			}
		case t.kind == tWord && t.kw() == kw && depth == 1:
			return true
		}
	}
	return false
}

// parseCallArgs parses '(' [DISTINCT|ALL] args [IGNORE|RESPECT NULLS] ')'.
func (p *parser) parseCallArgs(f *FuncCall) *FuncCall {
	p.expect("(")
	f.Args = []Expr{}
	if p.accept(")") {
		return f
	}
	if p.acceptKw("DISTINCT") {
		f.Distinct = true
	} else if p.isKw("ALL") && !p.isPunctAt(1, ",") && !p.isPunctAt(1, ")") {
		p.next()
	}
	for p.err == nil {
		f.Args = append(f.Args, p.parseArg())
		if !p.accept(",") {
			break
		}
	}
	if (p.isKw("IGNORE") || p.isKw("RESPECT")) && p.isKwAt(1, "NULLS") {
		f.Nulls = p.tok().kw()
		p.next()
		p.next()
	}
	p.expect(")")
	return f
}

// parseArg parses one function argument: *, t.*, name => value, a lambda or
// an expression.
func (p *parser) parseArg() Expr {
	switch {
	case p.isPunct("*") || p.qualifiedStarAhead():
		return p.parseStar()
	case p.isAnyWord() && p.isPunctAt(1, "=>"):
		na := &NamedArg{Pos: p.tok().pos(), Name: p.identFrom(p.tok())}
		p.next()
		p.next()
		na.Value = p.parseExpr()
		return na
	case p.lambdaAhead():
		return p.parseLambda()
	}
	return p.parseExpr()
}

// parseCallSuffix parses IGNORE/RESPECT NULLS, WITHIN GROUP, FILTER and OVER
// after a call's closing parenthesis.
func (p *parser) parseCallSuffix(f *FuncCall) Expr {
	if p.isKw("FROM") && (p.isKwAt(1, "FIRST") || p.isKwAt(1, "LAST")) && f.FuncName() == "NTH_VALUE" {
		p.next()
		f.FromEnd = p.tok().kw()
		p.next()
	}
	if (p.isKw("IGNORE") || p.isKw("RESPECT")) && p.isKwAt(1, "NULLS") {
		f.Nulls = p.tok().kw()
		p.next()
		p.next()
	}
	if p.isKw("WITHIN") && p.isKwAt(1, "GROUP") {
		p.next()
		p.next()
		p.expect("(")
		p.expectKw("ORDER")
		p.expectKw("BY")
		f.WithinGroup = p.parseOrderItems()
		p.expect(")")
	}
	if p.isKw("FILTER") && p.isPunctAt(1, "(") && p.isKwAt(2, "WHERE") {
		p.next()
		p.next()
		p.next()
		f.Filter = p.parseExpr()
		p.expect(")")
	}
	if p.isKw("OVER") && p.isPunctAt(1, "(") {
		f.Over = p.parseWindowSpec()
	}
	return f
}

func (p *parser) parseWindowSpec() *WindowSpec {
	w := &WindowSpec{Pos: p.tok().pos()}
	p.next() // OVER
	p.expect("(")
	if p.isKw("PARTITION") && p.isKwAt(1, "BY") {
		p.next()
		p.next()
		for p.err == nil {
			w.PartitionBy = append(w.PartitionBy, p.parseExpr())
			if !p.accept(",") {
				break
			}
		}
	}
	if p.isKw("ORDER") && p.isKwAt(1, "BY") {
		p.next()
		p.next()
		w.OrderBy = p.parseOrderItems()
	}
	if p.isKw("ROWS") || p.isKw("RANGE") {
		fr := &WindowFrame{Pos: p.tok().pos(), Unit: p.tok().kw()}
		p.next()
		if p.acceptKw("BETWEEN") {
			fr.Start = p.parseFrameBound()
			p.expectKw("AND")
			fr.End = p.parseFrameBound()
		} else {
			fr.Start = p.parseFrameBound()
		}
		w.Frame = fr
	}
	p.expect(")")
	return w
}

func (p *parser) parseFrameBound() *FrameBound {
	b := &FrameBound{Pos: p.tok().pos()}
	switch {
	case p.isKw("UNBOUNDED"):
		p.next()
		if p.acceptKw("PRECEDING") {
			b.Kind = "UNBOUNDED PRECEDING"
		} else if p.acceptKw("FOLLOWING") {
			b.Kind = "UNBOUNDED FOLLOWING"
		} else {
			p.fail("PRECEDING or FOLLOWING")
		}
	case p.isKw("CURRENT") && p.isKwAt(1, "ROW"):
		p.next()
		p.next()
		b.Kind = "CURRENT ROW"
	default:
		b.Offset = p.parseBinary(precCmp + 1)
		if p.acceptKw("PRECEDING") {
			b.Kind = "PRECEDING"
		} else if p.acceptKw("FOLLOWING") {
			b.Kind = "FOLLOWING"
		} else {
			p.fail("PRECEDING or FOLLOWING")
		}
	}
	return b
}

func (p *parser) parseCase() Expr {
	c := &CaseExpr{Pos: p.tok().pos()}
	p.next() // CASE
	if !p.isKw("WHEN") {
		c.Operand = p.parseExpr()
	}
	for p.err == nil && p.isKw("WHEN") {
		w := &When{Pos: p.tok().pos()}
		p.next()
		w.Cond = p.parseExpr()
		p.expectKw("THEN")
		w.Result = p.parseExpr()
		c.Whens = append(c.Whens, w)
	}
	if len(c.Whens) == 0 {
		p.fail("WHEN")
		return nil
	}
	if p.acceptKw("ELSE") {
		c.Else = p.parseExpr()
	}
	p.expectKw("END")
	return c
}

func (p *parser) parseCast() Expr {
	c := &CastExpr{Pos: p.tok().pos(), Try: p.isKw("TRY_CAST")}
	p.next()
	p.expect("(")
	c.X = p.parseExpr()
	p.expectKw("AS")
	c.Type = p.parseDataType()
	p.expect(")")
	return c
}

func (p *parser) parseExtract() Expr {
	e := &ExtractExpr{Pos: p.tok().pos()}
	p.next()
	p.next() // EXTRACT (
	switch t := p.tok(); t.kind {
	case tWord, tQIdent:
		e.Part = t.text
		p.next()
	case tString:
		e.Part = stringValue(t)
		p.next()
	default:
		p.fail("date or time part")
		return nil
	}
	p.expectKw("FROM")
	e.X = p.parseExpr()
	p.expect(")")
	return e
}

// parseDataType parses a type name with optional parameters.
func (p *parser) parseDataType() *DataType {
	t := p.tok()
	if t.kind != tWord && t.kind != tQIdent || t.reserved() {
		p.fail("data type")
		return nil
	}
	d := &DataType{Pos: t.pos(), Name: strings.ToUpper(t.text)}
	p.next()
	switch {
	case d.Name == "DOUBLE" && p.isKw("PRECISION"),
		(d.Name == "CHARACTER" || d.Name == "CHAR" || d.Name == "NCHAR") && p.isKw("VARYING"):
		d.Name += " " + p.tok().kw()
		p.next()
	case d.Name == "INTERVAL":
		// INTERVAL DAY TO SECOND and the other interval data types.
		if q := p.parseIntervalQualifier(); q != "" {
			d.Name += " " + q
		}
	}
	if p.isPunct("(") {
		p.next()
		d.Args = []string{}
		depth := 0
		argStart := p.tok().pos().Offset
		for p.err == nil && !p.atEnd() {
			if p.isPunct("(") {
				depth++
			} else if p.isPunct(")") {
				if depth == 0 {
					break
				}
				depth--
			} else if p.isPunct(",") && depth == 0 {
				d.Args = append(d.Args, strings.TrimSpace(p.src[argStart:p.tok().pos().Offset]))
				p.next()
				argStart = p.tok().pos().Offset
				continue
			}
			p.next()
		}
		if s := strings.TrimSpace(p.src[argStart:p.tok().pos().Offset]); s != "" || len(d.Args) > 0 {
			d.Args = append(d.Args, s)
		}
		p.expect(")")
	}
	return d
}

// lambdaAhead reports whether a lambda starts at the current token:
// x ->, x TYPE ->, x TYPE(n) ->, or (x [TYPE], ...) ->. The scan is bounded.
func (p *parser) lambdaAhead() bool {
	t := p.tok()
	if t.kind == tWord || t.kind == tQIdent {
		if p.isPunctAt(1, "->") {
			return true
		}
		n, ok := p.skipTypeAhead(1)
		return ok && p.isPunctAt(n, "->")
	}
	if t.kind != tPunct || t.text != "(" {
		return false
	}
	n := 1
	for k := 0; k < 32; k++ {
		nt := p.peek(n)
		if nt.kind != tWord && nt.kind != tQIdent {
			return false
		}
		n++
		if !p.isPunctAt(n, ",") && !p.isPunctAt(n, ")") {
			var ok bool
			if n, ok = p.skipTypeAhead(n); !ok {
				return false
			}
		}
		if p.isPunctAt(n, ")") {
			return p.isPunctAt(n+1, "->")
		}
		if !p.isPunctAt(n, ",") {
			return false
		}
		n++
	}
	return false
}

// skipTypeAhead skips a type name (a word with an optional parenthesised
// parameter list of numbers and commas) at offset n.
func (p *parser) skipTypeAhead(n int) (int, bool) {
	if p.peek(n).kind != tWord {
		return n, false
	}
	n++
	if !p.isPunctAt(n, "(") {
		return n, true
	}
	n++
	for k := 0; k < 8; k++ {
		t := p.peek(n)
		if t.kind == tPunct && t.text == ")" {
			return n + 1, true
		}
		if t.kind != tNumber && !(t.kind == tPunct && t.text == ",") {
			return n, false
		}
		n++
	}
	return n, false
}

func (p *parser) parseLambda() Expr {
	l := &Lambda{Pos: p.tok().pos()}
	paren := p.accept("(")
	for p.err == nil {
		lp := &LambdaParam{Pos: p.tok().pos(), Name: p.parseAnyIdent()}
		if !p.isPunct("->") && !p.isPunct(",") && !p.isPunct(")") {
			lp.Type = p.parseDataType()
		}
		l.Params = append(l.Params, lp)
		if !paren || !p.accept(",") {
			break
		}
	}
	if paren {
		p.expect(")")
	}
	p.expect("->")
	l.Body = p.parseExpr()
	return l
}

// datePartArg maps functions to the index of their date-part argument.
var datePartArg = map[string]int{
	"DATEADD": 0, "DATEDIFF": 0, "TIMEADD": 0, "TIMEDIFF": 0, "TIMESTAMPADD": 0, "TIMESTAMPDIFF": 0,
	"DATE_TRUNC": 0, "DATE_PART": 0, "TIME_SLICE": 2, "LAST_DAY": 1,
}

// datePartNames are Snowflake's date and time parts and their abbreviations.
var datePartNames = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range strings.Fields(`YEAR Y YY YYY YYYY YR YEARS YRS MONTH MM MON MONS MONTHS DAY D DD DAYS
		DAYOFMONTH DAYOFWEEK WEEKDAY DOW DW DAYOFWEEKISO WEEKDAY_ISO DOW_ISO DW_ISO DAYOFYEAR YEARDAY DOY DY
		WEEK W WK WEEKOFYEAR WOY WY WEEKISO WEEK_ISO WEEKOFYEARISO WEEKOFYEAR_ISO QUARTER Q QTR QTRS QUARTERS
		YEAROFWEEK YEAROFWEEKISO HOUR H HH HR HOURS HRS MINUTE M MI MIN MINUTES MINS SECOND S SEC SECONDS SECS
		MILLISECOND MS MSEC MILLISECONDS MICROSECOND US USEC MICROSECONDS NANOSECOND NS NSEC NANOSEC NSECOND
		NANOSECONDS NANOSECS NSECONDS EPOCH_SECOND EPOCH EPOCH_SECONDS EPOCH_MILLISECOND EPOCH_MILLISECONDS
		EPOCH_MICROSECOND EPOCH_MICROSECONDS EPOCH_NANOSECOND EPOCH_NANOSECONDS TIMEZONE_HOUR TZH
		TIMEZONE_MINUTE TZM`) {
		m[s] = true
	}
	return m
}()

// stringValue decodes a string token: '...' with doubled quotes and backslash escapes,
// or $$...$$ taken literally.
func stringValue(t *token) string {
	raw := t.text
	if t.kind == tDollarStr {
		return raw[2 : len(raw)-2]
	}
	s := raw[1 : len(raw)-1]
	if strings.IndexByte(s, '\\') < 0 && strings.IndexByte(s, '\'') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\'' && i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case '0':
			b.WriteByte(0)
		case 'x':
			if i+2 < len(s) {
				if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
					b.WriteByte(byte(v))
					i += 2
					continue
				}
			}
			b.WriteByte('x')
		case 'u':
			if i+4 < len(s) {
				if v, err := strconv.ParseUint(s[i+1:i+5], 16, 32); err == nil {
					b.WriteRune(rune(v))
					i += 4
					continue
				}
			}
			b.WriteByte('u')
		default:
			b.WriteByte(e)
		}
	}
	return b.String()
}

// intervalFields are the fields of an interval qualifier.
var intervalFields = map[string]bool{"YEAR": true, "MONTH": true, "DAY": true, "HOUR": true, "MINUTE": true, "SECOND": true}

// parseIntervalQualifier parses the optional qualifier after INTERVAL '...':
// field [TO field], as in Snowflake's INTERVAL data types (INTERVAL '1' DAY,
// INTERVAL '1-6' YEAR TO MONTH). A field word right after the string is
// taken as the qualifier, not as a column alias (write AS day for that).
func (p *parser) parseIntervalQualifier() string {
	field := func(t *token) string {
		if t.kind != tWord {
			return ""
		}
		if f := strings.ToUpper(t.text); intervalFields[f] {
			return f
		}
		return ""
	}
	q := field(p.tok())
	if q == "" {
		return ""
	}
	p.next()
	if p.isKw("TO") {
		if to := field(p.peek(1)); to != "" {
			p.next()
			p.next()
			q += " TO " + to
		}
	}
	return q
}
